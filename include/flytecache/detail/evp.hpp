// flytecache — OpenSSL EVP plumbing: fetched digests and pooled contexts
// SPDX-License-Identifier: MIT
#pragma once

// OpenSSL EVP plumbing shared by sha256, md5 and the Redis script names (SHA-1): fetched digests
// and pooled contexts.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>

#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

struct sha256_tag {
    static constexpr const char* evp_name = "SHA256";
    static constexpr std::size_t digest_size = 32;
};

struct md5_tag {
    static constexpr const char* evp_name = "MD5";
    static constexpr std::size_t digest_size = 16;
};

// Redis names Lua scripts by the SHA-1 of their text (EVALSHA); nothing else here uses SHA-1.
struct sha1_tag {
    static constexpr const char* evp_name = "SHA1";
    static constexpr std::size_t digest_size = 20;
};

/// Throws crypto_error naming the failed call, with OpenSSL's oldest queued reason, and clears
/// the thread's error queue so that the stale entries do not show up in a later, unrelated failure.
[[noreturn]] void throw_openssl_error(const char* what, const char* algorithm);

/// The fetched EVP_MD for `Algo`, fetched once per process. Implicit fetching (EVP_sha256() and
/// friends) repeats a locked provider lookup on every EVP_DigestInit_ex2, which dominates the cost
/// of hashing a short input. The object is deliberately never freed: hashing may still happen in
/// destructors of other statics at exit.
template <class Algo>
const EVP_MD* fetched_md() {
    // A throwing initializer leaves the static uninitialized, so the next call retries.
    static const EVP_MD* const md = [] {
        EVP_MD* fetched = EVP_MD_fetch(nullptr, Algo::evp_name, nullptr);
        if (fetched == nullptr) throw_openssl_error("EVP_MD_fetch", Algo::evp_name);
        return fetched;
    }();
    return md;
}

/// A per-thread stack of idle EVP_MD_CTX for one algorithm. Reusing a context avoids a heap
/// allocation and frees per hash; contexts never cross threads through the pool, so it needs no
/// lock. Up to `capacity` contexts are kept: enough for a few hashers alive at once on one thread.
template <class Algo>
class evp_ctx_pool {
public:
    static constexpr std::size_t capacity = 4;

    /// A context ready for EVP_DigestInit_ex2, from the pool when it has one.
    static EVP_MD_CTX* acquire() {
        if (state_ != pool_state::dead) {
            if (EVP_MD_CTX* ctx = local().take(); ctx != nullptr) return ctx;
        }
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        if (ctx == nullptr) throw_openssl_error("EVP_MD_CTX_new", Algo::evp_name);
        return ctx;
    }

    /// Returns a context to this thread's pool, or frees it when the pool is full, not yet created
    /// on this thread, or already destroyed (a hasher outliving the pool at thread exit).
    static void release(EVP_MD_CTX* ctx) noexcept {
        if (state_ == pool_state::alive && local().give(ctx)) return;
        EVP_MD_CTX_free(ctx);
    }

    evp_ctx_pool(const evp_ctx_pool&) = delete;
    evp_ctx_pool& operator=(const evp_ctx_pool&) = delete;

private:
    // Trivially destructible, so it stays readable after the pool object itself is destroyed.
    enum class pool_state : unsigned char { unborn, alive, dead };
    static inline thread_local pool_state state_ = pool_state::unborn;

    evp_ctx_pool() noexcept { state_ = pool_state::alive; }
    ~evp_ctx_pool() {
        state_ = pool_state::dead;
        for (std::size_t i = 0; i < size_; ++i) EVP_MD_CTX_free(ctxs_[i]);
    }

    static evp_ctx_pool& local() noexcept {
        thread_local evp_ctx_pool pool;
        return pool;
    }

    EVP_MD_CTX* take() noexcept { return size_ == 0 ? nullptr : ctxs_[--size_]; }

    bool give(EVP_MD_CTX* ctx) noexcept {
        if (size_ == capacity) return false;
        ctxs_[size_++] = ctx;
        return true;
    }

    std::array<EVP_MD_CTX*, capacity> ctxs_{};
    std::size_t size_ = 0;
};

/// RAII streaming digest over a pooled context. Construction is constexpr and allocates nothing,
/// so owners such as `sha256` stay usable in constant evaluation; a context is acquired on the
/// first run-time use and kept across finish() so that a reused hasher does not touch the pool.
/// After a crypto_error the hasher restarts with an empty message.
template <class Algo>
class evp_hasher {
public:
    static constexpr std::size_t digest_size = Algo::digest_size;
    using digest_type = std::array<std::uint8_t, digest_size>;

    constexpr evp_hasher() noexcept = default;
    evp_hasher(const evp_hasher&) = delete;
    evp_hasher& operator=(const evp_hasher&) = delete;

    constexpr evp_hasher(evp_hasher&& other) noexcept
        : ctx_(std::exchange(other.ctx_, nullptr)),
          started_(std::exchange(other.started_, false)) {}

    constexpr evp_hasher& operator=(evp_hasher&& other) noexcept {
        if (this != &other) {
            reset_context();
            ctx_ = std::exchange(other.ctx_, nullptr);
            started_ = std::exchange(other.started_, false);
        }
        return *this;
    }

    constexpr ~evp_hasher() { reset_context(); }

    void update(const void* data, std::size_t size) {
        if (!started_) start();
        if (EVP_DigestUpdate(ctx_, data, size) != 1) fail("EVP_DigestUpdate");
    }

    digest_type finish() {
        if (!started_) start();
        digest_type out{};
        unsigned int length = 0;
        started_ = false;
        if (EVP_DigestFinal_ex(ctx_, out.data(), &length) != 1) fail("EVP_DigestFinal_ex");
        if (length != digest_size) fail("EVP_DigestFinal_ex length");
        return out;
    }

private:
    void start() {
        if (ctx_ == nullptr) ctx_ = evp_ctx_pool<Algo>::acquire();
        if (EVP_DigestInit_ex2(ctx_, fetched_md<Algo>(), nullptr) != 1) fail("EVP_DigestInit_ex2");
        started_ = true;
    }

    [[noreturn]] void fail(const char* what) {
        started_ = false;
        throw_openssl_error(what, Algo::evp_name);
    }

    constexpr void reset_context() noexcept {
        if (!std::is_constant_evaluated() && ctx_ != nullptr) {
            evp_ctx_pool<Algo>::release(ctx_);
        }
        ctx_ = nullptr;
        started_ = false;
    }

    EVP_MD_CTX* ctx_ = nullptr;
    bool started_ = false;
};

} // namespace detail
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/detail/evp.ipp>
#endif
