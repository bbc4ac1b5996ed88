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
// between two identifier/number characters ("int x") or between two operator characters that could
// fuse into another token ("a & &b" must not become "a&&b").

constexpr bool source_is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

constexpr bool source_is_word(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

// Punctuators that never combine with a neighbour into a longer token.
constexpr bool source_is_isolated(char c) noexcept {
    return c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' || c == ';' ||
           c == ',' || c == '"' || c == '\'';
}

constexpr bool source_needs_space(char left, char right) noexcept {
    const bool lw = source_is_word(left);
    const bool rw = source_is_word(right);
    if (lw && rw) return true;
    if (lw || rw) return false;
    return !source_is_isolated(left) && !source_is_isolated(right);
}

constexpr bool source_is_raw_prefix(std::string_view word) noexcept {
    return word == "R" || word == "u8R" || word == "uR" || word == "UR" || word == "LR";
}

/// Writes the normal form of `in` to `out` (which must have room for in.size() characters) and
/// returns its length. Usable in constant evaluation.
constexpr std::size_t normalize_source(std::string_view in, char* out) noexcept {
    std::size_t n = 0;
    std::size_t word_start = 0; // where the identifier/number being written began
    bool in_word = false;
    bool in_number = false; // the current word began with a digit: a quote is a digit separator
    bool pending_space = false;
    std::size_t i = 0;

    auto put = [&](char c) {
        if (pending_space && n != 0 && source_needs_space(out[n - 1], c)) out[n++] = ' ';
        if (pending_space) in_word = false;
        pending_space = false;
        if (source_is_word(c)) {
            if (!in_word) {
                word_start = n;
                in_number = c >= '0' && c <= '9';
            }
            in_word = true;
        } else {
            in_word = false;
            if (c != '.' && c != '\'') in_number = false;
        }
        out[n++] = c;
    };
    // Copies a literal verbatim; `quote` was already written and in[i] is just past it.
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
        in_number = false;
    };

    while (i < in.size()) {
        const char c = in[i];
        if (source_is_space(c)) {
            pending_space = true;
            ++i;
        } else if (c == '/' && i + 1 < in.size() && in[i + 1] == '/') {
            while (i < in.size() && in[i] != '\n') ++i;
            pending_space = true;
        } else if (c == '/' && i + 1 < in.size() && in[i + 1] == '*') {
            i += 2;
            while (i < in.size() && !(in[i] == '*' && i + 1 < in.size() && in[i + 1] == '/')) ++i;
            i = i < in.size() ? i + 2 : i;
            pending_space = true;
        } else if (c == '"' && in_word && !pending_space &&
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
                if (r == ')' && in.substr(i, delim.size()) == delim && i + delim.size() < in.size() &&
                    in[i + delim.size()] == '"') {
                    for (std::size_t k = 0; k != delim.size() + 1; ++k) out[n++] = in[i++];
                    break;
                }
            }
            in_word = false;
            in_number = false;
        } else if (c == '"' || (c == '\'' && !(in_number && in_word && !pending_space))) {
            put(c);
            ++i;
            copy_quoted(c);
        } else {
            put(c);
            ++i;
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
