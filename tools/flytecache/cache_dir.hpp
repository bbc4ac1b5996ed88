// flytecache — CLI: finding the cache directory and opening it without ever creating one
// SPDX-License-Identifier: MIT
#pragma once

#include "text.hpp"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
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

/// The folder inside a cache directory where task output files ("blobs") are kept beside the
/// database. Its files are not diskcache's: `check` reports none of them as orphans, `stats` does
/// not count them as value or other files. (Removing them with the entries that refer to them is
/// the blob store's business, hooked in where `rm`, `prune` and `clear` end.)
inline constexpr std::string_view blob_area = "blobs";

/// Whether `path` (a file found under the cache directory `dir`) lies in the blob area.
[[nodiscard]] inline bool in_blob_area(const std::filesystem::path& dir,
                                       const std::filesystem::path& path) {
    const auto relative = path.lexically_normal().lexically_relative(dir.lexically_normal());
    return !relative.empty() && *relative.begin() == blob_area;
}

/// What a command does to the cache: looking only, or removing entries.
enum class cache_access { read_only, read_write };

namespace util {

// The store's message for a cache.db SQLite cannot read at all, as the tool words it: the reason
// (SQLite's text) without the statement, and what to do.
inline std::string unreadable_database(const std::filesystem::path& db, std::string_view what) {
    for (const std::string_view reason : {std::string_view("file is not a database"),
                                          std::string_view("database disk image is malformed")}) {
        if (what.find(reason) != std::string_view::npos) {
            return "flytecache: '" + db.string() + "' is damaged or not an SQLite database (" +
                   std::string(reason) + "); move it aside and flytekit starts an empty cache";
        }
    }
    return std::string(what);
}

// Checked before opening for writing, so the message says what is missing and which commands
// still work, rather than SQLite's "attempt to write a readonly database" half-way through.
inline void require_writable(const std::filesystem::path& dir) {
    for (const auto& path : {dir, dir / "cache.db"}) {
        if (::access(path.c_str(), W_OK) != 0) {
            throw cli_error("flytecache: cannot change the cache in '" + dir.string() + "': '" +
                            path.string() + "' is not writable (" + std::strerror(errno) +
                            "); ls, show, stats, check, explain and prune --dry-run only read "
                            "and work without write access");
        }
    }
}

} // namespace util

/// What a command says when another process kept the cache locked past the tool's 10 s wait.
[[nodiscard]] inline cli_error locked_error(const std::filesystem::path& dir) {
    return cli_error("flytecache: the cache in '" + dir.string() +
                     "' stayed locked by another process for 10 s; try again when it is done");
}

/// Opens the cache in `dir` after checking that it is one; never creates a directory or a
/// database, and never changes a database that is not diskcache's.
///
/// `read_only` opens it as a `sqlite_store` in read-only mode: nothing is written, and a writer
/// holding the lock (flytekit running a task) does not make the command wait. `read_write` first
/// does the same to check the database, then opens it for writing, waiting up to 10 s for the
/// write lock. @throws cli_error naming what is missing, damaged, locked or not writable;
/// store_error from the store.
[[nodiscard]] inline fc::sqlite_store open_cache(const std::filesystem::path& dir,
                                                 cache_access how) {
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
    // A command-line tool should not sit silently for diskcache's 60 s when another process holds
    // a lock: wait a while, then say who is in the way. (Readers of a WAL database wait only in
    // rare moments, such as another process recovering it after a crash.)
    constexpr auto lock_wait = std::chrono::seconds(10);
    auto open = [&](bool read_only) {
        try {
            // create_if_missing = false: the store itself refuses to create a database or to
            // take over one that is not diskcache's, whatever happens between the checks above
            // and the open.
            return fc::sqlite_store(fc::sqlite_store::options{.directory = dir,
                                                              .create_if_missing = false,
                                                              .timeout = lock_wait,
                                                              .read_only = read_only});
        } catch (const fc::timeout_error&) {
            throw locked_error(dir);
        } catch (const fc::store_error& e) {
            throw cli_error(util::unreadable_database(dir / "cache.db", e.what()));
        }
    };
    // Read-only first in both cases: opening for writing would add diskcache's tables to an
    // SQLite database that is not a cache, and the read-only store refuses such a database.
    auto store = open(true);
    if (how == cache_access::read_only) {
        return store;
    }
    util::require_writable(dir);
    return open(false);
}

} // namespace flytecache_cli
