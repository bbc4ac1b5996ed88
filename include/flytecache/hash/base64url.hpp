// flytecache — base64: unpadded URL-safe (RFC 4648 §5, Flyte datacatalog tags) and standard (§4)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN

namespace detail {

inline constexpr std::string_view base64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
inline constexpr std::string_view base64_std_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

template <class Octet>
constexpr std::string base64url_encode(const Octet* data, std::size_t size,
                                       std::string_view alphabet = base64url_alphabet,
                                       bool padding = false) {
    std::string out;
    out.reserve((size + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= size; i += 3) {
        const std::uint32_t group = (std::uint32_t{static_cast<std::uint8_t>(data[i])} << 16) |
                                    (std::uint32_t{static_cast<std::uint8_t>(data[i + 1])} << 8) |
                                    std::uint32_t{static_cast<std::uint8_t>(data[i + 2])};
        out += alphabet[(group >> 18) & 0x3FU];
        out += alphabet[(group >> 12) & 0x3FU];
        out += alphabet[(group >> 6) & 0x3FU];
        out += alphabet[group & 0x3FU];
    }
    // A trailing group of 1 or 2 bytes yields 2 or 3 characters; RawURLEncoding adds no '=',
    // standard encoding pads to a multiple of 4.
    if (const std::size_t rest = size - i; rest != 0) {
        std::uint32_t group = std::uint32_t{static_cast<std::uint8_t>(data[i])} << 16;
        if (rest == 2) group |= std::uint32_t{static_cast<std::uint8_t>(data[i + 1])} << 8;
        out += alphabet[(group >> 18) & 0x3FU];
        out += alphabet[(group >> 12) & 0x3FU];
        if (rest == 2) out += alphabet[(group >> 6) & 0x3FU];
        if (padding) out.append(rest == 1 ? 2 : 1, '=');
    }
    return out;
}

} // namespace detail

/// Encodes bytes as URL-safe base64 without padding (RFC 4648 §5 alphabet, `-` and `_` for 62
/// and 63, no trailing `=`).
///
/// Why: Flyte's datacatalog derives artifact tags with Go's `base64.RawURLEncoding`; producing
/// the identical string is what lets a C++ task share cache entries with Python and Go clients.
/// The output is safe in URLs, file names and object-store keys. Usable in constant expressions;
/// a pure function, safe on any thread.
[[nodiscard]] constexpr std::string to_base64url(std::span<const std::uint8_t> bytes) {
    return detail::base64url_encode(bytes.data(), bytes.size());
}

/// Encodes the bytes of a string (each `char` taken as an unsigned octet) as unpadded base64url.
[[nodiscard]] constexpr std::string to_base64url(std::string_view bytes) {
    return detail::base64url_encode(bytes.data(), bytes.size());
}

/// Encodes bytes as standard, padded base64 (RFC 4648 §4), as protobuf's JSON mapping writes
/// `bytes` fields. Usable in constant expressions; a pure function.
[[nodiscard]] constexpr std::string to_base64(std::string_view bytes) {
    return detail::base64url_encode(bytes.data(), bytes.size(), detail::base64_std_alphabet, true);
}

FLYTECACHE_NAMESPACE_END
