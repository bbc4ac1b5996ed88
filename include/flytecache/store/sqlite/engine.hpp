// flytecache — the SQLite store's engine: the connection pool, fork safety, transactions
// SPDX-License-Identifier: MIT
#pragma once

// The SQLite store's engine: the connection pool, fork safety, transactions, settings held in
// memory, and the lookup and value-file paths every operation shares.

#include <flytecache/config.hpp>
#include <flytecache/detail/saturating.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/cache_store.hpp>
#include <flytecache/store/sqlite/connection.hpp>
#include <flytecache/store/sqlite/options.hpp>
#include <flytecache/store/sqlite/rows.hpp>
#include <flytecache/store/sqlite/schema.hpp>
#include <flytecache/store/sqlite/value_files.hpp>
#include <flytecache/store/sqlite/vocabulary.hpp>

#include <pthread.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cmath>
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

/// The directory inside a cache directory where task output files live (see `blob_area`).
inline constexpr std::string_view blob_subdirectory = "blobs";

/// One open cache: its options, the settings it holds in memory, the pool of idle connections,
/// and the paths every operation shares (leases, transactions, lookups, value files). A
/// `sqlite_store` owns one through a pointer, so the fork registry can find it at a fixed address.
class engine {
public:
    explicit engine(sqlite_store_options o) : opts(std::move(o)) {
        if (opts.directory.empty()) {
            throw invalid_argument("flytecache: sqlite_store: options.directory is empty; give "
                                   "the cache directory (flytekit's is ~/.flyte/local-cache)");
        }
        dir = opts.directory;
        db_path = (dir / "cache.db").string();
        files = sqlite_files::value_files(dir);
        const double ms = std::clamp(opts.timeout.count() * 1000.0, 0.0, 2147483647.0);
        busy_ms = static_cast<int>(ms);
        auto& r = stores_alive();
        std::lock_guard lock(r.mutex);
        r.stores.emplace_back(this, [](void* self) noexcept {
            try {
                static_cast<engine*>(self)->close_idle();
            } catch (...) { // NOLINT(bugprone-empty-catch)
                // A fork must go ahead; the child's generation check still protects it.
            }
        });
    }
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;
    ~engine() {
        {
            auto& r = stores_alive();
            std::lock_guard lock(r.mutex);
            std::erase_if(r.stores, [this](const auto& e) { return e.first == this; });
        }
        std::lock_guard lock(mutex);
        if (generation != current_fork_generation()) {
            for (auto& c : idle) {
                c->abandon();
            }
        }
    }

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

    std::unique_ptr<connection> open_connection() {
        auto c = std::make_unique<connection>(db_path, busy_ms, connection_mode);
        apply_pragmas(*c);
        return c;
    }
    void apply_pragmas(connection& c) {
        if (opts.read_only) {
            return; // SQLite's defaults read as well; a journal-mode PRAGMA would write
        }
        std::map<std::string, setting_value, std::less<>> pragmas;
        {
            std::lock_guard lock(mutex);
            pragmas = sqlite_pragmas;
        }
        for (const auto& [name, value] : pragmas) {
            // auto_vacuum and the WAL journal are properties of the file, set in open_cache;
            // the other journal modes, like the remaining pragmas, hold per connection.
            const auto sql_value = setting_sql(value);
            if (name == "sqlite_auto_vacuum" || !sql_value ||
                (name == "sqlite_journal_mode" && *sql_value == "wal")) {
                continue;
            }
            c.exec("PRAGMA " + name.substr(7) + " = " + *sql_value);
        }
    }

