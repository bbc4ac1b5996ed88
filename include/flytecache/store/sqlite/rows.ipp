// flytecache — the SQLite store's rows (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/store/sqlite/rows.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::sqlite {

FLYTECACHE_INLINE std::size_t utf8_length(std::string_view s) noexcept {
    std::size_t n = 0;
    for (const char c : s) {
        n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1U : 0U;
    }
    return n;
}

FLYTECACHE_INLINE void bind_key(statement& s, int index, const key_ref& key) {
    switch (key.type()) {
    case key_ref::kind::integer: s.bind(index, key.integer()); break;
    case key_ref::kind::real: s.bind(index, key.real()); break;
    case key_ref::kind::text: s.bind_text(index, key.bytes()); break;
    case key_ref::kind::blob: s.bind_blob(index, key.bytes()); break;
    }
}

FLYTECACHE_INLINE void bind_db_key(statement& s, int index, const db_key& key) {
    switch (key.type()) {
    case db_key::kind::integer: s.bind(index, key.as_integer()); break;
    case db_key::kind::real: s.bind(index, key.as_real()); break;
    case db_key::kind::text: s.bind_text(index, key.as_text()); break;
    case db_key::kind::blob:
    case db_key::kind::pickle: s.bind_blob(index, key.raw_bytes()); break;
    }
}

FLYTECACHE_INLINE db_key key_of(const key_ref& key) {
    switch (key.type()) {
    case key_ref::kind::integer: return db_key::integer(key.integer());
    case key_ref::kind::real: return db_key::real(key.real());
    case key_ref::kind::text: return db_key::text(std::string(key.bytes()));
    case key_ref::kind::blob: return db_key::blob(std::string(key.bytes()));
    }
    return {};
}

FLYTECACHE_INLINE db_key column_key(const statement& s, int key_col, int raw_col) {
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

FLYTECACHE_INLINE std::optional<std::string> column_tag(const statement& q, int col) {
    switch (q.column_type(col)) {
    case SQLITE_NULL: return std::nullopt;
    case SQLITE_INTEGER: return std::to_string(q.column_int(col));
    case SQLITE_FLOAT: return std::to_string(q.column_double(col));
    case SQLITE_TEXT: return std::string(q.column_text(col));
    default: return std::string(q.column_blob(col));
    }
}

FLYTECACHE_INLINE stored_entry_info column_entry_info(const statement& q, int first) {
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
    const std::int64_t size = info.filename ? q.column_int(first + 9) : q.column_int(first + 10);
    info.value_size = static_cast<std::uint64_t>(std::max<std::int64_t>(0, size));
    return info;
}

FLYTECACHE_INLINE std::string universal_newlines(std::string text) {
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

FLYTECACHE_INLINE damaged_entry_error damaged_value(std::string_view db_path,
                                                    const std::string& what) {
    return damaged_entry_error("flytecache: sqlite_store '" + std::string(db_path) +
                               "': a damaged entry: its row names " + what +
                               "; check(true) removes such rows");
}

FLYTECACHE_INLINE store_error damaged_row(std::string_view db_path, const std::string& what) {
    return store_error("flytecache: sqlite_store '" + std::string(db_path) +
                       "': a Cache row holds " + what +
                       "; the database was not written by diskcache or flytecache");
}

FLYTECACHE_INLINE std::optional<std::string> read_value_file(const sqlite_files::value_files& files,
                                                             std::string_view db_path,
                                                             std::string_view relative,
                                                             std::int64_t recorded_size) {
    sqlite_files::read_result r = files.read(relative, recorded_size);
    switch (r.state) {
    case sqlite_files::read_result::status::ok: return std::move(r.bytes);
    case sqlite_files::read_result::status::missing: return std::nullopt;
    case sqlite_files::read_result::status::damaged: break;
    }
    throw damaged_value(db_path, r.problem);
}

FLYTECACHE_INLINE std::optional<cache_entry> read_row(const statement& q, int first, db_key key,
                                                      const sqlite_files::value_files& files,
                                                      std::string_view db_path) {
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
        return read_value_file(files, db_path, q.column_text(file_col), q.column_int(size_col));
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
        default: throw damaged_row(db_path, "a raw value that is NULL");
        }
        return e;
    case value_mode::binary:
    case value_mode::text:
        if (q.is_null(file_col)) {
            throw damaged_row(db_path, "a file-backed value without a filename");
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
                throw damaged_row(db_path, "a pickle without value or filename");
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
    throw damaged_row(db_path, "unknown storage mode " + std::to_string(mode));
}

FLYTECACHE_INLINE void bind_value(statement& s, int index, const prepared_value& p) {
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

FLYTECACHE_INLINE void bind_row(statement& q, const key_ref& key, double now,
                                std::optional<double> expire_time,
                                std::optional<std::string_view> tag, const prepared_value& p) {
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

FLYTECACHE_INLINE void upsert(connection& c, const key_ref& key, double now,
                              std::optional<double> expire_time,
                              std::optional<std::string_view> tag, const prepared_value& p) {
    auto q = c.use(stmt::upsert);
    bind_row(*q, key, now, expire_time, tag, p);
    q->run();
}

FLYTECACHE_INLINE void insert_row(connection& c, const key_ref& key, double now,
                                  std::optional<double> expire_time,
                                  std::optional<std::string_view> tag, const prepared_value& p) {
    auto q = c.use(stmt::insert);
    bind_row(*q, key, now, expire_time, tag, p);
    q->run();
}

FLYTECACHE_INLINE void update_row(connection& c, std::int64_t rowid, const key_ref& key, double now,
                                  std::optional<double> expire_time,
                                  std::optional<std::string_view> tag, const prepared_value& p,
                                  bool same_expiry) {
    auto q = c.use(same_expiry ? stmt::update_row_same_expiry : stmt::update_row);
    bind_row(*q, key, now, expire_time, tag, p);
    q->bind(10, rowid);
    q->run();
    if (c.changes() != 1) {
        // Not the row the caller selected in this transaction: never drop a write silently.
        throw store_error("flytecache: sqlite_store '" + c.path() + "': key " + key.describe() +
                          " changed under a write transaction");
    }
}

FLYTECACHE_INLINE void delete_rowid(connection& c, std::int64_t rowid) {
    auto d = c.use(stmt::delete_rowid);
    d->bind(1, rowid);
    d->run();
}

} // namespace detail::sqlite
FLYTECACHE_NAMESPACE_END
