// flytecache — MD5 through OpenSSL, for joblib-compatible cache keys (not for security)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/evp.hpp>
#include <flytecache/hash/hex.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN

/// An MD5 digest: 16 bytes in RFC 1321 output order.
using md5_digest = std::array<std::uint8_t, 16>;

/// Streaming MD5 (RFC 1321), run time only, through OpenSSL with pooled contexts.
///
/// Why: flytekit's local cache keys come from joblib, which hashes with MD5; matching them byte
/// for byte needs MD5 too. Used for identity, never for security.
/// Guarantees: as for `sha256`: finish() resets for reuse; construction allocates nothing;
/// movable, not copyable. Thread safety: one object per thread at a time; distinct objects are
/// independent.
/// @throws crypto_error if OpenSSL cannot provide MD5 (e.g. in FIPS mode) or a context.
class md5 {
public:
    static constexpr std::size_t digest_size = 16;

    md5() noexcept = default;

    /// Appends the bytes of `data` (each `char` taken as an unsigned octet) to the message.
    md5& update(std::string_view data) {
        evp_.update(data.data(), data.size());
        return *this;
    }

    /// Appends raw bytes to the message.
    md5& update(std::span<const std::uint8_t> data) {
        evp_.update(data.data(), data.size());
        return *this;
    }

    /// Appends raw bytes to the message.
    md5& update(std::span<const std::byte> data) {
        evp_.update(data.data(), data.size());
        return *this;
    }

    /// Returns the digest of the message and resets the hasher for the next one.
    [[nodiscard]] md5_digest finish() { return evp_.finish(); }

    /// finish() as 32 lowercase hex characters, as joblib and `hashlib.md5().hexdigest()` print.
    [[nodiscard]] std::string hex_digest() { return to_hex(finish()); }

private:
    detail::evp_hasher<detail::md5_tag> evp_;
};

/// MD5 of `data` in one call; safe to call concurrently.
[[nodiscard]] inline md5_digest md5_of(std::string_view data) {
    md5 hasher;
    hasher.update(data);
    return hasher.finish();
}

/// MD5 of `data` as 32 lowercase hex characters, equal to `hashlib.md5(data).hexdigest()`.
[[nodiscard]] inline std::string md5_hex(std::string_view data) { return to_hex(md5_of(data)); }

FLYTECACHE_NAMESPACE_END
