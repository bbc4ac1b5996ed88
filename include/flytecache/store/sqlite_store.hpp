// flytecache — sqlite_store: the embedded default store, reading and writing Python diskcache's
// files SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/saturating.hpp>
#include <flytecache/detail/sqlite.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/cache_store.hpp>
#include <flytecache/store/diskcache_format.hpp>
#include <flytecache/store/sqlite/value_files.hpp>
#include <flytecache/task/memoize.hpp>

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// A value of the Settings table. diskcache writes integers and a few strings, but Python accepts
/// any SQLite value (`size_limit=1e9` is a REAL; NULL is `None`), and so does this store.
using setting_value = std::variant<std::int64_t, double, std::string, std::monostate>;

/// One problem `sqlite_store::check` found.
struct check_finding {
    enum class kind {
        integrity,       ///< `PRAGMA integrity_check` reported damage
        file_not_found,  ///< a row refers to a `.val` file that is missing
        wrong_file_size, ///< a `.val` file's size differs from the row's `size` (a damaged value)
        foreign_file,    ///< a row names a file that is not one of this cache's value files (an
                         ///< absolute path, `..`, a link, not a regular file): never followed
        unknown_file,    ///< a file no row refers to (left by an interrupted write; only space)
        empty_directory, ///< an empty value directory (harmless)
        count_mismatch,  ///< Settings.count differs from the number of rows
        size_mismatch,   ///< Settings.size differs from the sum of the rows' sizes
    };
    kind what;
    std::string message;
};

/// What `sqlite_store::check` found (diskcache returns the same findings as warnings).
struct check_report {
    std::vector<check_finding> findings;
    /// Whether anything is damaged: unknown files and empty directories waste space but lose
    /// nothing, so they do not count.
    [[nodiscard]] bool damaged() const noexcept {
        return std::any_of(findings.begin(), findings.end(), [](const check_finding& f) {
            return f.what != check_finding::kind::unknown_file &&
                   f.what != check_finding::kind::empty_directory;
        });
    }
    [[nodiscard]] bool clean() const noexcept { return findings.empty(); }
};

/// One row of the Cache table as it is stored, expired or not: the key, diskcache's bookkeeping
/// and where the value lives, without the value itself (`sqlite_store::for_each_entry`). What a
/// tool listing or checking a cache needs; lookups (`get`, `get_entry`) hide expired rows.
struct stored_entry_info {
    db_key key;
    double store_time = 0;  ///< when it was written, seconds since the Unix epoch
    double access_time = 0; ///< diskcache updates it only under least-recently-used eviction
    std::int64_t access_count = 0;
    std::optional<double> expire_time; ///< seconds since the Unix epoch; empty: never expires
    std::optional<std::string> tag;    ///< rendered as `cache_entry::tag` is
    /// The row's storage mode as written; a value outside the enumeration means a damaged row.
    value_mode mode = value_mode::none;
    /// Bytes of the value: the size recorded for a `.val` file, the length of an inline value
    /// (diskcache records 0 for those; a number counts the length of its text).
    std::uint64_t value_size = 0;
    /// The `.val` file, relative to the cache directory; empty for inline values.
    std::optional<std::string> filename;

    /// Whether lookups at time `now` (seconds since the Unix epoch) no longer see the entry.
    [[nodiscard]] bool expired(double now) const noexcept {
        return expire_time.has_value() && *expire_time <= now;
    }
};

/// A row with its value, as `sqlite_store::inspect` reads it.
struct stored_entry {
    stored_entry_info info;
    /// The value in the form it was stored; empty when its `.val` file is missing.
    std::optional<stored_value> value;
};

namespace detail {

/// diskcache's defaults (its DEFAULT_SETTINGS); the names are the Settings table's keys.
struct diskcache_defaults {
    static constexpr std::int64_t size_limit = std::int64_t{1} << 30;
    static constexpr std::int64_t cull_limit = 10;
    static constexpr std::int64_t sqlite_auto_vacuum = 1;
    static constexpr std::int64_t sqlite_cache_size = std::int64_t{1} << 13;
    static constexpr std::int64_t sqlite_mmap_size = std::int64_t{1} << 26;
    static constexpr std::int64_t sqlite_synchronous = 1;
    static constexpr std::int64_t disk_min_file_size = std::int64_t{1} << 15;
    // Python 3.8+'s pickle.HIGHEST_PROTOCOL; stored for Python's sake, flytecache never pickles.
    static constexpr std::int64_t disk_pickle_protocol = 5;
};

inline double unix_now() noexcept {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Number of Unicode code points of UTF-8 text: diskcache compares `len(str)` with min_file_size.
inline std::size_t utf8_length(std::string_view s) noexcept {
    std::size_t n = 0;
    for (const char c : s) {
        n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1U : 0U;
    }
    return n;
}

/// A transaction this thread holds on one store (transactions nest per thread, as in diskcache).
struct sqlite_txn_frame {
    const void* owner;
    sqlite::connection* con;
    int depth;
    std::vector<std::string> remove_after_commit; // files of replaced or deleted rows
    std::vector<std::string> remove_on_rollback;  // files written for rows that may not commit
};
// A list, not a vector: code running inside one store's transaction may begin another store's,
// and the frames of the outer ones must not move while they are in use.
inline thread_local std::list<sqlite_txn_frame> sqlite_txn_frames;

// Counts fork()s in this process's ancestry, so a store can tell in one atomic load that it runs in
// a child (getpid() is a system call on current glibc, and paying two per operation cost as much
// as the rest of a cache hit).
inline std::atomic<unsigned> fork_generation{0};

// The live stores of this process. Before a fork every store closes its idle connections: SQLite
// keeps per-file lock and WAL state process-wide, and a child inheriting open connections would
// share it with the parent — the parent could then checkpoint and delete the WAL under the child.
struct store_registry {
    std::mutex mutex;
    std::vector<std::pair<void*, void (*)(void*)>> stores; // (state, close its idle connections)
};
inline store_registry& stores_alive() {
    static auto* r = new store_registry; // never destroyed: atfork handlers outlive statics
    return *r;
}

/// The current fork generation, registering the fork handlers on first use.
inline unsigned current_fork_generation() noexcept {
    static const bool registered = [] {
        ::pthread_atfork(
            [] {
                auto& r = stores_alive();
                std::lock_guard lock(r.mutex);
                for (const auto& [state, close_idle] : r.stores) {
                    close_idle(state);
                }
            },
            nullptr, [] { fork_generation.fetch_add(1, std::memory_order_relaxed); });
        return true;
    }();
    (void)registered;
    return fork_generation.load(std::memory_order_relaxed);
}

} // namespace detail

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
/// `reserving_store` (reservations live in a table of their own that diskcache ignores).
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
    struct options {
        /// The cache directory, created if missing (`~` and `$VARS` are not expanded here).
        std::filesystem::path directory;
        /// How long an operation waits for a lock held by another connection.
        float_seconds timeout = std::chrono::seconds(60);
        /// On a timeout, keep waiting instead of throwing (diskcache's `retry=True`).
        bool retry = false;
        /// Open an existing cache for reading only (none of the settings below may be given).
        ///
        /// The database is opened with `SQLITE_OPEN_READONLY`: SQLite itself refuses to change the
        /// file, and readers of a WAL database never wait for writers. Lookups count no hits or
        /// misses and update no access times; writing calls throw `store_error`. Settings are read
        /// from the Settings table as stored. Like any SQLite reader of a WAL database it may
        /// create the shared `cache.db-wal` and `cache.db-shm` files when they are missing (empty;
        /// the next writer uses them). In a directory it cannot write, where it could not create
        /// them, a database without a -wal file is read as `immutable` (without locks): correct
        /// unless a writer starts while it reads, which then would have to create the -wal file.
        /// Not `PRAGMA query_only` instead: it is a per-connection switch on a file still opened
        /// for writing (a checkpoint on close would write it); not `immutable` always: without
        /// locks it would read pages a writer is changing.
        /// @throws store_error from the constructor when the directory or its cache.db does not
        ///         exist or does not hold diskcache's tables (nothing is created).
        bool read_only = false;
        // Settings: empty means "as stored in the database, else diskcache's default". A value
        // given here is written to the Settings table, as diskcache's keyword settings are.
        std::optional<std::int64_t> size_limit{};
        std::optional<std::int64_t> cull_limit{};
        std::optional<flytecache::eviction_policy> eviction_policy{};
        std::optional<bool> statistics{};
        std::optional<bool> tag_index{};
        std::optional<std::int64_t> min_file_size{};
        std::optional<std::int64_t> pickle_protocol{};
        std::optional<std::int64_t> sqlite_cache_size{};
        std::optional<std::int64_t> sqlite_mmap_size{};
        std::optional<std::int64_t> sqlite_synchronous{};
        std::optional<std::int64_t> sqlite_auto_vacuum{};
        std::optional<std::string> sqlite_journal_mode{};
        /// How old a file in the cache directory that no row names must be before `check` calls
        /// it an orphan (and `check(true)` removes it). A write creates its value file before its
        /// row commits — and may wait up to `timeout` for the lock in between — so a younger one
        /// may be a write in flight, of this process or of another (diskcache's included). Keep
        /// it well beyond the longest lock wait of every writer.
        float_seconds orphan_grace = std::chrono::hours(1);
    };

    /// Opens (creating if needed) the cache in `directory` with the stored or default settings.
    explicit sqlite_store(std::filesystem::path directory)
        : sqlite_store(options{.directory = std::move(directory)}) {}

    /// Opens (creating if needed) the cache described by `opts`.
    /// @throws store_error if the directory cannot be created or the database is not usable.
    explicit sqlite_store(options opts) : state_(std::make_unique<state>(std::move(opts))) {
        state_->initialize();
    }

    sqlite_store(sqlite_store&&) noexcept = default;
    sqlite_store& operator=(sqlite_store&&) noexcept = default;
    ~sqlite_store() = default;

    [[nodiscard]] const std::filesystem::path& directory() const noexcept { return state_->dir; }
    /// Whether the store was opened with `options::read_only`.
    [[nodiscard]] bool read_only() const noexcept { return state_->opts.read_only; }
    [[nodiscard]] float_seconds timeout() const noexcept { return state_->opts.timeout; }

    /// Where task output files of the entries are kept: `<directory>/blobs` (see `blob_area`).
    /// diskcache never writes there, and `check` does not count its files as orphans.
    [[nodiscard]] std::filesystem::path blob_directory() const {
        return state_->dir / blob_subdirectory;
    }
    /// The name of the blob directory inside a cache directory.
    static constexpr std::string_view blob_subdirectory = "blobs";

    // --- cache_store -----------------------------------------------------------------------------

    /// The bytes stored under text key `key`, or empty when missing or expired.
    /// @throws value_type_error when the entry holds something other than bytes (text, a number,
    ///         a pickle); `get_entry` reads those.
    [[nodiscard]] std::optional<std::string> get(std::string_view key) {
        const auto policy = state_->policy.load(std::memory_order_relaxed);
        if (!state_->statistics.load(std::memory_order_relaxed) &&
            (policy == eviction_policy::none || policy == eviction_policy::least_recently_stored)) {
            // The hot path: an inline BLOB is copied straight out of the row, with no cache_entry.
            bool other_form = false;
            auto bytes = with_connection([&](sqlite_connection& c) -> std::optional<std::string> {
                auto q = select_live(c, key_ref(key));
                if (!q->step()) {
                    return std::nullopt;
                }
                if (q->column_int(3) == static_cast<std::int64_t>(value_mode::raw) &&
                    q->column_type(5) == SQLITE_BLOB) {
                    return std::string(q->column_blob(5));
                }
                other_form = true;
                return std::nullopt;
            });
            if (!other_form) {
                return bytes;
            }
        }
        auto found = lookup(key_ref(key), false);
        if (!found) {
            return std::nullopt;
        }
        require_bytes(key, *found);
        return std::move(found->value).as_bytes();
    }

    /// As `get`, with the time the entry has left to live (empty: it never expires).
    [[nodiscard]] std::optional<timed_value> get_with_ttl(std::string_view key) {
        auto found = lookup(key_ref(key), false);
        if (!found) {
            return std::nullopt;
        }
        require_bytes(key, *found);
        timed_value out{std::move(found->value).as_bytes(), std::nullopt};
        if (found->expire_time) {
            out.ttl = float_seconds(*found->expire_time - detail::unix_now());
        }
        return out;
    }

    /// Stores `value` under `key` (diskcache's `set`); `options` carries expiry and tag.
    bool set(key_ref key, value_ref value, const write_options& opts = {}) {
        return write(key, value, opts, false);
    }

    /// Removes `key` (diskcache's `delete`); `true` if a live entry was removed. Works on a full
    /// disk too (the value file goes first, then the row).
    bool erase(key_ref key) {
        return freeing_space(
            [&] {
                return write_transaction([&](sqlite_connection& c, detail::sqlite_txn_frame& txn) {
                    auto q = select_live(c, key);
                    if (!q->step()) {
                        return false;
                    }
                    const std::int64_t rowid = q->column_int(0);
                    schedule_removal(txn, *q, 4);
                    q->reset();
                    delete_rowid(c, rowid);
                    return true;
                });
            },
            [&](sqlite_connection& c, std::vector<std::string>& files) {
                auto q = select_live(c, key);
                if (q->step() && !q->is_null(4)) files.emplace_back(q->column_text(4));
            });
    }

