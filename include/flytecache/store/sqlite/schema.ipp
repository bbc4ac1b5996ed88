// flytecache — the SQLite store's schema and settings (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/detail/saturating.hpp>
#include <flytecache/store/sqlite/schema.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::sqlite {

FLYTECACHE_INLINE setting_value column_setting(const statement& s, int col) {
    switch (s.column_type(col)) {
    case SQLITE_INTEGER: return s.column_int(col);
    case SQLITE_FLOAT: return s.column_double(col);
    case SQLITE_NULL: return std::monostate{};
    default: return std::string(s.column_text(col));
    }
}

FLYTECACHE_INLINE void bind_setting(statement& s, int index, const setting_value& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) {
        s.bind(index, *i);
    } else if (const auto* d = std::get_if<double>(&v)) {
        s.bind(index, *d);
    } else if (const auto* t = std::get_if<std::string>(&v)) {
        s.bind_text(index, *t);
    } else {
        s.bind_null(index);
    }
}

FLYTECACHE_INLINE std::int64_t as_count(const setting_value& v) noexcept {
    if (const auto* i = std::get_if<std::int64_t>(&v)) {
        return *i;
    }
    if (const auto* d = std::get_if<double>(&v)) {
        return saturating_int64(*d); // Python may store any REAL, 1e300 included
    }
    return 0;
}

FLYTECACHE_INLINE std::string lowercase(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return s;
}

FLYTECACHE_INLINE setting_value normalized_pragma(const setting_value& v) {
    if (const auto* s = std::get_if<std::string>(&v)) {
        return lowercase(*s);
    }
    return v;
}

FLYTECACHE_INLINE std::optional<std::string> setting_sql(const setting_value& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) {
        return std::to_string(*i);
    }
    if (const auto* d = std::get_if<double>(&v); d != nullptr && std::isfinite(*d)) {
        return std::to_string(saturating_int64(*d)); // a REAL of any size
    }
    if (const auto* t = std::get_if<std::string>(&v);
        t != nullptr && !t->empty() && std::all_of(t->begin(), t->end(), [](unsigned char ch) {
            return std::isalnum(ch) != 0 || ch == '_';
        })) {
        return lowercase(*t);
    }
    return std::nullopt;
}

FLYTECACHE_INLINE const char* policy_index_name(eviction_policy p) {
    switch (p) {
    case eviction_policy::none: return nullptr;
    case eviction_policy::least_recently_stored: return "Cache_store_time";
    case eviction_policy::least_recently_used: return "Cache_access_time";
    case eviction_policy::least_frequently_used: return "Cache_access_count";
    }
    return nullptr;
}

FLYTECACHE_INLINE void create_policy_index(connection& c, eviction_policy p) {
    switch (p) {
    case eviction_policy::none: break;
    case eviction_policy::least_recently_stored:
        c.exec("CREATE INDEX IF NOT EXISTS Cache_store_time ON Cache (store_time)");
        break;
    case eviction_policy::least_recently_used:
        c.exec("CREATE INDEX IF NOT EXISTS Cache_access_time ON Cache (access_time)");
        break;
    case eviction_policy::least_frequently_used:
        c.exec("CREATE INDEX IF NOT EXISTS Cache_access_count ON Cache (access_count)");
        break;
    }
}

FLYTECACHE_INLINE std::optional<setting_value> read_setting(connection& c, std::string_view name) {
    auto q = c.use(stmt::read_setting);
    q->bind_text(1, name);
    if (!q->step()) {
        return std::nullopt;
    }
    return column_setting(*q, 0);
}

FLYTECACHE_INLINE bool synchronous_full(const setting_value& value) {
    if (const auto* i = std::get_if<std::int64_t>(&value)) return *i >= 2;
    if (const auto* d = std::get_if<double>(&value)) return *d >= 2;
    if (const auto* t = std::get_if<std::string>(&value)) {
        const std::string v = lowercase(*t);
        return v == "full" || v == "extra" || v == "2" || v == "3";
    }
    return false;
}

FLYTECACHE_INLINE std::set<std::string, std::less<>> schema_objects(connection& c) {
    std::set<std::string, std::less<>> out;
    statement q(c.handle(), "SELECT name FROM sqlite_master", c.path());
    while (q.step()) {
        out.emplace(q.column_text(0));
    }
    return out;
}

