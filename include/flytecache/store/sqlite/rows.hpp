// flytecache — the SQLite store's rows: key and value binders, column readers
// SPDX-License-Identifier: MIT
#pragma once

// The SQLite store's rows: key and value binders, column readers, read_row and the statements that
// write or delete one row.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/sqlite/connection.hpp>
#include <flytecache/store/sqlite/value_files.hpp>
#include <flytecache/store/sqlite/vocabulary.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::sqlite {

/// Number of Unicode code points of UTF-8 text: diskcache compares `len(str)` with min_file_size.
std::size_t utf8_length(std::string_view s) noexcept;

/// A value ready to be written: numbers and short strings inline, long ones already in a file.
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

void bind_key(statement& s, int index, const key_ref& key);
void bind_db_key(statement& s, int index, const db_key& key);
db_key key_of(const key_ref& key);
db_key column_key(const statement& s, int key_col, int raw_col);
std::optional<std::string> column_tag(const statement& q, int col);

// Reads columns (key, raw, store_time, access_time, access_count, expire_time, tag, mode,
// filename, size, value length) starting at `first`. Tolerant: a tool listing a damaged cache
// must see every row, so nothing here throws for odd column contents.
stored_entry_info column_entry_info(const statement& q, int first);

// Python reads text files in universal-newline mode, so "\r\n" and a lone "\r" read back as
// "\n"; reading the same files the same way keeps both sides agreeing on a file-backed text.
std::string universal_newlines(std::string text);

// A value file that cannot be what its row stored: read as a damaged entry (local_task_cache
// counts it as a reported miss), never followed out of the cache, and never deleted.
damaged_entry_error damaged_value(std::string_view db_path, const std::string& what);

store_error damaged_row(std::string_view db_path, const std::string& what);

// The bytes of a row's value file: empty when it has gone (a miss); a file that is not this
// cache's, or not the size the row records, is a damaged row.
std::optional<std::string> read_value_file(const sqlite_files::value_files& files,
                                           std::string_view db_path, std::string_view relative,
                                           std::int64_t recorded_size);

// Reads a row's value from columns (expire_time, tag, mode, filename, value, size) starting at
// `first`. Empty when the value's file has gone (diskcache then reports a miss).
// @throws store_error for a damaged row: a storage mode or value diskcache never writes, or a
//         value file that is not one of this cache's or not the size its row records.
std::optional<cache_entry> read_row(const statement& q, int first, db_key key,
                                    const sqlite_files::value_files& files,
                                    std::string_view db_path);

void bind_value(statement& s, int index, const prepared_value& p);

void bind_row(statement& q, const key_ref& key, double now, std::optional<double> expire_time,
              std::optional<std::string_view> tag, const prepared_value& p);

// The UPSERT keeps the row (and its rowid, which orders peekitem) and fires diskcache's size
// triggers like its UPDATE does.
void upsert(connection& c, const key_ref& key, double now, std::optional<double> expire_time,
            std::optional<std::string_view> tag, const prepared_value& p);
void insert_row(connection& c, const key_ref& key, double now, std::optional<double> expire_time,
                std::optional<std::string_view> tag, const prepared_value& p);

// Overwrites the row `rowid` (the live or expired row of `key` the caller's transaction
// selected) as the UPSERT would, without its insert attempt. `same_expiry`: the row's expire_time
// already is `expire_time` (it is then not rewritten, nor its index entry).
void update_row(connection& c, std::int64_t rowid, const key_ref& key, double now,
                std::optional<double> expire_time, std::optional<std::string_view> tag,
                const prepared_value& p, bool same_expiry = false);

void delete_rowid(connection& c, std::int64_t rowid);

} // namespace detail::sqlite
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/sqlite/rows.ipp>
#endif
