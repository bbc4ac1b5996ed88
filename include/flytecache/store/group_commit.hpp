// flytecache — group commit: concurrent writes to a batching store share one transaction
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/store/cache_store.hpp>

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// True for a `batching_store` that declares `static constexpr bool commits_each_write = true;`:
/// every write to it pays a commit (a transaction, a lock, a journal write), so concurrent writes
/// are worth combining (see `group_commit`). `sqlite_store`, `lmdb_store`, and `tiered_store` over
/// such a back store say so; `memory_store` does not (its sharded writes run in parallel, and
/// funnelling them through one committer would only serialize them).
template <class S>
concept group_commit_pays = batching_store<S> && requires { requires S::commits_each_write; };

/// Combines `set` calls that arrive together from several threads into one `set_many` of a
/// `batching_store`, so N concurrent writers pay for one commit instead of N (what a database calls
/// group commit). This is how async task calls that complete together (`executor::submit`) store
/// their outputs.
///
/// Nothing waits on purpose: a writer that finds no batch in flight writes its entry at once (a
/// batch of one); writers that arrive while a batch commits queue up, and the first of them to wake
/// commits them. A batch is the oldest queued writer and those right behind it with the same write
/// options (time to live, tag), up to the first that differs, so writes commit in queue order: of
/// two queued writes of one key, the later wins.
///
/// A `set` returns only after its own entry has committed, or throws what writing its own entry
/// threw — so an acknowledged write is as durable as a single `set`. When a batch fails (the
/// store's `set_many` is all or nothing), each of its entries is written again alone, so one
/// writer's bad entry (too large for the store, a key it refuses) fails that writer only.
///
/// Thread safety: `set` may be called from any number of threads at once; the store must allow
/// `set_many` from any thread (every flytecache store does). Neither copyable nor movable (writers
/// wait on it); keep it beside the store it serves.
class group_commit {
public:
    group_commit() = default;
    group_commit(const group_commit&) = delete;
    group_commit& operator=(const group_commit&) = delete;

    /// Writes `key` → `value` into `store` with `opts`, in a batch with whatever other threads are
    /// writing through this object at the same moment.
    template <batching_store Store>
    void set(Store& store, std::string_view key, std::string_view value,
             const write_options& opts = {}) {
        writer me{{key, value}, opts};
        std::unique_lock lock(mutex_);
        queue_.push_back(&me);
        while (!me.done) {
            if (committing_) {
                wake_.wait(lock);
                continue;
            }
            std::vector<writer*> batch;
            try {
                batch = take_batch();
            } catch (...) { // out of memory: the queue stays as it was, without this writer
                std::erase(queue_, &me);
                throw;
            }
            committing_ = true;
            lock.unlock();
            commit(store, batch);
            lock.lock();
            for (writer* w : batch) {
                w->done = true;
            }
            committing_ = false;
            wake_.notify_all();
        }
        if (me.failure) {
            std::rethrow_exception(me.failure);
        }
    }

    /// How many writers are queued behind the batch in flight (for diagnostics and tests).
    [[nodiscard]] std::size_t queued() {
        const std::lock_guard lock(mutex_);
        return queue_.size();
    }

private:
    struct writer {
        key_value item;
        write_options opts;
        bool done = false;
        std::exception_ptr failure{};
    };

    // Compared by value; a NaN time to live (which set_many refuses) equals nothing, so its writer
    // goes alone and gets the store's error.
    static bool same_options(const write_options& a, const write_options& b) noexcept {
        return a.expire == b.expire && a.tag == b.tag;
    }

    // Under the lock: the oldest queued writer and those right behind it with the same options,
    // up to the first that differs; the rest stay queued.
    std::vector<writer*> take_batch() {
        std::size_t n = 1;
        while (n < queue_.size() && same_options(queue_[n]->opts, queue_.front()->opts)) {
            ++n;
        }
        const auto end = queue_.begin() + static_cast<std::ptrdiff_t>(n);
        std::vector<writer*> batch(queue_.begin(), end);
        queue_.erase(queue_.begin(), end);
        return batch;
    }

    // Outside the lock: the batch in one set_many; if that fails and the batch holds more than one
    // entry, each entry alone, so a failure lands on the writer whose entry caused it.
    template <class Store>
    static void commit(Store& store, const std::vector<writer*>& batch) {
        try {
            std::vector<key_value> items;
            items.reserve(batch.size());
            for (const writer* w : batch) {
                items.push_back(w->item);
            }
            store.set_many(items, batch.front()->opts);
            return;
        } catch (...) {
            if (batch.size() == 1) {
                batch.front()->failure = std::current_exception();
                return;
            }
        }
        for (writer* w : batch) {
            try {
                store.set_many(std::span<const key_value>(&w->item, 1), w->opts);
            } catch (...) {
                w->failure = std::current_exception();
            }
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<writer*> queue_;
    bool committing_ = false;
};

FLYTECACHE_NAMESPACE_END
