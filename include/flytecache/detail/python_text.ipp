// flytecache — task values as Python text (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/detail/python_text.hpp>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {
namespace python_text_impl {

FLYTECACHE_INLINE std::string quoted(std::string_view text) {
    constexpr std::size_t max_bytes = 80;
    bool truncated = false;
    if (text.size() > max_bytes) {
        std::size_t cut = max_bytes;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
        text = text.substr(0, cut);
        truncated = true;
    }
    std::string out = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20U || byte == 0x7FU) {
            constexpr std::string_view hex = "0123456789abcdef";
            out += "\\x";
            out += hex[byte >> 4U];
            out += hex[byte & 0xFU];
        } else {
            out += c;
        }
    }
    out += truncated ? "...\"" : "\"";
    return out;
}

FLYTECACHE_INLINE void fail(std::string_view what, std::string_view text) {
    throw text_parse_error(std::string(what) + ": " + quoted(text));
}

FLYTECACHE_INLINE std::size_t take_digit_part(std::string_view text, std::size_t& pos,
                                              std::string& out) {
    std::size_t count = 0;
    while (pos < text.size()) {
        const char c = text[pos];
        if (is_digit(c)) {
            out += c;
            ++count;
        } else if (!(c == '_' && count > 0 && pos + 1 < text.size() && is_digit(text[pos + 1]))) {
            break;
        }
        ++pos;
    }
    return count;
}

} // namespace python_text_impl

FLYTECACHE_INLINE std::chrono::microseconds parse_python_timedelta(std::string_view text) {
    using namespace python_text_impl;
    const std::string_view s = strip(text);
    std::string_view clock = s;
    std::string_view fraction;
    bool has_fraction = false;
    if (const std::size_t point = s.find('.'); point != std::string_view::npos) {
        clock = s.substr(0, point);
        fraction = s.substr(point + 1);
        has_fraction = true;
    }
    std::string_view fields[3];
    std::size_t count = 0;
    for (std::size_t start = 0;;) {
        const std::size_t colon = clock.find(':', start);
        if (count == 3) fail("not a valid timedelta", s);
        fields[count++] =
            clock.substr(start, colon == std::string_view::npos ? colon : colon - start);
        if (colon == std::string_view::npos) break;
        start = colon + 1;
    }
    for (std::size_t i = 0; i < count; ++i)
        if (fields[i].empty() || !all_digits(fields[i])) fail("not a valid timedelta", s);
    if (has_fraction && (fraction.empty() || !all_digits(fraction)))
        fail("not a valid timedelta", s);

    std::string_view hours = count >= 2 ? fields[0] : std::string_view{};
    std::string_view minutes = count == 3 ? fields[1] : std::string_view{};
    std::string_view seconds = fields[count - 1];
    constexpr auto limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    std::uint64_t total = 0;
    std::uint64_t value = 0;
    auto add = [&](std::string_view digits, std::uint64_t micros_per_unit) {
        if (!unsigned_from_digits(digits, value) ||
            !add_scaled(total, value, micros_per_unit, limit))
            fail("timedelta out of range", s);
    };
    add(hours, 3'600'000'000);
    add(minutes, 60'000'000);
    add(seconds, 1'000'000);
    add(fraction, 1);
    return std::chrono::microseconds(static_cast<std::int64_t>(total));
}

FLYTECACHE_INLINE std::chrono::sys_time<std::chrono::microseconds>
parse_python_datetime(std::string_view text) {
    using namespace python_text_impl;
    const std::string_view s = strip(text);
    constexpr std::string_view invalid = "not a valid ISO 8601 datetime";

    unsigned year_high = 0;
    unsigned year_low = 0;
    unsigned month = 0;
    unsigned day = 0;
    std::size_t pos = 0;
    if (!take_two_digits(s, pos, year_high) || !take_two_digits(s, pos, year_low)) fail(invalid, s);
    const bool extended = pos < s.size() && s[pos] == '-';
    pos += extended ? 1 : 0;
    if (!take_two_digits(s, pos, month)) fail(invalid, s);
    if (extended) {
        if (pos >= s.size() || s[pos] != '-') fail(invalid, s);
        ++pos;
    }
    if (!take_two_digits(s, pos, day)) fail(invalid, s);
    const unsigned year = year_high * 100 + year_low;
    if (year == 0) fail("not a valid datetime (year 0 is out of range)", s);
    if (month < 1 || month > 12) fail("not a valid datetime (month must be in 1..12)", s);
    if (day < 1 || day > days_in_month(year, month))
        fail("not a valid datetime (day is out of range for month)", s);

    clock_fields time;
    std::int64_t offset_micros = 0;
    if (pos < s.size()) {
        if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') fail(invalid, s);
        ++pos;
        if (!take_clock(s, pos, time)) fail(invalid, s);
        if (pos < s.size() && s[pos] == 'Z') {
            ++pos;
        } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
            const bool west = s[pos] == '-';
            ++pos;
            clock_fields offset;
            if (!take_clock(s, pos, offset)) fail(invalid, s);
            // Python checks only the total (strictly within a day), not each field: "+01:60" is 2
            // h.
            const std::int64_t micros =
                ((static_cast<std::int64_t>(offset.hour) * 60 + offset.minute) * 60 +
                 offset.second) *
                    1'000'000 +
                offset.microsecond;
            if (micros >= 86'400'000'000)
                fail("not a valid datetime (UTC offset must be under 24 hours)", s);
            offset_micros = west ? -micros : micros;
        }
        if (pos != s.size()) fail(invalid, s);
        if (time.hour > 23) fail("not a valid datetime (hour must be in 0..23)", s);
        if (time.minute > 59) fail("not a valid datetime (minute must be in 0..59)", s);
        if (time.second > 59) fail("not a valid datetime (second must be in 0..59)", s);
    }

    // Years 1..9999 and offsets under a day keep every step far inside int64 microseconds.
    const std::int64_t seconds = days_from_civil(year, month, day) * 86400 +
                                 (static_cast<std::int64_t>(time.hour) * 60 + time.minute) * 60 +
                                 time.second;
    return std::chrono::sys_time<std::chrono::microseconds>(
        std::chrono::microseconds(seconds * 1'000'000 + time.microsecond - offset_micros));
}

FLYTECACHE_INLINE std::string python_str(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
    // Shortest round-trip digits in scientific form: "-d.ddde+XX".
    char buffer[64];
    const auto result =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
    const std::string_view sci(buffer, static_cast<std::size_t>(result.ptr - buffer));
    const bool negative = sci.front() == '-';
    const std::size_t e = sci.find('e');
    std::string digits;
    for (std::size_t i = negative ? 1 : 0; i < e; ++i)
        if (sci[i] != '.') digits += sci[i];
    int exponent = 0;
    std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(),
                    exponent);

    std::string out = negative ? "-" : "";
    const int point = exponent + 1; // digits before the decimal point
    const auto ndigits = static_cast<int>(digits.size());
    if (point > -4 && point <= 16) {
        if (point <= 0) {
            out += "0.";
            out.append(static_cast<std::size_t>(-point), '0');
            out += digits;
        } else if (point >= ndigits) {
            out += digits;
            out.append(static_cast<std::size_t>(point - ndigits), '0');
            out += ".0";
        } else {
            out += digits.substr(0, static_cast<std::size_t>(point));
            out += '.';
            out += digits.substr(static_cast<std::size_t>(point));
        }
    } else {
        out += digits[0];
        if (ndigits > 1) {
            out += '.';
            out += digits.substr(1);
        }
        out += exponent < 0 ? "e-" : "e+";
        out += python_text_impl::padded(
            static_cast<std::uint64_t>(exponent < 0 ? -exponent : exponent), 2);
    }
    return out;
}

