// flytecache — lowercase hexadecimal encoding, as Python's hashlib hexdigest() produces
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

template <class Octet>
constexpr std::string hex_encode(const Octet* data, std::size_t size) {
    constexpr std::string_view digits = "0123456789abcdef";
    std::string out(2 * size, '\0');
    for (std::size_t i = 0; i < size; ++i) {
        const auto octet = static_cast<std::uint8_t>(data[i]);
        out[2 * i] = digits[octet >> 4];
        out[2 * i + 1] = digits[octet & 0x0FU];
    }
    return out;
}

} // namespace detail

/// Encodes bytes as lowercase hexadecimal (RFC 4648 §8 base16), two characters per byte.
///
/// Lowercase because every digest string flytekit stores or compares (`hexdigest()`) is lowercase;
/// an uppercase key would miss the cache. Accepts digests, vectors and other contiguous ranges of
/// `std::uint8_t`. Usable in constant expressions; a pure function, safe on any thread.
[[nodiscard]] constexpr std::string to_hex(std::span<const std::uint8_t> bytes) {
    return detail::hex_encode(bytes.data(), bytes.size());
}

/// Encodes the bytes of a string (each `char` taken as an unsigned octet) as lowercase hex.
[[nodiscard]] constexpr std::string to_hex(std::string_view bytes) {
    return detail::hex_encode(bytes.data(), bytes.size());
}

FLYTECACHE_NAMESPACE_END
