// flytecache — a strict RFC 8259 JSON reader and a canonical writer (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/detail/json.hpp>

#include <algorithm>
#include <charconv>
#include <system_error>
#include <unordered_set>

FLYTECACHE_NAMESPACE_BEGIN

namespace detail {

FLYTECACHE_INLINE void json_append_hex4(std::string& out, unsigned v) {
    constexpr char digits[] = "0123456789abcdef";
    for (unsigned shift = 16; shift != 0;) {
        shift -= 4;
        out += digits[(v >> shift) & 0xFu];
    }
}

FLYTECACHE_INLINE std::string json_hex_upper(std::uint32_t v, std::size_t width) {
    std::string out;
    do {
        out.insert(out.begin(), "0123456789ABCDEF"[v & 0xFu]);
        v >>= 4;
    } while (v != 0);
    if (out.size() < width) out.insert(0, width - out.size(), '0');
    return out;
}

FLYTECACHE_INLINE void json_append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

FLYTECACHE_INLINE json_value json_value::make_number(std::string_view text) {
    if (text.empty() || json_number_length(text) != text.size()) {
        throw invalid_argument("flytecache: \"" + std::string(text) +
                               "\" is not a JSON number; use RFC 8259 syntax such as -12.5e3");
    }
    json_value v(kind::number);
    v.text_.assign(text);
    return v;
}

FLYTECACHE_INLINE json_value json_value::make_string(std::string s) {
    if (const auto bad = json_find_invalid_utf8(s); bad != std::string::npos) {
        throw invalid_argument("flytecache: JSON string is not valid UTF-8 (offset " +
                               std::to_string(bad) + "); pass UTF-8 text");
    }
    json_value v(kind::string);
    v.text_ = std::move(s);
    return v;
}

FLYTECACHE_INLINE json_value json_value::make_object(object_type members) {
    for (std::size_t i = 0; i < members.size(); ++i) {
        if (json_find_invalid_utf8(members[i].first) != std::string::npos) {
            throw invalid_argument("flytecache: JSON object key is not valid UTF-8");
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (members[j].first == members[i].first) {
                throw invalid_argument("flytecache: JSON object key \"" + members[i].first +
                                       "\" is given twice; give each key once");
            }
        }
    }
    json_value v(kind::object);
    v.object_ = std::move(members);
    return v;
}

FLYTECACHE_INLINE double json_value::as_double() const {
    expect(kind::number);
    double out = 0;
    const char* first = text_.data();
    const char* last = first + text_.size();
    const auto [ptr, ec] = std::from_chars(first, last, out);
    if (ec == std::errc::result_out_of_range) {
        if (magnitude_below_one()) return text_.front() == '-' ? -0.0 : 0.0;
        throw invalid_argument("flytecache: JSON number " + text_ + " is too large for a double");
    }
    if (ec != std::errc() || ptr != last) {
        throw invalid_argument("flytecache: JSON number " + text_ + " cannot be read as a double");
    }
    return out;
}

FLYTECACHE_INLINE std::int64_t json_value::as_int64() const {
    expect(kind::number);
    if (text_.find_first_of(".eE") != std::string::npos) {
        throw invalid_argument("flytecache: JSON number " + text_ +
                               " is not an integer; expected a whole number without fraction "
                               "or exponent");
    }
    std::int64_t out = 0;
    const char* first = text_.data();
    const char* last = first + text_.size();
    const auto [ptr, ec] = std::from_chars(first, last, out);
    if (ec != std::errc() || ptr != last) {
        throw invalid_argument("flytecache: JSON number " + text_ +
                               " is outside the range of a 64-bit signed integer");
    }
    return out;
}

FLYTECACHE_INLINE const json_value* json_value::find(std::string_view key) const noexcept {
    if (kind_ != kind::object) return nullptr;
    for (const auto& [name, value] : object_) {
        if (name == key) return &value;
    }
    return nullptr;
}

FLYTECACHE_INLINE const json_value& json_value::at(std::string_view key) const {
    expect(kind::object);
    if (const json_value* v = find(key)) return *v;
    throw invalid_argument("flytecache: JSON object has no member \"" + std::string(key) + "\"");
}

FLYTECACHE_INLINE const json_value& json_value::at(std::size_t index) const {
    expect(kind::array);
    if (index >= array_.size()) {
        throw invalid_argument("flytecache: JSON array index " + std::to_string(index) +
                               " is out of range (the array has " + std::to_string(array_.size()) +
                               " elements)");
    }
    return array_[index];
}

FLYTECACHE_INLINE const char* json_value::describe(kind k) noexcept {
    switch (k) {
    case kind::null: return "null";
    case kind::boolean: return "a boolean";
    case kind::number: return "a number";
    case kind::string: return "a string";
    case kind::array: return "an array";
    case kind::object: return "an object";
    }
    return "an unknown value";
}

FLYTECACHE_INLINE void json_value::expect(kind wanted) const {
    if (kind_ != wanted) {
        throw invalid_argument(std::string("flytecache: JSON value is ") + describe(kind_) +
                               ", expected " + describe(wanted));
    }
}

FLYTECACHE_INLINE bool json_value::magnitude_below_one() const noexcept {
    std::size_t i = text_.front() == '-' ? 1 : 0;
    long long digit_exponent = -1; // power of ten of the current digit, relative to the point
    std::size_t int_end = text_.find_first_of(".eE", i);
    if (int_end == std::string::npos) int_end = text_.size();
    long long lead = 0;
    bool found = false;
    for (std::size_t k = i; k < int_end; ++k) {
        if (text_[k] != '0') {
            lead = static_cast<long long>(int_end - k) - 1;
            found = true;
            break;
        }
    }
    std::size_t k = int_end;
    if (k < text_.size() && text_[k] == '.') {
        for (++k; k < text_.size() && json_is_digit(text_[k]); ++k, --digit_exponent) {
            if (!found && text_[k] != '0') {
                lead = digit_exponent;
                found = true;
            }
        }
    }
    long long exponent = 0;
    if (k < text_.size()) { // at 'e' or 'E'
        ++k;
        const bool negative = text_[k] == '-';
        if (text_[k] == '+' || text_[k] == '-') ++k;
        for (; k < text_.size(); ++k) {
            // Saturate: any exponent this large is decisive on its own.
            if (exponent < 1'000'000'000) exponent = exponent * 10 + (text_[k] - '0');
        }
        if (negative) exponent = -exponent;
    }
    return found && lead + exponent < 0;
}

FLYTECACHE_INLINE json_value json_parser::parse_document() {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") {
        fail(0, "byte order mark at the start of the text",
             "remove it; RFC 8259 text must not begin with a BOM");
    }
    skip_whitespace();
    if (pos_ == text_.size()) {
        fail(pos_, "empty input", "expected a JSON value such as {} or []");
    }
    json_value root = parse_value(0);
    skip_whitespace();
    if (pos_ != text_.size()) {
        fail(pos_, "unexpected " + describe_at(pos_) + " after the JSON value",
             "a document holds exactly one value; remove the trailing text or wrap the values "
             "in an array");
    }
    return root;
}

FLYTECACHE_INLINE void json_parser::fail(std::size_t at, const std::string& what,
                                         std::string_view hint) const {
    // Line and column are computed only on failure so the common path pays nothing for them.
    // Columns count code points, which is what an editor shows.
    std::size_t line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < at && i < text_.size(); ++i) {
        if (text_[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    std::size_t column = 1;
    for (std::size_t i = line_start; i < at && i < text_.size(); ++i) {
        if ((static_cast<unsigned char>(text_[i]) & 0xC0u) != 0x80u) ++column;
    }
    std::string message = "flytecache: invalid JSON at line " + std::to_string(line) + ", column " +
                          std::to_string(column) + " (offset " + std::to_string(at) + "): " + what;
    if (!hint.empty()) {
        message += "; ";
        message += hint;
    }
    throw invalid_argument(message);
}

FLYTECACHE_INLINE std::string json_parser::describe_at(std::size_t at) const {
    if (at >= text_.size()) return "end of input";
    const auto c = static_cast<unsigned char>(text_[at]);
    if (c == '\'') return "a single quote";
    if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
    std::uint32_t cp = c;
    if (c >= 0x80) {
        const std::size_t n = json_utf8_sequence_length(text_, at);
        if (n == 0) return "byte 0x" + json_hex_upper(c, 2);
        cp = c & (0xFFu >> (n + 1));
        for (std::size_t k = 1; k < n; ++k) {
            cp = (cp << 6) | (static_cast<unsigned char>(text_[at + k]) & 0x3Fu);
        }
    }
    return "U+" + json_hex_upper(cp, 4);
}

FLYTECACHE_INLINE void json_parser::unexpected(std::string_view expected) const {
    const std::string what =
        "unexpected " + describe_at(pos_) + ", expected " + std::string(expected);
    if (pos_ >= text_.size()) {
        fail(pos_, what, "the text is truncated, or a bracket or quote is not closed");
    }
    const char c = text_[pos_];
    const std::string_view rest = text_.substr(pos_);
    if (c == '/') fail(pos_, what, "JSON has no comments; remove them");
    if (c == '\'') fail(pos_, what, "JSON strings and keys take double quotes");
    if (c == '\f' || c == '\v' || rest.substr(0, 2) == "\xC2\xA0" ||
        rest.substr(0, 3) == "\xEF\xBB\xBF" || rest.substr(0, 3) == "\xE2\x80\xA8" ||
        rest.substr(0, 3) == "\xE2\x80\xA9") {
        fail(pos_, what, "only space, tab, line feed and carriage return are JSON whitespace");
    }
    if (static_cast<unsigned char>(c) < 0x20) {
        fail(pos_, what, "control characters may only appear escaped inside strings");
    }
    fail(pos_, what, "check the text just before this position");
}

FLYTECACHE_INLINE json_value json_parser::parse_value(std::size_t depth) {
    if (pos_ >= text_.size()) unexpected("a value");
    const char c = text_[pos_];
    switch (c) {
    case '{': return parse_object(depth + 1);
    case '[': return parse_array(depth + 1);
    case '"': {
        json_value v(json_value::kind::string);
        parse_string(v.text_);
        return v;
    }
    case 't': return parse_literal("true", json_value::make_bool(true));
    case 'f': return parse_literal("false", json_value::make_bool(false));
    case 'n': return parse_literal("null", json_value());
    default: break;
    }
    if (c == '-' || json_is_digit(c)) return parse_number();
    if (c == '+') {
        fail(pos_, "a number cannot start with '+'", "drop the plus sign");
    }
    if (c == '.') {
        fail(pos_, "a number cannot start with '.'", "write a digit before the point, as in 0.5");
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) bad_word();
    unexpected("a value");
}

FLYTECACHE_INLINE void json_parser::bad_word() const {
    std::size_t end = pos_;
    while (end < text_.size() && end - pos_ < 32 && is_word_char(text_[end])) ++end;
    const std::string word(text_.substr(pos_, end - pos_));
    if (word == "NaN" || word == "Infinity") {
        fail(pos_, word + " is not a JSON value",
             "JSON has no NaN or Infinity; encode such numbers as strings or null");
    }
    fail(pos_, "unknown literal '" + word + "'",
         "the JSON literals are true, false and null, in lower case; strings need double "
         "quotes");
}

FLYTECACHE_INLINE json_value json_parser::parse_literal(std::string_view word, json_value value) {
    if (text_.substr(pos_, word.size()) != word) bad_word();
    const std::size_t end = pos_ + word.size();
    // "nullx" and "true1" are one bad word, not a literal followed by junk.
    if (end < text_.size() && is_word_char(text_[end])) bad_word();
    pos_ = end;
    return value;
}

FLYTECACHE_INLINE json_value json_parser::parse_number() {
    const std::size_t start = pos_;
    std::size_t i = pos_;
    if (text_[i] == '-') ++i;
    if (i >= text_.size() || !json_is_digit(text_[i])) {
        if (text_.substr(i, 8) == "Infinity") {
            fail(start, "-Infinity is not a JSON value",
                 "JSON has no NaN or Infinity; encode such numbers as strings or null");
        }
        fail(i, "expected a digit after '-'", "write the number as -123 or -0.5");
    }
    if (text_[i] == '0' && i + 1 < text_.size() && json_is_digit(text_[i + 1])) {
        fail(i, "leading zeros are not allowed in numbers",
             "drop the zeros (JSON numbers are decimal, never octal), or quote the value if "
             "the zeros matter");
    }
    const std::size_t n = json_number_length(text_.substr(start));
    std::size_t end = start + n;
    // json_number_length stops before a dangling '.', 'e' or sign; name that precisely.
    const std::string_view number = text_.substr(start, n);
    if (end < text_.size()) {
        const char c = text_[end];
        if (c == '.' && number.find_first_of(".eE") == std::string_view::npos) {
            fail(end + 1, "expected a digit after the decimal point",
                 "write 1.0 or 1 rather than 1.");
        }
        if ((c == 'e' || c == 'E') && number.find_first_of("eE") == std::string_view::npos) {
            std::size_t j = end + 1;
            if (j < text_.size() && (text_[j] == '+' || text_[j] == '-')) ++j;
            fail(j, "expected a digit in the exponent", "write the exponent as e5, e+5 or e-5");
        }
    }
    json_value v(json_value::kind::number);
    v.text_.assign(number);
    pos_ = end;
    return v;
}

FLYTECACHE_INLINE std::uint32_t json_parser::read_hex4(std::size_t escape) const {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
        const std::size_t at = escape + 2 + k;
        const char c = at < text_.size() ? text_[at] : '\0';
        std::uint32_t d = 0;
        if (c >= '0' && c <= '9') {
            d = static_cast<std::uint32_t>(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            d = static_cast<std::uint32_t>(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            d = static_cast<std::uint32_t>(c - 'A' + 10);
        } else {
            if (at >= text_.size()) {
                fail(at, "unterminated \\u escape", "a \\u escape takes exactly four hex digits");
            }
            fail(at, "invalid hex digit " + describe_at(at) + " in a \\u escape",
                 "a \\u escape takes exactly four hex digits, as in \\u00e9");
        }
        v = (v << 4) | d;
    }
    return v;
}

FLYTECACHE_INLINE void json_parser::parse_string(std::string& out) {
    const std::size_t open = pos_;
    ++pos_;
    for (;;) {
        // Copy runs of plain characters in one append; most strings contain no escapes.
        const std::size_t run = pos_;
        while (pos_ < text_.size()) {
            const auto c = static_cast<unsigned char>(text_[pos_]);
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
            ++pos_;
        }
        out.append(text_.data() + run, pos_ - run);
        if (pos_ >= text_.size()) {
            fail(open, "unterminated string", "close it with a double quote");
        }
        const auto c = static_cast<unsigned char>(text_[pos_]);
        if (c == '"') {
            ++pos_;
            return;
        }
        if (c < 0x20) {
            std::string hint = "escape it";
            if (c == '\n')
                hint += " as \\n";
            else if (c == '\r')
                hint += " as \\r";
            else if (c == '\t')
                hint += " as \\t";
            else
                hint += " as \\u00XX";
            fail(pos_, "raw control character " + describe_at(pos_) + " in a string", hint);
        }
        if (c >= 0x80) {
            const std::size_t n = json_utf8_sequence_length(text_, pos_);
            if (n == 0) {
                fail(pos_, "invalid UTF-8 (" + describe_at(pos_) + ") in a string",
                     "JSON text must be UTF-8; re-encode the input");
            }
            out.append(text_.data() + pos_, n);
            pos_ += n;
            continue;
        }
        parse_escape(out);
    }
}

FLYTECACHE_INLINE void json_parser::parse_escape(std::string& out) {
    const std::size_t at = pos_;
    if (at + 1 >= text_.size()) {
        fail(at, "unterminated string", "the text ends inside an escape sequence");
    }
    const char e = text_[at + 1];
    pos_ = at + 2;
    switch (e) {
    case '"': out += '"'; return;
    case '\\': out += '\\'; return;
    case '/': out += '/'; return;
    case 'b': out += '\b'; return;
    case 'f': out += '\f'; return;
    case 'n': out += '\n'; return;
    case 'r': out += '\r'; return;
    case 't': out += '\t'; return;
    case 'u': break;
    default:
        fail(at,
             "invalid escape \\" + (static_cast<unsigned char>(e) < 0x80 && e >= 0x20
                                        ? std::string(1, e)
                                        : describe_at(at + 1)),
             R"(valid escapes are \" \\ \/ \b \f \n \r \t and \uXXXX)");
    }
    std::uint32_t cp = read_hex4(at);
    pos_ = at + 6;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
        fail(at, "unpaired low surrogate in a \\u escape",
             R"(a low surrogate (\uDC00-\uDFFF) must follow a high one (\uD800-\uDBFF))");
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        // Characters beyond the BMP arrive as two escapes; only the pair names a character.
        const std::size_t next = at + 6;
        if (text_.substr(next, 2) != "\\u") {
            fail(at, "unpaired high surrogate in a \\u escape",
                 "a high surrogate (\\uD800-\\uDBFF) must be followed by a \\u escape of a low "
                 "surrogate (\\uDC00-\\uDFFF)");
        }
        const std::uint32_t low = read_hex4(next);
        if (low < 0xDC00 || low > 0xDFFF) {
            fail(next, "high surrogate followed by a \\u escape that is not a low surrogate",
                 "a high surrogate (\\uD800-\\uDBFF) must be followed by a low one "
                 "(\\uDC00-\\uDFFF)");
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        pos_ = next + 6;
    }
    json_append_utf8(out, cp);
}

FLYTECACHE_INLINE void json_parser::enter(std::size_t depth) const {
    if (depth > json_max_depth) {
        fail(pos_, "nesting deeper than " + std::to_string(json_max_depth) + " levels",
             "flatten the document");
    }
}

FLYTECACHE_INLINE json_value json_parser::parse_array(std::size_t depth) {
    enter(depth);
    json_value v(json_value::kind::array);
    ++pos_;
    skip_whitespace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return v;
    }
    for (;;) {
        v.array_.push_back(parse_value(depth));
        skip_whitespace();
        if (pos_ < text_.size() && text_[pos_] == ']') {
            ++pos_;
            return v;
        }
        if (pos_ >= text_.size() || text_[pos_] != ',') unexpected("',' or ']' in an array");
        const std::size_t comma = pos_;
        ++pos_;
        skip_whitespace();
        if (pos_ < text_.size() && text_[pos_] == ']') {
            fail(comma, "trailing comma before ']'", "remove the comma after the last element");
        }
    }
}

FLYTECACHE_INLINE json_value json_parser::parse_object(std::size_t depth) {
    enter(depth);
    json_value v(json_value::kind::object);
    auto& members = v.object_;
    // Small objects check for duplicates by scanning; large ones switch to a hash set so a
    // hostile object with many keys stays linear.
    constexpr std::size_t scan_limit = 16;
    std::unordered_set<std::string> large_keys;

    ++pos_;
    skip_whitespace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return v;
    }
    for (;;) {
        if (pos_ >= text_.size() || text_[pos_] != '"') unexpected("a string key in an object");
        const std::size_t key_at = pos_;
        std::string key;
        parse_string(key);

        bool duplicate = false;
        if (members.size() < scan_limit) {
            for (const auto& m : members) duplicate = duplicate || m.first == key;
        } else {
            if (large_keys.empty()) {
                // The keys are copied once into stable storage: views into `members` would
                // dangle when the vector grows and moves short (SSO) strings.
                for (const auto& m : members) large_keys.insert(m.first);
            }
            duplicate = large_keys.contains(key);
        }
        if (duplicate) {
            fail(key_at, "duplicate object key \"" + key + "\"",
                 "each key may appear once in an object");
        }

        skip_whitespace();
        if (pos_ >= text_.size() || text_[pos_] != ':') unexpected("':' after an object key");
        ++pos_;
        skip_whitespace();
        json_value value = parse_value(depth);
        if (!large_keys.empty()) large_keys.insert(key);
        members.emplace_back(std::move(key), std::move(value));

        skip_whitespace();
        if (pos_ < text_.size() && text_[pos_] == '}') {
            ++pos_;
            return v;
        }
        if (pos_ >= text_.size() || text_[pos_] != ',') unexpected("',' or '}' in an object");
        const std::size_t comma = pos_;
        ++pos_;
        skip_whitespace();
        if (pos_ < text_.size() && text_[pos_] == '}') {
            fail(comma, "trailing comma before '}'", "remove the comma after the last member");
        }
    }
}

FLYTECACHE_INLINE void json_write_canonical_string(std::string& out, std::string_view s) {
    out += '"';
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: out += "\\u"; json_append_hex4(out, c);
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

FLYTECACHE_INLINE void json_write_canonical(std::string& out, const json_value& v) {
    switch (v.type()) {
    case json_value::kind::null: out += "null"; return;
    case json_value::kind::boolean: out += v.as_bool() ? "true" : "false"; return;
    case json_value::kind::number: out += v.number_text(); return;
    case json_value::kind::string: json_write_canonical_string(out, v.as_string()); return;
    case json_value::kind::array: {
        out += '[';
        bool first = true;
        for (const auto& e : v.as_array()) {
            if (!first) out += ',';
            first = false;
            json_write_canonical(out, e);
        }
        out += ']';
        return;
    }
    case json_value::kind::object: {
        // Sorting pointers keeps the tree untouched. std::string compares through
        // char_traits<char>, which orders as unsigned char, i.e. by UTF-8 bytes (and so by code
        // point), independent of whether plain char is signed.
        std::vector<const json_value::object_type::value_type*> sorted;
        sorted.reserve(v.size());
        for (const auto& m : v.as_object()) sorted.push_back(&m);
        std::sort(sorted.begin(), sorted.end(),
                  [](const auto* a, const auto* b) { return a->first < b->first; });
        out += '{';
        bool first = true;
        for (const auto* m : sorted) {
            if (!first) out += ',';
            first = false;
            json_write_canonical_string(out, m->first);
            out += ':';
            json_write_canonical(out, m->second);
        }
        out += '}';
        return;
    }
    }
}

} // namespace detail

FLYTECACHE_NAMESPACE_END
