// flytecache — memory_store: a sharded in-process store (LRU, expiry, tags, reservations)
// SPDX-License-Identifier: MIT
#pragma once

// memory_store: a sharded in-process store with LRU bound, expiry, tags, statistics and
// reservations.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/blob_area.hpp>
#include <flytecache/store/cache_store.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// Construction options of a `memory_store` (also named `memory_store::options`). Declared outside
/// the class so that `memory_store({.size_limit = 1 << 20})` works with designated initializers.
struct memory_store_options {
    /// Bound on `volume()` in bytes; 0 means unbounded. The bound is split evenly over the shards
    /// (the first `size_limit % shards` shards get one byte more), and each shard keeps its own
    /// share, so the store as a whole never holds more than `size_limit` bytes of entries.
    std::uint64_t size_limit = 0;
    /// Number of independently locked parts, 1 to 65536. More shards mean less lock contention
    /// but a coarser LRU order (eviction picks the least recently used entry of one shard) and a
    /// smaller per-shard budget, which caps the largest entry a bounded store keeps.
    std::size_t shards = 16;
    /// Where the files and directories of task outputs are kept (see `blob_area`). Empty: a
    /// private directory under the system's temporary directory, made when first needed and
    /// removed with the store, since the entries pointing at it die with the store too.
    std::optional<std::filesystem::path> blob_directory{};
};

/// An in-process cache store: entries live in this process's memory and die with it.
///
/// Models `cache_store`, `expiring_store`, `tagged_store`, `bounded_store`, `statistics_store`,
/// `reserving_store`, `file_hosting_store`, `enumerable_store` and `batching_store`.
///
/// Layout: keys are spread over `options::shards` shards by hash; each shard has its own mutex, a
/// hash index and a least-recently-used list. A `get` hit hashes the key once (outside the lock),
/// takes one shard lock, finds the entry without building a key string, moves it to the front of
/// the LRU list and copies the value out. A `set` builds the entry outside the lock, so the lock
/// covers only linking it in; entries it displaces are freed after the lock is released.
///
/// Size accounting: an entry costs `key.size() + value.size() + tag.size()` bytes (the tag's size
/// only when it has one); `volume()` is the sum. Bookkeeping (about 200 bytes an entry) is not
/// counted, so the process uses more memory than `volume()` says.
///
/// Bound: with a `size_limit`, a `set` that pushes a shard over its share evicts that shard's least
/// recently used entries (`get` and `set` count as use; `touch` does not) until the shard fits
/// again. An entry that costs more than its shard's whole share is not stored: `set` removes any
/// previous value of the key and returns normally, as if the entry were evicted at once. (Storing
/// it alone would flush a whole shard of useful entries and still break the bound.)
///
/// Expiry: measured on `std::chrono::steady_clock`, so wall-clock changes do not affect it. An
/// expired entry is a miss and is removed when next looked up; `expire()` and `cull()` remove the
/// rest. A time to live of 0 or less writes an entry that has already expired (so `set` only
/// removes the key); one too long for the clock (including infinity) never expires; NaN is an
/// `invalid_argument`.
///
/// Reservations are kept apart from the entries (per shard, under the same lock) and hold only
/// within this process: `memory_store` cannot lock out other processes. Lapsed reservations are
/// dropped when the key is next reserved or released, and by `expire()` and `cull()`.
///
/// Thread safety: every member function may be called concurrently with any other, on the same
/// object, except construction, destruction and move. Operations on one key are atomic; operations
/// over the whole store (`clear`, `expire`, `evict`, `cull`, `volume`, `size`, `stats`) lock one
/// shard at a time, so they are atomic per shard but not across shards: a `set` racing a `clear`
/// may survive it.
class memory_store {
public:
    /// The construction options (see `memory_store_options`).
    using options = memory_store_options;

    /// The most shards a store may have; more would only waste memory.
    static constexpr std::size_t max_shards = 65536;

    /// An empty store.
    /// @throws invalid_argument when `opts.shards` is 0 or more than `max_shards`.
    explicit memory_store(options opts = {});

    memory_store(const memory_store&) = delete;
    memory_store& operator=(const memory_store&) = delete;

