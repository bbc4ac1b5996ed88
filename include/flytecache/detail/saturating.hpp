// flytecache — saturating conversions and sums for numbers read from untrusted files
// SPDX-License-Identifier: MIT
#pragma once

// Arithmetic on numbers read from files that may hold anything: conversions and sums that saturate
// instead of overflowing (which would be undefined behaviour).

#include <flytecache/config.hpp>

#include <cmath>
#include <cstdint>
#include <limits>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

/// `v` as an int64, truncated toward zero, clamped to int64's range; NaN is 0. (A plain cast of a
/// double outside the range is undefined behaviour, and a Settings row may hold 1e300.)
[[nodiscard]] constexpr std::int64_t saturating_int64(double v) noexcept {
    if (std::isnan(v)) return 0;
    // 2^63 is exactly representable; every double below it converts without overflow.
    constexpr double limit = 9223372036854775808.0;
    if (v >= limit) return std::numeric_limits<std::int64_t>::max();
    if (v < -limit) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(v);
}

/// a + b, clamped to int64's range.
[[nodiscard]] constexpr std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t out = 0;
    if (__builtin_add_overflow(a, b, &out)) {
        return b > 0 ? std::numeric_limits<std::int64_t>::max()
                     : std::numeric_limits<std::int64_t>::min();
    }
    return out;
}

/// a * b, clamped to int64's range.
[[nodiscard]] constexpr std::int64_t saturating_mul(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t out = 0;
    if (__builtin_mul_overflow(a, b, &out)) {
        return (a < 0) == (b < 0) ? std::numeric_limits<std::int64_t>::max()
                                  : std::numeric_limits<std::int64_t>::min();
    }
    return out;
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
