// flytecache — protobuf Timestamp and Duration as text (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/detail/time_text.hpp>

FLYTECACHE_NAMESPACE_BEGIN

namespace detail {

FLYTECACHE_INLINE std::string nanos_fraction(std::int64_t nanos) {
    if (nanos == 0) return {};
    std::string digits = std::to_string(nanos);
    digits.insert(0, 9 - digits.size(), '0');
    while (digits.size() > 3 && digits.compare(digits.size() - 3, 3, "000") == 0)
        digits.resize(digits.size() - 3);
    return "." + digits;
}

FLYTECACHE_INLINE std::string duration_text(std::int64_t seconds, std::int32_t nanos) {
    const bool negative = seconds < 0 || nanos < 0;
    const std::uint64_t secs =
        seconds < 0 ? 0 - static_cast<std::uint64_t>(seconds) : static_cast<std::uint64_t>(seconds);
    const std::int64_t abs_nanos = nanos < 0 ? -std::int64_t{nanos} : std::int64_t{nanos};
    return (negative ? "-" : "") + std::to_string(secs) + nanos_fraction(abs_nanos) + "s";
}

FLYTECACHE_INLINE std::string checked_duration_text(std::int64_t seconds, std::int32_t nanos) {
    if (!duration_valid(seconds, nanos)) {
        throw invalid_argument(
            "flytecache: Duration{seconds: " + std::to_string(seconds) +
            ", nanos: " + std::to_string(nanos) +
            "} is not a valid protobuf Duration (nanos must be within ±999999999 "
            "and share the sign of seconds), so it has no JSON form");
    }
    return duration_text(seconds, nanos);
}

FLYTECACHE_INLINE std::string display_duration_text(std::int64_t seconds, std::int32_t nanos) {
    if (duration_valid(seconds, nanos)) return duration_text(seconds, nanos);
    return "Duration{seconds: " + std::to_string(seconds) + ", nanos: " + std::to_string(nanos) +
           "} (invalid)";
}

FLYTECACHE_INLINE std::string rfc3339_text(std::int64_t seconds, std::int32_t nanos) {
    std::int64_t carry = nanos / nanos_per_second; // -2 ... 2
    std::int64_t frac = nanos % nanos_per_second;  // (-10⁹, 10⁹)
    if (frac < 0) {
        frac += nanos_per_second;
        --carry;
    }
    std::int64_t days = seconds / 86400;
    std::int64_t rem = seconds % 86400 + carry; // [-86402, 86401]
    while (rem < 0) {
        rem += 86400;
        --days;
    }
    while (rem >= 86400) {
        rem -= 86400;
        ++days;
    }
    const auto [year, month, day] = civil_from_days(days);
    auto two = [](std::int64_t v) { return (v < 10 ? "0" : "") + std::to_string(v); };
    std::string year_text = std::to_string(year);
    if (year >= 0 && year < 1000) year_text.insert(0, 4 - year_text.size(), '0');
    return year_text + "-" + two(month) + "-" + two(day) + "T" + two(rem / 3600) + ":" +
           two(rem / 60 % 60) + ":" + two(rem % 60) + nanos_fraction(frac) + "Z";
}

FLYTECACHE_INLINE std::string checked_rfc3339_text(std::int64_t seconds, std::int32_t nanos) {
    if (!timestamp_nanos_valid(nanos)) {
        throw invalid_argument(
            "flytecache: Timestamp{seconds: " + std::to_string(seconds) +
            ", nanos: " + std::to_string(nanos) +
            "} is not a valid protobuf Timestamp (nanos must be in [0, 999999999]); the Flyte "
            "backend's JSON mapping refuses it, so it has no datacatalog form");
    }
    return rfc3339_text(seconds, nanos);
}

} // namespace detail

FLYTECACHE_NAMESPACE_END
