// flytecache — memoize: diskcache's memoizing decorator, over any cache_store
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/hash/sha256.hpp>
#include <flytecache/literal/decode.hpp>
#include <flytecache/literal/encode.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/store/cache_store.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN

/// Options of `memoize` (diskcache's `memoize(name, typed, expire, tag)`; `typed` needs no switch
/// here: C++ argument types are part of the literal, so `f(3)` and `f(3.0)` never share a key).
struct memoize_options {
    /// Time to live of stored results. Zero: look results up but never store them (diskcache's
    /// `expire=0`). Needs an `expiring_store` when set to anything else.
    std::optional<float_seconds> expire{};
    /// Tag of stored results; needs a `tagged_store`.
    std::optional<std::string> tag{};
};

/// A callable that returns `f(args...)` from `store` when it has it and otherwise calls `f` and
/// stores the result. Made by `memoize`.
///
/// Keys are `name + "-" + sha256_hex(arguments as an encoded LiteralCollection)` and results are
/// stored as encoded literals, so arguments and result need `literal_traits`. (Python's memoize
/// pickles argument tuples; those keys cannot be reproduced from C++, so a Python memoized
/// function and a C++ one never share entries.)
///
/// Thread safety: as safe as the store; `f` may run more than once for the same arguments when
/// called concurrently (as in diskcache) — use a task with `serialize` for exactly-once.
template <cache_store Store, class F>
class memoized {
public:
    memoized(Store& store, std::string name, F f, memoize_options opts)
        : store_(&store), name_(std::move(name)), f_(std::move(f)), opts_(std::move(opts)) {}

    template <class... Args>
    decltype(auto) operator()(const Args&... args) {
        using result = std::remove_cvref_t<std::invoke_result_t<F&, const Args&...>>;
        static_assert(!std::is_void_v<result>,
                      "flytecache: memoize needs a function that returns a value");
        const std::string key = cache_key(args...);
        if (auto bytes = store_->get(key)) {
            return from_literal<result>(decode_literal(*bytes));
        }
        result r = std::invoke(f_, args...);
        if (opts_.expire && opts_.expire->count() == 0) {
            return r;
        }
        const std::string bytes = encode(to_literal(r));
        if (opts_.expire || opts_.tag) {
            if constexpr (expiring_store<Store> || tagged_store<Store>) {
                store_->set(key, bytes, write_options{.expire = opts_.expire, .tag = tag_view()});
            } else {
                static_assert(
                    expiring_store<Store> || tagged_store<Store>,
                    "flytecache: memoize with expire or tag needs a store with that capability");
            }
        } else {
            store_->set(key, bytes);
        }
        return r;
    }

    /// The key a call with these arguments uses (diskcache's `__cache_key__`).
    template <class... Args>
    [[nodiscard]] std::string cache_key(const Args&... args) const {
        literal_collection c;
        c.literals.reserve(sizeof...(Args));
        (c.literals.push_back(to_literal(args)), ...);
        literal l;
        l.value = std::move(c);
        return name_ + "-" + sha256_hex(encode(l));
    }

    /// The function itself, bypassing the cache (diskcache's `__wrapped__`).
    [[nodiscard]] F& wrapped() noexcept { return f_; }

private:
    std::optional<std::string_view> tag_view() const {
        return opts_.tag ? std::optional<std::string_view>(*opts_.tag) : std::nullopt;
    }

    Store* store_;
    std::string name_;
    F f_;
    memoize_options opts_;
};

/// Wraps `f` so results are cached in `store` under `name` (diskcache's `Cache.memoize`). The store
/// must outlive the returned callable.
template <cache_store Store, class F>
[[nodiscard]] memoized<Store, std::decay_t<F>> memoize(Store& store, std::string name, F&& f,
                                                       memoize_options opts = {}) {
    return {store, std::move(name), std::forward<F>(f), std::move(opts)};
}

FLYTECACHE_NAMESPACE_END
