// flytecache — sqlite_store: the embedded default store
// SPDX-License-Identifier: MIT
#pragma once

// sqlite_store: the embedded default store, reading and writing Python diskcache's files (the
// public façade over the machinery in store/sqlite/).

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/cache_store.hpp>
#include <flytecache/store/sqlite/connection.hpp>
#include <flytecache/store/sqlite/engine.hpp>
#include <flytecache/store/sqlite/maintenance.hpp>
#include <flytecache/store/sqlite/open.hpp>
#include <flytecache/store/sqlite/operations.hpp>
#include <flytecache/store/sqlite/options.hpp>
#include <flytecache/store/sqlite/queue.hpp>
#include <flytecache/store/sqlite/vocabulary.hpp>

#include <algorithm>
#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// The embedded default store: a disk cache in a directory, file-compatible with Python's
/// diskcache 5.x — the store behind flytekit's local cache (`~/.flyte/local-cache`).
///
/// The directory holds `cache.db` (SQLite, WAL journal) with diskcache's Settings and Cache tables,
/// indexes and triggers, and `xx/yy/<hex>.val` files for values of at least `min_file_size` bytes.
/// Python's `diskcache.Cache(directory)` and this store can use one directory at the same time.
/// Keys: strings are text (Python `str`); `blob_view`, integers and doubles are the other raw
/// kinds. Values: strings are bytes (Python `bytes`, what flytekit stores); `text_view`, integers
/// and doubles the other kinds; pickled values (written by Python) read only as raw bytes.
///
/// Models `cache_store`, `expiring_store`, `tagged_store`, `bounded_store`, `statistics_store` and
/// `reserving_store` and `batching_store` (reservations live in a table of their own that diskcache
/// ignores).
///
/// Thread safety: every member function may be called concurrently from any number of threads
/// (each thread uses its own pooled connection) and processes (SQLite's file locks; writers wait
/// up to `timeout`, then `timeout_error`). `fork()` is supported: idle connections are closed
/// before it and the child opens its own (SQLite connections must not cross a fork); forking while
/// another thread is inside a call on the same store is not.
/// A transaction (`transact`) belongs to the thread that began it.
///
/// Errors: SQLite failures throw `store_error` naming the database file; lock waits past the
/// timeout throw `timeout_error`; typed reads of another kind throw `value_type_error`.
///
/// Read-only (`options::read_only`): opens an existing cache to look at while others use it, e.g.
/// from a tool. It never writes `cache.db` (no settings, schema, counters or access times) and
/// never takes the write lock, so it does not wait for writers; every call that would write throws
/// `store_error` ("store opened read-only").
class sqlite_store {
public:
    /// How the store opens its cache: see `sqlite_store_options` (store/sqlite/options.hpp).
    using options = sqlite_store_options;

    /// Opens (creating if needed) the cache in `directory` with the stored or default settings.
    explicit sqlite_store(std::filesystem::path directory)
        : sqlite_store(options{.directory = std::move(directory)}) {}

    /// Opens the cache described by `opts`, creating it if needed (unless
    /// `opts.create_if_missing` is false or `opts.read_only` is set).
    /// @throws store_error if the directory cannot be created or the database is not usable, or
    ///         (without creating) when there is no diskcache database at `opts.directory`.
    explicit sqlite_store(options opts);

    sqlite_store(sqlite_store&&) noexcept = default;
    sqlite_store& operator=(sqlite_store&&) noexcept = default;
    ~sqlite_store() = default;

    [[nodiscard]] const std::filesystem::path& directory() const noexcept { return engine_->dir; }
    /// Whether the store was opened with `options::read_only`.
    [[nodiscard]] bool read_only() const noexcept { return engine_->opts.read_only; }
    [[nodiscard]] float_seconds timeout() const noexcept { return engine_->opts.timeout; }

