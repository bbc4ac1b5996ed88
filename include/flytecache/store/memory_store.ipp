// flytecache — memory_store: a sharded in-process store (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/store/memory_store.hpp>

#include <algorithm>
#include <cmath>
#include <unordered_set>

FLYTECACHE_NAMESPACE_BEGIN

FLYTECACHE_INLINE memory_store::memory_store(options opts)
    : shard_count_(opts.shards),
      size_limit_(opts.size_limit),
      blobs_(std::make_unique<blob_home>()) {
    blobs_->path = std::move(opts.blob_directory);
    if (opts.shards == 0 || opts.shards > max_shards) {
        throw invalid_argument("flytecache: memory_store: shards must be between 1 and " +
                               std::to_string(max_shards) + ", got " + std::to_string(opts.shards));
    }
    shards_ = std::make_unique<shard[]>(shard_count_);
    const std::uint64_t count = shard_count_;
    for (std::size_t i = 0; i < shard_count_; ++i) {
        shards_[i].budget = size_limit_ / count + (i < size_limit_ % count ? 1U : 0U);
    }
}

FLYTECACHE_INLINE memory_store& memory_store::operator=(memory_store&& other) noexcept {
    if (this != &other) {
        shards_ = std::move(other.shards_);
        shard_count_ = std::exchange(other.shard_count_, 0);
        size_limit_ = other.size_limit_;
        counting_.store(other.counting_.load(std::memory_order_relaxed), std::memory_order_relaxed);
        blobs_ = std::move(other.blobs_);
    }
    return *this;
}

FLYTECACHE_INLINE std::optional<timed_value>
memory_store::get_with_ttl(std::string_view key) const {
    std::optional<timed_value> out;
    find_live(key, [&](const entry& e, time_point now) {
        out.emplace(timed_value{e.value, std::nullopt});
        if (e.expires != never) {
            out->ttl = std::chrono::duration_cast<float_seconds>(e.expires - now);
        }
    });
    return out;
}

FLYTECACHE_INLINE void memory_store::set(std::string_view key, std::string_view value,
                                         const write_options& opts) {
    time_point expires = never;
    if (opts.expire) {
        check_ttl(*opts.expire, "entry");
        if (!(opts.expire->count() > 0)) {
            erase(key); // already expired on arrival
            return;
        }
        expires = deadline_after(clock::now(), *opts.expire);
    }
    put(key, value, opts.tag, expires);
}

FLYTECACHE_INLINE bool memory_store::erase(std::string_view key) {
    const std::size_t h = hash_of(key);
    shard& s = shard_for(h);
    entry_list graveyard;
    const std::lock_guard lock(s.mutex);
    const auto found = s.index.find(hashed_key{key, h});
    if (found == s.index.end()) return false;
    const bool live = !s.expired(*found->second, clock::now());
    s.unlink(found->second, graveyard);
    return live;
}

FLYTECACHE_INLINE void memory_store::clear() {
    for (std::size_t i = 0; i < shard_count_; ++i) {
        shard& s = shards_[i];
        entry_list graveyard;
        index_map old_index;
        const std::lock_guard lock(s.mutex);
        graveyard.swap(s.lru);
        old_index.swap(s.index);
        s.volume = 0;
    }
}

FLYTECACHE_INLINE bool memory_store::touch(std::string_view key, float_seconds ttl) {
    check_ttl(ttl, "touch");
    const time_point now = clock::now();
    const time_point expires = deadline_after(now, ttl);
    const std::size_t h = hash_of(key);
    shard& s = shard_for(h);
    entry_list graveyard;
    const std::lock_guard lock(s.mutex);
    const auto found = s.index.find(hashed_key{key, h});
    if (found == s.index.end()) return false;
    if (s.expired(*found->second, now)) {
        s.unlink(found->second, graveyard);
        return false;
    }
    if (expires <= now) {
        s.unlink(found->second, graveyard);
    } else {
        found->second->expires = expires;
    }
    return true;
}

FLYTECACHE_INLINE std::size_t memory_store::expire() {
    return sum_over_shards([](shard& s, entry_list& graveyard) {
        const time_point now = clock::now();
        const std::size_t removed = s.remove_expired(now, graveyard);
        s.drop_lapsed_reservations(now);
        return removed;
    });
}

