// flytecache — libFuzzer target: decode_literal_map on arbitrary bytes
// SPDX-License-Identifier: MIT
// libFuzzer target: decode_literal_map on arbitrary bytes, and the round-trip property on whatever
// decodes.
#include <flytecache/error.hpp>
#include <flytecache/literal/decode.hpp>
#include <flytecache/literal/encode.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void fail(const char* what) {
    std::fputs(what, stderr);
    std::fputc('\n', stderr);
    std::abort();
}

} // namespace

// Whatever decodes must re-encode canonically: encode(decode(b)) decodes again (it is well-formed
// by construction) and re-encodes to itself. NaN doubles make == useless on values, so the check
// compares bytes. decode_error is the expected answer to malformed input; any other exception
// (std::bad_alloc included: inputs are small) is a bug.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        const std::string once = flytecache::encode(flytecache::decode_literal_map(bytes));
        const std::string twice = flytecache::encode(flytecache::decode_literal_map(once));
        if (once != twice)
            fail("decode_fuzzer: encode(decode(encode(decode(b)))) != encode(decode(b))");
    } catch (const flytecache::decode_error&) {
        // Malformed input, rejected as it should be.
    } catch (const std::exception& e) {
        std::fprintf(stderr, "decode_fuzzer: unexpected exception: %s\n", e.what());
        std::abort();
    } catch (...) {
        fail("decode_fuzzer: unexpected exception of unknown type");
    }
    // The same bytes read as a Literal and as a LiteralType exercise the other entry points.
    try {
        const std::string once = flytecache::encode(flytecache::decode_literal(bytes));
        if (flytecache::encode(flytecache::decode_literal(once)) != once) {
            fail("decode_fuzzer: Literal round trip differs");
        }
    } catch (const flytecache::decode_error&) {
    } catch (...) {
        fail("decode_fuzzer: unexpected exception from decode_literal");
    }
    try {
        const std::string once = flytecache::encode(flytecache::decode_literal_type(bytes));
        if (flytecache::encode(flytecache::decode_literal_type(once)) != once) {
            fail("decode_fuzzer: LiteralType round trip differs");
        }
    } catch (const flytecache::decode_error&) {
    } catch (...) {
        fail("decode_fuzzer: unexpected exception from decode_literal_type");
    }
    return 0;
}
