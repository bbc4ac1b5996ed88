// flytecache — task values as Python text (str() and back), as flytekit's ContainerTask does
// SPDX-License-Identifier: MIT
#pragma once

// Task values as Python text: str() of a raw container's inputs and the reading back of its output
// files, as flytekit's ContainerTask does.

#include <flytecache/config.hpp>
#include <flytecache/detail/time_text.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

// flytekit hands a raw container its inputs as `str(value)` and reads each output back from the
// text file `<output_data_dir>/<name>` with ContainerTask._convert_output_val_to_correct_type:
//   bool       value.lower() != "false"
//   datetime   datetime.fromisoformat(value)
//   timedelta  re.match(r"(?:(?P<hours>\d+):)?(?:(?P<minutes>\d+):)?(?P<seconds>\d+)
//                        (?:\.(?P<microseconds>\d+))?", value) -> timedelta(**groups)
//   otherwise  T(value), i.e. int(), float(), str()
// One deliberate difference: ASCII whitespace around non-string values is stripped first, so a file
// written by `echo false > out` reads as false. Text that Python would reject is rejected here too
// (text_parse_error), and a timedelta must match the pattern as a whole where flytekit settles for
// a prefix. Digits are ASCII only: Python also takes other Unicode decimal digits, which no
// container writing plain numbers produces.

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

/// Text that is not a value of the requested Python type; what() quotes the offending text.
struct text_parse_error : std::runtime_error {
    using runtime_error::runtime_error;
};

