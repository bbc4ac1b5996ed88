// flytecache — opening an SQLite cache (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/store/sqlite/open.hpp>
#include <flytecache/store/sqlite/schema.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::sqlite {

FLYTECACHE_INLINE void require_existing(const engine& e, std::string_view who) {
    std::error_code ec;
    if (!std::filesystem::is_directory(e.dir, ec)) {
        throw store_error("flytecache: sqlite_store: cache directory '" + e.dir.string() +
                          "' does not exist; " + std::string(who) + " never creates one");
    }
    if (!std::filesystem::is_regular_file(e.db_path, ec)) {
        throw store_error("flytecache: sqlite_store: '" + e.dir.string() + "' holds no cache.db; " +
                          std::string(who) + " opens an existing cache and never creates one");
    }
}

FLYTECACHE_INLINE void require_diskcache_tables(const engine& e, connection& c,
                                                std::string_view who) {
    statement q(c.handle(),
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                "('Cache', 'Settings')",
                c.path());
    if (!q.step() || q.column_int(0) != 2) {
        throw store_error("flytecache: sqlite_store '" + e.db_path +
                          "': not a diskcache database (it has no Cache and Settings "
                          "tables); " +
                          std::string(who) + " does not create them");
    }
}

FLYTECACHE_INLINE bool wal_header(const engine& e) {
    std::ifstream in(e.db_path, std::ios::binary);
    char header[20] = {};
    return in.read(header, sizeof header) && header[18] == 2 && header[19] == 2;
}

FLYTECACHE_INLINE void open_read_only(engine& e) {
    if (!given_settings(e.opts).empty()) {
        throw invalid_argument("flytecache: sqlite_store: options.read_only with a setting "
                               "(size_limit, statistics, …): a read-only store writes no "
                               "settings; open it without them");
    }
    require_existing(e, "a read-only store");
    std::error_code ec;
    // A WAL reader needs the -shm file, which SQLite creates beside cache.db when it is
    // missing; where it cannot (a directory this process may not write), a database whose
    // -wal file is absent has every committed page in cache.db itself, and is read as
    // immutable. With a -wal file present, SQLite reads it through a private copy of the
    // index instead, so locks still work.
    if (wal_header(e) && !std::filesystem::exists(e.db_path + "-wal", ec) &&
        ::access(e.dir.c_str(), W_OK) != 0) {
        e.connection_mode = open_mode::read_only_immutable;
    } else {
        e.connection_mode = open_mode::read_only;
    }
    connection c(e.db_path, e.busy_ms, e.connection_mode);
    require_diskcache_tables(e, c, "a read-only store");
    statement q(c.handle(), "SELECT key, value FROM Settings", c.path());
    while (q.step()) {
        e.apply_in_memory(q.column_text(0), column_setting(q, 1));
    }
    statement ps(c.handle(), "PRAGMA page_size", c.path());
    if (ps.step()) {
        e.page_size = ps.column_int(0);
    }
}

