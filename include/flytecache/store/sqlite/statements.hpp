// flytecache — the SQLite store's cached statements: one constexpr table from statement id to SQL
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/store/sqlite/vocabulary.hpp>

#include <array>
#include <cstddef>
#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::sqlite {

/// The statements each connection prepares once and keeps (`connection::use(stmt)`). An id names
/// its SQL through `statement_table` alone, so no call site can run one id with another's SQL.
/// Groups that differ by eviction policy hold one id per `eviction_policy`, in its order.
enum class stmt : std::size_t {
    select_live,
    select_for_write,
    upsert,
    insert,
    update_row,
    update_row_same_expiry,
    update_key_same_expiry,
    update_key,
    delete_rowid,
    expired_filenames,
    expired_delete,
    page_count,
    read_setting,
    update_setting,
    stat_hit,
    stat_miss,
    select_incr,
    select_touch,
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
    file_referenced,
    begin,
    commit,
    entries_batch,
    inspect_row,
    purge_select,
    access_update_none,
    access_update_lrs,
    access_update_lru,
    access_update_lfu,
    cull_select_none,
    cull_select_lrs,
    cull_select_lru,
    cull_select_lfu,
    cull_delete_none,
    cull_delete_lrs,
    cull_delete_lru,
    cull_delete_lfu,
    incr_update_none,
    incr_update_lrs,
    incr_update_lru,
    incr_update_lfu,
    schema_triggers,
    schema_tables,
    settings_add,
    settings_set,
    settings_size_row,
    count, ///< not a statement: the size of the table
};

inline constexpr std::size_t statement_count = static_cast<std::size_t>(stmt::count);

/// One row of the table.
struct statement_text {
    stmt id;
    std::string_view sql;
};