    /// Takes over `other`'s entries and settings. Not safe while other threads use either store;
    /// `other` may afterwards only be destroyed or assigned to.
    memory_store(memory_store&& other) noexcept
        : shards_(std::move(other.shards_)),
          shard_count_(std::exchange(other.shard_count_, 0)),
          size_limit_(other.size_limit_),
          counting_(other.counting_.load(std::memory_order_relaxed)),
          blobs_(std::move(other.blobs_)) {}

    /// Replaces this store's entries and settings with `other`'s (same caveats as the move
    /// constructor).
    memory_store& operator=(memory_store&& other) noexcept;

    ~memory_store() = default;

    /// The bytes last set under `key`, or empty if there are none or they expired. A hit makes the
    /// entry the most recently used of its shard.
    [[nodiscard]] std::optional<std::string> get(std::string_view key) const {
        std::optional<std::string> out;
        find_live(key, [&](const entry& e, time_point) { out.emplace(e.value); });
        return out;
    }

    /// As `get`, with the time the entry has left to live (empty: it never expires).
    [[nodiscard]] std::optional<timed_value> get_with_ttl(std::string_view key) const;

    /// Stores a copy of `value` under `key`, with no expiry and no tag, replacing any previous
    /// entry. With a size limit it may evict other entries of the key's shard, or not keep this one
    /// (see the class comment).
    void set(std::string_view key, std::string_view value) { put(key, value, std::nullopt, never); }

    /// As `set(key, value)`, with the entry expiring after `opts.expire` (counted from now) and
    /// labelled `opts.tag` for `evict`.
    /// @throws invalid_argument when `opts.expire` is NaN.
    void set(std::string_view key, std::string_view value, const write_options& opts);

    /// Stores every entry of `items` as `set(key, value, opts)` would, as one step: the entries are
    /// built first (everything that can fail — a NaN expiry, an allocation — fails before any entry
    /// changes), then the shards of all the keys are locked together and the entries linked in, so
    /// a concurrent `get_many` sees all of the batch or none of it. A key given twice: the last
    /// entry wins. The bound applies per entry, as for `set`.
    /// @throws invalid_argument when `opts.expire` is NaN (nothing is stored).
    void set_many(std::span<const key_value> items, const write_options& opts = {});

    /// The bytes under each of `keys`, in their order (a miss, or an expired entry, empty), read
    /// with the shards of all the keys locked together (a batch of `set_many` is seen whole or not
    /// at all); each key counts a hit or a miss and is marked used, as `get` does.
    [[nodiscard]] std::vector<std::optional<std::string>>
    get_many(std::span<const std::string_view> keys) const;

    /// Removes `key`. `true` when a live entry was removed; an expired one is removed too but
    /// reported as `false`, since `get` no longer saw it.
    bool erase(std::string_view key);

    /// Removes every entry (reservations stay: they are not entries).
    void clear();

    /// Gives the live entry under `key` a new time to live, counted from now (`ttl` of 0 or less:
    /// it expires at once). `false` when there is no live entry. Does not count as a use for LRU.
    /// @throws invalid_argument when `ttl` is NaN.
    bool touch(std::string_view key, float_seconds ttl);

    /// Removes every expired entry and returns how many went; also drops lapsed reservations (not
    /// counted). Walks every entry: O(size()).
    std::size_t expire();

    /// Removes every entry labelled `tag` and returns how many went (expired ones included). Walks
    /// every entry: O(size()).
    std::size_t evict(std::string_view tag);

    /// The summed cost of the entries held (see the class comment), expired ones not yet removed
    /// included.
    [[nodiscard]] std::uint64_t volume() const;

    /// The bound given at construction; 0 means unbounded.
    [[nodiscard]] std::uint64_t size_limit() const noexcept { return size_limit_; }

    /// Removes expired entries, then (with a size limit) least recently used ones until every shard
    /// is within its share; returns how many went. Since `set` already keeps shards within their
    /// share, the second step normally removes nothing. Also drops lapsed reservations.
    std::size_t cull();

    /// The hit and miss counts of `get` (diskcache's `stats`): returns them as they were, then
    /// turns counting on or off (`enable`) and, if `reset`, zeroes them. Counting is off until
    /// first enabled. Each shard is read and reset under its lock, so the figures are exact per
    /// shard but not a snapshot across shards.
    store_stats stats(bool enable = true, bool reset = false);

