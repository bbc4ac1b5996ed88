// flytecache — protobuf Timestamp and Duration as text, as protobuf's JSON mapping writes them
// SPDX-License-Identifier: MIT
#pragma once

// Protobuf Timestamp and Duration as text (RFC 3339 and "1.500s"), as protobuf's JSON mapping
// writes them.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>

#include <cstdint>
#include <string>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// Protobuf's wire format accepts any int32 in `nanos`, so a decoded Timestamp or Duration can hold
// values its JSON mapping calls invalid (nanos ≥ 10⁹, nanos = -2³¹, a Duration whose seconds and
// nanos differ in sign). Two kinds of callers, two rules:
//  - text for people (short_string, verbose_string) never throws: a Timestamp is normalized as
//    Python's json_format prints it (nanos taken modulo 10⁹, the carry moved into the seconds), an
//    invalid Duration is shown as its two fields;
//  - text a key is computed over (the backend's jsonpb form) is refused as the backend's Go
//    marshaler refuses it, with a flytecache::invalid_argument.
// Nothing here negates an int32 or adds to an int64 that could overflow.

inline constexpr std::int64_t nanos_per_second = 1'000'000'000;

/// True when protobuf's JSON mapping accepts `nanos` in a Timestamp: [0, 10⁹).
[[nodiscard]] constexpr bool timestamp_nanos_valid(std::int32_t nanos) noexcept {
    return nanos >= 0 && nanos < nanos_per_second;
}

/// True when protobuf's JSON mapping accepts the Duration: |nanos| < 10⁹ and, when both are
/// non-zero, seconds and nanos of the same sign.
[[nodiscard]] constexpr bool duration_valid(std::int64_t seconds, std::int32_t nanos) noexcept {
    if (nanos <= -nanos_per_second || nanos >= nanos_per_second) return false;
    return !((seconds < 0 && nanos > 0) || (seconds > 0 && nanos < 0));
}

/// ".5", ".500001", ".000000005" or "": 0, 3, 6 or 9 digits, as Go's jsonpb (and protobuf's JSON
/// mapping) write them.
/// @pre 0 <= nanos < 10⁹
std::string nanos_fraction(std::int64_t nanos);

/// "1.500s", "-1.500s", "0s": seconds and nanos share a sign.
/// @pre duration_valid(seconds, nanos)
std::string duration_text(std::int64_t seconds, std::int32_t nanos);

/// duration_text for the text a key is computed over.
/// @throws invalid_argument when protobuf's JSON mapping refuses the Duration.
std::string checked_duration_text(std::int64_t seconds, std::int32_t nanos);

/// duration_text for people: an invalid Duration shows its fields instead of throwing.
std::string display_duration_text(std::int64_t seconds, std::int32_t nanos);

struct civil_date {
    std::int64_t year;
    std::int64_t month;
    std::int64_t day;
};

/// The proleptic Gregorian date of a day count since 1970-01-01, on the whole int64 range callers
/// produce (a sys_time<microseconds> spans about ±292,000 years, beyond std::chrono::year's
/// ±32767). Eras of 400 years (146097 days) starting on March 1st.
inline constexpr civil_date civil_from_days(std::int64_t days) noexcept {
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
    return {yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

/// RFC 3339 in UTC with a "Z" suffix, from seconds since the Unix epoch (proleptic Gregorian).
/// Out-of-range nanos are normalized as Python's json_format prints them: taken modulo 10⁹ into
/// [0, 10⁹), the whole seconds carried (so {0, -5} is 1969-12-31T23:59:59.999999995Z). The carry
/// is applied to the second of the day, never to `seconds`, so INT64_MIN and INT64_MAX are safe.
std::string rfc3339_text(std::int64_t seconds, std::int32_t nanos);

/// rfc3339_text for the text a key is computed over: the Flyte backend's Go marshaler refuses a
/// Timestamp whose nanos are outside [0, 10⁹) instead of normalizing it.
/// @throws invalid_argument for such a Timestamp.
std::string checked_rfc3339_text(std::int64_t seconds, std::int32_t nanos);

} // namespace detail
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/detail/time_text.ipp>
#endif
