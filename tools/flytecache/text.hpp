// flytecache — CLI: how keys, sizes, ages and expiries read, in text and in JSON
// SPDX-License-Identifier: MIT
#pragma once

#include "json_out.hpp"

#include <flytecache/flytecache.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flytecache_cli {

namespace fc = flytecache;

/// Python's repr of bytes, near enough to recognise a key: b'abc\x00'.
[[nodiscard]] inline std::string bytes_repr(std::string_view b) {
    std::string out = "b'";
    for (const char ch : b) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\\' || c == '\'') {
            out += '\\';
            out += ch;
        } else if (c >= 0x20 && c < 0x7f) {
            out += ch;
        } else {
            out += fmt::format("\\x{:02x}", c);
        }
    }
    return out + "'";
}

/// A key as a person reads it. flytekit's keys are text and print as they are; the other kinds a
/// Python program may have stored are shown as Python would show them.
[[nodiscard]] inline std::string key_text(const fc::db_key& k) {
    switch (k.type()) {
    case fc::db_key::kind::text: return k.as_text();
    case fc::db_key::kind::integer: return std::to_string(k.as_integer());
    case fc::db_key::kind::real: return fmt::format("{}", k.as_real());
    case fc::db_key::kind::blob: return bytes_repr(k.as_blob());
    case fc::db_key::kind::pickle:
        return fmt::format("<pickled key, {} bytes>", k.raw_bytes().size());
    }
    return {};
}

[[nodiscard]] inline std::string_view key_kind(const fc::db_key& k) {
    switch (k.type()) {
    case fc::db_key::kind::text: return "text";
    case fc::db_key::kind::integer: return "integer";
    case fc::db_key::kind::real: return "float";
    case fc::db_key::kind::blob: return "bytes";
    case fc::db_key::kind::pickle: return "pickle";
    }
    return "?";
}

/// A key for a line of text output: text keys holding control characters (a newline would split
/// the line) are quoted with escapes, and keys of other types carry their type, so an integer 42
/// and the text "42" are told apart. JSON output uses key_text: its strings escape by themselves.
[[nodiscard]] inline std::string key_display(const fc::db_key& k) {
    if (k.type() == fc::db_key::kind::text) {
        const std::string& text = k.as_text();
        const bool plain = std::none_of(text.begin(), text.end(), [](char ch) {
            const auto c = static_cast<unsigned char>(ch);
            return c < 0x20 || c == 0x7f;
        });
        return plain ? text : bytes_repr(text).substr(1); // drop the b of b'...'
    }
    if (k.type() == fc::db_key::kind::pickle) return key_text(k);
    return fmt::format("({}) {}", key_kind(k), key_text(k));
}

[[nodiscard]] inline std::string_view mode_name(fc::value_mode m) {
    switch (m) {
    case fc::value_mode::raw: return "raw";
    case fc::value_mode::binary: return "binary";
    case fc::value_mode::text: return "text";
    case fc::value_mode::pickle: return "pickle";
    case fc::value_mode::none: break;
    }
    return "invalid";
}

/// 96 B, 39.1 KiB, 2.0 MiB.
[[nodiscard]] inline std::string human_size(std::uint64_t bytes) {
    if (bytes < 1024) {
        return fmt::format("{} B", bytes);
    }
    static constexpr std::string_view units[] = {"KiB", "MiB", "GiB", "TiB"};
    auto v = static_cast<double>(bytes) / 1024.0;
    std::size_t u = 0;
    while (v >= 1024.0 && u + 1 < std::size(units)) {
        v /= 1024.0;
        ++u;
    }
    return fmt::format("{:.1f} {}", v, units[u]);
}

/// 0s, 59s, 12m, 5h, 3d: the largest unit that keeps the number small, rounded down.
[[nodiscard]] inline std::string human_duration(double seconds) {
    if (!(seconds > 0)) { // also NaN, from a damaged row
        return "0s";
    }
    if (seconds < 60) {
        return fmt::format("{}s", static_cast<std::int64_t>(seconds));
    }
    if (seconds < 3600) {
        return fmt::format("{}m", static_cast<std::int64_t>(seconds / 60));
    }
    if (seconds < 2 * 86400) {
        return fmt::format("{}h", static_cast<std::int64_t>(seconds / 3600));
    }
    return fmt::format("{}d", static_cast<std::int64_t>(std::min(seconds / 86400, 1e15)));
}

/// never / in 3h / expired.
[[nodiscard]] inline std::string expiry_text(const std::optional<double>& expire_time, double now) {
    if (!expire_time) {
        return "never";
    }
    if (*expire_time <= now) {
        return "expired";
    }
    return "in " + human_duration(*expire_time - now);
}

/// Now, in seconds since the Unix epoch: the clock diskcache's store and expire times use.
[[nodiscard]] inline double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Seconds since the Unix epoch as RFC 3339 UTC text, to the second; "?" outside the years
/// 1 to 9999, which RFC 3339 cannot write (a hostile row may hold any number).
[[nodiscard]] inline std::string utc_text(double unix_seconds) {
    constexpr double first = -62135596800.0;                   // 0001-01-01T00:00:00Z
    constexpr double last = 253402300799.0;                    // 9999-12-31T23:59:59Z
    if (!(unix_seconds >= first && unix_seconds < last + 1)) { // NaN too
        return "?";
    }
    using namespace std::chrono;
    const sys_seconds t{seconds{static_cast<std::int64_t>(std::floor(unix_seconds))}};
    const sys_days day = floor<days>(t);
    const year_month_day date{day};
    const hh_mm_ss time{t - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                       time.hours().count(), time.minutes().count(), time.seconds().count());
}

// --- JSON values ---------------------------------------------------------------------------------

[[nodiscard]] inline json_value json_string(std::string_view s) {
    return json_value::make_string(utf8_lossy(s));
}
[[nodiscard]] inline json_value json_integer(std::uint64_t n) {
    return json_value::make_number(std::to_string(n));
}
[[nodiscard]] inline json_value json_signed(std::int64_t n) {
    return json_value::make_number(std::to_string(n));
}
/// A double as the shortest text that reads back the same; null when it is not finite (JSON has
/// no NaN or infinity).
[[nodiscard]] inline json_value json_number(double d) {
    if (!std::isfinite(d)) {
        return json_value::make_null();
    }
    return json_value::make_number(fmt::format("{}", d));
}
[[nodiscard]] inline json_value json_optional(const std::optional<std::string>& s) {
    return s ? json_string(*s) : json_value::make_null();
}
[[nodiscard]] inline json_value json_optional(const std::optional<double>& d) {
    return d ? json_number(*d) : json_value::make_null();
}

/// The error text without the library's "flytecache: " prefix, for messages that quote it.
[[nodiscard]] inline std::string_view bare_message(std::string_view what) {
    constexpr std::string_view prefix = "flytecache: ";
    if (what.starts_with(prefix)) {
        what.remove_prefix(prefix.size());
    }
    return what;
}

} // namespace flytecache_cli
