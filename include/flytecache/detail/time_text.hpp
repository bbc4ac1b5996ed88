// flytecache — protobuf Timestamp and Duration as text (RFC 3339 and "1.500s"), as protobuf's JSON
// mapping writes them
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>

#include <cstdint>
#include <string>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// Fractions are written with 0, 3, 6 or 9 digits, as Go's jsonpb (and protobuf's JSON mapping) do.
inline std::string nanos_fraction(std::int32_t nanos) {
    if (nanos == 0) return {};
    std::string digits = std::to_string(nanos);
    digits.insert(0, 9 - digits.size(), '0');
    while (digits.size() > 3 && digits.compare(digits.size() - 3, 3, "000") == 0)
        digits.resize(digits.size() - 3);
    return "." + digits;
}

/// "1.500s", "-1.500s", "0s": seconds and nanos share a sign.
inline std::string duration_text(std::int64_t seconds, std::int32_t nanos) {
    const bool negative = seconds < 0 || nanos < 0;
    const std::uint64_t secs =
        seconds < 0 ? 0 - static_cast<std::uint64_t>(seconds) : static_cast<std::uint64_t>(seconds);
    return (negative ? "-" : "") + std::to_string(secs) +
           nanos_fraction(nanos < 0 ? -nanos : nanos) + "s";
}

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
inline std::string rfc3339_text(std::int64_t seconds, std::int32_t nanos) {
    std::int64_t days = seconds / 86400;
    std::int64_t rem = seconds % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    const auto [year, month, day] = civil_from_days(days);
    auto two = [](std::int64_t v) { return (v < 10 ? "0" : "") + std::to_string(v); };
    std::string year_text = std::to_string(year);
    if (year >= 0 && year < 1000) year_text.insert(0, 4 - year_text.size(), '0');
    return year_text + "-" + two(month) + "-" + two(day) + "T" + two(rem / 3600) + ":" +
           two(rem / 60 % 60) + ":" + two(rem % 60) + nanos_fraction(nanos) + "Z";
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