    /// `true` if `owner` now holds the reservation of `key` for `ttl` from now: it was free, had
    /// lapsed, or was `owner`'s already (then it is extended). Holds within this process only.
    /// @throws invalid_argument when `ttl` is NaN, zero or negative (such a reservation would never
    /// be held).
    bool try_reserve(std::string_view key, std::string_view owner, float_seconds ttl);

    /// Gives up the reservation of `key` if `owner` holds it (unlapsed); `true` if it did.
    bool release(std::string_view key, std::string_view owner);

    /// The number of entries held, expired ones not yet removed included.
    [[nodiscard]] std::size_t size() const;

    /// The number of shards given at construction.
    [[nodiscard]] std::size_t shard_count() const noexcept { return shard_count_; }

    /// Where task output files of this store's entries are kept: `options::blob_directory`, or a
    /// private temporary directory made now if there is none yet (removed with the store).
    /// @throws store_error when the temporary directory cannot be made.
    [[nodiscard]] std::optional<std::filesystem::path> blob_directory();

    /// Calls `f(value)` for every live entry. The values of one shard are copied under its lock
    /// and `f` runs after the lock is released, so `f` may use the store. Not an access.
    template <class F>
        requires std::invocable<F&, std::string_view>
    void for_each_value(F&& f) const {
        for (std::size_t i = 0; i < shard_count_; ++i) {
            std::vector<std::string> values;
            {
                const std::lock_guard lock(shards_[i].mutex);
                const time_point now = clock::now();
                values.reserve(shards_[i].lru.size());
                for (const entry& e : shards_[i].lru) {
                    if (e.expires > now) values.push_back(e.value);
                }
            }
            for (const auto& v : values) f(std::string_view(v));
        }
    }

private:
    // Runs `f(shard, graveyard)` on every shard under its lock and sums what it returns; removed
    // entries go to the graveyard, freed after the lock is released.
    template <class F>
    std::size_t sum_over_shards(F&& f) {
        std::size_t total = 0;
        for (std::size_t i = 0; i < shard_count_; ++i) {
            entry_list graveyard; // declared before the lock: destroyed after it is released
            const std::lock_guard lock(shards_[i].mutex);
            total += f(shards_[i], graveyard);
        }
        return total;
    }

    // Runs `f(entry, now)` on the live entry of `key` under its shard's lock, after marking it most
    // recently used and counting the hit; counts a miss (and drops an expired entry) otherwise.
    // `now` is read only for entries that can expire.
    template <class F>
    void find_live(std::string_view key, F&& f) const {
        const std::size_t h = hash_of(key);
        shard& s = shard_for(h);
        entry_list graveyard; // declared before the lock: destroyed after it is released
        const std::lock_guard lock(s.mutex);
        const auto found = s.index.find(hashed_key{key, h});
        if (found == s.index.end()) {
            count(s.misses);
            return;
        }
        const auto it = found->second;
        const time_point now = it->expires == never ? time_point{} : clock::now();
        if (it->expires != never && it->expires <= now) {
            s.unlink(it, graveyard);
            count(s.misses);
            return;
        }
        s.lru.splice(s.lru.begin(), s.lru, it);
        count(s.hits);
        std::forward<F>(f)(*it, now);
    }

    using clock = std::chrono::steady_clock;
    using time_point = clock::time_point;
    static constexpr time_point never = time_point::max();

    struct entry {
        std::string key;
        std::string value;
        std::optional<std::string> tag;
        time_point expires;
        std::uint64_t cost;
        std::size_t hash;
    };
    using entry_list = std::list<entry>;

    // The index is keyed by views of the keys the entries own, carrying the hash computed once per
    // call, so a lookup neither allocates a key nor hashes it again.
    struct hashed_key {
        std::string_view text;
        std::size_t hash;
    };
    struct hashed_key_hash {
        std::size_t operator()(const hashed_key& k) const noexcept { return k.hash; }
    };
    struct hashed_key_equal {
        bool operator()(const hashed_key& a, const hashed_key& b) const noexcept {
            return a.hash == b.hash && a.text == b.text;
        }
    };
    using index_map =
        std::unordered_map<hashed_key, entry_list::iterator, hashed_key_hash, hashed_key_equal>;