    /// Where task output files of the entries are kept: `<directory>/blobs` (see `blob_area`).
    /// diskcache never writes there, and `check` does not count its files as orphans.
    [[nodiscard]] std::filesystem::path blob_directory() const {
        return engine_->dir / blob_subdirectory;
    }
    /// The name of the blob directory inside a cache directory.
    static constexpr std::string_view blob_subdirectory = detail::sqlite::blob_subdirectory;
    /// Every write is a transaction with its own commit, so concurrent task writes are combined
    /// (`group_commit_pays`).
    static constexpr bool commits_each_write = true;

    // --- cache_store -----------------------------------------------------------------------------

    /// The bytes stored under text key `key`, or empty when missing or expired. A hit runs one
    /// SELECT, also when the value lives in a `.val` file (read from the row that SELECT found).
    /// @throws value_type_error when the entry holds something other than bytes (text, a number,
    ///         a pickle); `get_entry` reads those.
    /// @throws damaged_entry_error when the row's value file is not the size it records or not
    ///         one of this cache's files.
    [[nodiscard]] std::optional<std::string> get(std::string_view key) {
        return detail::sqlite::get_bytes(*engine_, key);
    }

    /// As `get`, with the time the entry has left to live (empty: it never expires).
    [[nodiscard]] std::optional<timed_value> get_with_ttl(std::string_view key) {
        return detail::sqlite::get_with_ttl(*engine_, key);
    }

    /// Stores `value` under `key` (diskcache's `set`); `options` carries expiry and tag.
    bool set(key_ref key, value_ref value, const write_options& opts = {}) {
        return detail::sqlite::write(*engine_, key, value, opts, false);
    }

    // --- batching_store --------------------------------------------------------------------------

    /// Stores every entry of `items` (bytes under text keys, as `set`) in one transaction with one
    /// commit — every entry or none — instead of one transaction per `set`.
    ///
    /// The rows are those `set` writes (Python diskcache reads them), values of at least
    /// `min_file_size` bytes go to `.val` files as `set` puts them, and `opts` (expiry, tag)
    /// applies to every entry. A key given twice: the last entry wins, as with sequential sets
    /// (the earlier ones are not written at all). An empty batch writes nothing.
    ///
    /// Culling: diskcache culls after each `set`, up to `cull_limit` rows each time; the batch
    /// culls once, after its last entry, with the budget of all of them (entries × `cull_limit`):
    /// expired rows first, then the eviction policy's victims in steps of `cull_limit` while the
    /// volume is at or over the size limit (see `detail::sqlite::cull_batch`).
    ///
    /// Atomicity: the value files are written before the transaction; when anything fails (a file
    /// that cannot be written, a row, the lock timeout) no entry of the batch is stored and the
    /// files it wrote are removed. Inside a `transact` the batch is a savepoint: a failure takes
    /// back the whole batch and leaves the caller's earlier writes to commit or roll back.
    /// Concurrent readers (`get_many`, other processes) see all of a batch or none of it.
    /// @throws store_error (read-only store, SQLite or file failure), timeout_error,
    ///         invalid_argument (a NaN expiry) — in every case nothing of the batch is stored.
    void set_many(std::span<const key_value> items, const write_options& opts = {}) {
        detail::sqlite::write_many(*engine_, items, opts);
    }

    /// The bytes under each of `keys`, in the keys' order (a miss, or an expired entry, as an
    /// empty optional), read in one transaction: with statistics off and an eviction policy that
    /// keeps no access books (the defaults), one read snapshot, so a batch written by `set_many`
    /// is seen whole or not at all; otherwise one write transaction in which every key counts a hit
    /// or a miss (and updates its access time or count) as `get` would. A file-backed value whose
    /// file a concurrent overwrite removed is read again after the snapshot, as `get` retries
    /// (it then answers the newer value).
    /// @throws value_type_error when an entry holds something other than bytes (as `get`).
    [[nodiscard]] std::vector<std::optional<std::string>>
    get_many(std::span<const std::string_view> keys) {
        return detail::sqlite::get_many_bytes(*engine_, keys);
    }

    /// Removes `key` (diskcache's `delete`); `true` if a live entry was removed. Works on a full
    /// disk too (the value file goes first, then the row).
    bool erase(key_ref key) { return detail::sqlite::erase(*engine_, key); }