/// Every cached statement, indexed by its id (checked below).
inline constexpr std::array<statement_text, statement_count> statement_table = {{
    // The live (unexpired) row of a key: rowid, expire_time, tag, mode, filename, value, size.
    {stmt::select_live, "SELECT rowid, expire_time, tag, mode, filename, value, size FROM Cache "
                        "WHERE key = ? AND raw = 1 AND (expire_time IS NULL OR expire_time > ?)"},
    // The row a write replaces; size is what diskcache's size trigger subtracts (OLD.size), which
    // a batch that runs without the triggers subtracts itself (operations.ipp's write_many).
    {stmt::select_for_write,
     "SELECT rowid, filename, expire_time, size FROM Cache WHERE key = ? AND raw = 1"},
    // The UPSERT keeps the row (and its rowid, which orders peekitem) and fires diskcache's size
    // triggers like its UPDATE does.
    {stmt::upsert,
     "INSERT INTO Cache(key, raw, store_time, expire_time, access_time, access_count, tag, size, "
     "mode, filename, value) VALUES (?1, ?2, ?3, ?4, ?3, 0, ?5, ?6, ?7, ?8, ?9)"
     " ON CONFLICT(key, raw) DO UPDATE SET store_time = "
     "excluded.store_time, expire_time = excluded.expire_time, "
     "access_time = excluded.access_time, access_count = 0, tag = "
     "excluded.tag, size = excluded.size, mode = excluded.mode, "
     "filename = excluded.filename, value = excluded.value"},
    {stmt::insert,
     "INSERT INTO Cache(key, raw, store_time, expire_time, access_time, access_count, tag, size, "
     "mode, filename, value) VALUES (?1, ?2, ?3, ?4, ?3, 0, ?5, ?6, ?7, ?8, ?9)"},
    // diskcache's own overwrite (its set's UPDATE of the row it selected): keeps the rowid, fires
    // the same size trigger as the UPSERT, and skips its failed insert. Parameters as the UPSERT's,
    // plus the rowid; the key check is a guard (the row is the one the transaction selected).
    {stmt::update_row,
     "UPDATE Cache SET store_time = ?3, expire_time = ?4, access_time = ?3, access_count = 0, "
     "tag = ?5, size = ?6, mode = ?7, filename = ?8, value = ?9 WHERE rowid = ?10 AND key = ?1 "
     "AND raw = ?2"},
    // The same when the row's expiry does not change (never expires, mostly): expire_time is left
    // out of the SET list, so SQLite leaves its index alone (it rewrites the index entries of every
    // column an UPDATE sets, changed or not). ?4 stays bound, unused.
    {stmt::update_row_same_expiry,
     "UPDATE Cache SET store_time = ?3, access_time = ?3, access_count = 0, tag = ?5, size = ?6, "
     "mode = ?7, filename = ?8, value = ?9 WHERE rowid = ?10 AND key = ?1 AND raw = ?2 AND "
     "expire_time IS ?4"},
    // The same by key, doing the work of the SELECT before it: flytecache_replaced (connection's
    // replaced_row_function) is true for the key's row if its expiry is ?4, and records its old
    // filename and size. No row changed: the key is absent or its expiry differs.
    {stmt::update_key_same_expiry,
     "UPDATE Cache SET store_time = ?3, access_time = ?3, access_count = 0, tag = ?5, size = ?6, "
     "mode = ?7, filename = ?8, value = ?9 WHERE key = ?1 AND raw = ?2 AND "
     "flytecache_replaced(key, ?1, raw, expire_time, ?4, filename, size)"},
    // The same setting the expiry too, whatever the row's was (a write with a TTL, whose
    // expire_time always differs from the stored one): the function compares no expiry.
    {stmt::update_key,
     "UPDATE Cache SET store_time = ?3, expire_time = ?4, access_time = ?3, access_count = 0, "
     "tag = ?5, size = ?6, mode = ?7, filename = ?8, value = ?9 WHERE key = ?1 AND raw = ?2 AND "
     "flytecache_replaced(key, ?1, raw, NULL, NULL, filename, size)"},
    {stmt::delete_rowid, "DELETE FROM Cache WHERE rowid = ?"},
    {stmt::expired_filenames, "SELECT filename FROM Cache WHERE expire_time IS NOT NULL AND "
                              "expire_time < ? ORDER BY expire_time LIMIT ?"},
    {stmt::expired_delete,
     "DELETE FROM Cache WHERE rowid IN (SELECT rowid FROM Cache WHERE expire_time IS NOT NULL AND "
     "expire_time < ? ORDER BY expire_time LIMIT ?)"},
    {stmt::page_count, "PRAGMA page_count"},
    {stmt::read_setting, "SELECT value FROM Settings WHERE key = ?"},
    {stmt::update_setting, "UPDATE Settings SET value = ? WHERE key = ?"},
    {stmt::stat_hit, "UPDATE Settings SET value = value + 1 WHERE key = 'hits'"},
    {stmt::stat_miss, "UPDATE Settings SET value = value + 1 WHERE key = 'misses'"},
    {stmt::select_incr, "SELECT rowid, expire_time, filename, value, mode FROM Cache WHERE key = ? "
                        "AND raw = 1"},
    {stmt::select_touch, "SELECT rowid, expire_time FROM Cache WHERE key = ? AND raw = 1"},
    {stmt::touch_update, "UPDATE Cache SET expire_time = ? WHERE rowid = ?"},
    // The batches of clear, evict and expire: parameter 1 is the cursor, the filename comes last.
    {stmt::expire_batch, "SELECT rowid, expire_time, filename FROM Cache WHERE ? < expire_time AND "
                         "expire_time < ? ORDER BY expire_time LIMIT 100"},
    {stmt::evict_batch, "SELECT rowid, filename FROM Cache WHERE tag = ?2 AND rowid > ?1 ORDER BY "
                        "rowid LIMIT 100"},
    {stmt::clear_batch,
     "SELECT rowid, filename FROM Cache WHERE rowid > ? ORDER BY rowid LIMIT 100"},
    {stmt::iter_first_asc, "SELECT key, raw FROM Cache ORDER BY key ASC, raw ASC LIMIT 1"},
    {stmt::iter_first_desc, "SELECT key, raw FROM Cache ORDER BY key DESC, raw DESC LIMIT 1"},
    {stmt::iter_next_asc, "SELECT key, raw FROM Cache WHERE key = ?1 AND raw > ?2 OR key > ?1 "
                          "ORDER BY key ASC, raw ASC LIMIT 100"},
    {stmt::iter_next_desc, "SELECT key, raw FROM Cache WHERE key = ?1 AND raw < ?2 OR key < ?1 "
                           "ORDER BY key DESC, raw DESC LIMIT 100"},
    {stmt::peekitem_last, "SELECT "
                          "rowid, key, raw, expire_time, tag, mode, filename, value, size"
                          " FROM Cache ORDER BY rowid DESC LIMIT 1"},
    {stmt::peekitem_first, "SELECT "
                           "rowid, key, raw, expire_time, tag, mode, filename, value, size"
                           " FROM Cache ORDER BY rowid ASC LIMIT 1"},
    {stmt::push_back, "SELECT key FROM Cache WHERE ? < key AND key < ? AND raw = 1 ORDER BY key "
                      "DESC LIMIT 1"},
    {stmt::push_front, "SELECT key FROM Cache WHERE ? < key AND key < ? AND raw = 1 ORDER BY key "
                       "ASC LIMIT 1"},
    {stmt::queue_front, "SELECT "
                        "rowid, key, raw, expire_time, tag, mode, filename, value, size"
                        " FROM Cache WHERE ? < key AND "
                        "key < ? AND raw = 1 ORDER BY key ASC LIMIT 1"},
    {stmt::queue_back, "SELECT "
                       "rowid, key, raw, expire_time, tag, mode, filename, value, size"
                       " FROM Cache WHERE ? < key AND key "
                       "< ? AND raw = 1 ORDER BY key DESC LIMIT 1"},
    {stmt::reserve,
     "INSERT INTO flytecache_reservations(key, owner, expire_time) VALUES (?1, ?2, ?3) ON "
     "CONFLICT(key) DO UPDATE SET owner = excluded.owner, expire_time = excluded.expire_time "
     "WHERE owner = excluded.owner OR expire_time <= ?4"},
    {stmt::unreserve, "DELETE FROM flytecache_reservations WHERE key = ? AND owner = ?"},
    // Created on first use, so caches never reserved keep exactly diskcache's schema.
    {stmt::create_reservations,
     "CREATE TABLE IF NOT EXISTS flytecache_reservations ( key TEXT PRIMARY KEY, owner TEXT NOT "
     "NULL, expire_time REAL NOT NULL)"},
    {stmt::file_referenced, "SELECT 1 FROM Cache WHERE filename = ? LIMIT 1"},
    {stmt::begin, "BEGIN IMMEDIATE"},
    {stmt::commit, "COMMIT"},
    // Columns of rows.hpp's column_entry_info: key … size, then the length of an inline value.
    {stmt::entries_batch,
     "SELECT rowid, key, raw, store_time, access_time, access_count, expire_time, tag, mode, "
     "filename, size, length(CAST(value AS BLOB)) FROM Cache WHERE rowid > ? ORDER BY rowid "
     "LIMIT 100"},
    // column_entry_info's columns, then read_row's (expire_time … size) from column 11.
    {stmt::inspect_row,
     "SELECT key, raw, store_time, access_time, access_count, expire_time, tag, mode, filename, "
     "size, length(CAST(value AS BLOB)), expire_time, tag, mode, filename, value, size FROM Cache "
     "WHERE key = ? AND raw = ?"},
    {stmt::purge_select, "SELECT rowid, filename FROM Cache WHERE key = ? AND raw = ?"},
    // A hit's bookkeeping: only least-recently-used and least-frequently-used keep any.
    {stmt::access_update_none, "UPDATE Cache SET access_count = access_count + 1 WHERE rowid = ?"},
    {stmt::access_update_lrs, "UPDATE Cache SET access_count = access_count + 1 WHERE rowid = ?"},
    {stmt::access_update_lru, "UPDATE Cache SET access_time = ? WHERE rowid = ?"},
    {stmt::access_update_lfu, "UPDATE Cache SET access_count = access_count + 1 WHERE rowid = ?"},
    // The eviction victims' files, then the victims (none evicts nothing: never run).
    {stmt::cull_select_none, "SELECT filename FROM Cache ORDER BY store_time LIMIT ?"},
    {stmt::cull_select_lrs, "SELECT filename FROM Cache ORDER BY store_time LIMIT ?"},
    {stmt::cull_select_lru, "SELECT filename FROM Cache ORDER BY access_time LIMIT ?"},
    {stmt::cull_select_lfu, "SELECT filename FROM Cache ORDER BY access_count LIMIT ?"},
    {stmt::cull_delete_none,
     "DELETE FROM Cache WHERE rowid IN (SELECT rowid FROM Cache ORDER BY store_time LIMIT ?)"},
    {stmt::cull_delete_lrs,
     "DELETE FROM Cache WHERE rowid IN (SELECT rowid FROM Cache ORDER BY store_time LIMIT ?)"},
    {stmt::cull_delete_lru,
     "DELETE FROM Cache WHERE rowid IN (SELECT rowid FROM Cache ORDER BY access_time LIMIT ?)"},
    {stmt::cull_delete_lfu,
     "DELETE FROM Cache WHERE rowid IN (SELECT rowid FROM Cache ORDER BY access_count LIMIT ?)"},
    // incr's update of an integer in place, with the policy's bookkeeping.
    {stmt::incr_update_none, "UPDATE Cache SET store_time = ?1, value = ?2"
                             " WHERE rowid = ?3"},
    {stmt::incr_update_lrs, "UPDATE Cache SET store_time = ?1, value = ?2"
                            " WHERE rowid = ?3"},
    {stmt::incr_update_lru, "UPDATE Cache SET store_time = ?1, value = ?2"
                            ", access_time = ?4 WHERE rowid = ?3"},
    {stmt::incr_update_lfu, "UPDATE Cache SET store_time = ?1, value = ?2"
                            ", access_count = access_count + 1 WHERE rowid = ?3"},
    // A large set_many writes its rows with the triggers off and makes their Settings updates
    // itself (operations.ipp's write_many): only when the schema's triggers are these exactly.
    {stmt::schema_triggers, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"},
    // The tables the triggers read and write (their columns' affinities, Settings' UNIQUE key).
    {stmt::schema_tables, "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND "
                          "lower(name) IN ('cache', 'settings')"},
    // Settings_count_insert's and Settings_size_insert's arithmetic, and their result in one.
    {stmt::settings_add, "UPDATE Settings SET value = value + ?1 WHERE key = ?2"},
    {stmt::settings_set, "UPDATE Settings SET value = ?1 WHERE key = ?2"},
    // Settings_size_update's arithmetic (NEW.size, OLD.size).
    {stmt::settings_size_row, "UPDATE Settings SET value = value + ?1 - ?2 WHERE key = 'size'"},
}};

/// Whether row `i` of the table is statement `i`: the table cannot pair an id with another's SQL.
[[nodiscard]] consteval bool statement_table_in_order() {
    for (std::size_t i = 0; i < statement_table.size(); ++i) {
        if (statement_table[i].id != static_cast<stmt>(i) || statement_table[i].sql.empty()) {
            return false;
        }
    }
    return true;
}
static_assert(statement_table_in_order(),
              "flytecache: statement_table must list every stmt exactly once, in enum order");

/// The SQL of statement `id`.
[[nodiscard]] constexpr std::string_view sql_of(stmt id) noexcept {
    return statement_table[static_cast<std::size_t>(id)].sql;
}

/// The member of a per-policy group (`first` is the group's `_none` statement) for `policy`.
[[nodiscard]] constexpr stmt for_policy(stmt first, eviction_policy policy) noexcept {
    return static_cast<stmt>(static_cast<std::size_t>(first) + static_cast<std::size_t>(policy));
}
static_assert(for_policy(stmt::access_update_none, eviction_policy::least_frequently_used) ==
              stmt::access_update_lfu);
static_assert(for_policy(stmt::cull_select_none, eviction_policy::least_recently_used) ==
              stmt::cull_select_lru);
static_assert(for_policy(stmt::cull_delete_none, eviction_policy::least_recently_stored) ==
              stmt::cull_delete_lrs);
static_assert(for_policy(stmt::incr_update_none, eviction_policy::least_frequently_used) ==
              stmt::incr_update_lfu);

} // namespace detail::sqlite
FLYTECACHE_NAMESPACE_END
