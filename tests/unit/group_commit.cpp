// flytecache — tests: group commit (concurrent writes to a batching store share one set_many)
// SPDX-License-Identifier: MIT
#include <flytecache/store/group_commit.hpp>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/sqlite_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include "../support/temp_dir.hpp"
#include <flytecache/task/local_task_cache.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace fc = flytecache;

namespace {

// A batching store that records every batch, and can hold its first batch until told to go on so
// that a test can queue writers behind it deterministically.
class recording_store {
public:
    static constexpr bool commits_each_write = true;

    std::optional<std::string> get(std::string_view key) {
        const std::lock_guard lock(d_->mutex_);
        const auto it = d_->entries_.find(std::string(key));
        return it == d_->entries_.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    void set(std::string_view key, std::string_view value) {
        const std::lock_guard lock(d_->mutex_);
        d_->entries_[std::string(key)] = std::string(value);
    }
    bool erase(std::string_view key) {
        const std::lock_guard lock(d_->mutex_);
        return d_->entries_.erase(std::string(key)) != 0;
    }
    void clear() {
        const std::lock_guard lock(d_->mutex_);
        d_->entries_.clear();
    }
    void set_many(std::span<const fc::key_value> items, const fc::write_options& opts = {}) {
        std::unique_lock lock(d_->mutex_);
        d_->batches_.push_back(items.size());
        d_->expires_.push_back(opts.expire);
        if (d_->hold_first_ && d_->batches_.size() == 1) {
            d_->holding_ = true;
            d_->released_.wait(lock, [&] { return !d_->hold_first_; });
            d_->holding_ = false;
        }
        if (d_->fail_next_) {
            d_->fail_next_ = false;
            throw fc::store_error("recording_store: refused batch");
        }
        if (opts.expire && std::isnan(opts.expire->count())) {
            throw fc::invalid_argument("recording_store: the time to live is NaN");
        }
        for (const auto& kv : items) {
            if (kv.value == "bad") { // an entry this store refuses, whatever batch it is in
                throw fc::store_error("recording_store: refused entry " + std::string(kv.key));
            }
        }
        for (const auto& kv : items) {
            d_->entries_[std::string(kv.key)] = std::string(kv.value);
        }
    }
    std::vector<std::optional<std::string>> get_many(std::span<const std::string_view> keys) {
        std::vector<std::optional<std::string>> out;
        for (auto k : keys) {
            out.push_back(get(k));
        }
        return out;
    }

    void hold_first_batch() { d_->hold_first_ = true; }
    bool holding() {
        const std::lock_guard lock(d_->mutex_);
        return d_->holding_;
    }
    void release() {
        {
            const std::lock_guard lock(d_->mutex_);
            d_->hold_first_ = false;
        }
        d_->released_.notify_all();
    }
    void fail_next_batch() {
        const std::lock_guard lock(d_->mutex_);
        d_->fail_next_ = true;
    }
    std::vector<std::size_t> batches() {
        const std::lock_guard lock(d_->mutex_);
        return d_->batches_;
    }
    std::vector<std::optional<fc::float_seconds>> expires() {
        const std::lock_guard lock(d_->mutex_);
        return d_->expires_;
    }

private:
    // Shared state, so that copies (the cache keeps its own) record into the same place.
    struct state {
        std::mutex mutex_;
        std::condition_variable released_;
        std::map<std::string, std::string> entries_;
        std::vector<std::size_t> batches_;
        std::vector<std::optional<fc::float_seconds>> expires_;
        bool hold_first_ = false;
        bool holding_ = false;
        bool fail_next_ = false;
    };
    std::shared_ptr<state> d_ = std::make_shared<state>();
};
static_assert(fc::group_commit_pays<recording_store>);
// Batching alone is not enough: memory_store's sharded writes would only queue behind one another.
static_assert(fc::batching_store<fc::memory_store> && !fc::group_commit_pays<fc::memory_store>);

template <class Pred>
void wait_until(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!pred()) {
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

} // namespace

TEST_CASE("group_commit: a lone write is a batch of one, committed before set returns") {
    recording_store store;
    fc::group_commit commits;
    commits.set(store, "a", "1");
    CHECK(store.get("a") == "1");
    CHECK(store.batches() == std::vector<std::size_t>{1});
    commits.set(store, "b", "2");
    CHECK(store.batches() == std::vector<std::size_t>{1, 1});
}

TEST_CASE("group_commit: writers that queue behind a commit share the next one") {
    recording_store store;
    fc::group_commit commits;
    store.hold_first_batch();
    std::thread first([&] { commits.set(store, "first", "0"); });
    wait_until([&] { return store.holding(); });
    constexpr int n = 8;
    std::vector<std::thread> writers;
    for (int i = 0; i != n; ++i) {
        writers.emplace_back([&, i] {
            commits.set(store, "k" + std::to_string(i), "v" + std::to_string(i));
            // Acknowledged means stored: the entry is readable the moment set returns.
            CHECK(store.get("k" + std::to_string(i)) == "v" + std::to_string(i));
        });
    }
    wait_until([&] { return commits.queued() == n; });
    store.release();
    first.join();
    for (auto& t : writers) {
        t.join();
    }
    CHECK(store.batches() == std::vector<std::size_t>{1, n});
    for (int i = 0; i != n; ++i) {
        CHECK(store.get("k" + std::to_string(i)) == "v" + std::to_string(i));
    }
}

TEST_CASE("group_commit: a failed batch fails every write in it, and the next batch is fine") {
    recording_store store;
    fc::group_commit commits;
    store.hold_first_batch();
    store.fail_next_batch(); // the held first batch fails
    std::thread first([&] { CHECK_THROWS_AS(commits.set(store, "first", "0"), fc::store_error); });
    wait_until([&] { return store.holding(); });
    std::thread second([&] { commits.set(store, "second", "2"); });
    wait_until([&] { return commits.queued() == 1; });
    store.release();
    first.join();
    second.join();
    CHECK_FALSE(store.get("first").has_value());
    CHECK(store.get("second") == "2");
}

TEST_CASE("group_commit: a batch is the oldest writers with the same options, in queue order") {
    recording_store store;
    fc::group_commit commits;
    store.hold_first_batch();
    std::thread first([&] { commits.set(store, "first", "0"); });
    wait_until([&] { return store.holding(); });
    const fc::write_options short_ttl{.expire = fc::float_seconds(5)};
    // Queued one at a time, so the order is known: plain, plain, ttl, ttl, plain.
    const std::vector<bool> with_ttl{false, false, true, true, false};
    std::vector<std::thread> writers;
    for (std::size_t i = 0; i != with_ttl.size(); ++i) {
        writers.emplace_back([&, i] {
            commits.set(store, "k" + std::to_string(i), "v",
                        with_ttl[i] ? short_ttl : fc::write_options{});
        });
        wait_until([&] { return commits.queued() == i + 1; });
    }
    store.release();
    first.join();
    for (auto& t : writers) {
        t.join();
    }
    CHECK(store.batches() == std::vector<std::size_t>{1, 2, 2, 1});
    const auto expires = store.expires();
    REQUIRE(expires.size() == 4);
    CHECK_FALSE(expires[1].has_value());
    CHECK(expires[2].has_value());
    CHECK_FALSE(expires[3].has_value());
}

TEST_CASE("group_commit: one writer's bad entry fails that writer only") {
    recording_store store;
    fc::group_commit commits;
    store.hold_first_batch();
    std::thread first([&] { commits.set(store, "first", "0"); });
    wait_until([&] { return store.holding(); });
    std::vector<std::thread> writers;
    bool bad_threw = false;
    const std::vector<std::string> values{"good", "bad", "good"};
    for (std::size_t i = 0; i != values.size(); ++i) {
        writers.emplace_back([&, i] {
            try {
                commits.set(store, "w" + std::to_string(i), values[i]);
            } catch (const fc::store_error&) {
                bad_threw = values[i] == "bad";
            }
        });
        wait_until([&] { return commits.queued() == i + 1; });
    }
    store.release();
    first.join();
    for (auto& t : writers) {
        t.join();
    }
    CHECK(bad_threw);
    CHECK(store.get("w0") == "good");
    CHECK_FALSE(store.get("w1").has_value());
    CHECK(store.get("w2") == "good");
    // The batch of three failed as a whole, then each entry went alone.
    CHECK(store.batches() == std::vector<std::size_t>{1, 3, 1, 1, 1});
}

TEST_CASE("group_commit: a NaN time to live is the store's error, for that writer alone") {
    recording_store store;
    fc::group_commit commits;
    store.hold_first_batch();
    std::thread first([&] { commits.set(store, "first", "0"); });
    wait_until([&] { return store.holding(); });
    const fc::write_options nan_ttl{.expire = fc::float_seconds(std::nan(""))};
    std::thread nan_writer(
        [&] { CHECK_THROWS_AS(commits.set(store, "nan", "v", nan_ttl), fc::invalid_argument); });
    wait_until([&] { return commits.queued() == 1; });
    std::thread plain([&] { commits.set(store, "plain", "v"); });
    wait_until([&] { return commits.queued() == 2; });
    store.release();
    first.join();
    nan_writer.join();
    plain.join();
    CHECK_FALSE(store.get("nan").has_value());
    CHECK(store.get("plain") == "v");
}

TEST_CASE("group_commit: of two queued writes of one key with different options, the later wins") {
    recording_store store;
    fc::group_commit commits;
    store.hold_first_batch();
    std::thread first([&] { commits.set(store, "first", "0"); });
    wait_until([&] { return store.holding(); });
    std::thread older([&] {
        commits.set(store, "k", "OLD", fc::write_options{.expire = fc::float_seconds(60)});
    });
    wait_until([&] { return commits.queued() == 1; });
    std::thread front_like([&] { commits.set(store, "f", "x"); });
    wait_until([&] { return commits.queued() == 2; });
    std::thread newer([&] { commits.set(store, "k", "NEW"); });
    wait_until([&] { return commits.queued() == 3; });
    store.release();
    first.join();
    older.join();
    front_like.join();
    newer.join();
    CHECK(store.get("k") == "NEW");
}

TEST_CASE("group_commit: two queued writes of one key commit in queue order") {
    recording_store store;
    fc::group_commit commits;
    store.hold_first_batch();
    std::thread first([&] { commits.set(store, "first", "0"); });
    wait_until([&] { return store.holding(); });
    std::thread older([&] { commits.set(store, "k", "older"); });
    wait_until([&] { return commits.queued() == 1; });
    std::thread newer([&] { commits.set(store, "k", "newer"); });
    wait_until([&] { return commits.queued() == 2; });
    store.release();
    first.join();
    older.join();
    newer.join();
    CHECK(store.get("k") == "newer");
}

TEST_CASE("group_commit: a task cache stores outputs through set_many, or set when told not to") {
    recording_store store;
    fc::literal_map outputs{{"o0", fc::literal{fc::scalar{fc::primitive{std::int64_t{7}}}}}};
    {
        fc::local_task_cache<recording_store> cache(store);
        cache.store_outputs("key-1", outputs);
        CHECK(store.batches() == std::vector<std::size_t>{1});
        CHECK(store.get("key-1").has_value());
    }
    {
        fc::local_task_cache<recording_store>::options opts;
        opts.group_writes = false;
        fc::local_task_cache<recording_store> cache(store, opts);
        cache.store_outputs("key-2", outputs);
        CHECK(store.batches() == std::vector<std::size_t>{1}); // a plain set: no new batch
        CHECK(store.get("key-2").has_value());
    }
}

TEST_CASE("group_commit: submitted calls on sqlite_store store every output, then all hit") {
    static_assert(fc::group_commit_pays<fc::sqlite_store>);
    flytecache_test::temp_dir dir("group-commit");
    std::atomic<int> runs{0};
    auto square = fc::task<fc::inputs<"x">>(
        "square",
        [&runs](std::int64_t x) {
            ++runs;
            return x * x;
        },
        fc::cache{fc::cache_options{.version = "1"}});
    fc::executor_options opts;
    opts.config = fc::local_cache_config{};
    fc::executor<fc::sqlite_store> exec(dir.path() / "cache", opts);
    constexpr int n = 24;
    for (int round = 0; round != 2; ++round) {
        std::vector<std::future<std::int64_t>> calls;
        for (int i = 0; i != n; ++i) {
            calls.push_back(exec.submit(square, std::int64_t{i}));
        }
        for (int i = 0; i != n; ++i) {
            CHECK(calls[static_cast<std::size_t>(i)].get() == std::int64_t{i} * i);
        }
        CHECK(runs == n); // the second round is all hits
    }
}