FLYTECACHE_INLINE std::size_t memory_store::evict(std::string_view tag) {
    return sum_over_shards([tag](shard& s, entry_list& graveyard) {
        std::size_t removed = 0;
        for (auto it = s.lru.begin(); it != s.lru.end();) {
            const auto next = std::next(it);
            if (it->tag && *it->tag == tag) {
                s.unlink(it, graveyard);
                ++removed;
            }
            it = next;
        }
        return removed;
    });
}

FLYTECACHE_INLINE std::uint64_t memory_store::volume() const {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < shard_count_; ++i) {
        const std::lock_guard lock(shards_[i].mutex);
        total += shards_[i].volume;
    }
    return total;
}

FLYTECACHE_INLINE std::size_t memory_store::cull() {
    return sum_over_shards([this](shard& s, entry_list& graveyard) {
        const time_point now = clock::now();
        std::size_t removed = s.remove_expired(now, graveyard);
        s.drop_lapsed_reservations(now);
        if (size_limit_ != 0) removed += s.evict_over_budget(graveyard);
        return removed;
    });
}

FLYTECACHE_INLINE store_stats memory_store::stats(bool enable, bool reset) {
    store_stats before{};
    for (std::size_t i = 0; i < shard_count_; ++i) {
        shard& s = shards_[i];
        const std::lock_guard lock(s.mutex);
        before.hits += s.hits;
        before.misses += s.misses;
        if (reset) s.hits = s.misses = 0;
    }
    counting_.store(enable, std::memory_order_relaxed);
    return before;
}

FLYTECACHE_INLINE bool memory_store::try_reserve(std::string_view key, std::string_view owner,
                                                 float_seconds ttl) {
    check_ttl(ttl, "reservation");
    if (!(ttl.count() > 0)) {
        throw invalid_argument("flytecache: memory_store: a reservation's time to live must be "
                               "positive, got " +
                               std::to_string(ttl.count()) + " s");
    }
    const time_point now = clock::now();
    const time_point expires = deadline_after(now, ttl);
    shard& s = shard_for(hash_of(key));
    const std::lock_guard lock(s.mutex);
    const auto found = s.reservations.find(key);
    if (found == s.reservations.end()) {
        s.reservations.emplace(std::string(key), reservation{std::string(owner), expires});
        return true;
    }
    reservation& r = found->second;
    if (r.owner != owner && r.expires > now) return false;
    if (r.owner != owner) r.owner.assign(owner);
    r.expires = expires;
    return true;
}

FLYTECACHE_INLINE bool memory_store::release(std::string_view key, std::string_view owner) {
    const time_point now = clock::now();
    shard& s = shard_for(hash_of(key));
    const std::lock_guard lock(s.mutex);
    const auto found = s.reservations.find(key);
    if (found == s.reservations.end()) return false;
    const bool held = found->second.owner == owner && found->second.expires > now;
    if (held || found->second.expires <= now) s.reservations.erase(found);
    return held;
}

FLYTECACHE_INLINE std::size_t memory_store::size() const {
    std::size_t total = 0;
    for (std::size_t i = 0; i < shard_count_; ++i) {
        const std::lock_guard lock(shards_[i].mutex);
        total += shards_[i].lru.size();
    }
    return total;
}

FLYTECACHE_INLINE std::optional<std::filesystem::path> memory_store::blob_directory() {
    const std::lock_guard lock(blobs_->mutex);
    if (!blobs_->path) {
        std::error_code ec;
        auto dir = std::filesystem::temp_directory_path(ec) /
                   detail::unique_name("flytecache-memory-blobs-");
        if (!ec) std::filesystem::create_directories(dir, ec);
        if (ec) {
            throw store_error("flytecache: memory_store cannot make its blob directory " +
                              dir.string() + ": " + ec.message());
        }
        blobs_->path = std::move(dir);
        blobs_->owned = true;
    }
    return blobs_->path;
}

FLYTECACHE_INLINE std::size_t memory_store::shard::remove_expired(time_point now,
                                                                  entry_list& graveyard) noexcept {
    std::size_t removed = 0;
    for (auto it = lru.begin(); it != lru.end();) {
        const auto next = std::next(it);
        if (expired(*it, now)) {
            unlink(it, graveyard);
            ++removed;
        }
        it = next;
    }
    return removed;
}

FLYTECACHE_INLINE std::size_t
memory_store::shard::evict_over_budget(entry_list& graveyard) noexcept {
    std::size_t removed = 0;
    while (volume > budget && !lru.empty()) {
        unlink(std::prev(lru.end()), graveyard);
        ++removed;
    }
    return removed;
}

