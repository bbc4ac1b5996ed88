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
#include <string_view>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// Combines `set` calls that arrive together from several threads into one `set_many` of a
/// `batching_store`, so N concurrent writers pay for one commit instead of N (what a database calls
/// group commit). This is how async task calls that complete together (`executor::submit`) store
/// their outputs.
///
/// Nothing waits on purpose: a writer that finds no batch in flight writes its entry at once (a
/// batch of one); writers that arrive while a batch commits queue up, and the first of them to wake
/// commits all that queued, in one transaction. A `set` returns only after its own entry has been
/// committed, or throws what the batch's `set_many` threw — so an acknowledged write is as durable
/// as a single `set`, and a failed batch fails every call in it (none of its entries is stored: the
/// store's `set_many` is all or nothing). Entries with different write options (time to live, tag)
/// never share a batch. Two queued writes of one key commit in queue order (the last wins).
///
/// Which stores gain: those whose every write pays a commit (a transaction, a lock, a journal
/// write), which say so with `static constexpr bool commits_each_write = true;` (`sqlite_store`,
/// `lmdb_store`, and `tiered_store` over such a back store): see `group_commit_pays`. For a store
/// whose writes are cheap and parallel (`memory_store`: sharded locks), funnelling writers through
/// one committer would only serialize them.
///
/// Thread safety: `set` may be called from any number of threads at once; the store must allow
/// `set_many` from any thread (every flytecache store does). Neither copyable nor movable (writers
/// wait on it); keep it beside the store it serves.
/// True for a `batching_store` that declares `commits_each_write` true: concurrent writes to it
/// are worth combining (see `group_commit`).
template <class S>
concept group_commit_pays = batching_store<S> && requires { requires S::commits_each_write; };

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
            committing_ = true;
            std::vector<writer*> batch = take_batch();
            lock.unlock();
            std::exception_ptr failure;
            try {
                std::vector<key_value> items;
                items.reserve(batch.size());
                for (const writer* w : batch) {
                    items.push_back(w->item);
                }
                store.set_many(items, batch.front()->opts);
            } catch (...) {
                failure = std::current_exception();
            }
            lock.lock();
            for (writer* w : batch) {
                w->failure = failure;
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

    static bool same_options(const write_options& a, const write_options& b) noexcept {
        return a.expire == b.expire && a.tag == b.tag;
    }

    // Under the lock: the queued writers whose options match the oldest one's, in queue order; the
    // rest stay queued for the next batch.
    std::vector<writer*> take_batch() {
        std::vector<writer*> batch;
        std::vector<writer*> rest;
        batch.reserve(queue_.size());
        for (writer* w : queue_) {
            (same_options(w->opts, queue_.front()->opts) ? batch : rest).push_back(w);
        }
        queue_ = std::move(rest);
        return batch;
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<writer*> queue_;
    bool committing_ = false;
};

FLYTECACHE_NAMESPACE_END
