// flytecache — thin RAII over the SQLite C API: a connection, its cached statements
// SPDX-License-Identifier: MIT
#pragma once

// Thin RAII over the SQLite C API: a connection, its cached statements, and the one mapping from
// SQLite result codes to flytecache errors.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/sqlite/statements.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

// The SQLite handle types, declared as <sqlite3.h> declares them: only the .ipp files parse the C
// API.
struct sqlite3;
struct sqlite3_stmt;
struct sqlite3_value;

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
[[noreturn]] void fail(int code, sqlite3* db, std::string_view path, std::string_view what);

/// One prepared statement. Bind indexes are 1-based, column indexes 0-based, as in SQLite.
class statement {
public:
    statement(sqlite3* db, std::string_view sql, std::string_view path);
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    ~statement();

    void bind_null(int index);
    void bind(int index, std::int64_t value);
    void bind(int index, double value);
    void bind_text(int index, std::string_view text);
    void bind_blob(int index, std::string_view bytes);
    /// Binds a copy of `value`, whatever its type.
    void bind_value(int index, const sqlite3_value* value);

    /// Runs one step: `true` when a row is ready, `false` when the statement is done.
    bool step();
    /// Steps to completion, ignoring rows.
    void run() {
        while (step()) {}
    }

    [[nodiscard]] int column_type(int i) const;
    [[nodiscard]] bool is_null(int i) const;
    [[nodiscard]] std::int64_t column_int(int i) const;
    [[nodiscard]] double column_double(int i) const;
    [[nodiscard]] std::string_view column_text(int i) const;
    [[nodiscard]] std::string_view column_blob(int i) const;
    /// Column `i` as SQLite holds it (valid until the next step or reset).
    [[nodiscard]] const sqlite3_value* column_value(int i) const;

    /// Makes the statement reusable and drops its bindings (the bound views may dangle after this).
    void reset() noexcept;

private:
    void check(int rc, const char* what);

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
std::string uri_path(std::string_view path);

/// One connection with a cache of prepared statements, one slot per `stmt` (so a hot-path
/// lookup is an array index, not a hash of the SQL text).
/// What the SQL function `flytecache_replaced` (see `connection::replaced_row_function`) saw of
/// the row an UPDATE by key replaces: the old values a SELECT before it would have read.
struct replaced_row {
    bool seen = false;    ///< a row with the key exists
    bool matched = false; ///< … and its expire_time is the new one: the UPDATE replaces it
    std::optional<std::string> filename;
    std::int64_t size = 0; ///< OLD.size, when an integer
    /// OLD.size when it is not an integer (never diskcache's), as stored.
    std::unique_ptr<sqlite3_value, void (*)(sqlite3_value*)> odd_size{nullptr, nullptr};

    void clear() noexcept {
        seen = matched = false;
        filename.reset();
        odd_size.reset();
    }
};

class connection {
public:
    connection(std::string path, int busy_timeout_ms, open_mode mode = open_mode::read_write);
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection();

    /// Abandons the handle without closing it. Used in a forked child: closing a connection the
    /// parent opened could checkpoint or delete the parent's WAL file under it.
    void abandon() noexcept;

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
    void forget_statements() noexcept;

    /// The record of `flytecache_replaced(key, ?key, raw, expire_time, ?expire_time, filename,
    /// size)`, registered on this connection on first call (which expires its statements): true
    /// for the row of the key with that expiry, whose old filename and size it records; it only
    /// notes that the key exists when the expiry differs. Lets an UPDATE by key do the work of the
    /// SELECT before it (diskcache's own write selects, then updates by rowid).
    replaced_row& replaced_row_function();

    /// Executes SQL text that returns no rows the caller needs (DDL, PRAGMA, BEGIN …).
    void exec(std::string_view sql);

    /// The settings generation whose PRAGMAs this connection has applied (see sqlite_store).
    unsigned generation = 0;

    [[nodiscard]] std::int64_t changes() const noexcept;

private:
    std::string path_;
    sqlite3* db_ = nullptr;
    std::array<std::unique_ptr<statement>, statement_count> statements_{};
    std::unique_ptr<replaced_row> replaced_; // before the handle closes: SQLite holds a pointer
};

} // namespace sqlite
} // namespace detail
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/sqlite/connection.ipp>
#endif