FLYTECACHE_INLINE void memory_store::shard::drop_lapsed_reservations(time_point now) noexcept {
    std::erase_if(reservations, [now](const auto& item) { return item.second.expires <= now; });
}

FLYTECACHE_INLINE void memory_store::check_ttl(float_seconds ttl, const char* what) {
    if (std::isnan(ttl.count())) {
        throw invalid_argument(std::string("flytecache: memory_store: ") + what +
                               " time to live is NaN");
    }
}

FLYTECACHE_INLINE memory_store::time_point
memory_store::deadline_after(time_point now, float_seconds ttl) noexcept {
    if (!(ttl.count() > 0)) return now;
    const double room = std::chrono::duration_cast<float_seconds>(never - now).count();
    if (!(ttl.count() < room - 1.0)) return never;
    return now + std::chrono::duration_cast<clock::duration>(ttl);
}

FLYTECACHE_INLINE void memory_store::put(std::string_view key, std::string_view value,
                                         std::optional<std::string_view> tag, time_point expires) {
    const std::uint64_t cost = std::uint64_t{key.size()} + value.size() + (tag ? tag->size() : 0);
    const std::size_t h = hash_of(key);
    shard& s = shard_for(h);
    entry_list graveyard;
    if (size_limit_ != 0 && cost > s.budget) {
        const std::lock_guard lock(s.mutex);
        const auto found = s.index.find(hashed_key{key, h});
        if (found != s.index.end()) s.unlink(found->second, graveyard);
        return;
    }
    // Build the entry before locking: the lock then covers only pointer updates.
    entry_list fresh;
    fresh.push_back(entry{std::string(key), std::string(value),
                          tag ? std::optional<std::string>(std::in_place, *tag) : std::nullopt,
                          expires, cost, h});
    const auto it = fresh.begin();
    const std::lock_guard lock(s.mutex);
    const auto found = s.index.find(hashed_key{key, h});
    if (found != s.index.end()) {
        // Re-point the existing index node at the new entry: no allocation, no rehash.
        auto node = s.index.extract(found);
        s.volume -= node.mapped()->cost;
        graveyard.splice(graveyard.end(), s.lru, node.mapped());
        node.key() = hashed_key{it->key, h};
        node.mapped() = it;
        s.index.insert(std::move(node));
    } else {
        s.index.emplace(hashed_key{it->key, h}, it); // may throw: nothing has changed yet
    }
    s.lru.splice(s.lru.begin(), fresh, it);
    s.volume += cost;
    if (size_limit_ != 0) s.evict_over_budget(graveyard);
}

FLYTECACHE_INLINE std::vector<std::unique_lock<std::mutex>>
memory_store::lock_shards(const std::vector<std::size_t>& hashes) const {
    std::vector<shard*> involved;
    involved.reserve(hashes.size());
    for (const std::size_t h : hashes) {
        involved.push_back(&shard_for(h));
    }
    std::sort(involved.begin(), involved.end(), std::less<>());
    involved.erase(std::unique(involved.begin(), involved.end()), involved.end());
    std::vector<std::unique_lock<std::mutex>> locks;
    locks.reserve(involved.size());
    for (shard* s : involved) {
        locks.emplace_back(s->mutex);
    }
    return locks;
}

FLYTECACHE_INLINE std::vector<std::optional<std::string>>
memory_store::get_many(std::span<const std::string_view> keys) const {
    std::vector<std::optional<std::string>> out(keys.size());
    std::vector<std::size_t> hashes;
    hashes.reserve(keys.size());
    for (const std::string_view key : keys) {
        hashes.push_back(hash_of(key));
    }
    entry_list graveyard; // declared before the locks: destroyed after they are released
    const auto locks = lock_shards(hashes);
    const time_point now = clock::now();
    for (std::size_t i = 0; i < keys.size(); ++i) {
        shard& s = shard_for(hashes[i]);
        const auto found = s.index.find(hashed_key{keys[i], hashes[i]});
        if (found == s.index.end()) {
            count(s.misses);
            continue;
        }
        const auto it = found->second;
        if (shard::expired(*it, now)) {
            s.unlink(it, graveyard);
            count(s.misses);
            continue;
        }
        s.lru.splice(s.lru.begin(), s.lru, it);
        count(s.hits);
        out[i].emplace(it->value);
    }
    return out;
}