FLYTECACHE_INLINE void open_cache(engine& e) {
    if (e.opts.read_only) {
        open_read_only(e);
        return;
    }
    if (!e.opts.create_if_missing) {
        require_existing(e, "a store opened with create_if_missing = false");
    } else {
        std::error_code ec;
        std::filesystem::create_directories(e.dir, ec);
        if (!std::filesystem::is_directory(e.dir)) {
            throw store_error("flytecache: sqlite_store: cache directory '" + e.dir.string() +
                              "' does not exist and could not be created" +
                              (ec ? ": " + ec.message() : std::string()));
        }
    }
    // Pooled connections open the same way: one that may not create never creates cache.db.
    e.connection_mode =
        e.opts.create_if_missing ? open_mode::read_write : open_mode::read_write_existing;
    connection c(e.db_path, e.busy_ms, e.connection_mode);
    if (!e.opts.create_if_missing) {
        require_diskcache_tables(e, c, "a store opened with create_if_missing = false");
    }
    refuse_foreign(c);
    const std::set<std::string, std::less<>> objects = schema_objects(c);
    // Settings precedence as in diskcache: defaults < stored < given.
    std::map<std::string, setting_value, std::less<>> stored;
    if (objects.count("Settings") != 0) {
        statement q(c.handle(), "SELECT key, value FROM Settings", c.path());
        while (q.step()) {
            stored[std::string(q.column_text(0))] = column_setting(q, 1);
        }
    }
    std::map<std::string, setting_value, std::less<>> sets = default_settings();
    for (const auto& [name, value] : stored) {
        sets[name] = value;
    }
    for (auto& [name, value] : given_settings(e.opts)) {
        sets[name] = std::move(value);
    }
    for (const char* meta : {"count", "size", "hits", "misses"}) {
        sets.erase(meta);
    }
    // Only what this program asks for is validated: values Python stored are taken as they
    // are, as Python takes them (a REAL size_limit, a pragma written as text …).
    for (const auto& [name, value] : given_settings(e.opts)) {
        validate_setting(name, value);
    }
    // PRAGMAs first: auto_vacuum only takes effect before the first table exists. One that
    // already holds is not set again (setting the journal mode would write).
    for (const auto& [name, value] : sets) {
        if (name.starts_with("sqlite_")) {
            const std::string pragma = name.substr(7);
            statement cur(c.handle(), "PRAGMA " + pragma, c.path());
            const bool same = cur.step() && column_setting(cur, 0) == normalized_pragma(value);
            cur.reset();
            const auto sql_value = setting_sql(value);
            if (!same && sql_value) {
                statement set_pragma(c.handle(), "PRAGMA " + pragma + " = " + *sql_value, c.path());
                set_pragma.run();
            }
        }
    }
    for (const auto& [name, value] : sets) {
        e.apply_in_memory(name, value);
    }
    {
        statement q(c.handle(), "PRAGMA page_size", c.path());
        if (q.step()) {
            e.page_size = q.column_int(0);
        }
    }
    // Writes only what differs from the file: a store reopened with the settings it has
    // writes nothing, so a cache on a full disk still opens (and can be cleared).
    std::vector<std::pair<std::string, const setting_value*>> changed;
    for (const auto& [name, value] : sets) {
        const auto it = stored.find(name);
        if (it == stored.end() || !(it->second == value)) changed.emplace_back(name, &value);
    }
    std::vector<const char*> missing_meta;
    for (const char* meta : {"count", "size", "hits", "misses"}) {
        if (stored.count(meta) == 0) missing_meta.push_back(meta);
    }
    const auto tag_index = std::get_if<std::int64_t>(&sets["tag_index"]);
    const bool want_tag_index = tag_index != nullptr && *tag_index != 0;
    std::vector<std::string> ddl;
    for (const auto& [object, sql] : schema_ddl()) {
        if (objects.count(object) == 0) ddl.emplace_back(sql);
    }
    if (const char* index = policy_index_name(e.policy.load());
        index != nullptr && objects.count(std::string_view(index)) == 0) {
        ddl.emplace_back("policy");
    }
    if (want_tag_index != (objects.count("Cache_tag_rowid") != 0)) {
        ddl.emplace_back(want_tag_index
                             ? "CREATE INDEX IF NOT EXISTS Cache_tag_rowid ON Cache(tag, rowid)"
                             : "DROP INDEX IF EXISTS Cache_tag_rowid");
    }
    if (changed.empty() && missing_meta.empty() && ddl.empty()) {
        return;
    }
    c.exec("BEGIN IMMEDIATE");
    try {
        c.exec(settings_table_ddl);
        for (const auto& [name, value] : changed) {
            statement q(c.handle(), "INSERT OR REPLACE INTO Settings VALUES (?, ?)", c.path());
            q.bind_text(1, name);
            bind_setting(q, 2, *value);
            q.run();
        }
        for (const char* meta : missing_meta) {
            statement q(c.handle(), "INSERT OR IGNORE INTO Settings VALUES (?, 0)", c.path());
            q.bind_text(1, meta);
            q.run();
        }
        for (const auto& sql : ddl) {
            if (sql == "policy") {
                create_policy_index(c, e.policy.load());
            } else {
                c.exec(sql);
            }
        }
        c.exec("COMMIT");
    } catch (...) {
        sqlite3_exec(c.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

} // namespace detail::sqlite
FLYTECACHE_NAMESPACE_END