    struct text_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const noexcept {
            return std::hash<std::string_view>{}(text);
        }
    };
    struct reservation {
        std::string owner;
        time_point expires;
    };
    using reservation_map =
        std::unordered_map<std::string, reservation, text_hash, std::equal_to<>>;

    // Cache-line aligned so that threads working in different shards do not share a line.
    struct alignas(64) shard {
        std::mutex mutex;
        entry_list lru; // front: most recently used
        index_map index;
        reservation_map reservations;
        std::uint64_t volume = 0;
        std::uint64_t budget = 0;
        // Guarded by `mutex`, which every counting `get` holds anyway: a plain increment.
        std::int64_t hits = 0;
        std::int64_t misses = 0;

        static bool expired(const entry& e, time_point now) noexcept {
            return e.expires != never && e.expires <= now;
        }

        // Moves the entry out to `graveyard`, which the caller destroys after unlocking.
        void unlink(entry_list::iterator it, entry_list& graveyard) noexcept {
            index.erase(hashed_key{it->key, it->hash});
            volume -= it->cost;
            graveyard.splice(graveyard.end(), lru, it);
        }

        std::size_t remove_expired(time_point now, entry_list& graveyard) noexcept;

        std::size_t evict_over_budget(entry_list& graveyard) noexcept;

        void drop_lapsed_reservations(time_point now) noexcept;
    };

    static std::size_t hash_of(std::string_view key) noexcept {
        return std::hash<std::string_view>{}(key);
    }

    // The index buckets use the low bits of the hash (modulo a prime); the shard comes from a
    // multiplicative mix of it, scaled into range without a division.
    shard& shard_for(std::size_t h) const noexcept {
        const std::uint64_t mixed =
            (static_cast<std::uint64_t>(h) ^ (static_cast<std::uint64_t>(h) >> 32)) *
            0x9E3779B97F4A7C15ULL;
        const std::uint64_t index =
            ((mixed >> 32) * static_cast<std::uint64_t>(shard_count_)) >> 32;
        return shards_[static_cast<std::size_t>(index)];
    }

    void count(std::int64_t& counter) const noexcept {
        if (counting_.load(std::memory_order_relaxed)) ++counter;
    }

    static void check_ttl(float_seconds ttl, const char* what);

    // now + ttl, saturating to `never` where the clock cannot represent it (the one-second margin
    // keeps the double-to-integer conversion clear of overflow).
    static time_point deadline_after(time_point now, float_seconds ttl) noexcept;

    void put(std::string_view key, std::string_view value, std::optional<std::string_view> tag,
             time_point expires);

    // Locks the distinct shards of the keys hashed to `hashes`, in address order: batches lock
    // their shards in one global order, so two of them never deadlock.
    [[nodiscard]] std::vector<std::unique_lock<std::mutex>>
    lock_shards(const std::vector<std::size_t>& hashes) const;

    std::unique_ptr<shard[]> shards_;
    std::size_t shard_count_;
    std::uint64_t size_limit_;
    std::atomic<bool> counting_{false};

    // The blob directory: given, or made on demand and owned (removed with the store). Held by
    // pointer so that the store stays movable.
    struct blob_home {
        std::mutex mutex;
        std::optional<std::filesystem::path> path;
        bool owned = false;
        blob_home() = default;
        blob_home(const blob_home&) = delete;
        blob_home& operator=(const blob_home&) = delete;
        ~blob_home();
    };
    std::unique_ptr<blob_home> blobs_;
};

static_assert(cache_store<memory_store>);
static_assert(expiring_store<memory_store>);
static_assert(tagged_store<memory_store>);
static_assert(bounded_store<memory_store>);
static_assert(statistics_store<memory_store>);
static_assert(reserving_store<memory_store>);
static_assert(ttl_reporting_store<memory_store>);
static_assert(file_hosting_store<memory_store>);
static_assert(enumerable_store<memory_store>);
static_assert(batching_store<memory_store>);

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/memory_store.ipp>
#endif
