// flytecache — unit tests for hash/: SHA-256 (constexpr and OpenSSL), MD5 and the encoders
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace fc = flytecache;
using namespace std::string_view_literals;

namespace {

// FIPS 180-2 appendix B / NIST CAVS messages.
constexpr std::string_view msg_448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
constexpr std::string_view msg_896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijkl"
                                     "mnoijklmnopjklmnopqklmnopqrlmnopqrs"
                                     "mnopqrstnopqrstu";
constexpr std::string_view hex_empty =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view hex_abc =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr std::string_view hex_448 =
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr std::string_view hex_896 =
    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1";
constexpr std::string_view hex_million_a =
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

// Bytes whose pattern does not repeat with the 64-byte block, so block-boundary bugs show up.
std::vector<std::uint8_t> pattern(std::size_t n) {
    std::vector<std::uint8_t> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>((7 * i + 3) % 256);
    return out;
}

std::string openssl_sha256_hex(std::span<const std::uint8_t> data) {
    std::array<std::uint8_t, SHA256_DIGEST_LENGTH> out{};
    SHA256(data.data(), data.size(), out.data());
    return fc::to_hex(out);
}

std::string openssl_md5_hex(std::span<const std::uint8_t> data) {
    std::array<std::uint8_t, 16> out{};
    unsigned int length = 0;
    const int ok = EVP_Digest(data.data(), data.size(), out.data(), &length, EVP_md5(), nullptr);
    if (ok != 1 || length != out.size()) return "EVP_Digest failed";
    return fc::to_hex(out);
}

std::string engine_hex(std::span<const std::uint8_t> data) {
    fc::detail::sha256_engine engine;
    engine.update(data.data(), data.size());
    return fc::to_hex(engine.finish());
}

std::span<const std::byte> as_bytes(const std::vector<std::uint8_t>& v) {
    return std::as_bytes(std::span<const std::uint8_t>(v));
}

constexpr fc::sha256 make_prefixed_hasher() {
    fc::sha256 hasher;
    hasher.update("ab");
    return hasher;
}

// Fed during constant evaluation, continued at run time.
constinit fc::sha256 prefixed_hasher = make_prefixed_hasher();

} // namespace

// ---------------------------------------------------------------------------------------------
// SHA-256

TEST_CASE("sha256: FIPS 180-4 known answers") {
    CHECK(fc::sha256_hex("") == hex_empty);
    CHECK(fc::sha256_hex("abc") == hex_abc);
    CHECK(fc::sha256_hex(msg_448) == hex_448);
    CHECK(fc::sha256_hex(msg_896) == hex_896);
    CHECK(fc::to_hex(fc::sha256_of("abc")) == hex_abc);

    fc::detail::sha256_engine engine;
    engine.update(msg_896);
    CHECK(fc::to_hex(engine.finish()) == hex_896);
}

TEST_CASE("sha256: one million 'a'") {
    const std::string million(1'000'000, 'a');
    CHECK(fc::sha256_hex(million) == hex_million_a);

    fc::sha256 streamed;
    const std::string thousand(1000, 'a');
    for (int i = 0; i < 1000; ++i) streamed.update(thousand);
    CHECK(streamed.hex_digest() == hex_million_a);

    fc::detail::sha256_engine engine;
    engine.update(million);
    CHECK(fc::to_hex(engine.finish()) == hex_million_a);
}

TEST_CASE("sha256: usable in constant expressions") {
    static_assert(fc::sha256_hex("abc") == hex_abc);
    static_assert(fc::sha256_hex("") == hex_empty);
    static_assert(fc::sha256_hex(msg_448) == hex_448); // padding spills into a second block
    static_assert(fc::sha256_hex(msg_896) == hex_896);
    static_assert(fc::sha256_of("abc")[0] == 0xba && fc::sha256_of("abc")[31] == 0xad);
    static_assert([] {
        fc::sha256 hasher;
        hasher.update("abcdbcdecdefdefg")
            .update(""sv)
            .update("efghfghighijhijkijkljklmklmnlmnomnopnopq");
        const std::array<std::uint8_t, 3> abc{'a', 'b', 'c'};
        return hasher.hex_digest() == hex_448 && hasher.update(abc).hex_digest() == hex_abc;
    }());
    // The same digests at run time, through OpenSSL.
    CHECK(fc::sha256_hex("abc") == hex_abc);
    CHECK(fc::sha256_hex(msg_896) == hex_896);
}

