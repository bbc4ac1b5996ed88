// flytecache — CLI: the JSON the commands print (--json), built as a small tree and written once
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace flytecache_cli {

/// Length of the well-formed UTF-8 sequence that starts at `s[i]`, or 0 when the bytes there are
/// not one (overlong forms, surrogates and code points past U+10FFFF included), per RFC 3629.
[[nodiscard]] inline std::size_t utf8_sequence_at(std::string_view s, std::size_t i) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char b0 = byte(0);
    if (b0 < 0x80) return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF; // the allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3;
        lo = b0 == 0xE0 ? 0xA0 : 0x80; // no overlong three-byte forms
        hi = b0 == 0xED ? 0x9F : 0xBF; // no UTF-16 surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4;
        lo = b0 == 0xF0 ? 0x90 : 0x80; // no overlong four-byte forms
        hi = b0 == 0xF4 ? 0x8F : 0xBF; // nothing past U+10FFFF
    } else {
        return 0;
    }
    if (s.size() - i < n || byte(1) < lo || byte(1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k) {
        if ((byte(k) & 0xC0) != 0x80) return 0;
    }
    return n;
}

/// `s` with every byte that breaks UTF-8 replaced by U+FFFD: SQLite TEXT may hold anything, and
/// JSON output must stay valid whatever a cache contains.
[[nodiscard]] inline std::string utf8_lossy(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        if (const std::size_t n = utf8_sequence_at(s, i); n != 0) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out.append("\xEF\xBF\xBD");
            ++i;
        }
    }
    return out;
}

/// A JSON document the tool prints. Strings are made valid UTF-8 when they are built, numbers are
/// kept as the text the caller formatted, and objects print with their members sorted by key, so
/// the output of a command does not depend on the order it gathered things in.
class json_value {
public:
    using array_type = std::vector<json_value>;
    using object_type = std::vector<std::pair<std::string, json_value>>;

    [[nodiscard]] static json_value make_null() { return json_value(null_tag{}); }
    [[nodiscard]] static json_value make_bool(bool b) { return json_value(b); }
    /// `text` is a number the caller formatted (std::to_string, fmt's shortest round trip).
    [[nodiscard]] static json_value make_number(std::string text) {
        return json_value(number{std::move(text)});
    }
    [[nodiscard]] static json_value make_string(std::string_view s) {
        return json_value(utf8_lossy(s));
    }
    [[nodiscard]] static json_value make_array(array_type items) {
        return json_value(std::make_shared<const array_type>(std::move(items)));
    }
    [[nodiscard]] static json_value make_object(object_type members) {
        for (auto& m : members) m.first = utf8_lossy(m.first);
        std::stable_sort(members.begin(), members.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        return json_value(std::make_shared<const object_type>(std::move(members)));
    }

    /// The document as compact text: no whitespace, members in key order.
    [[nodiscard]] std::string text() const {
        std::string out;
        write(out);
        return out;
    }

private:
    struct null_tag {};
    struct number {
        std::string text;
    };
    using storage =
        std::variant<null_tag, bool, number, std::string, std::shared_ptr<const array_type>,
                     std::shared_ptr<const object_type>>;

    explicit json_value(storage v) : value_(std::move(v)) {}

    static void write_string(std::string& out, std::string_view s) {
        static constexpr char hex[] = "0123456789abcdef";
        out += '"';
        for (const char ch : s) {
            const auto c = static_cast<unsigned char>(ch);
            if (c == '"' || c == '\\') {
                out += '\\';
                out += ch;
            } else if (c == '\b') {
                out += "\\b";
            } else if (c == '\f') {
                out += "\\f";
            } else if (c == '\n') {
                out += "\\n";
            } else if (c == '\t') {
                out += "\\t";
            } else if (c == '\r') {
                out += "\\r";
            } else if (c < 0x20) { // the other control characters, as \u00XX
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xF];
            } else {
                out += ch;
            }
        }
        out += '"';
    }

    void write(std::string& out) const {
        std::visit(
            [&](const auto& v) {
                using v_type = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<v_type, null_tag>) {
                    out += "null";
                } else if constexpr (std::is_same_v<v_type, bool>) {
                    out += v ? "true" : "false";
                } else if constexpr (std::is_same_v<v_type, number>) {
                    out += v.text;
                } else if constexpr (std::is_same_v<v_type, std::string>) {
                    write_string(out, v);
                } else if constexpr (std::is_same_v<v_type, std::shared_ptr<const array_type>>) {
                    out += '[';
                    for (std::size_t i = 0; i < v->size(); ++i) {
                        if (i != 0) out += ',';
                        (*v)[i].write(out);
                    }
                    out += ']';
                } else {
                    out += '{';
                    for (std::size_t i = 0; i < v->size(); ++i) {
                        if (i != 0) out += ',';
                        write_string(out, (*v)[i].first);
                        out += ':';
                        (*v)[i].second.write(out);
                    }
                    out += '}';
                }
            },
            value_);
    }

    storage value_;
};

/// `v` as compact text, members in key order.
[[nodiscard]] inline std::string json_text(const json_value& v) { return v.text(); }

} // namespace flytecache_cli
