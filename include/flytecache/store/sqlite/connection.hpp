// flytecache — thin RAII over the SQLite C API: a connection, its cached statements
// SPDX-License-Identifier: MIT
#pragma once

// Thin RAII over the SQLite C API: a connection, its cached statements, and the one mapping from
// SQLite result codes to flytecache errors.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/sqlite/statements.hpp>

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

/// Seconds since the Unix epoch, as diskcache's `time.time()` (store, access and expiry times).
inline double unix_now() noexcept {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

namespace sqlite {

/// Throws the flytecache error that matches an SQLite result code: lock contention becomes a
/// timeout (the caller may retry), everything else a store_error naming the file and operation.
[[noreturn]] inline void fail(int code, sqlite3* db, std::string_view path, std::string_view what) {
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

/// One prepared statement. Bind indexes are 1-based, column indexes 0-based, as in SQLite.
class statement {
public:
    statement(sqlite3* db, std::string_view sql, std::string_view path) : db_(db), path_(path) {
        const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                          SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
        if (rc != SQLITE_OK) {
            fail(rc, db, path, std::string("preparing \"").append(sql).append("\""));
        }
    }
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    ~statement() { sqlite3_finalize(stmt_); }

    void bind_null(int index) { check(sqlite3_bind_null(stmt_, index), "bind"); }
    void bind(int index, std::int64_t value) {
        check(sqlite3_bind_int64(stmt_, index, value), "bind");
    }
    void bind(int index, double value) { check(sqlite3_bind_double(stmt_, index, value), "bind"); }
    void bind_text(int index, std::string_view text) {
        check(
            sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8),
            "bind");
    }
    void bind_blob(int index, std::string_view bytes) {
        // A zero-length blob must still be a BLOB (not NULL), so pass a non-null pointer.
        check(sqlite3_bind_blob64(stmt_, index, bytes.empty() ? "" : bytes.data(), bytes.size(),
                                  SQLITE_STATIC),
              "bind");
    }

    /// Runs one step: `true` when a row is ready, `false` when the statement is done.
    bool step() {
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
    /// Steps to completion, ignoring rows.
    void run() {
        while (step()) {}
    }

    [[nodiscard]] int column_type(int i) const { return sqlite3_column_type(stmt_, i); }
    [[nodiscard]] bool is_null(int i) const { return column_type(i) == SQLITE_NULL; }
    [[nodiscard]] std::int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
    [[nodiscard]] double column_double(int i) const { return sqlite3_column_double(stmt_, i); }
    [[nodiscard]] std::string_view column_text(int i) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
        return {p != nullptr ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))};
    }
    [[nodiscard]] std::string_view column_blob(int i) const {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, i));
        return {p != nullptr ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))};
    }

    /// Makes the statement reusable and drops its bindings (the bound views may dangle after this).
    void reset() noexcept {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

private:
    void check(int rc, const char* what) {
        if (rc != SQLITE_OK) {
            fail(rc, db_, path_, what);
        }
    }

    sqlite3* db_;
    std::string_view path_;
    sqlite3_stmt* stmt_ = nullptr;
};

/// A statement in use: resets it (and so releases read locks and bindings) however the scope ends.
class use {
public:
    explicit use(statement& s) noexcept : s_(&s) {}
    use(use&& other) noexcept : s_(std::exchange(other.s_, nullptr)) {}
    use(const use&) = delete;
    use& operator=(const use&) = delete;
    use& operator=(use&&) = delete;
    ~use() {
        if (s_ != nullptr) {
            s_->reset();
        }
    }
    statement* operator->() noexcept { return s_; }
    statement& operator*() noexcept { return *s_; }

private:
    statement* s_;
};

/// How a connection opens its database file.
enum class open_mode {
    read_write, ///< creates the file if missing
    /// `SQLITE_OPEN_READWRITE` without `SQLITE_OPEN_CREATE`: opens an existing file only.
    read_write_existing,
    /// `SQLITE_OPEN_READONLY`: the file is opened O_RDONLY, so nothing (no statement, PRAGMA or
    /// checkpoint) can change it, and locking works as for any reader.
    read_only,
    /// Read-only and `immutable=1`: no locks and no -wal/-shm files at all. Only for a WAL
    /// database with no -wal file in a directory this process cannot write, which SQLite cannot
    /// otherwise read (it needs to create the -shm file); see sqlite_store's `read_only`.
    read_only_immutable,
};

/// `path` as the path of an SQLite `file:` URI: '%', '?' and '#' (and anything else outside the
/// unreserved set and '/') percent-encoded.
inline std::string uri_path(std::string_view path) {
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

/// One connection with a cache of prepared statements, one slot per `stmt` (so a hot-path
/// lookup is an array index, not a hash of the SQL text).
class connection {
public:
    connection(std::string path, int busy_timeout_ms, open_mode mode = open_mode::read_write)
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
            name =
                (path_.starts_with('/') ? "file://" : "file:") + uri_path(path_) + "?immutable=1";
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
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() {
        for (auto& s : statements_) {
            s.reset();
        }
        sqlite3_close(db_);
    }

    /// Abandons the handle without closing it. Used in a forked child: closing a connection the
    /// parent opened could checkpoint or delete the parent's WAL file under it.
    void abandon() noexcept {
        for (auto& s : statements_) {
            [[maybe_unused]] auto* leaked = s.release();
        }
        db_ = nullptr;
    }

    [[nodiscard]] sqlite3* handle() const noexcept { return db_; }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

    /// The cached statement `id`, prepared from its SQL in `statement_table` on first use.
    statement& prepared(stmt id) {
        auto& slot = statements_[static_cast<std::size_t>(id)];
        if (!slot) {
            slot = std::make_unique<statement>(db_, sql_of(id), path_);
        }
        return *slot;
    }
    /// The cached statement `id`, reset however the caller's scope ends.
    [[nodiscard]] sqlite::use use(stmt id) { return sqlite::use(prepared(id)); }
    /// Drops every cached statement (after a schema change other statements may refer to).
    void forget_statements() noexcept {
        for (auto& s : statements_) {
            s.reset();
        }
    }

    /// Executes SQL text that returns no rows the caller needs (DDL, PRAGMA, BEGIN …).
    void exec(std::string_view sql) {
        statement s(db_, sql, path_);
        s.run();
    }

    /// The settings generation whose PRAGMAs this connection has applied (see sqlite_store).
    unsigned generation = 0;

    [[nodiscard]] std::int64_t changes() const noexcept { return sqlite3_changes64(db_); }

private:
    std::string path_;
    sqlite3* db_ = nullptr;
    std::array<std::unique_ptr<statement>, statement_count> statements_{};
};

} // namespace sqlite
} // namespace detail
FLYTECACHE_NAMESPACE_END
