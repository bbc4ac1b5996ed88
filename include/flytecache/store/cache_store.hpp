// flytecache — the cache_store concept and its optional, separately detected capabilities
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// Seconds as a floating-point duration, the unit diskcache (and so flytekit) stores expiry in.
/// Any `std::chrono::duration` converts to it implicitly.
using float_seconds = std::chrono::duration<double>;

/// Per-write options of the capabilities below. A store only honours the fields of the
/// capabilities it models; a store that does not keep tags rejects a write that carries one
/// (`invalid_argument`) rather than silently dropping it.
struct write_options {
    /// Time to live, counted from the write. Empty: the entry never expires.
    std::optional<float_seconds> expire{};
    /// A label that `evict(tag)` removes together (diskcache's `tag=`).
    std::optional<std::string_view> tag{};
};

/// Hit and miss counters of a store that counts them (diskcache's `stats()` pair).
struct store_stats {
    std::int64_t hits = 0;
    std::int64_t misses = 0;
    friend bool operator==(const store_stats&, const store_stats&) = default;
};

/// A key-value store for cached task outputs: string keys, byte values (held in `std::string`).
///
/// | expression | semantics |
/// | --- | --- |
/// | `s.get(key)` | `std::optional<std::string>`: the bytes last set under `key`, or empty |
/// | `s.set(key, value)` | stores a copy of `value` under `key`, replacing any previous value |
/// | `s.erase(key)` | removes `key`; `true` when there was something to remove |
/// | `s.clear()` | removes every entry |
///
/// Laws (for every model): after `s.set(k, v)` returns, `s.get(k) == v` until the next `set`,
/// `erase` or `clear` of `k` (or until the capabilities below remove it: expiry, eviction, a size
/// bound); `get` of a key never set is empty; `erase` and `clear` are idempotent. Thread safety is
/// each model's to state; every store flytecache ships is safe for concurrent use.
/// See docs/concepts.md#cache_store.
template <class S>
concept cache_store = requires(S& s, std::string_view key, std::string_view value) {
    { s.get(key) } -> std::same_as<std::optional<std::string>>;
    s.set(key, value);
    { s.erase(key) } -> std::convertible_to<bool>;
    s.clear();
};

/// Capability: entries with a time to live. `set(key, value, {.expire = ttl})` writes an entry that
/// `get` no longer returns once `ttl` has passed; `touch(key, ttl)` gives a live entry a new time
/// to live (`false` if there is none); `expire()` deletes expired entries and returns how many. A
/// `ttl` of zero or less writes an entry that is already expired; an infinite one never expires;
/// NaN is rejected with `invalid_argument`.
template <class S>
concept expiring_store =
    cache_store<S> && requires(S& s, std::string_view key, std::string_view value,
                               const write_options& options, float_seconds ttl) {
        s.set(key, value, options);
        { s.touch(key, ttl) } -> std::convertible_to<bool>;
        { s.expire() } -> std::convertible_to<std::size_t>;
    };

/// A value read together with the time its entry has left to live (empty: it never expires).
struct timed_value {
    std::string value;
    std::optional<float_seconds> ttl{};
};

/// Capability: reads that say how long the entry has left, so a copy kept elsewhere (the front of a
/// `tiered_store`) can expire together with the original. `s.get_with_ttl(key)` is `s.get(key)`
/// plus the remaining time to live.
template <class S>
concept ttl_reporting_store = expiring_store<S> && requires(S& s, std::string_view key) {
    { s.get_with_ttl(key) } -> std::same_as<std::optional<timed_value>>;
};

/// Capability: tagged entries. `set(key, value, {.tag = t})` labels the entry; `evict(t)` removes
/// every entry labelled `t` and returns how many.
template <class S>
concept tagged_store =
    cache_store<S> && requires(S& s, std::string_view key, std::string_view value,
                               const write_options& options, std::string_view tag) {
        s.set(key, value, options);
        { s.evict(tag) } -> std::convertible_to<std::size_t>;
    };

