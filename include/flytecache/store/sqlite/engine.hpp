// flytecache — the SQLite store's engine: the connection pool, fork safety, transactions
// SPDX-License-Identifier: MIT
#pragma once

// The SQLite store's engine: the connection pool, fork safety, transactions, settings held in
// memory, and the lookup and value-file paths every operation shares.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/cache_store.hpp>
#include <flytecache/store/sqlite/connection.hpp>
#include <flytecache/store/sqlite/options.hpp>
#include <flytecache/store/sqlite/rows.hpp>
#include <flytecache/store/sqlite/schema.hpp>
#include <flytecache/store/sqlite/value_files.hpp>
#include <flytecache/store/sqlite/vocabulary.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iterator>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::sqlite {

/// A transaction this thread holds on one store (transactions nest per thread, as in diskcache).
struct txn_frame {
    const void* owner;
    connection* con;
    int depth;
    std::vector<std::string> remove_after_commit; // files of replaced or deleted rows
    std::vector<std::string> remove_on_rollback;  // files written for rows that may not commit
};
// A list, not a vector: code running inside one store's transaction may begin another store's,
// and the frames of the outer ones must not move while they are in use.
inline thread_local std::list<txn_frame> txn_frames;

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
store_registry& stores_alive();

/// The current fork generation, registering the fork handlers on first use.
unsigned current_fork_generation() noexcept;

/// The directory inside a cache directory where task output files live (see `blob_area`).
inline constexpr std::string_view blob_subdirectory = "blobs";

/// One open cache: its options, the settings it holds in memory, the pool of idle connections,
/// and the paths every operation shares (leases, transactions, lookups, value files). A
/// `sqlite_store` owns one through a pointer, so the fork registry can find it at a fixed address.
class engine {
public:
    explicit engine(sqlite_store_options o);
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;
    ~engine();

    sqlite_store_options opts;
    std::filesystem::path dir;
    std::string db_path;
    int busy_ms = 60000;
    std::int64_t page_size = 4096;

    std::atomic<bool> statistics{false};
    std::atomic<eviction_policy> policy{eviction_policy::least_recently_stored};
    std::atomic<std::int64_t> size_limit{diskcache_defaults::size_limit};
    std::atomic<std::int64_t> cull_limit{diskcache_defaults::cull_limit};
    std::atomic<std::int64_t> min_file_size{diskcache_defaults::disk_min_file_size};
    // sqlite_synchronous FULL (2) or EXTRA (3): value files are flushed before their row
    // commits.
    std::atomic<bool> durable_files{false};
    sqlite_files::value_files files{std::filesystem::path()};
    std::atomic<unsigned> settings_generation{0};

    std::mutex mutex; // guards idle, generation and sqlite_pragmas
    std::vector<std::unique_ptr<connection>> idle;
    unsigned generation = current_fork_generation(); // the fork generation of `idle`
    std::map<std::string, setting_value, std::less<>> sqlite_pragmas;

    // How connections open the file (chosen once, by open.hpp's open_cache).
    open_mode connection_mode = open_mode::read_write;

    std::unique_ptr<connection> open_connection();
    void apply_pragmas(connection& c);

    void apply_in_memory(std::string_view name, const setting_value& value);

    void close_idle();

    // A pooled connection for the duration of one operation (or the thread's open transaction).
    class lease {
    public:
        explicit lease(engine& s);
        lease(const lease&) = delete;
        lease& operator=(const lease&) = delete;
        ~lease();
        connection& con() noexcept { return *con_; }

    private:
        engine& s_;
        std::unique_ptr<connection> con_;
    };

    template <class F>
    std::invoke_result_t<F&&, connection&> with_connection(F&& f) {
        for (auto& frame : txn_frames) {
            if (frame.owner == this) {
                return std::forward<F>(f)(*frame.con);
            }
        }
        lease l(*this);
        return std::forward<F>(f)(l.con());
    }