FLYTECACHE_INLINE std::string python_str(std::chrono::sys_time<std::chrono::microseconds> value) {
    using python_text_impl::padded;
    constexpr std::int64_t micros_per_day = 86'400'000'000;
    const std::int64_t count = value.time_since_epoch().count();
    std::int64_t days = count / micros_per_day;
    std::int64_t micros = count % micros_per_day;
    if (micros < 0) {
        micros += micros_per_day;
        --days;
    }
    const auto date = civil_from_days(days);
    const auto u = static_cast<std::uint64_t>(micros);
    const std::uint64_t second_of_day = u / 1'000'000;
    std::string out = date.year < 0 ? "-" + padded(static_cast<std::uint64_t>(-date.year), 3)
                                    : padded(static_cast<std::uint64_t>(date.year), 4);
    out += "-" + padded(static_cast<std::uint64_t>(date.month), 2) + "-" +
           padded(static_cast<std::uint64_t>(date.day), 2) + " " + padded(second_of_day / 3600, 2) +
           ":" + padded(second_of_day / 60 % 60, 2) + ":" + padded(second_of_day % 60, 2);
    if (u % 1'000'000 != 0) out += "." + padded(u % 1'000'000, 6);
    return out;
}

FLYTECACHE_INLINE std::string python_str(std::chrono::microseconds value) {
    using python_text_impl::padded;
    constexpr std::int64_t micros_per_day = 86'400'000'000;
    const std::int64_t count = value.count();
    std::int64_t days = count / micros_per_day;
    std::int64_t micros = count % micros_per_day;
    if (micros < 0) {
        micros += micros_per_day;
        --days;
    }
    std::string out;
    if (days != 0) out = std::to_string(days) + (days == 1 || days == -1 ? " day, " : " days, ");
    const auto u = static_cast<std::uint64_t>(micros);
    const std::uint64_t seconds = u / 1'000'000;
    out += std::to_string(seconds / 3600) + ":" + padded(seconds / 60 % 60, 2) + ":" +
           padded(seconds % 60, 2);
    if (u % 1'000'000 != 0) out += "." + padded(u % 1'000'000, 6);
    return out;
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