    void apply_in_memory(std::string_view name, const setting_value& value) {
        // Numbers may be stored as REAL by Python (size_limit=1e9); they count as integers.
        std::optional<std::int64_t> integer;
        if (const auto* n = std::get_if<std::int64_t>(&value)) {
            integer = *n;
        } else if (const auto* d = std::get_if<double>(&value); d != nullptr && !std::isnan(*d)) {
            integer = saturating_int64(*d);
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

    void close_idle() {
        std::vector<std::unique_ptr<connection>> closing;
        std::lock_guard lock(mutex);
        closing.swap(idle);
        if (generation != current_fork_generation()) {
            for (auto& c : closing) {
                c->abandon();
            }
        }
    }

    // A pooled connection for the duration of one operation (or the thread's open transaction).
    class lease {
    public:
        explicit lease(engine& s) : s_(s) {
            {
                std::lock_guard lock(s.mutex);
                if (const unsigned g = current_fork_generation(); s.generation != g) {
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
            if (s_.generation == current_fork_generation()) {
                s_.idle.push_back(std::move(con_));
            } else {
                con_->abandon();
            }
        }
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
    void commit(connection& c, txn_frame& frame) {
        c.use(stmt::commit)->run();
        std::vector<std::string> unreferenced = std::move(frame.remove_after_commit);
        frame.remove_after_commit.clear();
        try {
            for (const auto& file : frame.remove_on_rollback) {
                auto q = c.use(stmt::file_referenced);
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

    void rollback(connection& c, const txn_frame& frame) noexcept {
        // ROLLBACK only fails when no transaction is open, which is then the state we want.
        sqlite3_exec(c.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        for (const auto& file : frame.remove_on_rollback) {
            remove_value_file(file);
        }
    }

    void begin_immediate(connection& c) {
        for (;;) {
            try {
                auto q = c.use(stmt::begin);
                q->run();
                return;
            } catch (const timeout_error&) {
                if (!opts.retry) {
                    throw;
                }
            }
        }
    }

    // Every path that writes (a transaction, a value file, a setting, an index) starts here, so a
    // read-only store fails before it has changed anything, with a message that says why.
    void require_writable() const {
        if (opts.read_only) {
            throw store_error("flytecache: sqlite_store '" + db_path +
                              "': store opened read-only; this call writes to the cache (open it "
                              "without options.read_only to change it)");
        }
    }

    // The live (unexpired) row of `key`: rowid, expire_time, tag, mode, filename, value, size.
    // The caller steps it; one statement serves every lookup so each connection prepares it once.
    static use select_live(connection& c, const key_ref& key) {
        auto q = c.use(stmt::select_live);
        bind_key(*q, 1, key);
        q->bind(2, unix_now());
        return q;
    }

    // SQLite integers are 64-bit; Python raises OverflowError past them, and so does this (nothing
    // is written).
    std::int64_t checked_add(std::int64_t a, std::int64_t b, const key_ref& key) const {
        std::int64_t sum = 0;
        if (__builtin_add_overflow(a, b, &sum)) {
            throw invalid_argument("flytecache: sqlite_store '" + db_path + "': incr of key " +
                                   key.describe() + " overflows a 64-bit integer");
        }
        return sum;
    }

    // The cache_store interface deals in bytes only; other kinds are read with get_entry.
    void require_bytes(std::string_view key, const cache_entry& e) const {
        if (e.value.type() != stored_value::kind::bytes) {
            throw value_type_error("flytecache: sqlite_store '" + db_path + "': key " +
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

    std::optional<cache_entry> lookup(const key_ref& key, bool with_key) {
        return visit_live(key, [&](const statement& q) {
            return read_row(q, 1, with_key ? key_of(key) : db_key());
        });
    }

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

    prepared_value prepare(const value_ref& value) {
        prepared_value p;
        p.kind = value.type();
        const auto min_file =
            static_cast<std::size_t>(min_file_size.load(std::memory_order_relaxed));
        switch (value.type()) {
        case value_ref::kind::integer: p.integer = value.integer(); return p;
        case value_ref::kind::real: p.real = value.real(); return p;
        case value_ref::kind::text:
            if (utf8_length(value.bytes()) < min_file) {
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

    std::uint64_t volume(connection& c) {
        std::int64_t pages = 0;
        {
            auto q = c.use(stmt::page_count);
            if (q->step()) {
                pages = q->column_int(0);
            }
        }
        std::int64_t size = 0;
        if (auto s = read_setting(c, "size")) {
            size = as_count(*s);
        }
        // Both figures come from the file (size_limit = INT64_MAX, size = 1e300 …): saturate.
        return static_cast<std::uint64_t>(
            std::max<std::int64_t>(0, saturating_add(saturating_mul(page_size, pages), size)));
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
