// flytecache — SHA-256: OpenSSL at run time, a constexpr engine during constant evaluation
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/evp.hpp>
#include <flytecache/detail/sha256_engine.hpp>
#include <flytecache/hash/hex.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

FLYTECACHE_NAMESPACE_BEGIN

/// A SHA-256 digest: 32 bytes in the order FIPS 180-4 outputs them (big-endian words).
using sha256_digest = std::array<std::uint8_t, 32>;

/// Streaming SHA-256 (FIPS 180-4), the hash behind every flytekit cache version.
///
/// Why two backends: versions known at compile time can be computed (and `static_assert`ed) in
/// constant expressions, while run-time hashing should be as fast as the platform allows. Constant
/// evaluation runs the portable `detail::sha256_engine`; run time uses OpenSSL EVP with the
/// algorithm fetched once and contexts pooled per thread. Both give the same digest.
///
/// Guarantees: `finish()` digests everything `update()`d since construction or the previous
/// `finish()`, then resets for the next message. Construction allocates nothing; the first
/// run-time use takes a pooled OpenSSL context, which the destructor gives back. Movable, not
/// copyable.
/// Thread safety: one object must not be used from two threads at once; distinct objects are
/// independent, and an object may be moved to and destroyed on another thread.
/// @throws crypto_error at run time if OpenSSL cannot provide SHA-256 or a context.
class sha256 {
public:
    static constexpr std::size_t digest_size = 32;

    constexpr sha256() noexcept = default;

    /// Appends the bytes of `data` (each `char` taken as an unsigned octet) to the message.
    constexpr sha256& update(std::string_view data) {
        if (use_engine()) {
            engine_.update(data);
        } else {
            evp_.update(data.data(), data.size());
        }
        return *this;
    }

    /// Appends raw bytes to the message.
    constexpr sha256& update(std::span<const std::uint8_t> data) {
        if (use_engine()) {
            engine_.update(data.data(), data.size());
        } else {
            evp_.update(data.data(), data.size());
        }
        return *this;
    }

    /// Appends raw bytes to the message; run time only.
    sha256& update(std::span<const std::byte> data) {
        if (use_engine()) {
            engine_.update(data);
        } else {
            evp_.update(data.data(), data.size());
        }
        return *this;
    }

    /// Returns the digest of the message and resets the hasher for the next one.
    [[nodiscard]] constexpr sha256_digest finish() {
        if (use_engine()) return engine_.finish();
        return evp_.finish();
    }

    /// finish() as 64 lowercase hex characters, the form flytekit stores and compares.
    [[nodiscard]] constexpr std::string hex_digest() { return to_hex(finish()); }

private:
    // The engine also stays in charge at run time when it already holds bytes: a `constinit`
    // hasher fed during constant evaluation must continue that message, not start a new one.
    [[nodiscard]] constexpr bool use_engine() const noexcept {
        return std::is_constant_evaluated() || !engine_.empty();
    }

    detail::sha256_engine engine_;
    detail::evp_hasher<detail::sha256_tag> evp_;
};

/// SHA-256 of `data` in one call; usable in constant expressions and safe to call concurrently.
[[nodiscard]] constexpr sha256_digest sha256_of(std::string_view data) {
    sha256 hasher;
    hasher.update(data);
    return hasher.finish();
}

/// SHA-256 of `data` as 64 lowercase hex characters, equal to Python's
/// `hashlib.sha256(data).hexdigest()`; usable in constant expressions.
[[nodiscard]] constexpr std::string sha256_hex(std::string_view data) {
    return to_hex(sha256_of(data));
}

FLYTECACHE_NAMESPACE_END
