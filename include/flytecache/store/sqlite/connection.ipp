// flytecache — thin RAII over the SQLite C API (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/store/sqlite/connection.hpp>

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::sqlite {

FLYTECACHE_INLINE void fail(int code, sqlite3* db, std::string_view path, std::string_view what) {
    std::string message = "flytecache: sqlite_store '";
    message.append(path).append("': ").append(what).append(": ");
    message.append(db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code));
    message.append(" (SQLite code ").append(std::to_string(code)).append(")");
    const int primary = code & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
        message.append("; another thread or process held the database lock for longer than the "
                       "store's timeout");
        throw timeout_error(message);
    }
    if (primary == SQLITE_FULL) {
        message.append("; the disk is full: erase or clear entries (flytecache clear) to free "
                       "space");
        throw disk_full_error(message);
    }
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
        message.append("; the database file is damaged or is not a diskcache database — move it "
                       "aside (or delete the cache directory) and the cache starts empty");
    }
    throw store_error(message);
}

FLYTECACHE_INLINE statement::statement(sqlite3* db, std::string_view sql, std::string_view path)
    : db_(db), path_(path) {
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) {
        fail(rc, db, path, std::string("preparing \"").append(sql).append("\""));
    }
}

FLYTECACHE_INLINE statement::~statement() { sqlite3_finalize(stmt_); }

FLYTECACHE_INLINE void statement::bind_null(int index) {
    check(sqlite3_bind_null(stmt_, index), "bind");
}

FLYTECACHE_INLINE void statement::bind(int index, std::int64_t value) {
    check(sqlite3_bind_int64(stmt_, index, value), "bind");
}

FLYTECACHE_INLINE void statement::bind(int index, double value) {
    check(sqlite3_bind_double(stmt_, index, value), "bind");
}

FLYTECACHE_INLINE void statement::bind_text(int index, std::string_view text) {
    // An empty view may have a null pointer (std::string_view{}), which SQLite binds as NULL: a
    // NULL key would be a row no lookup finds. Empty text is '' (as bind_blob keeps a BLOB).
    check(sqlite3_bind_text64(stmt_, index, text.empty() ? "" : text.data(), text.size(),
                              SQLITE_STATIC, SQLITE_UTF8),
          "bind");
}

FLYTECACHE_INLINE void statement::bind_blob(int index, std::string_view bytes) {
    // A zero-length blob must still be a BLOB (not NULL), so pass a non-null pointer.
    check(sqlite3_bind_blob64(stmt_, index, bytes.empty() ? "" : bytes.data(), bytes.size(),
                              SQLITE_STATIC),
          "bind");
}

FLYTECACHE_INLINE void statement::bind_value(int index, const sqlite3_value* value) {
    check(sqlite3_bind_value(stmt_, index, value), "bind");
}

FLYTECACHE_INLINE bool statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    const std::string sql = sqlite3_sql(stmt_) != nullptr ? sqlite3_sql(stmt_) : "";
    sqlite3_reset(stmt_);
    fail(rc, db_, path_, std::string("executing \"").append(sql).append("\""));
}

FLYTECACHE_INLINE int statement::column_type(int i) const { return sqlite3_column_type(stmt_, i); }

FLYTECACHE_INLINE bool statement::is_null(int i) const { return column_type(i) == SQLITE_NULL; }

FLYTECACHE_INLINE std::int64_t statement::column_int(int i) const {
    return sqlite3_column_int64(stmt_, i);
}

FLYTECACHE_INLINE double statement::column_double(int i) const {
    return sqlite3_column_double(stmt_, i);
}

FLYTECACHE_INLINE std::string_view statement::column_text(int i) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return {p != nullptr ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))};
}

FLYTECACHE_INLINE std::string_view statement::column_blob(int i) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, i));
    return {p != nullptr ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))};
}

FLYTECACHE_INLINE const sqlite3_value* statement::column_value(int i) const {
    return sqlite3_column_value(stmt_, i);
}

FLYTECACHE_INLINE void statement::reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

FLYTECACHE_INLINE void statement::check(int rc, const char* what) {
    if (rc != SQLITE_OK) {
        fail(rc, db_, path_, what);
    }
}

FLYTECACHE_INLINE std::string uri_path(std::string_view path) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : path) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4U];
            out += hex[c & 0xFU];
        }
    }
    return out;
}

