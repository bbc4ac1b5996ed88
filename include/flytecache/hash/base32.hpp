// flytecache — base32 (RFC 4648 §6), with optional lowercase output and padding
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN

/// Output options for to_base32.
///
/// The defaults give canonical RFC 4648 output (uppercase, `=`-padded). Lowercase without padding
/// suits case-insensitive or DNS-label contexts such as Kubernetes object names, where uppercase
/// letters and `=` are rejected.
struct base32_options {
    /// Emit `a`–`z` instead of `A`–`Z` (digits 2–7 are unaffected).
    bool lowercase = false;
    /// Pad the output with `=` to a multiple of 8 characters.
    bool padding = true;
};

namespace detail {

template <class Octet>
constexpr std::string base32_encode(const Octet* data, std::size_t size, base32_options options) {
    constexpr std::string_view upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    constexpr std::string_view lower = "abcdefghijklmnopqrstuvwxyz234567";
    const std::string_view alphabet = options.lowercase ? lower : upper;
    std::string out;
    out.reserve((size + 4) / 5 * 8);
    for (std::size_t i = 0; i < size; i += 5) {
        const std::size_t chunk = size - i < 5 ? size - i : 5;
        std::uint64_t group = 0; // 40 bits, missing trailing bytes taken as zero
        for (std::size_t k = 0; k < 5; ++k) {
            group <<= 8;
            if (k < chunk) group |= static_cast<std::uint8_t>(data[i + k]);
        }
        // Each byte contributes 8 bits; a character is emitted for every started 5-bit group.
        const std::size_t chars = (chunk * 8 + 4) / 5;
        for (std::size_t c = 0; c < chars; ++c) {
            out += alphabet[static_cast<std::size_t>((group >> (35 - 5 * c)) & 0x1FU)];
        }
        if (options.padding) out.append(8 - chars, '=');
    }
    return out;
}

} // namespace detail

/// Encodes bytes as base32 with the RFC 4648 §6 alphabet (`A`–`Z`, `2`–`7`).
///
/// Why: base32 survives case-folding and contains no `/`, `+` or `-`, so it fits identifiers
/// that other encodings break. Usable in constant expressions; a pure function, safe on any thread.
[[nodiscard]] constexpr std::string to_base32(std::span<const std::uint8_t> bytes,
                                              base32_options options = {}) {
    return detail::base32_encode(bytes.data(), bytes.size(), options);
}

/// Encodes the bytes of a string (each `char` taken as an unsigned octet) as base32.
[[nodiscard]] constexpr std::string to_base32(std::string_view bytes, base32_options options = {}) {
    return detail::base32_encode(bytes.data(), bytes.size(), options);
}

FLYTECACHE_NAMESPACE_END