    /// Removes every entry, in batches of 100 so other writers get turns; returns how many.
    std::size_t clear() {
        return clear([](std::size_t) {});
    }
    /// As `clear()`, calling `on_batch(removed_so_far)` after each committed batch (to show
    /// progress on a large cache). Entries written meanwhile by others may be removed too.
    template <class F>
        requires std::invocable<F&, std::size_t>
    std::size_t clear(F&& on_batch) {
        return detail::sqlite::clear(*engine_, std::forward<F>(on_batch));
    }

    // --- the rest of diskcache's API -------------------------------------------------------------

    /// The entry under `key` with its form, expiry and tag; empty when missing or expired (or when
    /// its `.val` file has gone, as in diskcache).
    [[nodiscard]] std::optional<cache_entry> get_entry(key_ref key) {
        return engine_->lookup(key, true);
    }

    /// Whether a live entry exists under `key` (Python's `key in cache`).
    [[nodiscard]] bool contains(key_ref key) {
        return engine_->with_connection([&](detail::sqlite::connection& c) {
            return detail::sqlite::engine::select_live(c, key)->step();
        });
    }

    /// Stores `value` only if `key` has no live entry; `true` if it did (atomic across processes).
    bool add(key_ref key, value_ref value, const write_options& opts = {}) {
        return detail::sqlite::write(*engine_, key, value, opts, true);
    }

    /// Removes `key` and returns its entry (empty if there was none).
    std::optional<cache_entry> pop(key_ref key) { return detail::sqlite::pop(*engine_, key); }

    /// Adds `delta` to the integer under `key` and returns the new value (atomic across processes).
    /// A missing or expired key starts from `default_value`; without one, `key_not_found`.
    /// @throws value_type_error if the stored value is not an integer.
    std::int64_t incr(key_ref key, std::int64_t delta = 1,
                      std::optional<std::int64_t> default_value = std::int64_t{0}) {
        return detail::sqlite::incr(*engine_, key, delta, default_value);
    }

    /// `incr(key, -delta, default_value)`.
    std::int64_t decr(key_ref key, std::int64_t delta = 1,
                      std::optional<std::int64_t> default_value = std::int64_t{0}) {
        if (delta == std::numeric_limits<std::int64_t>::min()) {
            throw invalid_argument("flytecache: sqlite_store: decr by INT64_MIN overflows");
        }
        return incr(key, -delta, default_value);
    }

    /// Gives a live entry a new expiry (empty: never expires); `true` if there was one.
    bool touch(key_ref key, std::optional<float_seconds> expire = std::nullopt) {
        return detail::sqlite::touch(*engine_, key, expire);
    }

    /// Removes entries whose expiry is before `now` (default: the current time); returns how many.
    std::size_t expire(std::optional<double> now = std::nullopt) {
        return detail::sqlite::expire(*engine_, now.value_or(detail::unix_now()));
    }

    /// Removes every entry tagged `tag`; returns how many.
    std::size_t evict(std::string_view tag) { return detail::sqlite::evict(*engine_, tag); }

    /// Creates the index that makes `evict` fast (and records `tag_index = 1`).
    void create_tag_index() { detail::sqlite::set_tag_index(*engine_, true); }
    /// Drops the tag index (and records `tag_index = 0`).
    void drop_tag_index() { detail::sqlite::set_tag_index(*engine_, false); }

    /// Removes expired entries, then evicts by the eviction policy until the volume is below the
    /// size limit; returns how many entries went.
    std::size_t cull() { return detail::sqlite::cull_to_limit(*engine_); }

    /// Returns the hit and miss counters, then turns counting on or off and, with `reset`, zeroes
    /// them (diskcache's `stats(enable, reset)`). Counting costs a write per `get`. To read the
    /// counters without changing anything, use `statistics()`.
    store_stats stats(bool enable = true, bool reset_counters = false);

    /// The hit and miss counters as the Settings table holds them, read without writing anything:
    /// counting is neither switched on nor off (as `stats()` does) and nothing is reset, so it
    /// works on a read-only store too. The counters grow only while counting is on
    /// (`options::statistics` or `stats(true)`), by any process using the cache.
    [[nodiscard]] store_stats statistics() const {
        return detail::sqlite::read_statistics(*engine_);
    }

