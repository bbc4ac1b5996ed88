// flytecache — the SQLite store's operations on entries, settings and reservations: lookups, writes
// SPDX-License-Identifier: MIT
#pragma once

// The SQLite store's operations on entries, settings and reservations: lookups, writes, counters,
// iteration, streams.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/cache_store.hpp>
#include <flytecache/store/sqlite/connection.hpp>
#include <flytecache/store/sqlite/engine.hpp>
#include <flytecache/store/sqlite/maintenance.hpp>
#include <flytecache/store/sqlite/rows.hpp>
#include <flytecache/store/sqlite/schema.hpp>
#include <flytecache/store/sqlite/vocabulary.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
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
namespace detail::sqlite {

/// The bytes under text key `key`, or empty when missing or expired. One SELECT serves a hit,
/// inline or file-backed (the file is read from the row that statement found); a file that
/// vanished under a concurrent overwrite makes `visit_live` read the row again.
/// @throws value_type_error when the entry holds something other than bytes.
std::optional<std::string> get_bytes(engine& e, std::string_view key);

/// The bytes of the live row `q` (columns as `engine::select_live`'s) for `get_bytes`: empty when
/// its value file has gone; a value of another kind goes to `other_kind` (and an empty string is
/// returned, so the caller counts a hit before refusing it).
std::optional<std::string> row_bytes(const engine& e, const statement& q,
                                     std::optional<cache_entry>& other_kind);

/// The bytes under each of `keys`, in their order (see `sqlite_store::get_many`). Without books to
/// keep (no statistics, no LRU/LFU access updates) the keys are read in one read transaction, so
/// the answers come from one snapshot; with books, in one write transaction, each key read and
/// counted as `get_bytes` would.
/// @throws value_type_error when an entry holds something other than bytes.
std::vector<std::optional<std::string>> get_many_bytes(engine& e,
                                                       std::span<const std::string_view> keys);

/// As `get_bytes`, with the time the entry has left to live.
std::optional<timed_value> get_with_ttl(engine& e, std::string_view key);

// Removes the one row `select(connection)` finds (rowid in column 0, filename in `file_col`);
// `true` if there was one. On a full disk the value file goes first, then the row.
template <class Select>
bool remove_one(engine& e, const Select& select, int file_col) {
    return e.freeing_space(
        [&] {
            return e.write_transaction([&](connection& c, txn_frame& txn) {
                auto q = select(c);
                if (!q->step()) {
                    return false;
                }
                const std::int64_t rowid = q->column_int(0);
                engine::schedule_removal(txn, *q, file_col);
                q->reset();
                delete_rowid(c, rowid);
                return true;
            });
        },
        [&](connection& c, std::vector<std::string>& doomed) {
            auto q = select(c);
            if (q->step() && !q->is_null(file_col)) doomed.emplace_back(q->column_text(file_col));
        });
}

/// Removes `key` (diskcache's `delete`); `true` if a live entry was removed.
bool erase(engine& e, const key_ref& key);

/// Removes `key` and returns its entry (empty if there was none).
std::optional<cache_entry> pop(engine& e, const key_ref& key);

/// Adds `delta` to the integer under `key` and returns the new value (atomic across processes).
/// A missing or expired key starts from `default_value`; without one, `key_not_found`.
/// @throws value_type_error if the stored value is not an integer.
std::int64_t incr(engine& e, const key_ref& key, std::int64_t delta,
                  std::optional<std::int64_t> default_value);

/// Gives a live entry a new expiry (empty: never expires); `true` if there was one.
bool touch(engine& e, const key_ref& key, std::optional<float_seconds> expire);

/// Calls `f(key)` for every key in database sort order (ascending or, with `reverse`,
/// descending), reading 100 keys per query so the database is never locked for long.
template <class F>
void for_each_key(engine& e, F&& f, bool reverse) {
    std::optional<std::pair<db_key, std::int64_t>> last;
    for (;;) {
        std::vector<std::pair<db_key, std::int64_t>> batch;
        e.with_connection([&](connection& c) {
            if (!last) {
                auto q = c.use(reverse ? stmt::iter_first_desc : stmt::iter_first_asc);
                if (q->step()) {
                    batch.emplace_back(column_key(*q, 0, 1), q->column_int(1));
                }
            } else {
                auto q = c.use(reverse ? stmt::iter_next_desc : stmt::iter_next_asc);
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
void for_each_entry(engine& e, F&& f) {
    std::int64_t after = std::numeric_limits<std::int64_t>::min();
    for (;;) {
        std::vector<stored_entry_info> batch;
        e.with_connection([&](connection& c) {
            auto q = c.use(stmt::entries_batch);
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
std::optional<stored_entry> inspect(engine& e, const db_key& key);

/// Removes the row of `key` whether or not it has expired; `true` if there was one. (`erase`,
/// like diskcache's `delete`, leaves expired rows for `expire` and `cull` to remove.)
bool purge(engine& e, const db_key& key);

/// Opens the value under `key` as a stream: its `.val` file for file-backed bytes (no copy in
/// memory; the file is checked as `get` checks it, and read through the descriptor that was
/// checked), an in-memory stream for inline bytes. A read error sets the stream's badbit.
/// @throws key_not_found when missing; value_type_error when the value is not bytes;
///         store_error for a damaged entry.
std::unique_ptr<std::istream> open_stream(engine& e, const key_ref& key);

/// The current value of a setting, re-read from the Settings table (diskcache's `reset(key)`).
/// @throws invalid_argument for a name the table does not have.
setting_value reset_setting(engine& e, std::string_view name);
/// Sets a setting in the Settings table and in this store (diskcache's `reset(key, value)`);
/// `sqlite_*` settings also run their PRAGMA on this store's connections.
setting_value reset_setting(engine& e, std::string_view name, setting_value value);

/// Takes or renews the reservation of `key` for `owner` for `ttl`; see `reserving_store`.
bool try_reserve(engine& e, std::string_view key, std::string_view owner, float_seconds ttl);
/// Gives up `owner`'s reservation of `key`; `true` if `owner` held it.
bool release(engine& e, std::string_view key, std::string_view owner);

/// Stores `value` under `key` (diskcache's `set`; with `only_if_absent`, its `add`).
bool write(engine& e, const key_ref& key, const value_ref& value, const write_options& opts,
           bool only_if_absent);

/// A batch at least this large writes its rows with the connection's triggers off and makes
/// their Settings updates itself (`trigger_free_rows`): turning them off and on costs a few tens
/// of microseconds (SQLite re-prepares the connection's statements), their per-row work ~0.7 µs.
inline constexpr std::size_t trigger_free_batch_min = 128;

/// diskcache's Cache triggers keep the Settings rows `count` and `size` (one UPDATE of Settings
/// per row written, about a fifth of an overwrite's cost). While a large batch writes its rows
/// this turns the connection's triggers off and records what they would have done; `finish`
/// then leaves Settings exactly as they would have: when every step of their arithmetic stays an
/// exact 64-bit integer (always, for what diskcache writes) it writes the result once, and
/// otherwise it replays their UPDATEs one by one, in order.
class trigger_free_rows {
public:
    /// Whether `c`'s triggers are on and they and the Cache and Settings tables are exactly
    /// diskcache's (`schema_ddl`, `settings_table_ddl`), so that doing their work here is doing
    /// all of it, with the same result.
    static bool possible(connection& c);

    /// Turns `c`'s triggers off.
    explicit trigger_free_rows(connection& c);
    trigger_free_rows(const trigger_free_rows&) = delete;
    trigger_free_rows& operator=(const trigger_free_rows&) = delete;
    /// Turns them back on if `finish` did not.
    ~trigger_free_rows();

    /// A row inserted with `size` (Settings_count_insert and Settings_size_insert).
    void inserted(std::int64_t size);
    /// A row overwritten with `size`, whose old size is column `size_col` of `old`'s current row
    /// (Settings_size_update's NEW.size and OLD.size).
    void updated(std::int64_t size, const statement& old, int size_col);
    /// The same, the old size as `replaced_row_function` recorded it.
    void updated(std::int64_t size, replaced_row& old);
    /// Turns the triggers back on and updates Settings as they would have.
    void finish();

private:
    struct size_step {
        std::int64_t add;      // NEW.size
        std::int64_t subtract; // OLD.size of an overwrite, when an integer
        bool overwrite;
        std::size_t odd_old; // 1 + index in odd_olds_ of an OLD.size that is not an integer
    };
    void finish_count();
    void finish_size();

    connection& c_;
    bool off_ = true;
    std::int64_t inserts_ = 0;
    std::vector<size_step> steps_;
    std::vector<std::unique_ptr<sqlite3_value, void (*)(sqlite3_value*)>> odd_olds_;
};

/// Stores every entry of `items` (bytes under text keys) in one write transaction: all or none
/// (see `sqlite_store::set_many`).
void write_many(engine& e, std::span<const key_value> items, const write_options& opts);

/// The hit and miss counters as stored, read without writing anything (unlike diskcache's
/// `stats`, which also switches counting on or off).
store_stats read_statistics(engine& e);

/// Creates (`on`) or drops the index that makes `evict` fast, and records `tag_index`.
void set_tag_index(engine& e, bool on);

} // namespace detail::sqlite
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/sqlite/operations.ipp>
#endif
