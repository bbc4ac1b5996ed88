// flytecache — sqlite_store: the embedded default store (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/store/sqlite_store.hpp>

#include <cstdint>
#include <memory>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN

FLYTECACHE_INLINE sqlite_store::sqlite_store(options opts)
    : engine_(std::make_unique<detail::sqlite::engine>(std::move(opts))) {
    detail::sqlite::open_cache(*engine_);
}

FLYTECACHE_INLINE store_stats sqlite_store::stats(bool enable, bool reset_counters) {
    store_stats out = statistics();
    if (reset_counters) {
        reset("hits", std::int64_t{0});
        reset("misses", std::int64_t{0});
    }
    reset("statistics", std::int64_t{enable ? 1 : 0});
    return out;
}

FLYTECACHE_NAMESPACE_END