FLYTECACHE_INLINE void memory_store::set_many(std::span<const key_value> items,
                                              const write_options& opts) {
    time_point expires = never;
    bool drop_all = false; // a time to live of 0 or less: each set only removes its key
    if (opts.expire) {
        check_ttl(*opts.expire, "entry");
        if (!(opts.expire->count() > 0)) {
            drop_all = true;
        } else {
            expires = deadline_after(clock::now(), *opts.expire);
        }
    }
    const std::size_t n = items.size();
    if (n == 0) {
        return;
    }
    // Everything that allocates happens here, before any lock and any change: the entries, their
    // index nodes (moved into the shards' indexes below) and the bookkeeping.
    std::vector<bool> linked(n, false); // the last entry of its key, stored (not dropped)
    std::vector<bool> last(n, false);
    {
        std::unordered_set<std::string_view> seen;
        seen.reserve(n);
        for (std::size_t i = n; i-- > 0;) {
            last[i] = seen.insert(items[i].key).second;
        }
    }
    std::vector<std::size_t> hashes(n);
    std::vector<entry_list::iterator> entries(n);
    std::vector<index_map::node_type> nodes(n);
    entry_list fresh;
    {
        index_map staging;
        staging.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            if (!last[i]) continue;
            const auto& [key, value] = items[i];
            hashes[i] = hash_of(key);
            const std::uint64_t cost =
                std::uint64_t{key.size()} + value.size() + (opts.tag ? opts.tag->size() : 0);
            if (drop_all || (size_limit_ != 0 && cost > shard_for(hashes[i]).budget)) {
                continue; // removes the key, as set does
            }
            fresh.push_back(entry{std::string(key), std::string(value),
                                  opts.tag ? std::optional<std::string>(std::in_place, *opts.tag)
                                           : std::nullopt,
                                  expires, cost, hashes[i]});
            entries[i] = std::prev(fresh.end());
            staging.emplace(hashed_key{entries[i]->key, hashes[i]}, entries[i]);
            nodes[i] = staging.extract(hashed_key{entries[i]->key, hashes[i]});
            linked[i] = true;
        }
    }
    std::vector<std::size_t> locked_hashes;
    std::vector<std::pair<shard*, std::size_t>> growth; // new index entries per shard, at most
    for (std::size_t i = 0; i < n; ++i) {
        if (!last[i]) continue;
        locked_hashes.push_back(hashes[i]);
        if (linked[i]) {
            shard* s = &shard_for(hashes[i]);
            const auto g = std::find_if(growth.begin(), growth.end(),
                                        [&](const auto& p) { return p.first == s; });
            if (g == growth.end()) {
                growth.emplace_back(s, 1);
            } else {
                ++g->second;
            }
        }
    }
    entry_list graveyard; // declared before the locks: destroyed after they are released
    const auto locks = lock_shards(locked_hashes);
    // Room for every new key up front (may throw: nothing has changed yet), so the inserts below
    // neither rehash nor allocate, and cannot fail half-way.
    for (const auto& [s, more] : growth) {
        s->index.reserve(s->index.size() + more);
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (!last[i]) continue;
        shard& s = shard_for(hashes[i]);
        const auto found = s.index.find(hashed_key{items[i].key, hashes[i]});
        if (!linked[i]) {
            if (found != s.index.end()) s.unlink(found->second, graveyard);
            continue;
        }
        const auto it = entries[i];
        if (found != s.index.end()) {
            // Re-point the existing index node at the new entry, as put does.
            auto node = s.index.extract(found);
            s.volume -= node.mapped()->cost;
            graveyard.splice(graveyard.end(), s.lru, node.mapped());
            node.key() = hashed_key{it->key, hashes[i]};
            node.mapped() = it;
            s.index.insert(std::move(node));
        } else {
            s.index.insert(std::move(nodes[i]));
        }
        s.lru.splice(s.lru.begin(), fresh, it);
        s.volume += it->cost;
        if (size_limit_ != 0) s.evict_over_budget(graveyard);
    }
}

FLYTECACHE_INLINE memory_store::blob_home::~blob_home() {
    if (owned && path) {
        blob_area(*path).clear();
        std::error_code ec;
        std::filesystem::remove_all(*path, ec);
    }
}

FLYTECACHE_NAMESPACE_END