    /// Removes every entry, in batches of 100 so other writers get turns; returns how many.
    std::size_t clear() {
        return clear([](std::size_t) {});
    }
    /// As `clear()`, calling `on_batch(removed_so_far)` after each committed batch (to show
    /// progress on a large cache). Entries written meanwhile by others may be removed too.
    template <class F>
        requires std::invocable<F&, std::size_t>
    std::size_t clear(F&& on_batch) {
        return select_delete(
            stmt::clear_batch,
            "SELECT rowid, filename FROM Cache WHERE rowid > ? ORDER BY rowid "
            "LIMIT 100",
            [](detail::sqlite::statement&) {}, 0, false, on_batch);
    }

    // --- the rest of diskcache's API -------------------------------------------------------------

    /// The entry under `key` with its form, expiry and tag; empty when missing or expired (or when
    /// its `.val` file has gone, as in diskcache).
    [[nodiscard]] std::optional<cache_entry> get_entry(key_ref key) { return lookup(key, true); }

    /// Whether a live entry exists under `key` (Python's `key in cache`).
    [[nodiscard]] bool contains(key_ref key) {
        return with_connection([&](sqlite_connection& c) {
            auto q = select_live(c, key);
            return q->step();
        });
    }

    /// Stores `value` only if `key` has no live entry; `true` if it did (atomic across processes).
    bool add(key_ref key, value_ref value, const write_options& opts = {}) {
        return write(key, value, opts, true);
    }

    /// Removes `key` and returns its entry (empty if there was none).
    std::optional<cache_entry> pop(key_ref key) {
        return write_transaction(
            [&](sqlite_connection& c, detail::sqlite_txn_frame& txn) -> std::optional<cache_entry> {
                auto q = select_live(c, key);
                if (!q->step()) {
                    return std::nullopt;
                }
                const std::int64_t rowid = q->column_int(0);
                // Read the value before the row goes; the file itself is removed after the commit.
                auto out = read_row(*q, 1, key_of(key));
                schedule_removal(txn, *q, 4);
                q->reset();
                delete_rowid(c, rowid);
                return out;
            });
    }

    /// Adds `delta` to the integer under `key` and returns the new value (atomic across processes).
    /// A missing or expired key starts from `default_value`; without one, `key_not_found`.
    /// @throws value_type_error if the stored value is not an integer.
    std::int64_t incr(key_ref key, std::int64_t delta = 1,
                      std::optional<std::int64_t> default_value = std::int64_t{0}) {
        return write_transaction([&](sqlite_connection& c, detail::sqlite_txn_frame& txn) {
            const double now = detail::unix_now();
            auto q =
                use(c, stmt::select_incr,
                    "SELECT rowid, expire_time, filename, value, mode FROM Cache WHERE key = ? "
                    "AND raw = 1");
            bind_key(*q, 1, key);
            const bool found = q->step();
            const bool expired = found && !q->is_null(1) && q->column_double(1) < now;
            if (!found || expired) {
                if (!default_value) {
                    throw key_not_found("flytecache: sqlite_store '" + state_->db_path + "': key " +
                                        key.describe() + " not found");
                }
                if (expired) {
                    schedule_removal(txn, *q, 2);
                }
                q->reset();
                const std::int64_t value = checked_add(*default_value, delta, key);
                upsert(c, key, now, std::nullopt, std::optional<std::string_view>(),
                       prepared_value::integer_value(value));
                cull(c, txn, now);
                return value;
            }
            if (q->column_int(4) != static_cast<std::int64_t>(value_mode::raw) ||
                q->column_type(3) != SQLITE_INTEGER) {
                throw value_type_error("flytecache: sqlite_store '" + state_->db_path + "': key " +
                                       key.describe() + " does not hold an integer");
            }
            const std::int64_t rowid = q->column_int(0);
            const std::int64_t value = checked_add(q->column_int(3), delta, key);
            q->reset();
            const auto policy = state_->policy.load(std::memory_order_relaxed);
            auto u = use(c, stmt::incr_update_first + static_cast<std::size_t>(policy),
                         incr_update_sql(policy));
            u->bind(1, now);
            u->bind(2, value);
            u->bind(3, rowid);
            if (policy == eviction_policy::least_recently_used) {
                u->bind(4, now);
            }
            u->run();
            return value;
        });
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
        return write_transaction([&](sqlite_connection& c, detail::sqlite_txn_frame&) {
            const double now = detail::unix_now();
            auto q = use(c, stmt::select_touch,
                         "SELECT rowid, expire_time FROM Cache WHERE key = ? AND raw = 1");
            bind_key(*q, 1, key);
            if (!q->step()) {
                return false;
            }
            if (!q->is_null(1) && q->column_double(1) <= now) {
                return false;
            }
            const std::int64_t rowid = q->column_int(0);
            q->reset();
            const std::optional<double> expire_time = expiry_from(expire, now);
            auto u = use(c, stmt::touch_update, "UPDATE Cache SET expire_time = ? WHERE rowid = ?");
            if (expire_time) {
                u->bind(1, *expire_time);
            } else {
                u->bind_null(1);
            }
            u->bind(2, rowid);
            u->run();
            return true;
        });
    }

    /// Removes entries whose expiry is before `now` (default: the current time); returns how many.
    std::size_t expire(std::optional<double> now = std::nullopt) {
        const double t = now.value_or(detail::unix_now());
        return select_delete(
            stmt::expire_batch,
            "SELECT rowid, expire_time, filename FROM Cache WHERE ? < expire_time "
            "AND expire_time < ? ORDER BY expire_time LIMIT 100",
            [&](detail::sqlite::statement& s) { s.bind(2, t); }, 1, true);
    }

    /// Removes every entry tagged `tag`; returns how many.
    std::size_t evict(std::string_view tag) {
        return select_delete(
            stmt::evict_batch,
            "SELECT rowid, filename FROM Cache WHERE tag = ?2 AND rowid > ?1 ORDER "
            "BY rowid LIMIT 100",
            [&](detail::sqlite::statement& s) { s.bind_text(2, tag); }, 0);
    }

    /// Creates the index that makes `evict` fast (and records `tag_index = 1`).
    void create_tag_index() {
        require_writable();
        with_connection([&](sqlite_connection& c) {
            c.exec("CREATE INDEX IF NOT EXISTS Cache_tag_rowid ON Cache(tag, rowid)");
            return 0;
        });
        reset("tag_index", std::int64_t{1});
    }
    /// Drops the tag index (and records `tag_index = 0`).
    void drop_tag_index() {
        require_writable();
        with_connection([&](sqlite_connection& c) {
            c.exec("DROP INDEX IF EXISTS Cache_tag_rowid");
            c.forget_statements();
            return 0;
        });
        reset("tag_index", std::int64_t{0});
    }

    /// Removes expired entries, then evicts by the eviction policy until the volume is below the
    /// size limit; returns how many entries went.
    std::size_t cull() {
        const double now = detail::unix_now();
        std::size_t count = expire(now);
        const auto policy = state_->policy.load(std::memory_order_relaxed);
        if (policy == eviction_policy::none) {
            return count;
        }
        while (volume() > size_limit()) {
            const std::size_t n = freeing_space(
                [&] {
                    return write_transaction(
                        [&](sqlite_connection& c, detail::sqlite_txn_frame& txn) {
                            return evict_by_policy(c, txn, policy, 10);
                        });
                },
                [&](sqlite_connection& c, std::vector<std::string>& files) {
                    auto q = use(c, stmt::cull_select_first + static_cast<std::size_t>(policy),
                                 cull_select_sql(policy));
                    q->bind(1, std::int64_t{10});
                    while (q->step()) {
                        if (!q->is_null(0)) files.emplace_back(q->column_text(0));
                    }
                });
            if (n == 0) {
                break;
            }
            count += n;
        }
        return count;
    }

    /// Returns the hit and miss counters, then turns counting on or off and, with `reset`, zeroes
    /// them (diskcache's `stats(enable, reset)`). Counting costs a write per `get`.
    store_stats stats(bool enable = true, bool reset_counters = false) {
        store_stats out{as_count(reset("hits")), as_count(reset("misses"))};
        if (reset_counters) {
            reset("hits", std::int64_t{0});
            reset("misses", std::int64_t{0});
        }
        reset("statistics", std::int64_t{enable ? 1 : 0});
        return out;
    }

    /// Estimated size on disk in bytes: database pages plus the sizes of the `.val` files.
    [[nodiscard]] std::uint64_t volume() {
        return with_connection([&](sqlite_connection& c) { return volume(c); });
    }
    [[nodiscard]] std::uint64_t size_limit() const noexcept {
        return static_cast<std::uint64_t>(
            std::max<std::int64_t>(0, state_->size_limit.load(std::memory_order_relaxed)));
    }
    /// Number of entries, expired ones included (Python's `len(cache)`).
    [[nodiscard]] std::size_t size() {
        return static_cast<std::size_t>(std::max<std::int64_t>(0, as_count(reset("count"))));
    }