FLYTECACHE_INLINE connection::connection(std::string path, int busy_timeout_ms, open_mode mode)
    : path_(std::move(path)) {
    int flags = SQLITE_OPEN_NOMUTEX;
    std::string name = path_;
    switch (mode) {
    case open_mode::read_write: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
    case open_mode::read_write_existing: flags |= SQLITE_OPEN_READWRITE; break;
    case open_mode::read_only: flags |= SQLITE_OPEN_READONLY; break;
    case open_mode::read_only_immutable:
        flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
        // "file:///abs/path" or "file:rel/path": an empty authority keeps a path that
        // starts with "//" from reading as a host name.
        name = (path_.starts_with('/') ? "file://" : "file:") + uri_path(path_) + "?immutable=1";
        break;
    }
    const int rc = sqlite3_open_v2(name.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        const std::string reason = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw store_error("flytecache: sqlite_store: cannot open '" + path_ + "': " + reason);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    if (mode == open_mode::read_only || mode == open_mode::read_only_immutable) {
        // The last connection to close normally checkpoints the WAL into the database file;
        // a reader must leave that to the writers.
        sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    }
}

FLYTECACHE_INLINE connection::~connection() {
    for (auto& s : statements_) {
        s.reset();
    }
    sqlite3_close(db_);
}

FLYTECACHE_INLINE void connection::abandon() noexcept {
    for (auto& s : statements_) {
        [[maybe_unused]] auto* leaked = s.release();
    }
    db_ = nullptr;
}

FLYTECACHE_INLINE void connection::forget_statements() noexcept {
    for (auto& s : statements_) {
        s.reset();
    }
}

// Whether two SQL values are the same value of the same type (as `IS` compares keys and expiries
// here: text with text, REAL with REAL …).
FLYTECACHE_INLINE bool same_sql_value(sqlite3_value* a, sqlite3_value* b) {
    const int type = sqlite3_value_type(a);
    if (type != sqlite3_value_type(b)) {
        return false;
    }
    switch (type) {
    case SQLITE_NULL: return true;
    case SQLITE_INTEGER: return sqlite3_value_int64(a) == sqlite3_value_int64(b);
    case SQLITE_FLOAT: return sqlite3_value_double(a) == sqlite3_value_double(b);
    default: {
        const void* pa = type == SQLITE_TEXT ? static_cast<const void*>(sqlite3_value_text(a))
                                             : sqlite3_value_blob(a);
        const void* pb = type == SQLITE_TEXT ? static_cast<const void*>(sqlite3_value_text(b))
                                             : sqlite3_value_blob(b);
        const int n = sqlite3_value_bytes(a);
        return n == sqlite3_value_bytes(b) &&
               (n == 0 || std::memcmp(pa, pb, static_cast<std::size_t>(n)) == 0);
    }
    }
}

// flytecache_replaced(key, ?key, raw, expire_time, ?expire_time, filename, size): see
// connection::replaced_row_function. It checks the key and raw itself, so it records only the
// key's row whatever plan SQLite picks.
FLYTECACHE_INLINE void replaced_row_sql(sqlite3_context* ctx, int, sqlite3_value** v) {
    auto& r = *static_cast<replaced_row*>(sqlite3_user_data(ctx));
    if (!same_sql_value(v[0], v[1]) || sqlite3_value_type(v[2]) != SQLITE_INTEGER ||
        sqlite3_value_int64(v[2]) != 1) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    r.seen = true;
    // A stored REAL expiry equal to the new one, or both NULL: as write_many's same_expiry.
    const int old_type = sqlite3_value_type(v[3]);
    const int new_type = sqlite3_value_type(v[4]);
    const bool same_expiry = old_type == SQLITE_NULL
                                 ? new_type == SQLITE_NULL
                                 : old_type == SQLITE_FLOAT && new_type == SQLITE_FLOAT &&
                                       sqlite3_value_double(v[3]) == sqlite3_value_double(v[4]);
    if (!same_expiry) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    try {
        if (sqlite3_value_type(v[5]) != SQLITE_NULL) {
            const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(v[5]));
            r.filename.emplace(text != nullptr ? text : "",
                               static_cast<std::size_t>(sqlite3_value_bytes(v[5])));
        }
    } catch (...) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (sqlite3_value_type(v[6]) == SQLITE_INTEGER) {
        r.size = sqlite3_value_int64(v[6]);
    } else {
        r.odd_size = {sqlite3_value_dup(v[6]), sqlite3_value_free};
        if (!r.odd_size) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
    }
    r.matched = true;
    sqlite3_result_int(ctx, 1);
}

FLYTECACHE_INLINE replaced_row& connection::replaced_row_function() {
    if (!replaced_) {
        auto r = std::make_unique<replaced_row>();
        int flags = SQLITE_UTF8;
#if defined(SQLITE_DIRECTONLY)
        flags |= SQLITE_DIRECTONLY; // never from a trigger or view someone put in the file
#endif
        const int rc = sqlite3_create_function_v2(db_, "flytecache_replaced", 7, flags, r.get(),
                                                  replaced_row_sql, nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) {
            fail(rc, db_, path_, "registering flytecache_replaced");
        }
        replaced_ = std::move(r);
    }
    return *replaced_;
}

FLYTECACHE_INLINE void connection::exec(std::string_view sql) {
    statement s(db_, sql, path_);
    s.run();
}

FLYTECACHE_INLINE std::int64_t connection::changes() const noexcept {
    return sqlite3_changes64(db_);
}

} // namespace detail::sqlite
FLYTECACHE_NAMESPACE_END