    /// Estimated size on disk in bytes: database pages plus the sizes of the `.val` files.
    [[nodiscard]] std::uint64_t volume() {
        return engine_->with_connection(
            [&](detail::sqlite::connection& c) { return engine_->volume(c); });
    }
    [[nodiscard]] std::uint64_t size_limit() const noexcept {
        return static_cast<std::uint64_t>(
            std::max<std::int64_t>(0, engine_->size_limit.load(std::memory_order_relaxed)));
    }
    /// Number of entries, expired ones included (Python's `len(cache)`).
    [[nodiscard]] std::size_t size() {
        return static_cast<std::size_t>(
            std::max<std::int64_t>(0, detail::sqlite::as_count(reset("count"))));
    }

    /// Checks the database and the value files, as diskcache's `check`; with `fix`, repairs what
    /// can be repaired (VACUUM, rows without files, wrong sizes, stray files, counters).
    check_report check(bool fix = false) { return detail::sqlite::check(*engine_, fix); }

    /// Runs `f` inside one transaction: the writes in it are atomic and other writers (threads and
    /// processes) wait until it ends. Commits when `f` returns, rolls back when it throws.
    /// Transactions nest on one thread; they cannot be shared between threads. Keep them short.
    template <class F>
    decltype(auto) transact(F&& f) {
        return engine_->write_transaction(
            [&](detail::sqlite::connection&, detail::sqlite::txn_frame&) -> decltype(auto) {
                return std::forward<F>(f)();
            });
    }

    /// Calls `f(key)` for every key in database sort order (ascending or, with `reverse`,
    /// descending), reading 100 keys per query so the database is never locked for long.
    template <class F>
    void for_each_key(F&& f, bool reverse = false) {
        detail::sqlite::for_each_key(*engine_, std::forward<F>(f), reverse);
    }

    /// Calls `f(const stored_entry_info&)` for every row, expired ones included, in insertion
    /// (rowid) order, reading 100 rows per query so the database is never locked for long. Rows
    /// written or removed meanwhile may or may not be seen. Values are not read, and nothing
    /// counts as an access (no statistics, no access times).
    template <class F>
        requires std::invocable<F&, const stored_entry_info&>
    void for_each_entry(F&& f) {
        detail::sqlite::for_each_entry(*engine_, std::forward<F>(f));
    }

    /// The row of `key` with its value, whether or not it has expired (an expired row stays on
    /// disk until `expire`, `cull` or a write removes it); empty when there is none. Reading it
    /// counts as no access. Pickled keys (from `for_each_entry`) can be looked up here too.
    /// @throws store_error when the row is damaged (a storage mode or value diskcache never
    ///         writes), naming the database.
    [[nodiscard]] std::optional<stored_entry> inspect(const db_key& key) {
        return detail::sqlite::inspect(*engine_, key);
    }

    /// Removes the row of `key` whether or not it has expired; `true` if there was one. (`erase`,
    /// like diskcache's `delete`, leaves expired rows for `expire` and `cull` to remove.)
    bool purge(const db_key& key) { return detail::sqlite::purge(*engine_, key); }

    /// Calls `f(value)` for every row holding bytes (flytekit's values), expired rows included,
    /// in insertion order; rows holding text, numbers or pickles are skipped. Not an access.
    /// @throws store_error (as `inspect`) when a row cannot be read; `f` has then seen only some.
    template <class F>
        requires std::invocable<F&, std::string_view>
    void for_each_value(F&& f) {
        std::vector<db_key> keys;
        for_each_entry([&](const stored_entry_info& info) {
            if (info.mode == value_mode::binary || info.mode == value_mode::raw) {
                keys.push_back(info.key);
            }
        });
        for (const auto& k : keys) {
            const std::optional<stored_entry> e = inspect(k);
            if (e && e->value && e->value->type() == stored_value::kind::bytes) {
                f(std::string_view(e->value->as_bytes()));
            }
        }
    }

