// flytecache — sqlite_store_options, how a sqlite_store opens its cache
// SPDX-License-Identifier: MIT
#pragma once

// sqlite_store_options: how a sqlite_store opens its cache and which diskcache settings it gives
// the cache.

#include <flytecache/config.hpp>
#include <flytecache/store/cache_store.hpp>
#include <flytecache/store/sqlite/vocabulary.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

FLYTECACHE_NAMESPACE_BEGIN

/// How `sqlite_store` opens a cache (`sqlite_store::options`). Kept apart from the store so that
/// the machinery in `store/sqlite/` needs only this, not the public class.
struct sqlite_store_options {
    /// The cache directory, created if missing unless `create_if_missing` is false (`~` and
    /// `$VARS` are not expanded here).
    std::filesystem::path directory;
    /// Create the directory, `cache.db` and diskcache's tables when they are missing (diskcache's
    /// behaviour). With `false` the store opens an existing cache only: no directory or database
    /// is created (the database is opened without `SQLITE_OPEN_CREATE`), and a directory without
    /// a `cache.db` holding diskcache's Cache and Settings tables is a `store_error` naming the
    /// path. In a cache that has them, what diskcache's schema lacks is still completed (missing
    /// indexes, triggers, Settings rows; the reservations table on first use), and settings given
    /// below are written. (`read_only` implies it and writes nothing.)
    bool create_if_missing = true;
    /// How long an operation waits for a lock held by another connection.
    float_seconds timeout = std::chrono::seconds(60);
    /// On a timeout, keep waiting instead of throwing (diskcache's `retry=True`).
    bool retry = false;
    /// Open an existing cache for reading only (none of the settings below may be given).
    ///
    /// The database is opened with `SQLITE_OPEN_READONLY`: SQLite itself refuses to change the
    /// file, and readers of a WAL database never wait for writers. Lookups count no hits or
    /// misses and update no access times; writing calls throw `store_error`. Settings are read
    /// from the Settings table as stored. Like any SQLite reader of a WAL database it may
    /// create the shared `cache.db-wal` and `cache.db-shm` files when they are missing (empty;
    /// the next writer uses them). In a directory it cannot write, where it could not create
    /// them, a database without a -wal file is read as `immutable` (without locks): correct
    /// unless a writer starts while it reads, which then would have to create the -wal file.
    /// Not `PRAGMA query_only` instead: it is a per-connection switch on a file still opened
    /// for writing (a checkpoint on close would write it); not `immutable` always: without
    /// locks it would read pages a writer is changing.
    /// @throws store_error from the constructor when the directory or its cache.db does not
    ///         exist or does not hold diskcache's tables (nothing is created).
    bool read_only = false;
    // Settings: empty means "as stored in the database, else diskcache's default". A value
    // given here is written to the Settings table, as diskcache's keyword settings are.
    std::optional<std::int64_t> size_limit{};
    std::optional<std::int64_t> cull_limit{};
    std::optional<flytecache::eviction_policy> eviction_policy{};
    std::optional<bool> statistics{};
    std::optional<bool> tag_index{};
    std::optional<std::int64_t> min_file_size{};
    std::optional<std::int64_t> pickle_protocol{};
    std::optional<std::int64_t> sqlite_cache_size{};
    std::optional<std::int64_t> sqlite_mmap_size{};
    std::optional<std::int64_t> sqlite_synchronous{};
    std::optional<std::int64_t> sqlite_auto_vacuum{};
    std::optional<std::string> sqlite_journal_mode{};
    /// How old a file in the cache directory that no row names must be before `check` calls
    /// it an orphan (and `check(true)` removes it). A write creates its value file before its
    /// row commits — and may wait up to `timeout` for the lock in between — so a younger one
    /// may be a write in flight, of this process or of another (diskcache's included). Keep
    /// it well beyond the longest lock wait of every writer.
    float_seconds orphan_grace = std::chrono::hours(1);
};

FLYTECACHE_NAMESPACE_END
