// flytecache — CLI: finding the cache directory and opening it without ever creating one
// SPDX-License-Identifier: MIT
#pragma once

#include "text.hpp"

#include <sqlite3.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include <unistd.h>

namespace flytecache_cli {

/// A failure the CLI reports as `flytecache: <message>` with exit status 1.
class cli_error : public fc::error {
public:
    using fc::error::error;
};

/// `--dir`, with a leading `~/` taken from $HOME (a shell leaves `--dir=~/x` alone); without it,
/// flytekit's local cache, `~/.flyte/local-cache`.
[[nodiscard]] inline std::filesystem::path
resolve_cache_dir(const std::optional<std::string>& dir) {
    if (!dir) {
        return fc::default_local_cache_location();
    }
    std::filesystem::path p = *dir;
    if (*dir == "~" || dir->starts_with("~/")) {
        const char* home = std::getenv("HOME"); // NOLINT(concurrency-mt-unsafe): read at startup
        if (home == nullptr || *home == '\0') {
            throw cli_error("flytecache: HOME is not set, so '" + *dir + "' cannot be expanded");
        }
        p = std::filesystem::path(home) / dir->substr(dir->size() > 1 ? 2 : 1);
    }
    // "cache/" and "cache" name one directory; without the trailing '/' paths under it (which
    // messages show relative to it) compare as they should.
    p = p.lexically_normal();
    if (!p.has_filename() && p.has_relative_path()) {
        p = p.parent_path();
    }
    return p;
}

/// Whether `dir` holds a cache: the directory and its cache.db exist (nothing is opened).
[[nodiscard]] inline bool cache_exists(const std::filesystem::path& dir) {
    std::error_code ec;
    return std::filesystem::is_directory(dir, ec) &&
           std::filesystem::is_regular_file(dir / "cache.db", ec);
}

namespace detail {

// sqlite_store opens with SQLITE_OPEN_CREATE and adds diskcache's tables to whatever database it
// finds, which is right for a program that uses a cache and wrong for a tool asked to look at
// one. So the file is first opened as it is (no create) and must already hold a Cache table.
inline void require_diskcache_database(const std::filesystem::path& db) {
    sqlite3* handle = nullptr;
    const int rc = sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr);
    struct closer {
        sqlite3* h;
        ~closer() { sqlite3_close(h); }
    } close_it{handle};
    auto fail = [&](int code) {
        const std::string reason =
            handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(code);
        const int primary = code & 0xff;
        if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
            throw cli_error("flytecache: '" + db.string() +
                            "' is damaged or not an SQLite database (" + reason +
                            "); move it aside and flytekit starts an empty cache");
        }
        throw cli_error("flytecache: cannot read '" + db.string() + "': " + reason);
    };
    if (rc != SQLITE_OK) {
        fail(rc);
    }
    sqlite3_busy_timeout(handle, 60000);
    sqlite3_stmt* q = nullptr;
    int step_rc = sqlite3_prepare_v2(handle,
                                     "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                     "name IN ('Cache', 'Settings')",
                                     -1, &q, nullptr);
    if (step_rc != SQLITE_OK) {
        fail(step_rc);
    }
    step_rc = sqlite3_step(q);
    const bool has_tables = step_rc == SQLITE_ROW && sqlite3_column_int(q, 0) == 2;
    sqlite3_finalize(q);
    if (step_rc != SQLITE_ROW) {
        fail(step_rc);
    }
    if (!has_tables) {
        throw cli_error("flytecache: '" + db.string() +
                        "' is an SQLite database but not a diskcache one (it has no Cache and "
                        "Settings tables)");
    }
}

} // namespace detail

/// Opens the cache in `dir` after checking that it is one; never creates a directory or a
/// database. @throws cli_error naming what is missing or damaged; store_error from the store.
[[nodiscard]] inline fc::sqlite_store open_cache(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
        throw cli_error("flytecache: no cache at '" + dir.string() +
                        "': the directory does not exist");
    }
    if (!std::filesystem::is_directory(dir, ec)) {
        throw cli_error("flytecache: '" + dir.string() + "' is not a directory");
    }
    if (!std::filesystem::exists(dir / "cache.db", ec)) {
        throw cli_error("flytecache: '" + dir.string() +
                        "' is not a cache directory: it has no cache.db");
    }
    if (!std::filesystem::is_regular_file(dir / "cache.db", ec)) {
        throw cli_error("flytecache: '" + (dir / "cache.db").string() + "' is not a file");
    }
    // Opening a cache records its settings in cache.db, as Python's diskcache does on open, so
    // even the commands that only read need write access; say so rather than let SQLite report
    // "attempt to write a readonly database".
    for (const auto& path : {dir, dir / "cache.db"}) {
        if (::access(path.c_str(), W_OK) != 0) {
            throw cli_error("flytecache: cannot open the cache in '" + dir.string() + "': '" +
                            path.string() + "' is not writable (" + std::strerror(errno) +
                            "); opening a cache records its settings in cache.db, as Python's "
                            "diskcache does, so every command needs write access");
        }
    }
    detail::require_diskcache_database(dir / "cache.db");
    // A command-line tool should not sit silently for diskcache's 60 s when another process holds
    // the write lock: wait a while, then say who is in the way.
    constexpr auto lock_wait = std::chrono::seconds(10);
    try {
        return fc::sqlite_store(fc::sqlite_store::options{.directory = dir, .timeout = lock_wait});
    } catch (const fc::timeout_error&) {
        throw cli_error("flytecache: the cache in '" + dir.string() +
                        "' stayed locked by another process for 10 s; try again when it is done");
    }
}

} // namespace flytecache_cli
