// flytecache — a strict RFC 8259 JSON reader and a canonical writer for deterministic hashing
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// The parser is deliberately unforgiving. Its output feeds cache keys, so anything a lenient
// reader might interpret in more than one way (duplicate keys, lone surrogates, invalid UTF-8)
// is rejected rather than guessed at: a guess that differs from flytekit's would yield a
// different key without any error.

/// Deepest nesting of arrays and objects that parse_json accepts. The parser recurses once per
/// level, so this bound is also what keeps hostile input from exhausting the stack.
inline constexpr std::size_t json_max_depth = 256;

// ----- UTF-8 and number grammar helpers ----------------------------------------------------------

/// Length of the well-formed UTF-8 sequence starting at s[i], or 0 if it is ill-formed. Follows
/// the Unicode "well-formed" table, so overlong forms, surrogates (U+D800-U+DFFF) and code points
/// past U+10FFFF are all refused.
constexpr std::size_t json_utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
    const auto byte = [&](std::size_t k) -> unsigned {
        return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
    };
    const auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
        const unsigned b = byte(k);
        return i + k < s.size() && b >= lo && b <= hi;
    };
    const unsigned b0 = byte(0);
    if (b0 < 0x80) return 1;
    if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
    if (b0 == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
    if (b0 == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
    if (b0 >= 0xE1 && b0 <= 0xEF) return cont(1) && cont(2) ? 3 : 0;
    if (b0 == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    if (b0 == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    if (b0 >= 0xF1 && b0 <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
    return 0;
}

/// Offset of the first byte that breaks UTF-8 well-formedness, or npos if `s` is valid.
constexpr std::size_t json_find_invalid_utf8(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = json_utf8_sequence_length(s, i);
        if (n == 0) return i;
        i += n;
    }
    return std::string_view::npos;
}

constexpr bool json_is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Length of the RFC 8259 number at the start of `s` (0 if none). Stops at the longest valid
/// prefix; the caller decides whether what follows is acceptable.
constexpr std::size_t json_number_length(std::string_view s) noexcept {
    std::size_t i = 0;
    if (i < s.size() && s[i] == '-') ++i;
    if (i >= s.size() || !json_is_digit(s[i])) return 0;
    if (s[i] == '0') {
        ++i;
    } else {
        while (i < s.size() && json_is_digit(s[i])) ++i;
    }
    if (i + 1 < s.size() && s[i] == '.' && json_is_digit(s[i + 1])) {
        i += 2;
        while (i < s.size() && json_is_digit(s[i])) ++i;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        std::size_t j = i + 1;
        if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
        if (j < s.size() && json_is_digit(s[j])) {
            while (j < s.size() && json_is_digit(s[j])) ++j;
            i = j;
        }
    }
    return i;
}

void json_append_hex4(std::string& out, unsigned v);

// Upper-case hex with at least `width` digits, for U+XXXX and 0xXX in messages.
std::string json_hex_upper(std::uint32_t v, std::size_t width);

void json_append_utf8(std::string& out, std::uint32_t cp);

// ----- json_value --------------------------------------------------------------------------------

/// An immutable JSON document tree. Numbers keep their source text rather than a binary value:
/// canonical_json must reproduce them exactly, and no single C++ type holds every JSON number
/// without loss.
class json_value {
public:
    enum class kind { null, boolean, number, string, array, object };
    using array_type = std::vector<json_value>;
    /// Members in document order; lookups are linear, which suits the small objects of pod specs
    /// and vector files better than a map would.
    using object_type = std::vector<std::pair<std::string, json_value>>;

    json_value() = default;

    // Factories validate their input so that every json_value, however built, serializes to
    // valid JSON.
    static json_value make_null() { return json_value(); }
    static json_value make_bool(bool b) {
        json_value v(kind::boolean);
        v.bool_ = b;
        return v;
    }
    /// `text` must be a complete RFC 8259 number; it is kept verbatim.
    static json_value make_number(std::string_view text);
    static json_value make_string(std::string s);
    static json_value make_array(array_type elements) {
        json_value v(kind::array);
        v.array_ = std::move(elements);
        return v;
    }
    /// Keys must be distinct valid UTF-8: a duplicate would make the canonical form ambiguous.
    static json_value make_object(object_type members);

    [[nodiscard]] kind type() const noexcept { return kind_; }
    [[nodiscard]] bool is_null() const noexcept { return kind_ == kind::null; }
    [[nodiscard]] bool is_bool() const noexcept { return kind_ == kind::boolean; }
    [[nodiscard]] bool is_number() const noexcept { return kind_ == kind::number; }
    [[nodiscard]] bool is_string() const noexcept { return kind_ == kind::string; }
    [[nodiscard]] bool is_array() const noexcept { return kind_ == kind::array; }
    [[nodiscard]] bool is_object() const noexcept { return kind_ == kind::object; }

    [[nodiscard]] bool as_bool() const {
        expect(kind::boolean);
        return bool_;
    }
    /// The decoded text, UTF-8.
    [[nodiscard]] const std::string& as_string() const {
        expect(kind::string);
        return text_;
    }
    /// The number exactly as written in the source (or given to make_number).
    [[nodiscard]] std::string_view number_text() const {
        expect(kind::number);
        return text_;
    }
    /// Nearest double. Magnitudes too small for a double give a signed zero, as strtod's callers
    /// expect; magnitudes too large throw instead of silently becoming infinity.
    [[nodiscard]] double as_double() const;
    /// Exact: "1.0" and "1e3" are refused rather than converted, since a key derived from them
    /// would otherwise depend on how a writer happened to format an integer.
    [[nodiscard]] std::int64_t as_int64() const;
    [[nodiscard]] const array_type& as_array() const {
        expect(kind::array);
        return array_;
    }
    [[nodiscard]] const object_type& as_object() const {
        expect(kind::object);
        return object_;
    }

    /// The member named `key`, or nullptr if there is none or this is not an object.
    [[nodiscard]] const json_value* find(std::string_view key) const noexcept;
    [[nodiscard]] const json_value& at(std::string_view key) const;
    [[nodiscard]] const json_value& at(std::size_t index) const;
    [[nodiscard]] bool contains(std::string_view key) const noexcept {
        return find(key) != nullptr;
    }
    /// Elements of an array or members of an object; 0 for every scalar, strings included.
    [[nodiscard]] std::size_t size() const noexcept {
        if (kind_ == kind::array) return array_.size();
        if (kind_ == kind::object) return object_.size();
        return 0;
    }

    /// "a string", "an object", "null", ... for messages.
    static const char* describe(kind k) noexcept;

private:
    friend class json_parser;

    explicit json_value(kind k) : kind_(k) {}

    void expect(kind wanted) const;

    // Distinguishes underflow from overflow after from_chars reports out of range, using the
    // decimal exponent of the leading significant digit. The number grammar was checked on entry.
    bool magnitude_below_one() const noexcept;

    kind kind_ = kind::null;
    bool bool_ = false;
    std::string text_; // string contents, or a number's source text
    array_type array_;
    object_type object_;
};

// ----- parser ------------------------------------------------------------------------------------

class json_parser {
public:
    explicit json_parser(std::string_view text) noexcept : text_(text) {}

    json_value parse_document();

private:
    [[noreturn]] void fail(std::size_t at, const std::string& what, std::string_view hint) const;

    // Names the character at `at` readably: a quoted ASCII character, U+XXXX for control and
    // non-ASCII characters, or the raw byte when the text is not UTF-8 there.
    std::string describe_at(std::size_t at) const;

    static bool is_whitespace(char c) noexcept {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    static bool is_word_char(char c) noexcept {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || json_is_digit(c) || c == '_';
    }

    void skip_whitespace() noexcept {
        while (pos_ < text_.size() && is_whitespace(text_[pos_])) ++pos_;
    }

    // Reports a character that cannot start what the grammar expects here, with a hint aimed at
    // the usual reason (JSON5/JavaScript habits, truncation, stray whitespace characters).
    [[noreturn]] void unexpected(std::string_view expected) const;

    json_value parse_value(std::size_t depth);

    // A word where a value belongs: a misspelt literal, or a JavaScript number name.
    [[noreturn]] void bad_word() const;

    json_value parse_literal(std::string_view word, json_value value);

    json_value parse_number();

    // Reads four hex digits of a \u escape whose backslash is at `escape`.
    std::uint32_t read_hex4(std::size_t escape) const;

    // pos_ is at the opening quote; on return it is just past the closing one.
    void parse_string(std::string& out);

    // pos_ is at a backslash inside a string.
    void parse_escape(std::string& out);

    void enter(std::size_t depth) const;

    // pos_ is at '['.
    json_value parse_array(std::size_t depth);

    // pos_ is at '{'.
    json_value parse_object(std::size_t depth);

    std::string_view text_;
    std::size_t pos_ = 0;
};

/// Parses one JSON document. Every syntax error throws flytecache::invalid_argument naming its
/// line, column and byte offset.
inline json_value parse_json(std::string_view text) { return json_parser(text).parse_document(); }

// ----- canonical writer --------------------------------------------------------------------------

void json_write_canonical_string(std::string& out, std::string_view s);

void json_write_canonical(std::string& out, const json_value& v);

/// The canonical text of `v`: no insignificant whitespace, object members ordered by the UTF-8
/// bytes of their keys, numbers verbatim, strings escaped one fixed way. Documents that differ
/// only in layout, member order or escape spelling therefore hash identically.
inline std::string canonical_json(const json_value& v) {
    std::string out;
    json_write_canonical(out, v);
    return out;
}

} // namespace detail
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/detail/json.ipp>
#endif