    /// Checks the database and the value files, as diskcache's `check`; with `fix`, repairs what
    /// can be repaired (VACUUM, rows without files, wrong sizes, stray files, counters).
    check_report check(bool fix = false) {
        if (fix) {
            require_writable();
        }
        check_report report;
        with_connection([&](sqlite_connection& c) {
            detail::sqlite::statement q(c.handle(), "PRAGMA integrity_check", c.path());
            std::vector<std::string> lines;
            while (q.step()) {
                lines.emplace_back(q.column_text(0));
            }
            if (lines.size() != 1 || lines.front() != "ok") {
                for (auto& l : lines) {
                    report.findings.push_back({check_finding::kind::integrity, std::move(l)});
                }
            }
            if (fix) {
                c.exec("VACUUM");
            }
            return 0;
        });
        auto files_and_counters = [&](sqlite_connection& c) {
            check_files(c, fix, report);
            check_counter(c, fix, report, "count", "SELECT COUNT(key) FROM Cache",
                          check_finding::kind::count_mismatch,
                          "Settings.count != COUNT(Cache.key)");
            check_counter(c, fix, report, "size", "SELECT COALESCE(SUM(size), 0) FROM Cache",
                          check_finding::kind::size_mismatch, "Settings.size != SUM(Cache.size)");
            return 0;
        };
        if (!fix) {
            // One read transaction: a snapshot in which the rows, files and counters agree, as the
            // write transaction below gives, without waiting for (or holding off) writers.
            with_connection([&](sqlite_connection& c) {
                c.exec("BEGIN");
                try {
                    files_and_counters(c);
                } catch (...) {
                    sqlite3_exec(c.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
                    throw;
                }
                c.exec("COMMIT");
                return 0;
            });
            return report;
        }
        write_transaction(
            [&](sqlite_connection& c, detail::sqlite_txn_frame&) { return files_and_counters(c); });
        return report;
    }

    /// Runs `f` inside one transaction: the writes in it are atomic and other writers (threads and
    /// processes) wait until it ends. Commits when `f` returns, rolls back when it throws.
    /// Transactions nest on one thread; they cannot be shared between threads. Keep them short.
    template <class F>
    decltype(auto) transact(F&& f) {
        return write_transaction(
            [&](sqlite_connection&, detail::sqlite_txn_frame&) -> decltype(auto) {
                return std::forward<F>(f)();
            });
    }

    /// Calls `f(key)` for every key in database sort order (ascending or, with `reverse`,
    /// descending), reading 100 keys per query so the database is never locked for long.
    template <class F>
    void for_each_key(F&& f, bool reverse = false) {
        std::optional<std::pair<db_key, std::int64_t>> last;
        for (;;) {
            std::vector<std::pair<db_key, std::int64_t>> batch;
            with_connection([&](sqlite_connection& c) {
                if (!last) {
                    auto q = use(
                        c, reverse ? stmt::iter_first_desc : stmt::iter_first_asc,
                        reverse ? "SELECT key, raw FROM Cache ORDER BY key DESC, raw DESC LIMIT 1"
                                : "SELECT key, raw FROM Cache ORDER BY key ASC, raw ASC LIMIT 1");
                    if (q->step()) {
                        batch.emplace_back(column_key(*q, 0, 1), q->column_int(1));
                    }
                } else {
                    auto q =
                        use(c, reverse ? stmt::iter_next_desc : stmt::iter_next_asc,
                            reverse ? "SELECT key, raw FROM Cache WHERE key = ?1 AND raw < ?2 OR "
                                      "key < ?1 ORDER BY key DESC, raw DESC LIMIT 100"
                                    : "SELECT key, raw FROM Cache WHERE key = ?1 AND raw > ?2 OR "
                                      "key > ?1 ORDER BY key ASC, raw ASC LIMIT 100");
                    bind_db_key(*q, 1, last->first);
                    q->bind(2, last->second);
                    while (q->step()) {
                        batch.emplace_back(column_key(*q, 0, 1), q->column_int(1));
                    }
                }
                return 0;
            });
            if (batch.empty()) {
                return;
            }
            for (auto& [k, raw] : batch) {
                f(std::as_const(k));
            }
            last = std::move(batch.back());
        }
    }

    /// Calls `f(const stored_entry_info&)` for every row, expired ones included, in insertion
    /// (rowid) order, reading 100 rows per query so the database is never locked for long. Rows
    /// written or removed meanwhile may or may not be seen. Values are not read, and nothing
    /// counts as an access (no statistics, no access times).
    template <class F>
        requires std::invocable<F&, const stored_entry_info&>
    void for_each_entry(F&& f) {
        std::int64_t after = std::numeric_limits<std::int64_t>::min();
        for (;;) {
            std::vector<stored_entry_info> batch;
            with_connection([&](sqlite_connection& c) {
                auto q = use(c, stmt::entries_batch,
                             "SELECT rowid, key, raw, store_time, access_time, access_count, "
                             "expire_time, tag, mode, filename, size, length(CAST(value AS BLOB)) "
                             "FROM Cache WHERE rowid > ? ORDER BY rowid LIMIT 100");
                q->bind(1, after);
                while (q->step()) {
                    after = q->column_int(0);
                    batch.push_back(column_entry_info(*q, 1));
                }
                return 0;
            });
            if (batch.empty()) {
                return;
            }
            for (const auto& info : batch) {
                f(info);
            }
        }
    }

    /// The row of `key` with its value, whether or not it has expired (an expired row stays on
    /// disk until `expire`, `cull` or a write removes it); empty when there is none. Reading it
    /// counts as no access. Pickled keys (from `for_each_entry`) can be looked up here too.
    /// @throws store_error when the row is damaged (a storage mode or value diskcache never
    ///         writes), naming the database.
    [[nodiscard]] std::optional<stored_entry> inspect(const db_key& key) {
        return with_connection([&](sqlite_connection& c) -> std::optional<stored_entry> {
            auto q = use(c, stmt::inspect_row,
                         "SELECT key, raw, store_time, access_time, access_count, expire_time, "
                         "tag, mode, filename, size, length(CAST(value AS BLOB)), expire_time, "
                         "tag, mode, filename, value, size FROM Cache WHERE key = ? AND raw = ?");
            bind_db_key(*q, 1, key);
            q->bind(2, std::int64_t{key.type() == db_key::kind::pickle ? 0 : 1});
            if (!q->step()) {
                return std::nullopt;
            }
            stored_entry out{column_entry_info(*q, 0), std::nullopt};
            if (auto e = read_row(*q, 11, key)) {
                out.value = std::move(e->value);
            }
            return out;
        });
    }

    /// Removes the row of `key` whether or not it has expired; `true` if there was one. (`erase`,
    /// like diskcache's `delete`, leaves expired rows for `expire` and `cull` to remove.)
    bool purge(const db_key& key) {
        const auto select = [&](sqlite_connection& c) {
            auto q = use(c, stmt::purge_select,
                         "SELECT rowid, filename FROM Cache WHERE key = ? AND raw = ?");
            bind_db_key(*q, 1, key);
            q->bind(2, std::int64_t{key.type() == db_key::kind::pickle ? 0 : 1});
            return q;
        };
        return freeing_space(
            [&] {
                return write_transaction([&](sqlite_connection& c, detail::sqlite_txn_frame& txn) {
                    auto q = select(c);
                    if (!q->step()) {
                        return false;
                    }
                    const std::int64_t rowid = q->column_int(0);
                    schedule_removal(txn, *q, 1);
                    q->reset();
                    delete_rowid(c, rowid);
                    return true;
                });
            },
            [&](sqlite_connection& c, std::vector<std::string>& files) {
                auto q = select(c);
                if (q->step() && !q->is_null(1)) files.emplace_back(q->column_text(1));
            });
    }

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
    cache_entry peekitem(bool last = true) {
        return write_transaction([&](sqlite_connection& c, detail::sqlite_txn_frame& txn) {
            for (;;) {
                auto q = use(c, last ? stmt::peekitem_last : stmt::peekitem_first,
                             last ? "SELECT rowid, key, raw, expire_time, tag, mode, filename, "
                                    "value, size FROM Cache ORDER BY rowid DESC LIMIT 1"
                                  : "SELECT rowid, key, raw, expire_time, tag, mode, filename, "
                                    "value, size FROM Cache ORDER BY rowid ASC LIMIT 1");
                if (!q->step()) {
                    throw key_not_found("flytecache: sqlite_store '" + state_->db_path +
                                        "': dictionary is empty");
                }
                const std::int64_t rowid = q->column_int(0);
                if (q->is_null(3) || q->column_double(3) >= detail::unix_now()) {
                    if (auto found = read_row(*q, 3, column_key(*q, 1, 2))) {
                        return std::move(*found);
                    }
                }
                // Expired, or its value file has gone: removed, as check(fix) would. (diskcache
                // retries the same row forever when the file is missing.)
                schedule_removal(txn, *q, 6);
                q->reset();
                delete_rowid(c, rowid);
            }
        });
    }

    /// Pushes `value` onto the `side` of the queue named `prefix` (no prefix: integer keys) and
    /// returns its key; keys count from 500000000000000 as in diskcache, so Python's `pull` sees
    /// the same queue.
    db_key push(value_ref value, std::optional<std::string_view> prefix = std::nullopt,
                queue_side side = queue_side::back, const write_options& opts = {}) {
        const double now = detail::unix_now();
        const std::optional<double> expire_time = expiry_from(opts.expire, now); // before any file
        prepared_value pv = prepare(value);
        return with_new_file(pv, [&](sqlite_connection& c, detail::sqlite_txn_frame& txn) {
            const std::string lo = prefix ? std::string(*prefix) + "-000000000000000" : "";
            const std::string hi = prefix ? std::string(*prefix) + "-999999999999999" : "";
            auto q = use(c, side == queue_side::back ? stmt::push_back : stmt::push_front,
                         side == queue_side::back
                             ? "SELECT key FROM Cache WHERE ? < key AND key < ? AND raw = 1 ORDER "
                               "BY key DESC LIMIT 1"
                             : "SELECT key FROM Cache WHERE ? < key AND key < ? AND raw = 1 ORDER "
                               "BY key ASC LIMIT 1");
            bind_queue_bounds(*q, prefix, lo, hi);
            std::int64_t num = 500000000000000;
            if (q->step()) {
                if (prefix) {
                    const std::string_view k = q->column_text(0);
                    num = std::stoll(std::string(k.substr(k.rfind('-') + 1)));
                } else {
                    num = q->column_int(0);
                }
                num += side == queue_side::back ? 1 : -1;
            }
            q->reset();
            db_key key = db_key::integer(num);
            if (prefix) {
                char digits[32];
                std::snprintf(digits, sizeof digits, "%015lld", static_cast<long long>(num));
                key = db_key::text(std::string(*prefix) + "-" + digits);
            }
            insert_row(c, key.ref(), now, expire_time, opts.tag, pv);
            cull(c, txn, now);
            return key;
        });
    }

    /// Removes and returns the entry at the `side` of the queue `prefix`; empty when it is empty.
    std::optional<cache_entry> pull(std::optional<std::string_view> prefix = std::nullopt,
                                    queue_side side = queue_side::front) {
        return queue_take(prefix, side, true);
    }
    /// Returns the entry at the `side` of the queue `prefix` without removing it.
    std::optional<cache_entry> peek(std::optional<std::string_view> prefix = std::nullopt,
                                    queue_side side = queue_side::front) {
        return queue_take(prefix, side, false);
    }

    /// Opens the value under `key` as a stream: its `.val` file for file-backed bytes (no copy in
    /// memory; the file is checked as `get` checks it, and read through the descriptor that was
    /// checked), an in-memory stream for inline bytes. A read error sets the stream's badbit.
    /// @throws key_not_found when missing; value_type_error when the value is not bytes;
    ///         store_error for a damaged entry.
    std::unique_ptr<std::istream> read(key_ref key) {
        auto stream = visit_live(
            key,
            [&](const detail::sqlite::statement& q)
                -> std::optional<std::unique_ptr<std::istream>> {
                const auto mode = q.column_int(3);
                if (mode == static_cast<std::int64_t>(value_mode::binary)) {
                    if (q.is_null(4)) throw damaged_value("no value file");
                    std::string problem;
                    auto file =
                        state_->files.open_stream(q.column_text(4), q.column_int(6), problem);
                    if (!problem.empty()) throw damaged_value(problem);
                    if (!file) {
                        return std::nullopt; // the value file has gone: a miss, as in diskcache
                    }
                    return std::unique_ptr<std::istream>(std::move(file));
                }
                if (mode == static_cast<std::int64_t>(value_mode::raw) &&
                    q.column_type(5) == SQLITE_BLOB) {
                    return std::unique_ptr<std::istream>(std::make_unique<std::istringstream>(
                        std::string(q.column_blob(5)), std::ios::binary));
                }
                throw value_type_error("flytecache: sqlite_store '" + state_->db_path + "': key " +
                                       key.describe() +
                                       " does not hold bytes; read() streams bytes only");
            });
        if (!stream) {
            throw key_not_found("flytecache: sqlite_store '" + state_->db_path + "': key " +
                                key.describe() + " not found");
        }
        return std::move(*stream);
    }

    /// The current value of a setting, re-read from the Settings table (diskcache's `reset(key)`).
    /// @throws invalid_argument for a name the table does not have.
    setting_value reset(std::string_view name) {
        auto v = with_connection([&](sqlite_connection& c) { return read_setting(c, name); });
        if (!v) {
            throw invalid_argument("flytecache: sqlite_store: unknown setting '" +
                                   std::string(name) + "'");
        }
        state_->apply_in_memory(name, *v);
        return *v;
    }
    /// Sets a setting in the Settings table and in this store (diskcache's `reset(key, value)`);
    /// `sqlite_*` settings also run their PRAGMA on this store's connections.
    setting_value reset(std::string_view name, setting_value value) {
        require_writable();
        state_->validate_setting(name, value);
        with_connection([&](sqlite_connection& c) {
            auto q = use(c, stmt::update_setting, "UPDATE Settings SET value = ? WHERE key = ?");
            bind_setting(*q, 1, value);
            q->bind_text(2, name);
            q->run();
            return 0;
        });
        state_->apply_in_memory(name, value);
        if (name.starts_with("sqlite_")) {
            state_->settings_generation.fetch_add(1);
            if (const auto sql_value = setting_sql(value)) {
                // Run it here too: pooled connections pick the change up on their next lease, but
                // file-level pragmas (journal mode, auto_vacuum) must change the file now.
                with_connection([&](sqlite_connection& c) {
                    c.exec("PRAGMA " + std::string(name.substr(7)) + " = " + *sql_value);
                    return 0;
                });
            }
        }
        if (name == "eviction_policy") {
            with_connection([&](sqlite_connection& c) {
                create_policy_index(c, state_->policy.load());
                return 0;
            });
        }
        return value;
    }

    /// Wraps `f` so its results are cached here under `name` (diskcache's `memoize`); see
    /// `flytecache::memoize`. This store must outlive the returned callable.
    template <class F>
    [[nodiscard]] auto memoize(std::string name, F&& f, memoize_options opts = {}) {
        return ::flytecache::memoize(*this, std::move(name), std::forward<F>(f), std::move(opts));
    }

    /// Closes the idle connections of this store; later calls open new ones.
    void close() { state_->close_idle(); }

    // --- reserving_store -------------------------------------------------------------------------

    /// Takes or renews the reservation of `key` for `owner` for `ttl`; see `reserving_store`.
    bool try_reserve(std::string_view key, std::string_view owner, float_seconds ttl) {
        return write_transaction([&](sqlite_connection& c, detail::sqlite_txn_frame&) {
            create_reservations(c);
            const double now = detail::unix_now();
            auto q = use(c, stmt::reserve,
                         "INSERT INTO flytecache_reservations(key, owner, expire_time) VALUES (?1, "
                         "?2, ?3) ON CONFLICT(key) DO UPDATE SET owner = excluded.owner, "
                         "expire_time = excluded.expire_time WHERE owner = excluded.owner OR "
                         "expire_time <= ?4");
            q->bind_text(1, key);
            q->bind_text(2, owner);
            q->bind(3, now + ttl.count());
            q->bind(4, now);
            q->run();
            return c.changes() == 1;
        });
    }
    /// Gives up `owner`'s reservation of `key`; `true` if `owner` held it.
    bool release(std::string_view key, std::string_view owner) {
        return write_transaction([&](sqlite_connection& c, detail::sqlite_txn_frame&) {
            create_reservations(c);
            auto q = use(c, stmt::unreserve,
                         "DELETE FROM flytecache_reservations WHERE key = ? AND owner = ?");
            q->bind_text(1, key);
            q->bind_text(2, owner);
            q->run();
            return c.changes() == 1;
        });
    }

private:
    using sqlite_connection = detail::sqlite::connection;

    // Statement ids for the per-connection statement cache.
    struct stmt {
        enum : std::size_t {
            select_live,
            select_for_write,
            upsert,
            insert,
            delete_rowid,
            expired_filenames,
            expired_delete,
            page_count,
            read_setting,
            update_setting,
            stat_hit,
            stat_miss,
            select_incr,
            touch_update,
            expire_batch,
            evict_batch,
            clear_batch,
            iter_first_asc,
            iter_first_desc,
            iter_next_asc,
            iter_next_desc,
            peekitem_last,
            peekitem_first,
            push_back,
            push_front,
            queue_front,
            queue_back,
            reserve,
            unreserve,
            create_reservations,
            select_touch,
            file_referenced,
            begin,
            commit,
            entries_batch,
            inspect_row,
            purge_select,
            access_update_first,                         // + eviction_policy (4 slots)
            cull_select_first = access_update_first + 4, // + eviction_policy (4 slots)
            cull_delete_first = cull_select_first + 4,   // + eviction_policy (4 slots)
            incr_update_first = cull_delete_first + 4,   // + eviction_policy (4 slots)
            end = incr_update_first + 4,
        };
    };
    static_assert(stmt::end <= sqlite_connection::max_statements);

    struct state {
        explicit state(options o) : opts(std::move(o)) {
            if (opts.directory.empty()) {
                throw invalid_argument("flytecache: sqlite_store: options.directory is empty; give "
                                       "the cache directory (flytekit's is ~/.flyte/local-cache)");
            }
            dir = opts.directory;
            db_path = (dir / "cache.db").string();
            files = detail::sqlite_files::value_files(dir);
            const double ms = std::clamp(opts.timeout.count() * 1000.0, 0.0, 2147483647.0);
            busy_ms = static_cast<int>(ms);
            auto& r = detail::stores_alive();
            std::lock_guard lock(r.mutex);
            r.stores.emplace_back(this, [](void* self) noexcept {
                try {
                    static_cast<state*>(self)->close_idle();
                } catch (...) { // NOLINT(bugprone-empty-catch)
                    // A fork must go ahead; the child's generation check still protects it.
                }
            });
        }
        state(const state&) = delete;
        state& operator=(const state&) = delete;
        ~state() {
            {
                auto& r = detail::stores_alive();
                std::lock_guard lock(r.mutex);
                std::erase_if(r.stores, [this](const auto& e) { return e.first == this; });
            }
            std::lock_guard lock(mutex);
            if (generation != detail::current_fork_generation()) {
                for (auto& c : idle) {
                    c->abandon();
                }
            }
        }

        options opts;
        std::filesystem::path dir;
        std::string db_path;
        int busy_ms = 60000;
        std::int64_t page_size = 4096;

        std::atomic<bool> statistics{false};
        std::atomic<eviction_policy> policy{eviction_policy::least_recently_stored};
        std::atomic<std::int64_t> size_limit{detail::diskcache_defaults::size_limit};
        std::atomic<std::int64_t> cull_limit{detail::diskcache_defaults::cull_limit};
        std::atomic<std::int64_t> min_file_size{detail::diskcache_defaults::disk_min_file_size};
        // sqlite_synchronous FULL (2) or EXTRA (3): value files are flushed before their row
        // commits.
        std::atomic<bool> durable_files{false};
        detail::sqlite_files::value_files files{std::filesystem::path()};
        std::atomic<unsigned> settings_generation{0};

        std::mutex mutex; // guards idle, generation and sqlite_pragmas
        std::vector<std::unique_ptr<sqlite_connection>> idle;
        unsigned generation = detail::current_fork_generation(); // the fork generation of `idle`
        std::map<std::string, setting_value, std::less<>> sqlite_pragmas;

        // read_write, or how a read-only store opens (chosen once, in initialize_read_only).
        detail::sqlite::open_mode connection_mode = detail::sqlite::open_mode::read_write;

        std::unique_ptr<sqlite_connection> open_connection() {
            auto c = std::make_unique<sqlite_connection>(db_path, busy_ms, connection_mode);
            apply_pragmas(*c);
            return c;
        }
        void apply_pragmas(sqlite_connection& c) {
            if (opts.read_only) {
                return; // SQLite's defaults read as well; a journal-mode PRAGMA would write
            }
            std::map<std::string, setting_value, std::less<>> pragmas;
            {
                std::lock_guard lock(mutex);
                pragmas = sqlite_pragmas;
            }
            for (const auto& [name, value] : pragmas) {
                // auto_vacuum and the WAL journal are properties of the file, set in initialize;
                // the other journal modes, like the remaining pragmas, hold per connection.
                const auto sql_value = setting_sql(value);
                if (name == "sqlite_auto_vacuum" || !sql_value ||
                    (name == "sqlite_journal_mode" && *sql_value == "wal")) {
                    continue;
                }
                c.exec("PRAGMA " + name.substr(7) + " = " + *sql_value);
            }
        }

        void initialize() {
            if (opts.read_only) {
                initialize_read_only();
                return;
            }
            std::error_code ec;
            std::filesystem::create_directories(dir, ec);
            if (!std::filesystem::is_directory(dir)) {
                throw store_error("flytecache: sqlite_store: cache directory '" + dir.string() +
                                  "' does not exist and could not be created" +
                                  (ec ? ": " + ec.message() : std::string()));
            }
            sqlite_connection c(db_path, busy_ms);
            refuse_foreign(c);
            const std::set<std::string, std::less<>> objects = schema_objects(c);
            // Settings precedence as in diskcache: defaults < stored < given.
            std::map<std::string, setting_value, std::less<>> stored;
            if (objects.count("Settings") != 0) {
                detail::sqlite::statement q(c.handle(), "SELECT key, value FROM Settings",
                                            c.path());
                while (q.step()) {
                    stored[std::string(q.column_text(0))] = column_setting(q, 1);
                }
            }
            std::map<std::string, setting_value, std::less<>> sets = default_settings();
            for (const auto& [name, value] : stored) {
                sets[name] = value;
            }
            for (auto& [name, value] : given_settings()) {
                sets[name] = std::move(value);
            }
            for (const char* meta : {"count", "size", "hits", "misses"}) {
                sets.erase(meta);
            }
            // Only what this program asks for is validated: values Python stored are taken as they
            // are, as Python takes them (a REAL size_limit, a pragma written as text …).
            for (const auto& [name, value] : given_settings()) {
                validate_setting(name, value);
            }
            // PRAGMAs first: auto_vacuum only takes effect before the first table exists. One that
            // already holds is not set again (setting the journal mode would write).
            for (const auto& [name, value] : sets) {
                if (name.starts_with("sqlite_")) {
                    const std::string pragma = name.substr(7);
                    detail::sqlite::statement cur(c.handle(), "PRAGMA " + pragma, c.path());
                    const bool same =
                        cur.step() && column_setting(cur, 0) == normalized_pragma(value);
                    cur.reset();
                    const auto sql_value = setting_sql(value);
                    if (!same && sql_value) {
                        detail::sqlite::statement set_pragma(
                            c.handle(), "PRAGMA " + pragma + " = " + *sql_value, c.path());
                        set_pragma.run();
                    }
                }
            }
            for (const auto& [name, value] : sets) {
                apply_in_memory(name, value);
            }
            {
                detail::sqlite::statement q(c.handle(), "PRAGMA page_size", c.path());
                if (q.step()) {
                    page_size = q.column_int(0);
                }
            }
            // Writes only what differs from the file: a store reopened with the settings it has
            // writes nothing, so a cache on a full disk still opens (and can be cleared).
            std::vector<std::pair<std::string, const setting_value*>> changed;
            for (const auto& [name, value] : sets) {
                const auto it = stored.find(name);
                if (it == stored.end() || !(it->second == value))
                    changed.emplace_back(name, &value);
            }
            std::vector<const char*> missing_meta;
            for (const char* meta : {"count", "size", "hits", "misses"}) {
                if (stored.count(meta) == 0) missing_meta.push_back(meta);
            }
            const auto tag_index = std::get_if<std::int64_t>(&sets["tag_index"]);
            const bool want_tag_index = tag_index != nullptr && *tag_index != 0;
            std::vector<std::string> ddl;
            for (const auto& [object, sql] : schema_ddl()) {
                if (objects.count(object) == 0) ddl.emplace_back(sql);
            }
            if (const char* index = policy_index_name(policy.load());
                index != nullptr && objects.count(std::string_view(index)) == 0) {
                ddl.emplace_back("policy");
            }
            if (want_tag_index != (objects.count("Cache_tag_rowid") != 0)) {
                ddl.emplace_back(
                    want_tag_index
                        ? "CREATE INDEX IF NOT EXISTS Cache_tag_rowid ON Cache(tag, rowid)"
                        : "DROP INDEX IF EXISTS Cache_tag_rowid");
            }
            if (changed.empty() && missing_meta.empty() && ddl.empty()) {
                return;
            }
            c.exec("BEGIN IMMEDIATE");
            try {
                c.exec("CREATE TABLE IF NOT EXISTS Settings ( key TEXT NOT NULL UNIQUE, value)");
                for (const auto& [name, value] : changed) {
                    detail::sqlite::statement q(
                        c.handle(), "INSERT OR REPLACE INTO Settings VALUES (?, ?)", c.path());
                    q.bind_text(1, name);
                    bind_setting(q, 2, *value);
                    q.run();
                }
                for (const char* meta : missing_meta) {
                    detail::sqlite::statement q(
                        c.handle(), "INSERT OR IGNORE INTO Settings VALUES (?, 0)", c.path());
                    q.bind_text(1, meta);
                    q.run();
                }
                for (const auto& sql : ddl) {
                    if (sql == "policy") {
                        create_policy_index(c, policy.load());
                    } else {
                        c.exec(sql);
                    }
                }
                c.exec("COMMIT");
            } catch (...) {
                sqlite3_exec(c.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
                throw;
            }
        }

        // The names of the tables, indexes and triggers in the database.
        static std::set<std::string, std::less<>> schema_objects(sqlite_connection& c) {
            std::set<std::string, std::less<>> out;
            detail::sqlite::statement q(c.handle(), "SELECT name FROM sqlite_master", c.path());
            while (q.step()) {
                out.emplace(q.column_text(0));
            }
            return out;
        }

        // A database with tables of its own is another program's: taking it over would add
        // diskcache's tables and triggers and switch it to WAL. Nothing has been written yet.
        static void refuse_foreign(sqlite_connection& c) {
            detail::sqlite::statement q(
                c.handle(),
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('Settings', "
                "'Cache', 'flytecache_reservations') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                "ORDER BY name",
                c.path());
            std::string foreign;
            while (q.step()) {
                foreign += (foreign.empty() ? "" : ", ") + std::string(q.column_text(0));
            }
            if (!foreign.empty()) {
                throw store_error("flytecache: sqlite_store '" + std::string(c.path()) +
                                  "': not a diskcache database: it holds the tables " + foreign +
                                  ", which diskcache never creates; it was left untouched (give "
                                  "the store a directory of its own)");
            }
        }

        // diskcache's schema, object by object (the text is diskcache's, so `sqlite3 cache.db
        // .schema` reads the same for caches created by either side).
        static const std::vector<std::pair<std::string_view, std::string_view>>& schema_ddl() {
            static const std::vector<std::pair<std::string_view, std::string_view>> ddl = {
                {"Cache",
                 "CREATE TABLE IF NOT EXISTS Cache ( rowid INTEGER PRIMARY KEY, key BLOB, raw "
                 "INTEGER, store_time REAL, expire_time REAL, access_time REAL, access_count "
                 "INTEGER DEFAULT 0, tag BLOB, size INTEGER DEFAULT 0, mode INTEGER DEFAULT 0, "
                 "filename TEXT, value BLOB)"},
                {"Cache_key_raw",
                 "CREATE UNIQUE INDEX IF NOT EXISTS Cache_key_raw ON Cache(key, raw)"},
                {"Cache_expire_time",
                 "CREATE INDEX IF NOT EXISTS Cache_expire_time ON Cache (expire_time)"},
                {"Settings_count_insert",
                 "CREATE TRIGGER IF NOT EXISTS Settings_count_insert AFTER INSERT ON Cache FOR "
                 "EACH ROW BEGIN UPDATE Settings SET value = value + 1 WHERE key = \"count\"; END"},
                {"Settings_count_delete",
                 "CREATE TRIGGER IF NOT EXISTS Settings_count_delete AFTER DELETE ON Cache FOR "
                 "EACH ROW BEGIN UPDATE Settings SET value = value - 1 WHERE key = \"count\"; END"},
                {"Settings_size_insert",
                 "CREATE TRIGGER IF NOT EXISTS Settings_size_insert AFTER INSERT ON Cache FOR "
                 "EACH ROW BEGIN UPDATE Settings SET value = value + NEW.size WHERE key = "
                 "\"size\"; END"},
                {"Settings_size_update",
                 "CREATE TRIGGER IF NOT EXISTS Settings_size_update AFTER UPDATE ON Cache FOR "
                 "EACH ROW BEGIN UPDATE Settings SET value = value + NEW.size - OLD.size WHERE "
                 "key = \"size\"; END"},
                {"Settings_size_delete",
                 "CREATE TRIGGER IF NOT EXISTS Settings_size_delete AFTER DELETE ON Cache FOR "
                 "EACH ROW BEGIN UPDATE Settings SET value = value - OLD.size WHERE key = "
                 "\"size\"; END"},
            };
            return ddl;
        }

        // Opens an existing cache without writing anything: no directory, file, table, setting or
        // PRAGMA is created or changed; the settings are read as stored.
        void initialize_read_only() {
            if (!given_settings().empty()) {
                throw invalid_argument("flytecache: sqlite_store: options.read_only with a setting "
                                       "(size_limit, statistics, …): a read-only store writes no "
                                       "settings; open it without them");
            }
            std::error_code ec;
            if (!std::filesystem::is_directory(dir, ec)) {
                throw store_error("flytecache: sqlite_store: cache directory '" + dir.string() +
                                  "' does not exist; a read-only store never creates one");
            }
            if (!std::filesystem::is_regular_file(db_path, ec)) {
                throw store_error("flytecache: sqlite_store: '" + dir.string() +
                                  "' holds no cache.db; a read-only store opens an existing "
                                  "cache and never creates one");
            }
            // A WAL reader needs the -shm file, which SQLite creates beside cache.db when it is
            // missing; where it cannot (a directory this process may not write), a database whose
            // -wal file is absent has every committed page in cache.db itself, and is read as
            // immutable. With a -wal file present, SQLite reads it through a private copy of the
            // index instead, so locks still work.
            if (wal_header() && !std::filesystem::exists(db_path + "-wal", ec) &&
                ::access(dir.c_str(), W_OK) != 0) {
                connection_mode = detail::sqlite::open_mode::read_only_immutable;
            } else {
                connection_mode = detail::sqlite::open_mode::read_only;
            }
            sqlite_connection c(db_path, busy_ms, connection_mode);
            {
                detail::sqlite::statement q(c.handle(),
                                            "SELECT count(*) FROM sqlite_master WHERE type = "
                                            "'table' AND name IN ('Cache', 'Settings')",
                                            c.path());
                if (!q.step() || q.column_int(0) != 2) {
                    throw store_error("flytecache: sqlite_store '" + db_path +
                                      "': not a diskcache database (it has no Cache and Settings "
                                      "tables); a read-only store does not create them");
                }
            }
            detail::sqlite::statement q(c.handle(), "SELECT key, value FROM Settings", c.path());
            while (q.step()) {
                apply_in_memory(q.column_text(0), column_setting(q, 1));
            }
            detail::sqlite::statement ps(c.handle(), "PRAGMA page_size", c.path());
            if (ps.step()) {
                page_size = ps.column_int(0);
            }
        }

        // Whether cache.db's header says WAL (file format versions 2 at offsets 18 and 19).
        [[nodiscard]] bool wal_header() const {
            std::ifstream in(db_path, std::ios::binary);
            char header[20] = {};
            return in.read(header, sizeof header) && header[18] == 2 && header[19] == 2;
        }

        std::map<std::string, setting_value, std::less<>> default_settings() const {
            using d = detail::diskcache_defaults;
            return {
                {"statistics", std::int64_t{0}},
                {"tag_index", std::int64_t{0}},
                {"eviction_policy", std::string("least-recently-stored")},
                {"size_limit", d::size_limit},
                {"cull_limit", d::cull_limit},
                {"sqlite_auto_vacuum", d::sqlite_auto_vacuum},
                {"sqlite_cache_size", d::sqlite_cache_size},
                {"sqlite_journal_mode", std::string("wal")},
                {"sqlite_mmap_size", d::sqlite_mmap_size},
                {"sqlite_synchronous", d::sqlite_synchronous},
                {"disk_min_file_size", d::disk_min_file_size},
                {"disk_pickle_protocol", d::disk_pickle_protocol},
            };
        }
        std::vector<std::pair<std::string, setting_value>> given_settings() const {
            std::vector<std::pair<std::string, setting_value>> out;
            auto add_int = [&](const char* name, const std::optional<std::int64_t>& v) {
                if (v) {
                    out.emplace_back(name, *v);
                }
            };
            add_int("size_limit", opts.size_limit);
            add_int("cull_limit", opts.cull_limit);
            if (opts.eviction_policy) {
                out.emplace_back("eviction_policy", std::string(to_string(*opts.eviction_policy)));
            }
            if (opts.statistics) {
                out.emplace_back("statistics", std::int64_t{*opts.statistics ? 1 : 0});
            }
            if (opts.tag_index) {
                out.emplace_back("tag_index", std::int64_t{*opts.tag_index ? 1 : 0});
            }
            add_int("disk_min_file_size", opts.min_file_size);
            add_int("disk_pickle_protocol", opts.pickle_protocol);
            add_int("sqlite_cache_size", opts.sqlite_cache_size);
            add_int("sqlite_mmap_size", opts.sqlite_mmap_size);
            add_int("sqlite_synchronous", opts.sqlite_synchronous);
            add_int("sqlite_auto_vacuum", opts.sqlite_auto_vacuum);
            if (opts.sqlite_journal_mode) {
                out.emplace_back("sqlite_journal_mode", *opts.sqlite_journal_mode);
            }
            return out;
        }

        void validate_setting(std::string_view name, const setting_value& value) const {
            auto need_int = [&] {
                if (!std::holds_alternative<std::int64_t>(value)) {
                    throw invalid_argument("flytecache: sqlite_store: setting '" +
                                           std::string(name) + "' must be an integer");
                }
            };
            if (name == "eviction_policy") {
                const auto* s = std::get_if<std::string>(&value);
                if (s == nullptr) {
                    throw invalid_argument("flytecache: sqlite_store: setting 'eviction_policy' "
                                           "must be a string");
                }
                (void)parse_eviction_policy(*s);
            } else if (name == "size_limit" || name == "cull_limit" ||
                       name == "disk_min_file_size" || name == "statistics" ||
                       name == "tag_index") {
                need_int();
                if (std::get<std::int64_t>(value) < 0) {
                    throw invalid_argument("flytecache: sqlite_store: setting '" +
                                           std::string(name) + "' must not be negative");
                }
            } else if (name == "sqlite_journal_mode") {
                const auto* s = std::get_if<std::string>(&value);
                static constexpr std::string_view modes[] = {"delete", "truncate", "persist",
                                                             "memory", "wal",      "off"};
                if (s == nullptr || std::find(std::begin(modes), std::end(modes), lowercase(*s)) ==
                                        std::end(modes)) {
                    throw invalid_argument(
                        "flytecache: sqlite_store: setting 'sqlite_journal_mode' "
                        "must be one of delete, truncate, persist, memory, wal, off");
                }
            } else if (name.starts_with("sqlite_")) {
                need_int(); // keeps PRAGMA text built from settings free of anything but numbers
            }
        }

        void apply_in_memory(std::string_view name, const setting_value& value) {
            // Numbers may be stored as REAL by Python (size_limit=1e9); they count as integers.
            std::optional<std::int64_t> integer;
            if (const auto* n = std::get_if<std::int64_t>(&value)) {
                integer = *n;
            } else if (const auto* d = std::get_if<double>(&value);
                       d != nullptr && !std::isnan(*d)) {
                integer = detail::saturating_int64(*d);
            }
            const std::int64_t* i = integer ? &*integer : nullptr;
            if (name == "statistics" && i != nullptr) {
                statistics.store(*i != 0);
            } else if (name == "eviction_policy") {
                if (const auto* s = std::get_if<std::string>(&value)) {
                    policy.store(parse_eviction_policy(*s));
                }
            } else if (name == "size_limit" && i != nullptr) {
                size_limit.store(*i);
            } else if (name == "cull_limit" && i != nullptr) {
                cull_limit.store(*i);
            } else if (name == "disk_min_file_size" && i != nullptr) {
                min_file_size.store(*i);
            } else if (name.starts_with("sqlite_")) {
                if (name == "sqlite_synchronous") durable_files.store(synchronous_full(value));
                std::lock_guard lock(mutex);
                sqlite_pragmas[std::string(name)] = value;
            }
        }

        // Whether a stored synchronous setting means FULL or EXTRA (Python may store it as text).
        static bool synchronous_full(const setting_value& value) {
            if (const auto* i = std::get_if<std::int64_t>(&value)) return *i >= 2;
            if (const auto* d = std::get_if<double>(&value)) return *d >= 2;
            if (const auto* t = std::get_if<std::string>(&value)) {
                const std::string v = lowercase(*t);
                return v == "full" || v == "extra" || v == "2" || v == "3";
            }
            return false;
        }

        void close_idle() {
            std::vector<std::unique_ptr<sqlite_connection>> closing;
            std::lock_guard lock(mutex);
            closing.swap(idle);
            if (generation != detail::current_fork_generation()) {
                for (auto& c : closing) {
                    c->abandon();
                }
            }
        }
    };

    // A pooled connection for the duration of one operation (or the thread's open transaction).
    class lease {
    public:
        explicit lease(state& s) : s_(s) {
            {
                std::lock_guard lock(s.mutex);
                if (const unsigned g = detail::current_fork_generation(); s.generation != g) {
                    // A forked child must not touch the parent's connections (nor close them).
                    for (auto& c : s.idle) {
                        c->abandon();
                    }
                    s.idle.clear();
                    s.generation = g;
                }
                if (!s.idle.empty()) {
                    con_ = std::move(s.idle.back());
                    s.idle.pop_back();
                }
            }
            if (!con_) {
                con_ = s.open_connection();
                con_->generation = s.settings_generation.load();
            } else if (const unsigned g = s.settings_generation.load(); con_->generation != g) {
                s.apply_pragmas(*con_);
                con_->generation = g;
            }
        }
        lease(const lease&) = delete;
        lease& operator=(const lease&) = delete;
        ~lease() {
            if (sqlite3_get_autocommit(con_->handle()) == 0) {
                // Never pool a connection inside a transaction: it would hold the write lock.
                sqlite3_exec(con_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
            }
            std::lock_guard lock(s_.mutex);
            if (s_.generation == detail::current_fork_generation()) {
                s_.idle.push_back(std::move(con_));
            } else {
                con_->abandon();
            }
        }
        sqlite_connection& con() noexcept { return *con_; }

    private:
        state& s_;
        std::unique_ptr<sqlite_connection> con_;
    };

    // A value ready to be written: numbers and short strings inline, long ones already in a file.
    struct prepared_value {
        value_mode mode = value_mode::raw;
        value_ref::kind kind = value_ref::kind::bytes;
        std::int64_t integer = 0;
        double real = 0;
        std::string_view inline_bytes{};
        std::string filename{}; // relative to the directory, when mode is binary or text
        std::int64_t size = 0;

        static prepared_value integer_value(std::int64_t v) {
            prepared_value p;
            p.kind = value_ref::kind::integer;
            p.integer = v;
            return p;
        }
    };

    template <class F>
    std::invoke_result_t<F&&, sqlite_connection&> with_connection(F&& f) {
        for (auto& frame : detail::sqlite_txn_frames) {
            if (frame.owner == state_.get()) {
                return std::forward<F>(f)(*frame.con);
            }
        }
        lease l(*state_);
        return std::forward<F>(f)(l.con());
    }

    // Runs `f(connection, frame)` in a write transaction (BEGIN IMMEDIATE … COMMIT), or inside the
    // thread's open one. Files of replaced rows are removed only after the commit (a rollback
    // keeps them referenced); files written for rows that roll back are removed.
    template <class F>
    std::invoke_result_t<F&&, sqlite_connection&, detail::sqlite_txn_frame&>
    write_transaction(F&& f) {
        require_writable();
        for (auto& frame : detail::sqlite_txn_frames) {
            if (frame.owner == state_.get()) {
                ++frame.depth;
                struct undepth {
                    detail::sqlite_txn_frame* fr;
                    ~undepth() { --fr->depth; }
                } guard{&frame};
                return std::forward<F>(f)(*frame.con, frame);
            }
        }
        lease l(*state_);
        auto& frames = detail::sqlite_txn_frames;
        frames.push_back({state_.get(), &l.con(), 1, {}, {}});
        const auto mine = std::prev(frames.end());
        struct pop_frame {
            std::list<detail::sqlite_txn_frame>& frames;
            std::list<detail::sqlite_txn_frame>::iterator it;
            ~pop_frame() { frames.erase(it); }
        } popper{frames, mine};
        begin_immediate(l.con()); // a timeout here leaves nothing to roll back
        try {
            if constexpr (std::is_void_v<std::invoke_result_t<F&&, sqlite_connection&,
                                                              detail::sqlite_txn_frame&>>) {
                std::forward<F>(f)(l.con(), *mine);
                commit(l.con(), *mine);
            } else {
                std::invoke_result_t<F&&, sqlite_connection&, detail::sqlite_txn_frame&> result =
                    std::forward<F>(f)(l.con(), *mine);
                commit(l.con(), *mine);
                return result;
            }
        } catch (...) {
            rollback(l.con(), *mine);
            throw;
        }
    }

    // Commits, then removes the files the transaction made unreferenced: those of replaced or
    // deleted rows, and those written for writes that failed inside it (the caller may have caught
    // the failure and committed the rest). Nothing after the COMMIT throws: a file that cannot be
    // checked is left for check(fix) rather than risk deleting a committed value.
    void commit(sqlite_connection& c, detail::sqlite_txn_frame& frame) {
        use(c, stmt::commit, "COMMIT")->run();
        std::vector<std::string> unreferenced = std::move(frame.remove_after_commit);
        frame.remove_after_commit.clear();
        try {
            for (const auto& file : frame.remove_on_rollback) {
                auto q =
                    use(c, stmt::file_referenced, "SELECT 1 FROM Cache WHERE filename = ? LIMIT 1");
                q->bind_text(1, file);
                if (!q->step()) {
                    unreferenced.push_back(file);
                }
            }
        } catch (...) { // NOLINT(bugprone-empty-catch)
            // Nothing after the COMMIT throws (see above): an unchecked file stays for check(fix).
        }
        frame.remove_on_rollback.clear(); // committed: the rollback handler must not touch them
        for (const auto& file : unreferenced) {
            remove_value_file(file);
        }
    }

    // The reservations table is created on first use, inside the caller's transaction and on its
    // connection (so it cannot wait on a lock this thread holds); caches never reserved stay
    // exactly diskcache's schema.
    static void create_reservations(sqlite_connection& c) {
        use(c, stmt::create_reservations,
            "CREATE TABLE IF NOT EXISTS flytecache_reservations ( key TEXT PRIMARY KEY, owner TEXT "
            "NOT NULL, expire_time REAL NOT NULL)")
            ->run();
    }

    void rollback(sqlite_connection& c, const detail::sqlite_txn_frame& frame) noexcept {
        // ROLLBACK only fails when no transaction is open, which is then the state we want.
        sqlite3_exec(c.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        for (const auto& file : frame.remove_on_rollback) {
            remove_value_file(file);
        }
    }

    void begin_immediate(sqlite_connection& c) {
        for (;;) {
            try {
                auto q = use(c, stmt::begin, "BEGIN IMMEDIATE");
                q->run();
                return;
            } catch (const timeout_error&) {
                if (!state_->opts.retry) {
                    throw;
                }
            }
        }
    }

    static detail::sqlite::use use(sqlite_connection& c, std::size_t id, std::string_view sql) {
        return detail::sqlite::use(c.prepared(id, sql));
    }

    // Every path that writes (a transaction, a value file, a setting, an index) starts here, so a
    // read-only store fails before it has changed anything, with a message that says why.
    void require_writable() const {
        if (state_->opts.read_only) {
            throw store_error("flytecache: sqlite_store '" + state_->db_path +
                              "': store opened read-only; this call writes to the cache (open it "
                              "without options.read_only to change it)");
        }
    }

    // The live (unexpired) row of `key`: rowid, expire_time, tag, mode, filename, value, size.
    // The caller steps it; one statement serves every lookup so each connection prepares it once.
    static detail::sqlite::use select_live(sqlite_connection& c, const key_ref& key) {
        auto q = use(c, stmt::select_live,
                     "SELECT rowid, expire_time, tag, mode, filename, value, size FROM Cache WHERE "
                     "key = ? AND raw = 1 AND (expire_time IS NULL OR expire_time > ?)");
        bind_key(*q, 1, key);
        q->bind(2, detail::unix_now());
        return q;
    }

    static void bind_key(detail::sqlite::statement& s, int index, const key_ref& key) {
        switch (key.type()) {
        case key_ref::kind::integer: s.bind(index, key.integer()); break;
        case key_ref::kind::real: s.bind(index, key.real()); break;
        case key_ref::kind::text: s.bind_text(index, key.bytes()); break;
        case key_ref::kind::blob: s.bind_blob(index, key.bytes()); break;
        }
    }
    static void bind_db_key(detail::sqlite::statement& s, int index, const db_key& key) {
        switch (key.type()) {
        case db_key::kind::integer: s.bind(index, key.as_integer()); break;
        case db_key::kind::real: s.bind(index, key.as_real()); break;
        case db_key::kind::text: s.bind_text(index, key.as_text()); break;
        case db_key::kind::blob:
        case db_key::kind::pickle: s.bind_blob(index, key.raw_bytes()); break;
        }
    }
    static db_key key_of(const key_ref& key) {
        switch (key.type()) {
        case key_ref::kind::integer: return db_key::integer(key.integer());
        case key_ref::kind::real: return db_key::real(key.real());
        case key_ref::kind::text: return db_key::text(std::string(key.bytes()));
        case key_ref::kind::blob: return db_key::blob(std::string(key.bytes()));
        }
        return {};
    }
    static db_key column_key(const detail::sqlite::statement& s, int key_col, int raw_col) {
        const bool raw = s.column_int(raw_col) != 0;
        switch (s.column_type(key_col)) {
        case SQLITE_INTEGER: return db_key::integer(s.column_int(key_col));
        case SQLITE_FLOAT: return db_key::real(s.column_double(key_col));
        case SQLITE_TEXT: return db_key::text(std::string(s.column_text(key_col)));
        default: {
            std::string bytes(s.column_blob(key_col));
            return raw ? db_key::blob(std::move(bytes)) : db_key::pickle(std::move(bytes));
        }
        }
    }
    static setting_value column_setting(const detail::sqlite::statement& s, int col) {
        switch (s.column_type(col)) {
        case SQLITE_INTEGER: return s.column_int(col);
        case SQLITE_FLOAT: return s.column_double(col);
        case SQLITE_NULL: return std::monostate{};
        default: return std::string(s.column_text(col));
        }
    }
    static void bind_setting(detail::sqlite::statement& s, int index, const setting_value& v) {
        if (const auto* i = std::get_if<std::int64_t>(&v)) {
            s.bind(index, *i);
        } else if (const auto* d = std::get_if<double>(&v)) {
            s.bind(index, *d);
        } else if (const auto* t = std::get_if<std::string>(&v)) {
            s.bind_text(index, *t);
        } else {
            s.bind_null(index);
        }
    }
    // A counter of the Settings table as an integer (Python may have stored it as a REAL).
    static std::int64_t as_count(const setting_value& v) noexcept {
        if (const auto* i = std::get_if<std::int64_t>(&v)) {
            return *i;
        }
        if (const auto* d = std::get_if<double>(&v)) {
            return detail::saturating_int64(*d); // Python may store any REAL, 1e300 included
        }
        return 0;
    }
    static std::string lowercase(std::string s) {
        std::transform(s.begin(), s.end(), s.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        return s;
    }
    static setting_value normalized_pragma(const setting_value& v) {
        if (const auto* s = std::get_if<std::string>(&v)) {
            return lowercase(*s);
        }
        return v;
    }
    // The value as PRAGMA text, or empty for what cannot go into SQL safely: settings come from a
    // file another program may have written, so text must be a bare word (NORMAL, wal …).
    static std::optional<std::string> setting_sql(const setting_value& v) {
        if (const auto* i = std::get_if<std::int64_t>(&v)) {
            return std::to_string(*i);
        }
        if (const auto* d = std::get_if<double>(&v); d != nullptr && std::isfinite(*d)) {
            return std::to_string(detail::saturating_int64(*d)); // a REAL of any size
        }
        if (const auto* t = std::get_if<std::string>(&v);
            t != nullptr && !t->empty() && std::all_of(t->begin(), t->end(), [](unsigned char ch) {
                return std::isalnum(ch) != 0 || ch == '_';
            })) {
            return lowercase(*t);
        }
        return std::nullopt;
    }

    static const char* policy_index_name(eviction_policy p) {
        switch (p) {
        case eviction_policy::none: return nullptr;
        case eviction_policy::least_recently_stored: return "Cache_store_time";
        case eviction_policy::least_recently_used: return "Cache_access_time";
        case eviction_policy::least_frequently_used: return "Cache_access_count";
        }
        return nullptr;
    }
    static void create_policy_index(sqlite_connection& c, eviction_policy p) {
        switch (p) {
        case eviction_policy::none: break;
        case eviction_policy::least_recently_stored:
            c.exec("CREATE INDEX IF NOT EXISTS Cache_store_time ON Cache (store_time)");
            break;
        case eviction_policy::least_recently_used:
            c.exec("CREATE INDEX IF NOT EXISTS Cache_access_time ON Cache (access_time)");
            break;
        case eviction_policy::least_frequently_used:
            c.exec("CREATE INDEX IF NOT EXISTS Cache_access_count ON Cache (access_count)");
            break;
        }
    }
    static const char* cull_select_sql(eviction_policy p) {
        switch (p) {
        case eviction_policy::least_recently_used:
            return "SELECT filename FROM Cache ORDER BY access_time LIMIT ?";
        case eviction_policy::least_frequently_used:
            return "SELECT filename FROM Cache ORDER BY access_count LIMIT ?";
        default: return "SELECT filename FROM Cache ORDER BY store_time LIMIT ?";
        }
    }
    static const char* cull_delete_sql(eviction_policy p) {
        switch (p) {
        case eviction_policy::least_recently_used:
            return "DELETE FROM Cache WHERE rowid IN (SELECT rowid FROM Cache ORDER BY access_time "
                   "LIMIT ?)";
        case eviction_policy::least_frequently_used:
            return "DELETE FROM Cache WHERE rowid IN (SELECT rowid FROM Cache ORDER BY "
                   "access_count "
                   "LIMIT ?)";
        default:
            return "DELETE FROM Cache WHERE rowid IN (SELECT rowid FROM Cache ORDER BY store_time "
                   "LIMIT ?)";
        }
    }
    static const char* access_update_sql(eviction_policy p) {
        return p == eviction_policy::least_recently_used
                   ? "UPDATE Cache SET access_time = ? WHERE rowid = ?"
                   : "UPDATE Cache SET access_count = access_count + 1 WHERE rowid = ?";
    }
    static const char* incr_update_sql(eviction_policy p) {
        switch (p) {
        case eviction_policy::least_recently_used:
            return "UPDATE Cache SET store_time = ?1, value = ?2, access_time = ?4 WHERE rowid = "
                   "?3";
        case eviction_policy::least_frequently_used:
            return "UPDATE Cache SET store_time = ?1, value = ?2, access_count = access_count + 1 "
                   "WHERE rowid = ?3";
        default: return "UPDATE Cache SET store_time = ?1, value = ?2 WHERE rowid = ?3";
        }
    }

    // --- reads -----------------------------------------------------------------------------------

    // Reads a row's value from columns (expire_time, tag, mode, filename, value, size) starting at
    // `first`. Empty when the value's file has gone (diskcache then reports a miss).
    // @throws store_error for a damaged row: a storage mode or value diskcache never writes, or a
    //         value file that is not one of this cache's or not the size its row records.
    std::optional<cache_entry> read_row(const detail::sqlite::statement& q, int first,
                                        db_key key) const {
        cache_entry e;
        e.key = std::move(key);
        if (!q.is_null(first)) {
            e.expire_time = q.column_double(first);
        }
        e.tag = column_tag(q, first + 1);
        const std::int64_t mode = q.column_int(first + 2);
        const int file_col = first + 3;
        const int value_col = first + 4;
        const int size_col = first + 5;
        auto file_bytes = [&]() -> std::optional<std::string> {
            return read_value_file(q.column_text(file_col), q.column_int(size_col));
        };
        switch (static_cast<value_mode>(mode)) {
        case value_mode::raw:
            switch (q.column_type(value_col)) {
            case SQLITE_INTEGER: e.value = stored_value::integer(q.column_int(value_col)); break;
            case SQLITE_FLOAT: e.value = stored_value::real(q.column_double(value_col)); break;
            case SQLITE_TEXT:
                e.value = stored_value::text(std::string(q.column_text(value_col)), false);
                break;
            case SQLITE_BLOB:
                e.value = stored_value::bytes(std::string(q.column_blob(value_col)), false);
                break;
            default: throw damaged_row("a raw value that is NULL");
            }
            return e;
        case value_mode::binary:
        case value_mode::text:
            if (q.is_null(file_col)) {
                throw damaged_row("a file-backed value without a filename");
            }
            if (auto bytes = file_bytes()) {
                e.value = static_cast<value_mode>(mode) == value_mode::binary
                              ? stored_value::bytes(std::move(*bytes), true)
                              : stored_value::text(universal_newlines(std::move(*bytes)), true);
                return e;
            }
            return std::nullopt;
        case value_mode::pickle:
            if (q.is_null(value_col)) {
                if (q.is_null(file_col)) {
                    throw damaged_row("a pickle without value or filename");
                }
                if (auto bytes = file_bytes()) {
                    e.value = stored_value::pickle(std::move(*bytes), true);
                    return e;
                }
                return std::nullopt;
            }
            e.value = stored_value::pickle(std::string(q.column_blob(value_col)), false);
            return e;
        case value_mode::none: break;
        }
        throw damaged_row("unknown storage mode " + std::to_string(mode));
    }

    static std::optional<std::string> column_tag(const detail::sqlite::statement& q, int col) {
        switch (q.column_type(col)) {
        case SQLITE_NULL: return std::nullopt;
        case SQLITE_INTEGER: return std::to_string(q.column_int(col));
        case SQLITE_FLOAT: return std::to_string(q.column_double(col));
        case SQLITE_TEXT: return std::string(q.column_text(col));
        default: return std::string(q.column_blob(col));
        }
    }

    // Reads columns (key, raw, store_time, access_time, access_count, expire_time, tag, mode,
    // filename, size, value length) starting at `first`. Tolerant: a tool listing a damaged cache
    // must see every row, so nothing here throws for odd column contents.
    static stored_entry_info column_entry_info(const detail::sqlite::statement& q, int first) {
        stored_entry_info info;
        info.key = column_key(q, first, first + 1);
        info.store_time = q.column_double(first + 2);
        info.access_time = q.column_double(first + 3);
        info.access_count = q.column_int(first + 4);
        if (!q.is_null(first + 5)) {
            info.expire_time = q.column_double(first + 5);
        }
        info.tag = column_tag(q, first + 6);
        info.mode = static_cast<value_mode>(q.column_int(first + 7));
        if (!q.is_null(first + 8)) {
            info.filename = std::string(q.column_text(first + 8));
        }
        const std::int64_t size =
            info.filename ? q.column_int(first + 9) : q.column_int(first + 10);
        info.value_size = static_cast<std::uint64_t>(std::max<std::int64_t>(0, size));
        return info;
    }

    // Python reads text files in universal-newline mode, so "\r\n" and a lone "\r" read back as
    // "\n"; reading the same files the same way keeps both sides agreeing on a file-backed text.
    static std::string universal_newlines(std::string text) {
        if (text.find('\r') == std::string::npos) {
            return text;
        }
        std::string out;
        out.reserve(text.size());
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text[i] == '\r') {
                out.push_back('\n');
                if (i + 1 < text.size() && text[i + 1] == '\n') {
                    ++i;
                }
            } else {
                out.push_back(text[i]);
            }
        }
        return out;
    }

    // SQLite integers are 64-bit; Python raises OverflowError past them, and so does this (nothing
    // is written).
    std::int64_t checked_add(std::int64_t a, std::int64_t b, const key_ref& key) const {
        std::int64_t sum = 0;
        if (__builtin_add_overflow(a, b, &sum)) {
            throw invalid_argument("flytecache: sqlite_store '" + state_->db_path +
                                   "': incr of key " + key.describe() +
                                   " overflows a 64-bit integer");
        }
        return sum;
    }

    // The cache_store interface deals in bytes only; other kinds are read with get_entry.
    void require_bytes(std::string_view key, const cache_entry& e) const {
        if (e.value.type() != stored_value::kind::bytes) {
            throw value_type_error("flytecache: sqlite_store '" + state_->db_path + "': key " +
                                   key_ref(key).describe() + " holds " +
                                   stored_value::name(e.value.type()) +
                                   ", not bytes; read it with get_entry(key)");
        }
    }

    static std::optional<double> expiry_from(const std::optional<float_seconds>& ttl, double now) {
        if (!ttl) {
            return std::nullopt;
        }
        if (std::isnan(ttl->count())) {
            throw invalid_argument("flytecache: sqlite_store: an expiry of NaN seconds");
        }
        if (std::isinf(ttl->count()) && ttl->count() > 0) {
            return std::nullopt; // never expires
        }
        return now + ttl->count();
    }

    // A value file that cannot be what its row stored: read as a damaged entry (local_task_cache
    // counts it as a reported miss), never followed out of the cache, and never deleted.
    damaged_entry_error damaged_value(const std::string& what) const {
        return damaged_entry_error("flytecache: sqlite_store '" + state_->db_path +
                                   "': a damaged entry: its row names " + what +
                                   "; check(true) removes such rows");
    }

    store_error damaged_row(const std::string& what) const {
        return store_error("flytecache: sqlite_store '" + state_->db_path +
                           "': a Cache row holds " + what +
                           "; the database was not written by diskcache or flytecache");
    }

    std::optional<cache_entry> lookup(const key_ref& key, bool with_key) {
        return visit_live(key, [&](const detail::sqlite::statement& q) {
            return read_row(q, 1, with_key ? key_of(key) : db_key());
        });
    }

    // Finds the live row of `key` and reads it with `read(row)` (columns as select_live's), which
    // returns an empty optional when the value cannot be read (a missing file: a miss, as in
    // diskcache). Keeps diskcache's books: hit and miss counters when statistics are on, access
    // time or count under LRU / LFU — both writes, so those modes read inside a transaction.
    template <class Read>
    std::invoke_result_t<Read&, const detail::sqlite::statement&> visit_live(const key_ref& key,
                                                                             Read read) {
        using result = std::invoke_result_t<Read&, const detail::sqlite::statement&>;
        // A read-only store keeps no books: they are writes.
        const bool books = !state_->opts.read_only;
        const bool stats = books && state_->statistics.load(std::memory_order_relaxed);
        const auto policy = state_->policy.load(std::memory_order_relaxed);
        const bool updates = books && (policy == eviction_policy::least_recently_used ||
                                       policy == eviction_policy::least_frequently_used);
        std::int64_t rowid = 0;
        auto run = [&](sqlite_connection& c) -> result {
            // A row whose value file is gone may have just been replaced: a writer removes the
            // old file after its commit, and a read between our SELECT and our open lost that
            // race. Reading the row again finds the new value (or a true miss), so a key that
            // always has a value never reads as missing.
            // The value file is read again for as long as the row keeps naming a new one (a
            // writer that overwrites the key in a loop); a row that names the same missing file
            // twice is a true miss.
            std::string last_file;
            for (int attempt = 0;; ++attempt) {
                auto q = select_live(c, key);
                if (!q->step()) {
                    return result();
                }
                rowid = q->column_int(0);
                result r = read(*q);
                if (r.has_value() || q->is_null(4) || attempt == 100) return r;
                std::string file(q->column_text(4));
                if (file == last_file) return r;
                last_file = std::move(file);
            }
        };
        if (!stats && !updates) {
            return with_connection(run); // the fast path: one SELECT, no transaction
        }
        return write_transaction([&](sqlite_connection& c, detail::sqlite_txn_frame&) {
            result r = run(c);
            const bool hit = r.has_value();
            if (stats) {
                auto u = use(c, hit ? stmt::stat_hit : stmt::stat_miss,
                             hit ? "UPDATE Settings SET value = value + 1 WHERE key = 'hits'"
                                 : "UPDATE Settings SET value = value + 1 WHERE key = 'misses'");
                u->run();
            }
            if (hit && updates) {
                auto u = use(c, stmt::access_update_first + static_cast<std::size_t>(policy),
                             access_update_sql(policy));
                if (policy == eviction_policy::least_recently_used) {
                    u->bind(1, detail::unix_now());
                    u->bind(2, rowid);
                } else {
                    u->bind(1, rowid);
                }
                u->run();
            }
            return r;
        });
    }

    // The bytes of a row's value file: empty when it has gone (a miss); a file that is not this
    // cache's, or not the size the row records, is a damaged row.
    std::optional<std::string> read_value_file(std::string_view relative,
                                               std::int64_t recorded_size) const {
        detail::sqlite_files::read_result r = state_->files.read(relative, recorded_size);
        switch (r.state) {
        case detail::sqlite_files::read_result::status::ok: return std::move(r.bytes);
        case detail::sqlite_files::read_result::status::missing: return std::nullopt;
        case detail::sqlite_files::read_result::status::damaged: break;
        }
        throw damaged_value(r.problem);
    }

    // --- writes ----------------------------------------------------------------------------------

    prepared_value prepare(const value_ref& value) {
        prepared_value p;
        p.kind = value.type();
        const auto min_file =
            static_cast<std::size_t>(state_->min_file_size.load(std::memory_order_relaxed));
        switch (value.type()) {
        case value_ref::kind::integer: p.integer = value.integer(); return p;
        case value_ref::kind::real: p.real = value.real(); return p;
        case value_ref::kind::text:
            if (detail::utf8_length(value.bytes()) < min_file) {
                p.inline_bytes = value.bytes();
                return p;
            }
            p.mode = value_mode::text;
            break;
        case value_ref::kind::bytes:
            if (value.bytes().size() < min_file) {
                p.inline_bytes = value.bytes();
                return p;
            }
            p.mode = value_mode::binary;
            break;
        }
        p.filename = write_value_file(value.bytes());
        p.size = static_cast<std::int64_t>(value.bytes().size());
        return p;
    }

    // diskcache's naming (detail::sqlite_files): 16 random bytes in hex, two directory levels.
    // Flushed to disk before the row can commit when the database itself is synchronous FULL.
    std::string write_value_file(std::string_view bytes) {
        require_writable();
        return state_->files.write(bytes, state_->durable_files.load(std::memory_order_relaxed));
    }

    void remove_value_file(const std::string& relative) const { state_->files.remove(relative); }

    static void track_new_file(detail::sqlite_txn_frame& txn, const prepared_value& p) {
        if (!p.filename.empty()) {
            txn.remove_on_rollback.push_back(p.filename);
        }
    }
    static void schedule_removal(detail::sqlite_txn_frame& txn, const detail::sqlite::statement& q,
                                 int filename_col) {
        if (!q.is_null(filename_col)) {
            txn.remove_after_commit.emplace_back(q.column_text(filename_col));
        }
    }

    void bind_value(detail::sqlite::statement& s, int index, const prepared_value& p) {
        if (!p.filename.empty()) {
            s.bind_null(index);
            return;
        }
        switch (p.kind) {
        case value_ref::kind::integer: s.bind(index, p.integer); break;
        case value_ref::kind::real: s.bind(index, p.real); break;
        case value_ref::kind::text: s.bind_text(index, p.inline_bytes); break;
        case value_ref::kind::bytes: s.bind_blob(index, p.inline_bytes); break;
        }
    }

    void bind_row(detail::sqlite::statement& q, const key_ref& key, double now,
                  std::optional<double> expire_time, std::optional<std::string_view> tag,
                  const prepared_value& p) {
        bind_key(q, 1, key);
        q.bind(2, std::int64_t{1});
        q.bind(3, now);
        if (expire_time) {
            q.bind(4, *expire_time);
        } else {
            q.bind_null(4);
        }
        if (tag) {
            q.bind_text(5, *tag);
        } else {
            q.bind_null(5);
        }
        q.bind(6, p.size);
        q.bind(7, static_cast<std::int64_t>(p.mode));
        if (p.filename.empty()) {
            q.bind_null(8);
        } else {
            q.bind_text(8, p.filename);
        }
        bind_value(q, 9, p);
    }

    // The UPSERT keeps the row (and its rowid, which orders peekitem) and fires diskcache's size
    // triggers like its UPDATE does.
    void upsert(sqlite_connection& c, const key_ref& key, double now,
                std::optional<double> expire_time, std::optional<std::string_view> tag,
                const prepared_value& p) {
        auto q = use(c, stmt::upsert,
                     "INSERT INTO Cache(key, raw, store_time, expire_time, access_time, "
                     "access_count, tag, size, mode, filename, value) VALUES (?1, ?2, ?3, ?4, ?3, "
                     "0, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(key, raw) DO UPDATE SET store_time = "
                     "excluded.store_time, expire_time = excluded.expire_time, access_time = "
                     "excluded.access_time, access_count = 0, tag = excluded.tag, size = "
                     "excluded.size, mode = excluded.mode, filename = excluded.filename, value = "
                     "excluded.value");
        bind_row(*q, key, now, expire_time, tag, p);
        q->run();
    }
    void insert_row(sqlite_connection& c, const key_ref& key, double now,
                    std::optional<double> expire_time, std::optional<std::string_view> tag,
                    const prepared_value& p) {
        auto q = use(c, stmt::insert,
                     "INSERT INTO Cache(key, raw, store_time, expire_time, access_time, "
                     "access_count, tag, size, mode, filename, value) VALUES (?1, ?2, ?3, ?4, ?3, "
                     "0, ?5, ?6, ?7, ?8, ?9)");
        bind_row(*q, key, now, expire_time, tag, p);
        q->run();
    }

    void delete_rowid(sqlite_connection& c, std::int64_t rowid) {
        auto d = use(c, stmt::delete_rowid, "DELETE FROM Cache WHERE rowid = ?");
        d->bind(1, rowid);
        d->run();
    }

    // Runs a write transaction for a value whose file (if any) was written beforehand: the
    // transaction owns the file from its start, and if it never starts the file is removed here.
    template <class F>
    std::invoke_result_t<F&, sqlite_connection&, detail::sqlite_txn_frame&>
    with_new_file(const prepared_value& p, F&& f) {
        bool owned = false;
        try {
            return write_transaction([&](sqlite_connection& c, detail::sqlite_txn_frame& txn) {
                track_new_file(txn, p);
                owned = true;
                return f(c, txn);
            });
        } catch (...) {
            if (!owned && !p.filename.empty()) {
                remove_value_file(p.filename);
            }
            throw;
        }
    }

    bool write(const key_ref& key, const value_ref& value, const write_options& opts,
               bool only_if_absent) {
        const double now = detail::unix_now();
        const std::optional<double> expire_time = expiry_from(opts.expire, now);
        prepared_value p = prepare(value); // files are written before the transaction, as diskcache
        return with_new_file(p, [&](sqlite_connection& c, detail::sqlite_txn_frame& txn) {
            auto q =
                use(c, stmt::select_for_write,
                    "SELECT rowid, filename, expire_time FROM Cache WHERE key = ? AND raw = 1");
            bind_key(*q, 1, key);
            if (q->step()) {
                if (only_if_absent && (q->is_null(2) || q->column_double(2) > now)) {
                    return false; // the unused new file goes with the commit's cleanup
                }
                schedule_removal(txn, *q, 1);
            }
            q->reset();
            upsert(c, key, now, expire_time, opts.tag, p);
            cull(c, txn, now);
            return true;
        });
    }

    std::uint64_t volume(sqlite_connection& c) {
        std::int64_t pages = 0;
        {
            auto q = use(c, stmt::page_count, "PRAGMA page_count");
            if (q->step()) {
                pages = q->column_int(0);
            }
        }
        std::int64_t size = 0;
        if (auto s = read_setting(c, "size")) {
            size = as_count(*s);
        }
        // Both figures come from the file (size_limit = INT64_MAX, size = 1e300 …): saturate.
        return static_cast<std::uint64_t>(std::max<std::int64_t>(
            0, detail::saturating_add(detail::saturating_mul(state_->page_size, pages), size)));
    }

    std::optional<setting_value> read_setting(sqlite_connection& c, std::string_view name) {
        auto q = use(c, stmt::read_setting, "SELECT value FROM Settings WHERE key = ?");
        q->bind_text(1, name);
        if (!q->step()) {
            return std::nullopt;
        }
        return column_setting(*q, 0);
    }

    // diskcache's per-write cull: up to cull_limit expired entries, then (if over the size limit)
    // the policy's victims. Runs inside the write's transaction.
    void cull(sqlite_connection& c, detail::sqlite_txn_frame& txn, double now) {
        std::int64_t limit = state_->cull_limit.load(std::memory_order_relaxed);
        if (limit == 0) {
            return;
        }
        std::int64_t expired = 0;
        {
            auto q = use(c, stmt::expired_filenames,
                         "SELECT filename FROM Cache WHERE expire_time IS NOT NULL AND expire_time "
                         "< ? ORDER BY expire_time LIMIT ?");
            q->bind(1, now);
            q->bind(2, limit);
            while (q->step()) {
                ++expired;
                schedule_removal(txn, *q, 0);
            }
        }
        if (expired > 0) {
            auto d =
                use(c, stmt::expired_delete,
                    "DELETE FROM Cache WHERE rowid IN (SELECT rowid FROM Cache WHERE "
                    "expire_time IS NOT NULL AND expire_time < ? ORDER BY expire_time LIMIT ?)");
            d->bind(1, now);
            d->bind(2, limit);
            d->run();
            limit -= expired;
            if (limit == 0) {
                return;
            }
        }
        const auto policy = state_->policy.load(std::memory_order_relaxed);
        if (policy == eviction_policy::none ||
            volume(c) <
                static_cast<std::uint64_t>(state_->size_limit.load(std::memory_order_relaxed))) {
            return;
        }
        (void)evict_by_policy(c, txn, policy, limit);
    }

    std::size_t evict_by_policy(sqlite_connection& c, detail::sqlite_txn_frame& txn,
                                eviction_policy policy, std::int64_t limit) {
        std::size_t n = 0;
        {
            auto q = use(c, stmt::cull_select_first + static_cast<std::size_t>(policy),
                         cull_select_sql(policy));
            q->bind(1, limit);
            while (q->step()) {
                ++n;
                schedule_removal(txn, *q, 0);
            }
        }
        if (n > 0) {
            auto d = use(c, stmt::cull_delete_first + static_cast<std::size_t>(policy),
                         cull_delete_sql(policy));
            d->bind(1, limit);
            d->run();
        }
        return n;
    }

    // Runs `op`, a write that only removes rows. On a full disk SQLite cannot journal even a
    // DELETE, so the value files of the rows about to go (`files_of(connection, out)`, a read)
    // are removed first — freeing their space — and `op` runs again: those rows read as misses in
    // between, never as stale data. Inside a caller's open transaction there is no second try
    // (its earlier writes would be lost): the error goes to the caller.
    template <class Op, class FilesOf>
    std::invoke_result_t<Op&> freeing_space(Op&& op, FilesOf&& files_of) {
        try {
            return op();
        } catch (const disk_full_error&) {
            for (const auto& frame : detail::sqlite_txn_frames) {
                if (frame.owner == state_.get()) throw;
            }
            std::vector<std::string> files;
            with_connection([&](sqlite_connection& c) {
                files_of(c, files);
                return 0;
            });
            if (files.empty()) throw;
            for (const auto& f : files) remove_value_file(f);
            return op();
        }
    }

    // diskcache's batched select-then-delete loop (clear, evict, expire): each batch of up to 100
    // rows is one short transaction; `cursor_col` is the column that advances the cursor (bound
    // as parameter 1). `filename` is the last selected column.
    template <class Bind, class Progress = void (*)(std::size_t)>
    std::size_t select_delete(
        std::size_t id, const char* sql, Bind&& bind_rest, int cursor_col, bool real_cursor = false,
        Progress&& progress = [](std::size_t) {}) {
        std::size_t count = 0;
        std::int64_t cursor_int = 0;
        double cursor_real = 0;
        for (;;) {
            const auto select = [&](sqlite_connection& c) {
                auto q = use(c, id, sql);
                if (real_cursor) {
                    q->bind(1, cursor_real);
                } else {
                    q->bind(1, cursor_int);
                }
                bind_rest(*q);
                return q;
            };
            const int file_col = real_cursor ? 2 : 1;
            const std::size_t n = freeing_space(
                [&] {
                    return write_transaction(
                        [&](sqlite_connection& c, detail::sqlite_txn_frame& txn) {
                            std::vector<std::int64_t> rowids;
                            {
                                auto q = select(c);
                                while (q->step()) {
                                    rowids.push_back(q->column_int(0));
                                    if (real_cursor) {
                                        cursor_real = q->column_double(cursor_col);
                                    } else {
                                        cursor_int = q->column_int(cursor_col);
                                    }
                                    schedule_removal(txn, *q, file_col);
                                }
                            }
                            for (const auto rowid : rowids) {
                                delete_rowid(c, rowid);
                            }
                            return rowids.size();
                        });
                },
                [&](sqlite_connection& c, std::vector<std::string>& files) {
                    auto q = select(c);
                    while (q->step()) {
                        if (!q->is_null(file_col)) files.emplace_back(q->column_text(file_col));
                    }
                });
            if (n == 0) {
                return count;
            }
            count += n;
            progress(count);
        }
    }

    void bind_queue_bounds(detail::sqlite::statement& q, std::optional<std::string_view> prefix,
                           const std::string& lo, const std::string& hi) {
        if (prefix) {
            q.bind_text(1, lo);
            q.bind_text(2, hi);
        } else {
            q.bind(1, std::int64_t{0});
            q.bind(2, std::int64_t{999999999999999});
        }
    }

    std::optional<cache_entry> queue_take(std::optional<std::string_view> prefix, queue_side side,
                                          bool remove) {
        const std::string lo = prefix ? std::string(*prefix) + "-000000000000000" : "";
        const std::string hi = prefix ? std::string(*prefix) + "-999999999999999" : "";
        return write_transaction([&](sqlite_connection& c,
                                     detail::sqlite_txn_frame& txn) -> std::optional<cache_entry> {
            for (;;) {
                auto q = use(c, side == queue_side::front ? stmt::queue_front : stmt::queue_back,
                             side == queue_side::front
                                 ? "SELECT rowid, key, raw, expire_time, tag, mode, filename, "
                                   "value, size FROM Cache WHERE ? < key AND key < ? AND raw = 1 "
                                   "ORDER BY key ASC LIMIT 1"
                                 : "SELECT rowid, key, raw, expire_time, tag, mode, filename, "
                                   "value, size FROM Cache WHERE ? < key AND key < ? AND raw = 1 "
                                   "ORDER BY key DESC LIMIT 1");
                bind_queue_bounds(*q, prefix, lo, hi);
                if (!q->step()) {
                    return std::nullopt;
                }
                const std::int64_t rowid = q->column_int(0);
                const bool expired = !q->is_null(3) && q->column_double(3) < detail::unix_now();
                std::optional<cache_entry> out;
                if (!expired) {
                    out = read_row(*q, 3, column_key(*q, 1, 2));
                }
                // Expired and unreadable entries (their file gone) are dropped and the next one
                // taken, as diskcache's pull does; a pulled entry's file goes after the commit.
                if (!out || remove) {
                    schedule_removal(txn, *q, 6);
                    q->reset();
                    delete_rowid(c, rowid);
                }
                if (out) {
                    return out;
                }
            }
        });
    }

    // Rows against files, and files against rows. A file younger than `orphan_grace` that no row
    // names yet may be a write in flight (its file is written before its row commits, by this
    // store and by diskcache alike): it is neither reported nor removed, so check(true) beside
    // live writers never deletes a value that is about to be committed.
    void check_files(sqlite_connection& c, bool fix, check_report& report) {
        std::set<std::string> known;
        std::vector<std::int64_t> to_delete;                       // rows only
        std::vector<std::pair<std::int64_t, std::string>> damaged; // rows and their files
        {
            detail::sqlite::statement q(
                c.handle(), "SELECT rowid, size, filename FROM Cache WHERE filename IS NOT NULL",
                c.path());
            while (q.step()) {
                const std::string relative(q.column_text(2));
                const std::filesystem::path full = state_->dir / relative;
                if (!detail::sqlite_files::is_value_file_name(relative)) {
                    report.findings.push_back(
                        {check_finding::kind::foreign_file,
                         "a row names a file outside the cache's value files: '" + relative + "'"});
                    to_delete.push_back(q.column_int(0));
                    continue;
                }
                known.insert(full.lexically_normal().string());
                const detail::sqlite_files::file_status st = state_->files.status(relative);
                using kind = detail::sqlite_files::file_status::kind;
                if (st.state == kind::missing) {
                    report.findings.push_back(
                        {check_finding::kind::file_not_found, "file not found: " + full.string()});
                    to_delete.push_back(q.column_int(0));
                } else if (st.state == kind::foreign) {
                    report.findings.push_back({check_finding::kind::foreign_file,
                                               "not a regular file of the cache (a link, a "
                                               "directory, a device …): " +
                                                   full.string()});
                    to_delete.push_back(q.column_int(0));
                } else if (static_cast<std::int64_t>(st.size) != q.column_int(1)) {
                    report.findings.push_back({check_finding::kind::wrong_file_size,
                                               "wrong file size: " + full.string() + ", " +
                                                   std::to_string(st.size) +
                                                   " != " + std::to_string(q.column_int(1)) +
                                                   " (the value is not what was stored)"});
                    damaged.emplace_back(q.column_int(0), relative);
                }
            }
        }
        if (fix) {
            // A value whose file is not the size that was stored is not that value: unlike
            // diskcache, which trusts the file and rewrites the row's size, the row goes.
            for (const auto rowid : to_delete) {
                delete_rowid(c, rowid);
            }
            for (const auto& [rowid, relative] : damaged) {
                delete_rowid(c, rowid);
                remove_value_file(relative);
            }
        }
        const auto grace = std::chrono::duration_cast<std::filesystem::file_time_type::duration>(
            state_->opts.orphan_grace);
        const auto cutoff = std::filesystem::file_time_type::clock::now() - grace;
        const auto settled = [&](const std::filesystem::path& p) {
            std::error_code ec;
            const auto t = std::filesystem::last_write_time(p, ec);
            return !ec && t < cutoff;
        };
        std::error_code ec;
        std::vector<std::filesystem::path> dirs;
        for (auto it = std::filesystem::recursive_directory_iterator(state_->dir, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
            const auto& p = it->path();
            if (it.depth() == 0) {
                const std::string name = p.filename().string();
                // The database and its companions (only at the top: a directory whose own path
                // contains "cache.db" still has its orphans found), and the blob directory, which
                // holds task outputs that rows reference from inside their values, not through
                // `filename` (blob_area::sweep looks after it).
                if (name == "cache.db" || name == "cache.db-wal" || name == "cache.db-shm" ||
                    name == "cache.db-journal" || name == blob_subdirectory) {
                    if (it->is_directory(ec)) it.disable_recursion_pending();
                    continue;
                }
            }
            if (it->is_symlink(ec)) {
                if (!known.count(p.lexically_normal().string())) {
                    report.findings.push_back(
                        {check_finding::kind::unknown_file, "unknown file: " + p.string()});
                }
                continue; // never followed, never removed: it may point anywhere
            }
            if (it->is_directory(ec)) {
                // Judged now: removing an empty subdirectory below refreshes its time.
                if (settled(p)) dirs.push_back(p);
                continue;
            }
            const std::string text = p.lexically_normal().string();
            if (known.count(text) != 0 || !settled(p)) {
                continue;
            }
            report.findings.push_back({check_finding::kind::unknown_file, "unknown file: " + text});
            if (fix) {
                std::filesystem::remove(p, ec);
                ec.clear();
            }
        }
        // Deepest first, so a directory emptied by removing its only subdirectory is seen empty.
        std::sort(dirs.begin(), dirs.end(), [](const auto& a, const auto& b) {
            return a.string().size() > b.string().size();
        });
        for (const auto& d : dirs) {
            if (std::filesystem::is_empty(d, ec) && !ec) {
                report.findings.push_back(
                    {check_finding::kind::empty_directory, "empty directory: " + d.string()});
                if (fix) {
                    std::filesystem::remove(d, ec);
                }
            }
            ec.clear();
        }
    }

    void check_counter(sqlite_connection& c, bool fix, check_report& report, const char* name,
                       const char* count_sql, check_finding::kind kind, const char* label) {
        std::int64_t actual = 0;
        {
            detail::sqlite::statement q(c.handle(), count_sql, c.path());
            if (q.step()) {
                actual = q.column_int(0);
            }
        }
        std::int64_t recorded = 0;
        if (auto v = read_setting(c, name)) {
            recorded = as_count(*v);
        }
        if (recorded != actual) {
            report.findings.push_back({kind, std::string(label) + "; " + std::to_string(recorded) +
                                                 " != " + std::to_string(actual)});
            if (fix) {
                detail::sqlite::statement u(
                    c.handle(), "UPDATE Settings SET value = ? WHERE key = ?", c.path());
                u.bind(1, actual);
                u.bind_text(2, name);
                u.run();
            }
        }
    }

    std::unique_ptr<state> state_;
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

FLYTECACHE_NAMESPACE_END
