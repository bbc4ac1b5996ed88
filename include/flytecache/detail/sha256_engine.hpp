// flytecache — a constexpr SHA-256 (FIPS 180-4) for hashing during constant evaluation
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// FIPS 180-4 §4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64
// primes.
inline constexpr std::array<std::uint32_t, 64> sha256_round_constants{
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// FIPS 180-4 §5.3.3: fractional parts of the square roots of the first 8 primes.
inline constexpr std::array<std::uint32_t, 8> sha256_initial_state{
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

// Byte views of char, unsigned char and std::byte without reinterpret_cast, which constant
// evaluation forbids.
constexpr std::uint8_t as_octet(char c) noexcept { return static_cast<std::uint8_t>(c); }
constexpr std::uint8_t as_octet(std::uint8_t c) noexcept { return c; }
constexpr std::uint8_t as_octet(std::byte c) noexcept { return std::to_integer<std::uint8_t>(c); }

/// Portable SHA-256 written for constant evaluation; the public `sha256` uses it only there
/// (OpenSSL is about twice as fast at run time), but it gives the same digests at run time too.
class sha256_engine {
    // Defined before their callers: clang 14 rejects constant evaluation of a member template
    // instantiated after use at namespace scope (e.g. a constinit initializer).
    template <class Octet>
    constexpr void absorb(const Octet* p, std::size_t n) {
        total_bytes_ += n;
        if (buffered_ != 0) {
            while (n != 0 && buffered_ < block_size) {
                buffer_[buffered_++] = as_octet(*p++);
                --n;
            }
            if (buffered_ < block_size) return;
            compress(buffer_.data());
            buffered_ = 0;
        }
        // Whole blocks are compressed straight from the input, skipping the copy into buffer_.
        for (; n >= block_size; n -= block_size, p += block_size) compress(p);
        while (n != 0) {
            buffer_[buffered_++] = as_octet(*p++);
            --n;
        }
    }

    template <class Octet>
    constexpr void compress(const Octet* block) {
        // A 16-word rolling window instead of the 64-word schedule of §6.2.2 keeps the state small.
        std::array<std::uint32_t, 16> w{};
        for (std::size_t t = 0; t < 16; ++t) {
            w[t] = (std::uint32_t{as_octet(block[4 * t + 0])} << 24) |
                   (std::uint32_t{as_octet(block[4 * t + 1])} << 16) |
                   (std::uint32_t{as_octet(block[4 * t + 2])} << 8) |
                   std::uint32_t{as_octet(block[4 * t + 3])};
        }
        std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
        std::uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
        for (std::size_t t = 0; t < 64; ++t) {
            if (t >= 16) {
                const std::uint32_t w15 = w[(t - 15) & 15U];
                const std::uint32_t w2 = w[(t - 2) & 15U];
                const std::uint32_t s0 = std::rotr(w15, 7) ^ std::rotr(w15, 18) ^ (w15 >> 3);
                const std::uint32_t s1 = std::rotr(w2, 17) ^ std::rotr(w2, 19) ^ (w2 >> 10);
                w[t & 15U] += s0 + w[(t - 7) & 15U] + s1;
            }
            const std::uint32_t big_s1 = std::rotr(e, 6) ^ std::rotr(e, 11) ^ std::rotr(e, 25);
            const std::uint32_t ch = (e & f) ^ (~e & g);
            const std::uint32_t t1 = h + big_s1 + ch + sha256_round_constants[t] + w[t & 15U];
            const std::uint32_t big_s0 = std::rotr(a, 2) ^ std::rotr(a, 13) ^ std::rotr(a, 22);
            const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
            const std::uint32_t t2 = big_s0 + maj;
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state_[0] += a;
        state_[1] += b;
        state_[2] += c;
        state_[3] += d;
        state_[4] += e;
        state_[5] += f;
        state_[6] += g;
        state_[7] += h;
    }

public:
public:
    static constexpr std::size_t block_size = 64;
    static constexpr std::size_t digest_size = 32;

    constexpr void update(const std::uint8_t* p, std::size_t n) { absorb(p, n); }
    constexpr void update(std::string_view s) { absorb(s.data(), s.size()); }
    constexpr void update(std::span<const std::byte> s) { absorb(s.data(), s.size()); }

    /// True while no byte of the current message has been absorbed.
    [[nodiscard]] constexpr bool empty() const noexcept { return total_bytes_ == 0; }

    /// Pads, returns the digest and resets, so the engine can hash the next message.
    constexpr std::array<std::uint8_t, digest_size> finish() {
        const std::uint64_t bit_length = total_bytes_ * 8U; // FIPS 180-4 counts modulo 2^64
        buffer_[buffered_++] = 0x80;
        if (buffered_ > block_size - 8) {
            while (buffered_ < block_size) buffer_[buffered_++] = 0;
            compress(buffer_.data());
            buffered_ = 0;
        }
        while (buffered_ < block_size - 8) buffer_[buffered_++] = 0;
        for (int shift = 56; shift >= 0; shift -= 8) {
            buffer_[buffered_++] = static_cast<std::uint8_t>(bit_length >> shift);
        }
        compress(buffer_.data());

        std::array<std::uint8_t, digest_size> out{};
        for (std::size_t i = 0; i < state_.size(); ++i) {
            out[4 * i + 0] = static_cast<std::uint8_t>(state_[i] >> 24);
            out[4 * i + 1] = static_cast<std::uint8_t>(state_[i] >> 16);
            out[4 * i + 2] = static_cast<std::uint8_t>(state_[i] >> 8);
            out[4 * i + 3] = static_cast<std::uint8_t>(state_[i]);
        }
        *this = sha256_engine{};
        return out;
    }

private:
    std::array<std::uint32_t, 8> state_ = sha256_initial_state;
    std::array<std::uint8_t, block_size> buffer_{};
    std::size_t buffered_ = 0;
    std::uint64_t total_bytes_ = 0;
};

} // namespace detail
FLYTECACHE_NAMESPACE_END
