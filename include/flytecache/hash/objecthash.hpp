// flytecache — Ben Laurie's objecthash (SHA-256) over a JSON value, as the Flyte backend hashes
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/json.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/sha256.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// The Flyte backend tags a cached artifact with objecthash of the jsonpb text of its inputs, after
// Go's `json.Unmarshal` into interface{}. That decoding fixes the value model this file follows:
// every JSON number is a float64, strings are hashed as their UTF-8 bytes without normalization,
// and objects are maps (so member order never matters). Each node hashes as
//   sha256(type tag ‖ payload)
// with tags n (null), b (bool), u (string), f (number), l (array), d (object).

/// objecthash's text form of a float64: `+0:` for both zeros, otherwise a sign, the binary exponent
/// e with 0.5 < |f| / 2^e <= 1, a colon, and the binary digits of m = |f| / 2^e from its units
/// digit on ("1" when m is exactly 1, else "0" followed by the fraction bits), stopping after the
/// last 1. For example 1 → "+0:1", 1.5 → "+1:011", 0.1 → "+-3:0110011...".
///
/// Throws invalid_argument for NaN and infinities: JSON has no such numbers (jsonpb writes them as
/// the strings "NaN"/"Infinity"), and objecthash has no normal form for them.
inline std::string objecthash_normalize_float(double f) {
    if (std::isnan(f) || std::isinf(f)) {
        throw invalid_argument(
            "flytecache: objecthash cannot hash a NaN or infinite number; JSON numbers are finite "
            "(jsonpb writes NaN and infinities as strings)");
    }
    if (f == 0.0) return "+0:"; // -0.0 == 0.0, so both zeros land here

    std::string out(1, f < 0 ? '-' : '+');
    // frexp gives |f| = m * 2^e with m in [0.5, 1); objecthash wants m in (0.5, 1], which differs
    // only for powers of two. Scaling by two is exact, subnormals included.
    int exponent = 0;
    double mantissa = std::frexp(std::fabs(f), &exponent);
    if (mantissa == 0.5) {
        mantissa = 1.0;
        --exponent;
    }
    out += std::to_string(exponent);
    out += ':';
    // At most 54 digits: the units digit and 53 significand bits. Every step is exact.
    while (mantissa != 0.0) {
        if (mantissa >= 1.0) {
            out += '1';
            mantissa -= 1.0;
        } else {
            out += '0';
        }
        mantissa *= 2.0;
    }
    return out;
}

/// sha256(tag ‖ payload).
inline sha256_digest objecthash_leaf(char tag, std::string_view payload) {
    sha256 hasher;
    hasher.update(std::string_view(&tag, 1));
    hasher.update(payload);
    return hasher.finish();
}

/// objecthash of a JSON value as the Flyte backend computes it (benlaurie/objecthash's
/// `CommonJSONHash`): null → sha256("n"); bool → sha256("b1"/"b0"); string → sha256("u" ‖ UTF-8);
/// number → sha256("f" ‖ objecthash_normalize_float(value as float64)); array → sha256("l" ‖
/// element hashes in order); object → sha256("d" ‖ (hash(key) ‖ hash(value)) per member, sorted
/// by those 64 bytes).
///
/// Numbers are read as the nearest double, as Go's json.Unmarshal does; one too large for a double
/// throws invalid_argument (Go's decoder rejects it too), one too small becomes a signed zero.
/// Found by argument-dependent lookup, so `objecthash(v)` works unqualified. Recursion depth is
/// the nesting depth of `value`, which parse_json bounds by json_max_depth.
inline sha256_digest objecthash(const json_value& value) {
    switch (value.type()) {
    case json_value::kind::null: return objecthash_leaf('n', {});
    case json_value::kind::boolean: return objecthash_leaf('b', value.as_bool() ? "1" : "0");
    case json_value::kind::string: return objecthash_leaf('u', value.as_string());
    case json_value::kind::number:
        return objecthash_leaf('f', objecthash_normalize_float(value.as_double()));
    case json_value::kind::array: {
        sha256 hasher;
        hasher.update(std::string_view("l"));
        for (const json_value& element : value.as_array()) {
            const sha256_digest element_hash = objecthash(element);
            hasher.update(std::span<const std::uint8_t>(element_hash));
        }
        return hasher.finish();
    }
    case json_value::kind::object: {
        // Keys are distinct (json_value guarantees it), so their hashes are distinct and sorting
        // the key ‖ value pairs orders by key hash alone, as objecthash specifies.
        using entry = std::array<std::uint8_t, 2 * sha256::digest_size>;
        std::vector<entry> entries;
        entries.reserve(value.size());
        for (const auto& [key, member] : value.as_object()) {
            const sha256_digest key_hash = objecthash_leaf('u', key);
            const sha256_digest value_hash = objecthash(member);
            entry& e = entries.emplace_back();
            std::copy(key_hash.begin(), key_hash.end(), e.begin());
            std::copy(value_hash.begin(), value_hash.end(),
                      e.begin() + static_cast<std::ptrdiff_t>(sha256::digest_size));
        }
        std::sort(entries.begin(), entries.end());
        sha256 hasher;
        hasher.update(std::string_view("d"));
        for (const entry& e : entries) hasher.update(std::span<const std::uint8_t>(e));
        return hasher.finish();
    }
    }
    throw invalid_argument("flytecache: objecthash met a JSON value of unknown kind");
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