// Digests of the test pattern for lengths First..Last, computed by the compiler (sha256_of in
// constant evaluation), to be compared with OpenSSL at run time. Four ranges, because each constant
// evaluation has an operation budget (GCC: -fconstexpr-ops-limit).
template <std::size_t First, std::size_t Last>
constexpr auto compile_time_digest_range() {
    std::array<fc::sha256_digest, Last - First + 1> table{};
    std::array<char, Last> data{};
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((7 * i + 3) % 256);
    for (std::size_t n = First; n <= Last; ++n) {
        table[n - First] = fc::sha256_of(std::string_view(data.data(), n));
    }
    return table;
}
constexpr auto digests_0 = compile_time_digest_range<0, 100>();
constexpr auto digests_1 = compile_time_digest_range<101, 180>();
constexpr auto digests_2 = compile_time_digest_range<181, 245>();
constexpr auto digests_3 = compile_time_digest_range<246, 300>();

const fc::sha256_digest& compile_time_digest(std::size_t n) {
    if (n <= 100) return digests_0[n];
    if (n <= 180) return digests_1[n - 101];
    if (n <= 245) return digests_2[n - 181];
    return digests_3[n - 246];
}

TEST_CASE("sha256: constant-evaluated digests equal OpenSSL on lengths 0..300") {
    for (std::size_t n = 0; n <= 300; ++n) {
        CAPTURE(n);
        CHECK(fc::to_hex(compile_time_digest(n)) == openssl_sha256_hex(pattern(n)));
    }
}

TEST_CASE("sha256: constexpr engine equals OpenSSL SHA256() on lengths 0..300 and 1 MiB") {
    for (std::size_t n = 0; n <= 300; ++n) {
        CAPTURE(n);
        const auto data = pattern(n);
        CHECK(engine_hex(data) == openssl_sha256_hex(data));
    }
    const auto mebibyte = pattern(std::size_t{1} << 20);
    CHECK(engine_hex(mebibyte) == openssl_sha256_hex(mebibyte));
}

TEST_CASE("sha256: run-time hasher equals OpenSSL on lengths 0..300 and 1 MiB") {
    fc::sha256 reused;
    for (std::size_t n = 0; n <= 300; ++n) {
        CAPTURE(n);
        const auto data = pattern(n);
        const std::string expected = openssl_sha256_hex(data);
        const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
        CHECK(fc::sha256_hex(text) == expected);
        CHECK(reused.update(data).hex_digest() == expected);
        CHECK(fc::sha256().update(as_bytes(data)).hex_digest() == expected);
    }
    const auto mebibyte = pattern(std::size_t{1} << 20);
    CHECK(fc::sha256().update(mebibyte).hex_digest() == openssl_sha256_hex(mebibyte));
}

TEST_CASE("sha256: uneven chunks equal one-shot") {
    const auto data = pattern(1000);
    const std::string expected = openssl_sha256_hex(data);
    for (const std::size_t step : {1U, 3U, 63U, 64U, 65U, 127U, 333U}) {
        CAPTURE(step);
        fc::sha256 hasher;
        fc::detail::sha256_engine engine;
        std::size_t offset = 0;
        for (std::size_t chunk = step; offset < data.size(); chunk = chunk * 5 % 211 + 1) {
            const std::size_t take = std::min(chunk, data.size() - offset);
            hasher.update(std::span(data).subspan(offset, take));
            engine.update(data.data() + offset, take);
            offset += take;
        }
        CHECK(hasher.hex_digest() == expected);
        CHECK(fc::to_hex(engine.finish()) == expected);
    }
}

TEST_CASE("sha256: finish() resets for reuse") {
    fc::sha256 hasher;
    hasher.update("a").update("bc");
    CHECK(fc::to_hex(hasher.finish()) == hex_abc);
    CHECK(hasher.hex_digest() == hex_empty); // nothing fed since the reset
    hasher.update("abc");
    CHECK(hasher.hex_digest() == hex_abc);

    fc::detail::sha256_engine engine;
    engine.update("abc");
    CHECK(fc::to_hex(engine.finish()) == hex_abc);
    CHECK(engine.empty());
    CHECK(fc::to_hex(engine.finish()) == hex_empty);
}

TEST_CASE("sha256: std::byte span overload") {
    const std::array<std::byte, 3> abc{std::byte{'a'}, std::byte{'b'}, std::byte{'c'}};
    fc::sha256 hasher;
    CHECK(hasher.update(abc).hex_digest() == hex_abc);
    CHECK(hasher.update(std::span<const std::byte>{}).hex_digest() == hex_empty);

    fc::detail::sha256_engine engine;
    engine.update(std::span<const std::byte>(abc));
    CHECK(fc::to_hex(engine.finish()) == hex_abc);
}