    /// Every key in database sort order (diskcache's `iterkeys`), materialized.
    [[nodiscard]] std::vector<db_key> iterkeys(bool reverse = false) {
        std::vector<db_key> keys;
        for_each_key([&](const db_key& k) { keys.push_back(k); }, reverse);
        return keys;
    }

    /// The newest (`last`) or oldest entry by insertion order; expired entries met on the way are
    /// deleted. @throws key_not_found ("dictionary is empty") on an empty cache.
    cache_entry peekitem(bool last = true) { return detail::sqlite::peekitem(*engine_, last); }

    /// Pushes `value` onto the `side` of the queue named `prefix` (no prefix: integer keys) and
    /// returns its key; keys count from 500000000000000 as in diskcache, so Python's `pull` sees
    /// the same queue.
    db_key push(value_ref value, std::optional<std::string_view> prefix = std::nullopt,
                queue_side side = queue_side::back, const write_options& opts = {}) {
        return detail::sqlite::push(*engine_, value, prefix, side, opts);
    }

    /// Removes and returns the entry at the `side` of the queue `prefix`; empty when it is empty.
    std::optional<cache_entry> pull(std::optional<std::string_view> prefix = std::nullopt,
                                    queue_side side = queue_side::front) {
        return detail::sqlite::queue_take(*engine_, prefix, side, true);
    }
    /// Returns the entry at the `side` of the queue `prefix` without removing it.
    std::optional<cache_entry> peek(std::optional<std::string_view> prefix = std::nullopt,
                                    queue_side side = queue_side::front) {
        return detail::sqlite::queue_take(*engine_, prefix, side, false);
    }

    /// Opens the value under `key` as a stream: its `.val` file for file-backed bytes (no copy in
    /// memory; the file is checked as `get` checks it, and read through the descriptor that was
    /// checked), an in-memory stream for inline bytes. A read error sets the stream's badbit.
    /// @throws key_not_found when missing; value_type_error when the value is not bytes;
    ///         store_error for a damaged entry.
    std::unique_ptr<std::istream> read(key_ref key) {
        return detail::sqlite::open_stream(*engine_, key);
    }

    /// The current value of a setting, re-read from the Settings table (diskcache's `reset(key)`).
    /// @throws invalid_argument for a name the table does not have.
    setting_value reset(std::string_view name) {
        return detail::sqlite::reset_setting(*engine_, name);
    }
    /// Sets a setting in the Settings table and in this store (diskcache's `reset(key, value)`);
    /// `sqlite_*` settings also run their PRAGMA on this store's connections.
    setting_value reset(std::string_view name, setting_value value) {
        return detail::sqlite::reset_setting(*engine_, name, std::move(value));
    }

    /// Closes the idle connections of this store; later calls open new ones.
    void close() { engine_->close_idle(); }

    // --- reserving_store -------------------------------------------------------------------------

    /// Takes or renews the reservation of `key` for `owner` for `ttl`; see `reserving_store`.
    bool try_reserve(std::string_view key, std::string_view owner, float_seconds ttl) {
        return detail::sqlite::try_reserve(*engine_, key, owner, ttl);
    }
    /// Gives up `owner`'s reservation of `key`; `true` if `owner` held it.
    bool release(std::string_view key, std::string_view owner) {
        return detail::sqlite::release(*engine_, key, owner);
    }

private:
    // Behind a pointer: the fork registry and pooled connections refer to the engine by address,
    // and a moved store must keep working.
    std::unique_ptr<detail::sqlite::engine> engine_;
};

static_assert(cache_store<sqlite_store>);
static_assert(expiring_store<sqlite_store>);
static_assert(tagged_store<sqlite_store>);
static_assert(bounded_store<sqlite_store>);
static_assert(statistics_store<sqlite_store>);
static_assert(reserving_store<sqlite_store>);
static_assert(ttl_reporting_store<sqlite_store>);
static_assert(file_hosting_store<sqlite_store>);
static_assert(enumerable_store<sqlite_store>);
static_assert(batching_store<sqlite_store>);

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/sqlite_store.ipp>
#endif
