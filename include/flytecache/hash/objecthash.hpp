// flytecache — Ben Laurie's objecthash (SHA-256) over a JSON value, as the Flyte backend hashes
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/json.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/sha256.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

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
std::string objecthash_normalize_float(double f);

/// sha256(tag ‖ payload).
sha256_digest objecthash_leaf(char tag, std::string_view payload);

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
sha256_digest objecthash(const json_value& value);

} // namespace detail
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/hash/objecthash.ipp>
#endif