TEST_CASE("sha256: moved hasher keeps its message") {
    fc::sha256 first;
    first.update("ab");
    fc::sha256 second = std::move(first);
    second.update("c");
    CHECK(second.hex_digest() == hex_abc);

    fc::sha256 third;
    third.update("zzz");
    third = std::move(second);
    CHECK(third.update("abc").hex_digest() == hex_abc);
}

TEST_CASE("sha256: a constinit hasher continues its constant-evaluated message at run time") {
    prefixed_hasher.update("c");
    CHECK(prefixed_hasher.hex_digest() == hex_abc);
    prefixed_hasher.update("abc"); // now on the OpenSSL path
    CHECK(prefixed_hasher.hex_digest() == hex_abc);
}

// ---------------------------------------------------------------------------------------------
// MD5

TEST_CASE("md5: RFC 1321 test suite") {
    CHECK(fc::md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(fc::md5_hex("a") == "0cc175b9c0f1b6a831c399e269772661");
    CHECK(fc::md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(fc::md5_hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
    CHECK(fc::md5_hex("abcdefghijklmnopqrstuvwxyz") == "c3fcd3d76192e4007dfb496cca67e13b");
    CHECK(fc::md5_hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
          "d174ab98d277d9f5a5611c2c9f419d9f");
    CHECK(fc::md5_hex("1234567890123456789012345678901234567890"
                      "1234567890123456789012345678901234567890") ==
          "57edf4a22be3c955ac49da2e2107b67a");
    CHECK(fc::to_hex(fc::md5_of("abc")) == "900150983cd24fb0d6963f7d28e17f72");
}

TEST_CASE("md5: equals OpenSSL EVP on lengths 0..300, streamed and reused") {
    fc::md5 reused;
    for (std::size_t n = 0; n <= 300; ++n) {
        CAPTURE(n);
        const auto data = pattern(n);
        const std::string expected = openssl_md5_hex(data);
        const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
        CHECK(fc::md5_hex(text) == expected);
        const std::size_t half = n / 3;
        reused.update(std::span(data).first(half)).update(as_bytes(data).subspan(half));
        CHECK(reused.hex_digest() == expected);
    }
    fc::md5 hasher;
    hasher.update("a").update("bc");
    CHECK(fc::to_hex(hasher.finish()) == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(hasher.hex_digest() == "d41d8cd98f00b204e9800998ecf8427e");
}

// ---------------------------------------------------------------------------------------------
// Encoders (RFC 4648 §10 test vectors)

TEST_CASE("hex: RFC 4648 base16 vectors, lowercase") {
    CHECK(fc::to_hex("") == "");
    CHECK(fc::to_hex("f") == "66");
    CHECK(fc::to_hex("fo") == "666f");
    CHECK(fc::to_hex("foo") == "666f6f");
    CHECK(fc::to_hex("foob") == "666f6f62");
    CHECK(fc::to_hex("fooba") == "666f6f6261");
    CHECK(fc::to_hex("foobar") == "666f6f626172");
    const std::vector<std::uint8_t> bytes{0x00, 0x0f, 0xa0, 0xff};
    CHECK(fc::to_hex(bytes) == "000fa0ff");
    CHECK(fc::to_hex("\xff\x80"sv) == "ff80"); // chars are octets, not sign-extended
}

TEST_CASE("base64url: RFC 4648 vectors without padding") {
    CHECK(fc::to_base64url("") == "");
    CHECK(fc::to_base64url("f") == "Zg");
    CHECK(fc::to_base64url("fo") == "Zm8");
    CHECK(fc::to_base64url("foo") == "Zm9v");
    CHECK(fc::to_base64url("foob") == "Zm9vYg");
    CHECK(fc::to_base64url("fooba") == "Zm9vYmE");
    CHECK(fc::to_base64url("foobar") == "Zm9vYmFy");
    // 62 and 63 map to '-' and '_' (standard base64 would give '+' and '/').
    const std::array<std::uint8_t, 3> high{0xfb, 0xff, 0xbf};
    CHECK(fc::to_base64url(high) == "-_-_");
    CHECK(fc::to_base64url("\xfb\xff"sv) == "-_8");
    const std::string encoded = fc::to_base64url(fc::sha256_of("abc"));
    CHECK(encoded.size() == 43); // ceil(32 * 4 / 3), no '='
    CHECK(encoded.find('=') == std::string::npos);
    CHECK(encoded == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
}

TEST_CASE("base32: RFC 4648 vectors and options") {
    CHECK(fc::to_base32("") == "");
    CHECK(fc::to_base32("f") == "MY======");
    CHECK(fc::to_base32("fo") == "MZXQ====");
    CHECK(fc::to_base32("foo") == "MZXW6===");
    CHECK(fc::to_base32("foob") == "MZXW6YQ=");
    CHECK(fc::to_base32("fooba") == "MZXW6YTB");
    CHECK(fc::to_base32("foobar") == "MZXW6YTBOI======");

    const fc::base32_options lower{.lowercase = true};
    const fc::base32_options bare{.padding = false};
    const fc::base32_options lower_bare{.lowercase = true, .padding = false};
    CHECK(fc::to_base32("foobar", lower) == "mzxw6ytboi======");
    CHECK(fc::to_base32("foobar", bare) == "MZXW6YTBOI");
    CHECK(fc::to_base32("f", lower_bare) == "my");
    CHECK(fc::to_base32("fooba", lower_bare) == "mzxw6ytb");
    const std::array<std::uint8_t, 5> ones{0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK(fc::to_base32(ones) == "77777777");
    CHECK(fc::to_base32(ones, lower) == "77777777");
}

TEST_CASE("encoders: constexpr and unambiguous for digests") {
    static_assert(fc::to_hex("foobar") == "666f6f626172");
    static_assert(fc::to_base64url("foobar") == "Zm9vYmFy");
    static_assert(fc::to_base64url("fooba") == "Zm9vYmE");
    static_assert(fc::to_base32("foobar") == "MZXW6YTBOI======");
    static_assert(fc::to_base32("foobar", {.lowercase = true, .padding = false}) == "mzxw6ytboi");
    static_assert(fc::to_hex(std::array<std::uint8_t, 2>{0xab, 0x01}) == "ab01");
    static_assert(fc::to_base64url(fc::sha256_of("abc")) ==
                  "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");

    static_assert(requires(const fc::sha256_digest& d) { fc::to_hex(d); });
    static_assert(requires(const fc::md5_digest& d) { fc::to_base64url(d); });
    static_assert(requires(const fc::sha256_digest& d) { fc::to_base32(d); });
    static_assert(requires(const std::vector<std::uint8_t>& v) { fc::to_hex(v); });
    static_assert(requires(const std::string& s) { fc::to_hex(s); });
    CHECK(fc::to_hex(fc::sha256_of("abc")) == hex_abc);
}

// ---------------------------------------------------------------------------------------------
// Threads and the per-thread context pool

TEST_CASE("hashing from several threads gives correct results") {
    constexpr std::size_t max_length = 300;
    std::vector<std::vector<std::uint8_t>> inputs;
    std::vector<std::string> sha_expected, md5_expected;
    for (std::size_t n = 0; n < max_length; ++n) {
        inputs.push_back(pattern(n));
        sha_expected.push_back(openssl_sha256_hex(inputs.back()));
        md5_expected.push_back(openssl_md5_hex(inputs.back()));
    }

    std::atomic<int> mismatches{0};
    std::atomic<int> hashes{0};
    const auto worker = [&](std::size_t id) {
        for (std::size_t k = 0; k < 2000; ++k) {
            const std::size_t n = (k * 31 + id * 17) % max_length;
            const auto& data = inputs[n];
            bool ok = fc::sha256().update(data).hex_digest() == sha_expected[n];
            ok = ok && fc::md5().update(data).hex_digest() == md5_expected[n];
            if (k % 50 == 0) {
                // More hashers alive at once than the pool keeps, interleaved.
                std::vector<fc::sha256> many(7);
                for (auto& h : many) h.update(std::span(data).first(n / 2));
                for (auto& h : many) h.update(std::span(data).subspan(n / 2));
                for (auto& h : many) ok = ok && h.hex_digest() == sha_expected[n];
            }
            if (!ok) ++mismatches;
            ++hashes;
        }
    };
    std::vector<std::thread> threads;
    for (std::size_t id = 0; id < 4; ++id) threads.emplace_back(worker, id);
    for (auto& t : threads) t.join();
    CHECK(mismatches.load() == 0);
    CHECK(hashes.load() == 4 * 2000);
}

TEST_CASE("hashers outliving their thread's pool, or moved across threads, are freed") {
    std::string late_result;
    std::thread([&] {
        // Constructed before the pool, so destroyed after it at thread exit.
        thread_local fc::sha256 late;
        late.update("abc");
        late_result = late.hex_digest();
        late.update("still holding a context");
    }).join();
    CHECK(late_result == hex_abc);

    fc::sha256 travelling;
    travelling.update("ab");
    std::string moved_result;
    std::thread([&, h = std::move(travelling)]() mutable {
        h.update("c");
        moved_result = h.hex_digest();
    }).join();
    CHECK(moved_result == hex_abc);

    fc::md5 created_elsewhere;
    std::thread([&] { created_elsewhere.update("a"); }).join();
    CHECK(created_elsewhere.update("bc").hex_digest() == "900150983cd24fb0d6963f7d28e17f72");
}