namespace python_text_impl {

inline constexpr bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

inline constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

inline constexpr std::string_view strip(std::string_view text) noexcept {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

inline constexpr char ascii_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// `lower_word` must already be lower case.
inline constexpr bool equals_ignoring_case(std::string_view text,
                                           std::string_view lower_word) noexcept {
    if (text.size() != lower_word.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (ascii_lower(text[i]) != lower_word[i]) return false;
    return true;
}

// The text in double quotes for an error message: at most 80 bytes (cut on a UTF-8 character
// boundary), with quotes, backslashes and control bytes escaped so that the message stays on one
// line.
std::string quoted(std::string_view text);

[[noreturn]] void fail(std::string_view what, std::string_view text);

// Python 3.11 refuses int() of more than 4300 digits (sys.int_info.default_max_str_digits), leading
// zeros and all, so such text is an error even when its value is small.
inline constexpr std::size_t python_max_int_digits = 4300;

// A run of ASCII digits (nothing else) as an unsigned value; false when it overflows the type or
// exceeds Python's digit limit.
inline constexpr bool unsigned_from_digits(std::string_view digits, std::uint64_t& out) noexcept {
    if (digits.size() > python_max_int_digits) return false;
    std::uint64_t value = 0;
    for (const char c : digits) {
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
        value = value * 10 + digit;
    }
    out = value;
    return true;
}

inline constexpr bool all_digits(std::string_view text) noexcept {
    for (const char c : text)
        if (!is_digit(c)) return false;
    return true;
}

// Adds value * scale to acc unless the sum would exceed limit (acc <= limit on entry).
inline constexpr bool add_scaled(std::uint64_t& acc, std::uint64_t value, std::uint64_t scale,
                                 std::uint64_t limit) noexcept {
    if (value != 0 && scale > limit / value) return false;
    const std::uint64_t product = value * scale;
    if (product > limit - acc) return false;
    acc += product;
    return true;
}

// Python float() digit runs: single underscores are allowed between two digits. Appends the digits
// (without underscores) to out, advances pos past the run and returns how many digits it held.
std::size_t take_digit_part(std::string_view text, std::size_t& pos, std::string& out);

// Days since 1970-01-01 of a proleptic Gregorian date (eras of 400 years starting on March 1st).
inline constexpr std::int64_t days_from_civil(std::int64_t year, unsigned month,
                                              unsigned day) noexcept {
    year -= month <= 2 ? 1 : 0;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const std::int64_t yoe = year - era * 400;
    const std::int64_t mp = month > 2 ? month - 3 : month + 9;
    const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

inline constexpr unsigned days_in_month(unsigned year, unsigned month) noexcept {
    if (month == 2) return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
    return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
}

// Zero-padded to `width` digits, like printf's "%0*d" for the non-negative values it is used on.
inline std::string padded(std::uint64_t value, std::size_t width) {
    std::string digits = std::to_string(value);
    if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
    return digits;
}

// HH[:MM[:SS[{.,}f+]]] or HH[MM[SS[{.,}f+]]] at text[pos...], as CPython 3.11's parse_hh_mm_ss_ff
// reads both the time of day and a UTC offset: two-digit fields, ':' used for all separators or for
// none, a fraction only after the seconds, its first six digits kept and any further ones dropped.
// The fields are not range-checked here. Returns false on malformed text.
struct clock_fields {
    unsigned hour = 0;
    unsigned minute = 0;
    unsigned second = 0;
    unsigned microsecond = 0;
};

inline constexpr bool take_two_digits(std::string_view text, std::size_t& pos,
                                      unsigned& out) noexcept {
    if (pos + 2 > text.size() || !is_digit(text[pos]) || !is_digit(text[pos + 1])) return false;
    out = static_cast<unsigned>(text[pos] - '0') * 10 + static_cast<unsigned>(text[pos + 1] - '0');
    pos += 2;
    return true;
}

inline constexpr bool take_clock(std::string_view text, std::size_t& pos,
                                 clock_fields& out) noexcept {
    if (!take_two_digits(text, pos, out.hour)) return false;
    const bool extended = pos < text.size() && text[pos] == ':';
    auto next_field = [&](unsigned& field) {
        if (extended) {
            if (pos >= text.size() || text[pos] != ':') return false;
            ++pos;
            return take_two_digits(text, pos, field);
        }
        if (pos >= text.size() || !is_digit(text[pos])) return false;
        return take_two_digits(text, pos, field);
    };
    // A field is present when the next character starts it; anything else ends the clock (and is
    // left for the caller: an offset, or trailing garbage it rejects).
    auto field_follows = [&] {
        return pos < text.size() && (extended ? text[pos] == ':' : is_digit(text[pos]));
    };
    if (!field_follows()) return true;
    if (!next_field(out.minute)) return false;
    if (!field_follows()) return true;
    if (!next_field(out.second)) return false;
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        unsigned fraction = 0;
        std::size_t digits = 0;
        for (; pos < text.size() && is_digit(text[pos]); ++pos, ++digits)
            if (digits < 6) fraction = fraction * 10 + static_cast<unsigned>(text[pos] - '0');
        if (digits == 0) return false;
        for (; digits < 6; ++digits) fraction *= 10;
        out.microsecond = fraction;
    }
    return true;
}

} // namespace python_text_impl

// ---------------------------------------------------------------------------------------------
// Parsing: output file text -> value

/// str: the file's text verbatim (whitespace included), as flytekit's str(value). Test-only: the
/// container task reads a std::string output without calling it; the tests pin the rule here.
inline std::string parse_python_str(std::string_view text) { return std::string(text); }

/// bool: anything but "false" (any case, surrounding whitespace ignored) is true, as flytekit's
/// `value.lower() != "false"`; so "0" and "" are true. Never throws.
inline bool parse_python_bool(std::string_view text) noexcept {
    return !python_text_impl::equals_ignoring_case(python_text_impl::strip(text), "false");
}

/// int(): optional sign, ASCII digits with single underscores between digits ("1_000"). Values
/// outside I's range are an error rather than wrapped.
template <std::integral I>
    requires(!std::same_as<I, bool>)
I parse_python_int(std::string_view text) {
    using namespace python_text_impl;
    const std::string_view s = strip(text);
    std::size_t pos = 0;
    bool negative = false;
    if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) negative = s[pos++] == '-';
    if (pos == s.size()) fail("not a valid integer", s);

    std::uintmax_t magnitude = 0;
    bool overflow = false;
    std::size_t digits = 0;
    for (; pos < s.size(); ++pos) {
        const char c = s[pos];
        if (c == '_') {
            if (pos == 0 || !is_digit(s[pos - 1]) || pos + 1 == s.size() || !is_digit(s[pos + 1]))
                fail("not a valid integer", s);
            continue;
        }
        if (!is_digit(c)) fail("not a valid integer", s);
        ++digits;
        const auto digit = static_cast<std::uintmax_t>(c - '0');
        if (magnitude > (std::numeric_limits<std::uintmax_t>::max() - digit) / 10)
            overflow = true;
        else
            magnitude = magnitude * 10 + digit;
    }
    if (digits > python_max_int_digits) fail("not a valid integer (more than 4300 digits)", s);

    auto out_of_range = [&]() {
        std::string range;
        if constexpr (std::is_signed_v<I>)
            range = "[" +
                    std::to_string(static_cast<std::intmax_t>(std::numeric_limits<I>::min())) +
                    ", " +
                    std::to_string(static_cast<std::intmax_t>(std::numeric_limits<I>::max())) + "]";
        else
            range = "[0, " +
                    std::to_string(static_cast<std::uintmax_t>(std::numeric_limits<I>::max())) +
                    "]";
        fail("integer out of range " + range, s);
    };
    if (overflow) out_of_range();
    const auto max = static_cast<std::uintmax_t>(std::numeric_limits<I>::max());
    if constexpr (std::is_signed_v<I>) {
        // The magnitude of min() is max() + 1; negate via magnitude - 1 so no step overflows.
        if (magnitude > (negative ? max + 1 : max)) out_of_range();
        if (!negative) return static_cast<I>(magnitude);
        if (magnitude == 0) return I{0};
        return static_cast<I>(-static_cast<std::intmax_t>(magnitude - 1) - 1);
    } else {
        if ((negative && magnitude != 0) || magnitude > max) out_of_range();
        return static_cast<I>(magnitude);
    }
}

/// float(): optional sign, then "inf", "infinity" or "nan" (any case), or decimal digits with an
/// optional point and exponent, single underscores between digits. Correctly rounded to F (so a
/// float target is rounded once, where Python's double would be rounded again by a narrowing);
/// magnitudes beyond F's range give +-inf and ones below its smallest subnormal +-0, as in Python.
template <std::floating_point F>
F parse_python_float(std::string_view text) {
    using namespace python_text_impl;
    const std::string_view s = strip(text);
    std::size_t pos = 0;
    bool negative = false;
    if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) negative = s[pos++] == '-';
    const std::string_view body = s.substr(pos);
    if (equals_ignoring_case(body, "inf") || equals_ignoring_case(body, "infinity"))
        return negative ? -std::numeric_limits<F>::infinity() : std::numeric_limits<F>::infinity();
    if (equals_ignoring_case(body, "nan"))
        return std::copysign(std::numeric_limits<F>::quiet_NaN(), negative ? F(-1) : F(1));