    // Runs `f(connection, frame)` in a write transaction (BEGIN IMMEDIATE … COMMIT), or inside the
    // thread's open one. Files of replaced rows are removed only after the commit (a rollback
    // keeps them referenced); files written for rows that roll back are removed.
    template <class F>
    std::invoke_result_t<F&&, connection&, txn_frame&> write_transaction(F&& f) {
        require_writable();
        for (auto& frame : txn_frames) {
            if (frame.owner == this) {
                ++frame.depth;
                struct undepth {
                    txn_frame* fr;
                    ~undepth() { --fr->depth; }
                } guard{&frame};
                return std::forward<F>(f)(*frame.con, frame);
            }
        }
        lease l(*this);
        auto& frames = txn_frames;
        frames.push_back({this, &l.con(), 1, {}, {}});
        const auto mine = std::prev(frames.end());
        struct pop_frame {
            std::list<txn_frame>& frames;
            std::list<txn_frame>::iterator it;
            ~pop_frame() { frames.erase(it); }
        } popper{frames, mine};
        begin_immediate(l.con()); // a timeout here leaves nothing to roll back
        try {
            if constexpr (std::is_void_v<std::invoke_result_t<F&&, connection&, txn_frame&>>) {
                std::forward<F>(f)(l.con(), *mine);
                commit(l.con(), *mine);
            } else {
                std::invoke_result_t<F&&, connection&, txn_frame&> result =
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
    void commit(connection& c, txn_frame& frame);

    void rollback(connection& c, const txn_frame& frame) noexcept;

    void begin_immediate(connection& c);

    // Every path that writes (a transaction, a value file, a setting, an index) starts here, so a
    // read-only store fails before it has changed anything, with a message that says why.
    void require_writable() const;

    // The live (unexpired) row of `key`: rowid, expire_time, tag, mode, filename, value, size.
    // The caller steps it; one statement serves every lookup so each connection prepares it once.
    static use select_live(connection& c, const key_ref& key);

    // SQLite integers are 64-bit; Python raises OverflowError past them, and so does this (nothing
    // is written).
    std::int64_t checked_add(std::int64_t a, std::int64_t b, const key_ref& key) const;

    // The cache_store interface deals in bytes only; other kinds are read with get_entry.
    void require_bytes(std::string_view key, const cache_entry& e) const;

    static std::optional<double> expiry_from(const std::optional<float_seconds>& ttl, double now);

    // rows.hpp's readers, for this cache's files and naming its database.
    [[nodiscard]] std::optional<cache_entry> read_row(const statement& q, int first,
                                                      db_key key) const {
        return sqlite::read_row(q, first, std::move(key), files, db_path);
    }
    [[nodiscard]] damaged_entry_error damaged_value(const std::string& what) const {
        return sqlite::damaged_value(db_path, what);
    }
    [[nodiscard]] store_error damaged_row(const std::string& what) const {
        return sqlite::damaged_row(db_path, what);
    }

    std::optional<cache_entry> lookup(const key_ref& key, bool with_key);

    // Finds the live row of `key` and reads it with `read(row)` (columns as select_live's), which
    // returns an empty optional when the value cannot be read (a missing file: a miss, as in
    // diskcache). Keeps diskcache's books: hit and miss counters when statistics are on, access
    // time or count under LRU / LFU — both writes, so those modes read inside a transaction.
    template <class Read>
    std::invoke_result_t<Read&, const statement&> visit_live(const key_ref& key, Read read) {
        using result = std::invoke_result_t<Read&, const statement&>;
        // A read-only store keeps no books: they are writes.
        const bool books = !opts.read_only;
        const bool stats = books && statistics.load(std::memory_order_relaxed);
        const auto evicting = policy.load(std::memory_order_relaxed);
        const bool updates = books && (evicting == eviction_policy::least_recently_used ||
                                       evicting == eviction_policy::least_frequently_used);
        std::int64_t rowid = 0;
        auto run = [&](connection& c) -> result {
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
        return write_transaction([&](connection& c, txn_frame&) {
            result r = run(c);
            const bool hit = r.has_value();
            if (stats) {
                c.use(hit ? stmt::stat_hit : stmt::stat_miss)->run();
            }
            if (hit && updates) {
                auto u = c.use(for_policy(stmt::access_update_none, evicting));
                if (evicting == eviction_policy::least_recently_used) {
                    u->bind(1, unix_now());
                    u->bind(2, rowid);
                } else {
                    u->bind(1, rowid);
                }
                u->run();
            }
            return r;
        });
    }

    prepared_value prepare(const value_ref& value);

    // diskcache's naming (sqlite_files): 16 random bytes in hex, two directory levels.
    // Flushed to disk before the row can commit when the database itself is synchronous FULL.
    std::string write_value_file(std::string_view bytes) {
        require_writable();
        return files.write(bytes, durable_files.load(std::memory_order_relaxed));
    }

    void remove_value_file(const std::string& relative) { files.remove(relative); }

    static void track_new_file(txn_frame& txn, const prepared_value& p) {
        if (!p.filename.empty()) {
            txn.remove_on_rollback.push_back(p.filename);
        }
    }
    static void schedule_removal(txn_frame& txn, const statement& q, int filename_col) {
        if (!q.is_null(filename_col)) {
            txn.remove_after_commit.emplace_back(q.column_text(filename_col));
        }
    }

    // Runs a write transaction for a value whose file (if any) was written beforehand: the
    // transaction owns the file from its start, and if it never starts the file is removed here.
    template <class F>
    std::invoke_result_t<F&, connection&, txn_frame&> with_new_file(const prepared_value& p,
                                                                    F&& f) {
        bool owned = false;
        try {
            return write_transaction([&](connection& c, txn_frame& txn) {
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

    std::uint64_t volume(connection& c);

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
            for (const auto& frame : txn_frames) {
                if (frame.owner == this) throw;
            }
            std::vector<std::string> doomed;
            with_connection([&](connection& c) {
                files_of(c, doomed);
                return 0;
            });
            if (doomed.empty()) throw;
            for (const auto& f : doomed) remove_value_file(f);
            return op();
        }
    }
};

} // namespace detail::sqlite
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/sqlite/engine.ipp>
#endif
