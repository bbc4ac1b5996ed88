// flytecache — the SQLite store's schema and settings: diskcache's defaults and DDL
// SPDX-License-Identifier: MIT
#pragma once

// The SQLite store's schema and settings: diskcache's defaults and DDL, the settings' defaults,
// validation and SQL codecs, and the eviction policies' indexes.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/sqlite/connection.hpp>
#include <flytecache/store/sqlite/options.hpp>
#include <flytecache/store/sqlite/vocabulary.hpp>

#include <cstdint>
#include <functional>
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

/// diskcache's defaults (its DEFAULT_SETTINGS); the names are the Settings table's keys.
struct diskcache_defaults {
    static constexpr std::int64_t size_limit = std::int64_t{1} << 30;
    static constexpr std::int64_t cull_limit = 10;
    static constexpr std::int64_t sqlite_auto_vacuum = 1;
    static constexpr std::int64_t sqlite_cache_size = std::int64_t{1} << 13;
    static constexpr std::int64_t sqlite_mmap_size = std::int64_t{1} << 26;
    static constexpr std::int64_t sqlite_synchronous = 1;
    static constexpr std::int64_t disk_min_file_size = std::int64_t{1} << 15;
    // Python 3.8+'s pickle.HIGHEST_PROTOCOL; stored for Python's sake, flytecache never pickles.
    static constexpr std::int64_t disk_pickle_protocol = 5;
};

setting_value column_setting(const statement& s, int col);
void bind_setting(statement& s, int index, const setting_value& v);
// A counter of the Settings table as an integer (Python may have stored it as a REAL).
std::int64_t as_count(const setting_value& v) noexcept;
std::string lowercase(std::string s);
setting_value normalized_pragma(const setting_value& v);
// The value as PRAGMA text, or empty for what cannot go into SQL safely: settings come from a
// file another program may have written, so text must be a bare word (NORMAL, wal …).
std::optional<std::string> setting_sql(const setting_value& v);

const char* policy_index_name(eviction_policy p);
void create_policy_index(connection& c, eviction_policy p);
/// The Settings row `name`, or empty when the table has none.
std::optional<setting_value> read_setting(connection& c, std::string_view name);

// Whether a stored synchronous setting means FULL or EXTRA (Python may store it as text).
bool synchronous_full(const setting_value& value);

// The names of the tables, indexes and triggers in the database.
std::set<std::string, std::less<>> schema_objects(connection& c);

// A database with tables of its own is another program's: taking it over would add
// diskcache's tables and triggers and switch it to WAL. Nothing has been written yet.
void refuse_foreign(connection& c);

// diskcache's schema, object by object (the text is diskcache's, so `sqlite3 cache.db
// .schema` reads the same for caches created by either side).
const std::vector<std::pair<std::string_view, std::string_view>>& schema_ddl();

/// diskcache's Settings table (created before the settings are read, so not in `schema_ddl`).
inline constexpr std::string_view settings_table_ddl =
    "CREATE TABLE IF NOT EXISTS Settings ( key TEXT NOT NULL UNIQUE, value)";

std::map<std::string, setting_value, std::less<>> default_settings();
/// The settings `opts` gives, as Settings rows.
std::vector<std::pair<std::string, setting_value>> given_settings(const sqlite_store_options& opts);

/// Refuses a setting this program gives that diskcache would not store (or SQL could not hold).
void validate_setting(std::string_view name, const setting_value& value);

} // namespace detail::sqlite
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/sqlite/schema.ipp>
#endif
