// flytecache — objecthash over a JSON value (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/hash/objecthash.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

namespace detail {

FLYTECACHE_INLINE std::string objecthash_normalize_float(double f) {
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

FLYTECACHE_INLINE sha256_digest objecthash_leaf(char tag, std::string_view payload) {
    sha256 hasher;
    hasher.update(std::string_view(&tag, 1));
    hasher.update(payload);
    return hasher.finish();
}

FLYTECACHE_INLINE sha256_digest objecthash(const json_value& value) {
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