    // Validate Python's grammar here and give std::from_chars (which takes neither '+' nor
    // underscores) only the plain digits, point and exponent.
    std::string plain;
    plain.reserve(body.size());
    std::size_t at = 0;
    const std::size_t int_digits = take_digit_part(body, at, plain);
    std::size_t frac_digits = 0;
    if (at < body.size() && body[at] == '.') {
        plain += body[at++];
        frac_digits = take_digit_part(body, at, plain);
    }
    if (int_digits + frac_digits == 0) fail("not a valid float", s);
    const std::size_t mantissa_size = plain.size();
    std::int64_t exponent = 0;
    if (at < body.size() && (body[at] == 'e' || body[at] == 'E')) {
        plain += body[at++];
        bool exponent_negative = false;
        if (at < body.size() && (body[at] == '+' || body[at] == '-')) {
            exponent_negative = body[at] == '-';
            plain += body[at++];
        }
        const std::size_t exponent_start = plain.size();
        if (take_digit_part(body, at, plain) == 0) fail("not a valid float", s);
        // Saturated: only needed to tell overflow from underflow below.
        for (std::size_t i = exponent_start; i < plain.size() && exponent < 1'000'000'000; ++i)
            exponent = exponent * 10 + (plain[i] - '0');
        if (exponent_negative) exponent = -exponent;
    }
    if (at != body.size()) fail("not a valid float", s);

    F value{};
    const auto [end, error] = std::from_chars(plain.data(), plain.data() + plain.size(), value);
    if (error == std::errc::result_out_of_range) {
        // from_chars leaves value unset on overflow and underflow alike; the decimal exponent of
        // the leading non-zero digit tells which (the text cannot be zero: zero is always in
        // range).
        std::int64_t scientific = 0;
        const std::size_t point = std::min(plain.find('.'), mantissa_size);
        for (std::size_t i = 0; i < mantissa_size; ++i) {
            if (plain[i] == '.' || plain[i] == '0') continue;
            scientific = i < point ? static_cast<std::int64_t>(point - i) - 1
                                   : -static_cast<std::int64_t>(i - point);
            break;
        }
        value = scientific + exponent >= 0 ? std::numeric_limits<F>::infinity() : F(0);
    } else if (error != std::errc{} || end != plain.data() + plain.size()) {
        fail("not a valid float", s);
    }
    return negative ? -value : value;
}

/// timedelta, by flytekit's pattern `(?:(H):)?(?:(M):)?(S)(?:\.(F))?`, which must match the whole
/// text: "S", "H:S" (the first optional group is hours, so "1:30" is 1 h 30 s) or "H:M:S", each
/// group any number of digits, and F an integer count of microseconds (".5" is 5 us). Totals beyond
/// +-2^63 microseconds are an error (Python's own limit, 999999999 days, lies further out).
std::chrono::microseconds parse_python_timedelta(std::string_view text);

/// datetime.fromisoformat (Python 3.11), the common subset: a date "YYYY-MM-DD" or "YYYYMMDD";
/// optionally a separator 'T', 't' or ' ' (Python takes any character) and a time "HH", "HH:MM",
/// "HH:MM:SS" or "HH:MM:SS.f" (basic "HHMM", "HHMMSS" too; ',' also marks the fraction, of which
/// Python keeps the first six digits and drops the rest); optionally "Z" or an offset "+HH",
/// "+HHMM", "+HH:MM", "+HH:MM:SS[.f]" (or '-'). ISO week dates are not accepted. Naive times are
/// taken as UTC, as flytekit's literal conversion (protobuf Timestamp.FromDatetime) does; aware
/// ones are converted to UTC.
std::chrono::sys_time<std::chrono::microseconds> parse_python_datetime(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Formatting: input value -> command-line text, as Python's str()

/// "True" / "False". A template so that pointers and other types convertible to bool do not
/// silently land here (python_str("text") must pick the string overload).
template <std::same_as<bool> B>
std::string python_str(B value) {
    return value ? "True" : "False";
}

/// Decimal, as str(int).
template <std::integral I>
    requires(!std::same_as<I, bool>)
std::string python_str(I value) {
    if constexpr (std::is_signed_v<I>)
        return std::to_string(static_cast<long long>(value));
    else
        return std::to_string(static_cast<unsigned long long>(value));
}

/// str: the text itself.
inline std::string python_str(std::string_view value) { return std::string(value); }

/// repr(float) (also str(float)): the shortest digits that round-trip, in fixed notation with at
/// least one fractional digit ("1.0", "0.1", "123456789.0") while the decimal exponent is in
/// [-4, 16), otherwise d[.ddd]e+XX with a signed, at least two-digit exponent ("1e+16", "1e-05");
/// "inf", "-inf", "nan" (the sign of a NaN is not shown), "-0.0".
std::string python_str(double value);

/// str(datetime) of the naive datetime for this UTC instant: "YYYY-MM-DD HH:MM:SS", plus ".ffffff"
/// when the microseconds are not zero (isoformat(sep=' ')). No UTC offset is written. Python can
/// only hold years 1..9999; others are written the way printf's "%04d" would write them.
std::string python_str(std::chrono::sys_time<std::chrono::microseconds> value);

/// str(timedelta): "H:MM:SS", plus ".ffffff" when there are microseconds, after "N day, " /
/// "N days, " when there are whole days. Negative values are shown as Python normalises them:
/// whole days rounded down and a non-negative remainder (-1 s is "-1 day, 23:59:59").
std::string python_str(std::chrono::microseconds value);

} // namespace detail
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/detail/python_text.ipp>
#endif