/// Capability: a size bound with eviction. `volume()` is the store's current size in bytes (as the
/// store estimates it), `size_limit()` the bound; writes evict entries (by the store's policy) to
/// keep `volume()` near the bound, and `cull()` evicts until it holds, returning how many entries
/// went.
template <class S>
concept bounded_store = cache_store<S> && requires(S& s) {
    { s.volume() } -> std::convertible_to<std::uint64_t>;
    { s.size_limit() } -> std::convertible_to<std::uint64_t>;
    { s.cull() } -> std::convertible_to<std::size_t>;
};

/// Capability: hit and miss statistics (diskcache's `stats(enable, reset)`): returns the counters
/// as they were, then turns counting on or off and, if `reset`, zeroes them.
template <class S>
concept statistics_store = cache_store<S> && requires(S& s, bool enable, bool reset) {
    { s.stats(enable, reset) } -> std::same_as<store_stats>;
};

/// Capability: reservations, the lock behind a task's `serialize` (flytekit's `cache_serialize`,
/// DataCatalog's reservations).
///
/// | expression | semantics |
/// | --- | --- |
/// | `s.try_reserve(key, owner, ttl)` | `true` if `owner` now holds the reservation of `key` until
/// `ttl` from now: it was free, had lapsed, or was already `owner`'s (then it is extended — the
/// heartbeat) | | `s.release(key, owner)` | gives the reservation up if `owner` holds it; `true` if
/// it did |
///
/// Laws: at any time at most one owner holds an unexpired reservation of a key, across every
/// thread and process that shares the store; a reservation not renewed within its `ttl` lapses, so
/// a crashed owner never blocks others for longer than `ttl`; reservations never show up as
/// entries (`get`, `clear` and the stored files are unaffected).
template <class S>
concept reserving_store = cache_store<S> && requires(S& s, std::string_view key,
                                                     std::string_view owner, float_seconds ttl) {
    { s.try_reserve(key, owner, ttl) } -> std::convertible_to<bool>;
    { s.release(key, owner) } -> std::convertible_to<bool>;
};

/// Capability: a place for the files and directories that entries point at (task outputs).
///
/// | expression | semantics |
/// | --- | --- |
/// | `s.blob_directory()` | `std::optional<std::filesystem::path>`: the directory that holds the
/// store's blobs (see `blob_area`), or empty when the store has none configured |
///
/// Laws: every process that can read an entry of the store sees the directory at that path (so a
/// store shared across machines has one only when it is configured on a shared filesystem); the
/// directory belongs to the store: nothing else is written there.
template <class S>
concept file_hosting_store = cache_store<S> && requires(S& s) {
    { s.blob_directory() } -> std::convertible_to<std::optional<std::filesystem::path>>;
};

/// Capability: enumeration of the stored values, for sweeps that must know every entry (the
/// garbage collection of blobs). `s.for_each_value(f)` calls `f(std::string_view value)` once for
/// every live entry (entries written or removed meanwhile may or may not be seen); it is not an
/// access (no statistics, no recency).
template <class S>
concept enumerable_store =
    cache_store<S> && requires(S& s, void (*f)(std::string_view)) { s.for_each_value(f); };

/// One entry of a batched write (`set_many`): views into the caller's storage, valid for the call.
struct key_value {
    std::string_view key;
    std::string_view value;
};

/// A store that reads and writes many entries in one transaction: `set_many` writes every entry or
/// none (one commit instead of one per entry) and `get_many` answers in the keys' order, a miss as
/// an empty optional. Both count statistics as the single-entry calls would.
template <class S>
concept batching_store =
    cache_store<S> && requires(S& s, std::span<const key_value> items,
                               std::span<const std::string_view> keys, const write_options& opts) {
        s.set_many(items, opts);
        { s.get_many(keys) } -> std::same_as<std::vector<std::optional<std::string>>>;
    };

FLYTECACHE_NAMESPACE_END
