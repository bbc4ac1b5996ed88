// flytecache — the SQLite store's queue (diskcache's push, pull, peek)
// SPDX-License-Identifier: MIT
#pragma once

// The SQLite store's queue: diskcache's push, pull, peek and peekitem over the Cache table.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/cache_store.hpp>
#include <flytecache/store/sqlite/connection.hpp>
#include <flytecache/store/sqlite/engine.hpp>
#include <flytecache/store/sqlite/maintenance.hpp>
#include <flytecache/store/sqlite/rows.hpp>
#include <flytecache/store/sqlite/vocabulary.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::sqlite {

void bind_queue_bounds(statement& q, std::optional<std::string_view> prefix, const std::string& lo,
                       const std::string& hi);

/// Removes (with `remove`) and returns the entry at the `side` of the queue `prefix`; expired and
/// unreadable entries met on the way are dropped. Empty when the queue is empty.
std::optional<cache_entry> queue_take(engine& e, std::optional<std::string_view> prefix,
                                      queue_side side, bool remove);

/// Pushes `value` onto the `side` of the queue named `prefix` (no prefix: integer keys) and
/// returns its key; keys count from 500000000000000 as in diskcache, so Python's `pull` sees
/// the same queue.
db_key push(engine& e, value_ref value, std::optional<std::string_view> prefix, queue_side side,
            const write_options& opts);

/// The newest (`last`) or oldest entry by insertion order; expired entries met on the way are
/// deleted. @throws key_not_found ("dictionary is empty") on an empty cache.
cache_entry peekitem(engine& e, bool last);

} // namespace detail::sqlite
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/sqlite/queue.ipp>
#endif
