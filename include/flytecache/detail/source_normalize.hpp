// flytecache — normalization of C++ source text so comment and whitespace edits keep a version
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>

#include <cstddef>
#include <string>
#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// The normal form drops comments and every whitespace run that cannot change how the text
// tokenizes, and keeps string and character literals byte for byte. A single space survives only
// between two identifier/number characters ("int x") or between two operator characters that would
// fuse into another token ("a & &b" must not become "a&&b").

constexpr bool source_is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

constexpr bool source_is_word(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

// Whether two operator characters written side by side would read as one longer token (or start
// a comment), so that the space between them must be kept: "a & &b" is not "a&&b".
constexpr bool source_can_fuse(char left, char right) noexcept {
    constexpr std::string_view pairs[] = {
        "::", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&",
        "||", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", ".*", "..",
        "<:", ":>", "<%", "%>", "%:", "##", "//", "/*", "*/", "=>"};
    for (std::string_view p : pairs) {
        if (p[0] == left && p[1] == right) return true;
    }
    return false;
}

constexpr bool source_needs_space(char left, char right) noexcept {
    const bool lw = source_is_word(left);
    const bool rw = source_is_word(right);
    if (lw && rw) return true;
    if (lw || rw) return false;
    return source_can_fuse(left, right);
}

constexpr bool source_is_raw_prefix(std::string_view word) noexcept {
    return word == "R" || word == "u8R" || word == "uR" || word == "UR" || word == "LR";
}

constexpr bool source_is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Writes the normal form of `in` to `out` (which must have room for in.size() characters) and
/// returns its length. Usable in constant evaluation.
///
/// Follows the first translation phases closely enough for hashing: line splices join lines,
/// comments become whitespace, pp-numbers (including digit separators and exponent signs, as in
/// 0xFF'FF or 1e+5) and literals are kept whole, and the end of a preprocessor directive line stays
/// a newline because it ends the directive.
constexpr std::size_t normalize_source(std::string_view in, char* out) noexcept {
    std::size_t n = 0;
    std::size_t word_start = 0; // where the identifier/number being written began
    bool in_word = false;       // the last character written continues an identifier or number
    bool pending_space = false; // whitespace or a comment was skipped since the last write
    bool line_start = true;     // nothing but whitespace since the last newline
    bool in_directive = false;  // on a preprocessor directive line
    std::size_t i = 0;

    auto splice_at = [&](std::size_t k) {
        return in[k] == '\\' && k + 1 < in.size() && in[k + 1] == '\n';
    };
    auto put = [&](char c) {
        if (pending_space && n != 0 && source_needs_space(out[n - 1], c)) out[n++] = ' ';
        if (pending_space) in_word = false;
        pending_space = false;
        if (source_is_word(c)) {
            if (!in_word) word_start = n;
            in_word = true;
        } else {
            in_word = false;
        }
        out[n++] = c;
    };
    // Copies a literal verbatim; its opening quote was already written and in[i] follows it.
    auto copy_quoted = [&](char quote) {
        while (i < in.size()) {
            const char c = in[i++];
            out[n++] = c;
            if (c == '\\' && i < in.size()) {
                out[n++] = in[i++];
            } else if (c == quote || c == '\n') {
                break;
            }
        }
        in_word = false;
    };

    while (i < in.size()) {
        const char c = in[i];
        if (splice_at(i)) {
            i += 2;
        } else if (c == '\n') {
            if (in_directive) {
                out[n++] = '\n';
                in_word = false;
                pending_space = false;
                in_directive = false;
            } else {
                pending_space = true;
            }
            line_start = true;
            ++i;
        } else if (source_is_space(c)) {
            pending_space = true;
            ++i;
        } else if (c == '/' && i + 1 < in.size() && in[i + 1] == '/') {
            while (i < in.size() && in[i] != '\n')
                i += splice_at(i) ? std::size_t{2} : std::size_t{1};
            pending_space = true;
        } else if (c == '/' && i + 1 < in.size() && in[i + 1] == '*') {
            i += 2;
            while (i < in.size() && !(in[i] == '*' && i + 1 < in.size() && in[i + 1] == '/')) ++i;
            i = i < in.size() ? i + 2 : i;
            pending_space = true;
        } else {
            if (c == '#' && line_start) in_directive = true;
            line_start = false;
            const bool continues_word = in_word && !pending_space;
            if ((source_is_digit(c) ||
                 (c == '.' && i + 1 < in.size() && source_is_digit(in[i + 1]))) &&
                !continues_word) {
                // A pp-number: digits, letters, '.', digit separators and signed exponents.
                put(c);
                ++i;
                while (i < in.size()) {
                    const char d = in[i];
                    const char prev = in[i - 1];
                    const bool exponent_sign =
                        (d == '+' || d == '-') &&
                        (prev == 'e' || prev == 'E' || prev == 'p' || prev == 'P');
                    const bool separator =
                        d == '\'' && i + 1 < in.size() && source_is_word(in[i + 1]);
                    if (!(source_is_word(d) || d == '.' || exponent_sign || separator)) break;
                    put(d);
                    ++i;
                }
                in_word = true; // an identifier character right after a number stays joined
            } else if (c == '"' && continues_word &&
                       source_is_raw_prefix(std::string_view(out + word_start, n - word_start))) {
                // Raw string: R"delim( ... )delim" may contain quotes and backslashes unescaped.
                put(c);
                ++i;
                const std::size_t delim_begin = i;
                while (i < in.size() && in[i] != '(') out[n++] = in[i++];
                const std::string_view delim = in.substr(delim_begin, i - delim_begin);
                while (i < in.size()) {
                    const char r = in[i++];
                    out[n++] = r;
                    if (r == ')' && in.substr(i, delim.size()) == delim &&
                        i + delim.size() < in.size() && in[i + delim.size()] == '"') {
                        for (std::size_t k = 0; k != delim.size() + 1; ++k) out[n++] = in[i++];
                        break;
                    }
                }
                in_word = false;
            } else if (c == '"' || c == '\'') {
                put(c);
                ++i;
                copy_quoted(c);
            } else {
                put(c);
                ++i;
            }
        }
    }
    return n;
}

/// The normal form of `in` as a string (run time or constant evaluation).
constexpr std::string normalize_source(std::string_view in) {
    std::string out(in.size(), '\0');
    out.resize(normalize_source(in, out.data()));
    return out;
}

/// Fixed-capacity storage for a normal form computed at compile time.
template <std::size_t Capacity>
struct normalized_source {
    char data[Capacity + 1]{};
    std::size_t size = 0;
    [[nodiscard]] constexpr std::string_view view() const noexcept { return {data, size}; }
};

template <std::size_t Capacity>
constexpr normalized_source<Capacity> normalize_source_fixed(std::string_view in) noexcept {
    normalized_source<Capacity> result{};
    result.size = normalize_source(in, result.data);
    return result;
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
