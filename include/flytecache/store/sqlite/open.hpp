// flytecache — opening an SQLite cache: create it or require it, settle the settings
// SPDX-License-Identifier: MIT
#pragma once

// Opening an SQLite cache: create it or require it, settle the settings (defaults < stored <
// given), complete diskcache's schema, or open it read-only.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/sqlite/connection.hpp>
#include <flytecache/store/sqlite/engine.hpp>
#include <flytecache/store/sqlite/vocabulary.hpp>

#include <string>
#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::sqlite {

// The directory and its cache.db must exist (`who` may not create them).
void require_existing(const engine& e, std::string_view who);

// diskcache's Cache and Settings tables must be there already (`who` does not create them).
void require_diskcache_tables(const engine& e, connection& c, std::string_view who);

// Whether cache.db's header says WAL (file format versions 2 at offsets 18 and 19).
[[nodiscard]] bool wal_header(const engine& e);

// Opens an existing cache without writing anything: no directory, file, table, setting or
// PRAGMA is created or changed; the settings are read as stored.
void open_read_only(engine& e);

/// Opens the cache `e` describes: creates it when allowed and missing, applies the settings
/// (defaults < stored < given, as diskcache), and adds what diskcache's schema lacks, writing only
/// what differs from the file. A read-only store only reads.
void open_cache(engine& e);

} // namespace detail::sqlite
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/sqlite/open.ipp>
#endif