FLYTECACHE_INLINE void refuse_foreign(connection& c) {
    statement q(c.handle(),
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('Settings', "
                "'Cache', 'flytecache_reservations') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                "ORDER BY name",
                c.path());
    std::string foreign;
    while (q.step()) {
        foreign += (foreign.empty() ? "" : ", ") + std::string(q.column_text(0));
    }
    if (!foreign.empty()) {
        throw store_error("flytecache: sqlite_store '" + std::string(c.path()) +
                          "': not a diskcache database: it holds the tables " + foreign +
                          ", which diskcache never creates; it was left untouched (give "
                          "the store a directory of its own)");
    }
}

FLYTECACHE_INLINE const std::vector<std::pair<std::string_view, std::string_view>>& schema_ddl() {
    static const std::vector<std::pair<std::string_view, std::string_view>> ddl = {
        {"Cache", "CREATE TABLE IF NOT EXISTS Cache ( rowid INTEGER PRIMARY KEY, key BLOB, raw "
                  "INTEGER, store_time REAL, expire_time REAL, access_time REAL, access_count "
                  "INTEGER DEFAULT 0, tag BLOB, size INTEGER DEFAULT 0, mode INTEGER DEFAULT 0, "
                  "filename TEXT, value BLOB)"},
        {"Cache_key_raw", "CREATE UNIQUE INDEX IF NOT EXISTS Cache_key_raw ON Cache(key, raw)"},
        {"Cache_expire_time",
         "CREATE INDEX IF NOT EXISTS Cache_expire_time ON Cache (expire_time)"},
        {"Settings_count_insert",
         "CREATE TRIGGER IF NOT EXISTS Settings_count_insert AFTER INSERT ON Cache FOR "
         "EACH ROW BEGIN UPDATE Settings SET value = value + 1 WHERE key = \"count\"; END"},
        {"Settings_count_delete",
         "CREATE TRIGGER IF NOT EXISTS Settings_count_delete AFTER DELETE ON Cache FOR "
         "EACH ROW BEGIN UPDATE Settings SET value = value - 1 WHERE key = \"count\"; END"},
        {"Settings_size_insert",
         "CREATE TRIGGER IF NOT EXISTS Settings_size_insert AFTER INSERT ON Cache FOR "
         "EACH ROW BEGIN UPDATE Settings SET value = value + NEW.size WHERE key = "
         "\"size\"; END"},
        {"Settings_size_update",
         "CREATE TRIGGER IF NOT EXISTS Settings_size_update AFTER UPDATE ON Cache FOR "
         "EACH ROW BEGIN UPDATE Settings SET value = value + NEW.size - OLD.size WHERE "
         "key = \"size\"; END"},
        {"Settings_size_delete",
         "CREATE TRIGGER IF NOT EXISTS Settings_size_delete AFTER DELETE ON Cache FOR "
         "EACH ROW BEGIN UPDATE Settings SET value = value - OLD.size WHERE key = "
         "\"size\"; END"},
    };
    return ddl;
}

FLYTECACHE_INLINE std::map<std::string, setting_value, std::less<>> default_settings() {
    using d = diskcache_defaults;
    return {
        {"statistics", std::int64_t{0}},
        {"tag_index", std::int64_t{0}},
        {"eviction_policy", std::string("least-recently-stored")},
        {"size_limit", d::size_limit},
        {"cull_limit", d::cull_limit},
        {"sqlite_auto_vacuum", d::sqlite_auto_vacuum},
        {"sqlite_cache_size", d::sqlite_cache_size},
        {"sqlite_journal_mode", std::string("wal")},
        {"sqlite_mmap_size", d::sqlite_mmap_size},
        {"sqlite_synchronous", d::sqlite_synchronous},
        {"disk_min_file_size", d::disk_min_file_size},
        {"disk_pickle_protocol", d::disk_pickle_protocol},
    };
}

FLYTECACHE_INLINE std::vector<std::pair<std::string, setting_value>>
given_settings(const sqlite_store_options& opts) {
    std::vector<std::pair<std::string, setting_value>> out;
    auto add_int = [&](const char* name, const std::optional<std::int64_t>& v) {
        if (v) {
            out.emplace_back(name, *v);
        }
    };
    add_int("size_limit", opts.size_limit);
    add_int("cull_limit", opts.cull_limit);
    if (opts.eviction_policy) {
        out.emplace_back("eviction_policy", std::string(to_string(*opts.eviction_policy)));
    }
    if (opts.statistics) {
        out.emplace_back("statistics", std::int64_t{*opts.statistics ? 1 : 0});
    }
    if (opts.tag_index) {
        out.emplace_back("tag_index", std::int64_t{*opts.tag_index ? 1 : 0});
    }
    add_int("disk_min_file_size", opts.min_file_size);
    add_int("disk_pickle_protocol", opts.pickle_protocol);
    add_int("sqlite_cache_size", opts.sqlite_cache_size);
    add_int("sqlite_mmap_size", opts.sqlite_mmap_size);
    add_int("sqlite_synchronous", opts.sqlite_synchronous);
    add_int("sqlite_auto_vacuum", opts.sqlite_auto_vacuum);
    if (opts.sqlite_journal_mode) {
        out.emplace_back("sqlite_journal_mode", *opts.sqlite_journal_mode);
    }
    return out;
}

FLYTECACHE_INLINE void validate_setting(std::string_view name, const setting_value& value) {
    auto need_int = [&] {
        if (!std::holds_alternative<std::int64_t>(value)) {
            throw invalid_argument("flytecache: sqlite_store: setting '" + std::string(name) +
                                   "' must be an integer");
        }
    };
    if (name == "eviction_policy") {
        const auto* s = std::get_if<std::string>(&value);
        if (s == nullptr) {
            throw invalid_argument("flytecache: sqlite_store: setting 'eviction_policy' "
                                   "must be a string");
        }
        (void)parse_eviction_policy(*s);
    } else if (name == "size_limit" || name == "cull_limit" || name == "disk_min_file_size" ||
               name == "statistics" || name == "tag_index") {
        need_int();
        if (std::get<std::int64_t>(value) < 0) {
            throw invalid_argument("flytecache: sqlite_store: setting '" + std::string(name) +
                                   "' must not be negative");
        }
    } else if (name == "sqlite_journal_mode") {
        const auto* s = std::get_if<std::string>(&value);
        static constexpr std::string_view modes[] = {"delete", "truncate", "persist",
                                                     "memory", "wal",      "off"};
        if (s == nullptr ||
            std::find(std::begin(modes), std::end(modes), lowercase(*s)) == std::end(modes)) {
            throw invalid_argument("flytecache: sqlite_store: setting 'sqlite_journal_mode' "
                                   "must be one of delete, truncate, persist, memory, wal, off");
        }
    } else if (name.starts_with("sqlite_")) {
        need_int(); // keeps PRAGMA text built from settings free of anything but numbers
    }
}

} // namespace detail::sqlite
FLYTECACHE_NAMESPACE_END
