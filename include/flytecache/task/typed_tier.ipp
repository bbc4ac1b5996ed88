// flytecache — typed_tier: an in-process memo of task outputs by typed arguments (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/task/typed_tier.hpp>

#include <iterator>
#include <memory>
#include <mutex>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN

FLYTECACHE_INLINE typed_tier::typed_tier(typed_tier_options options) : options_(options) {}

FLYTECACHE_INLINE typed_tier::~typed_tier() = default;

FLYTECACHE_INLINE void typed_tier::clear() {
    const std::lock_guard lock(mutex_);
    index_.clear();
    lru_.clear();
    stats_.entries = 0;
    stats_.bytes = 0;
}

FLYTECACHE_INLINE typed_tier_stats typed_tier::stats() const {
    const std::lock_guard lock(mutex_);
    return stats_;
}

FLYTECACHE_INLINE void typed_tier::add(std::unique_ptr<node_base> fresh) {
    const std::size_t hash = fresh->hash;
    stats_.bytes += fresh->bytes;
    ++stats_.entries;
    lru_.push_front(std::move(fresh));
    index_.emplace(hash, lru_.begin());
    // The newest entry fits on its own (insert checked), so this stops before reaching it.
    while (stats_.entries > options_.max_entries || stats_.bytes > options_.max_bytes) {
        const auto oldest = std::prev(lru_.end());
        for (auto [it, end] = index_.equal_range((*oldest)->hash); it != end; ++it) {
            if (it->second == oldest) {
                drop(it);
                break;
            }
        }
        ++stats_.evictions;
    }
}

FLYTECACHE_INLINE void typed_tier::drop(index_map::iterator it) {
    const lru_list::iterator entry = it->second;
    stats_.bytes -= (*entry)->bytes;
    --stats_.entries;
    index_.erase(it);
    lru_.erase(entry);
}

FLYTECACHE_NAMESPACE_END
