// flytecache — tests: redis_store when its server is killed (and restarted) mid-run
// SPDX-License-Identifier: MIT
// tests: redis_store when its server is killed (and restarted) mid-run: calls retry or fail with a
// clear error within their timeouts, never hang, and acknowledged writes are not lost.
#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/store/redis_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include "support/redis_fixture.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fc = flytecache;
using flytecache_test::own_redis_server;
using flytecache_test::temp_dir;
using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

struct outcome {
    int ok = 0;
    int failed = 0;
    std::vector<std::string> unclear; // errors that do not say what failed
    steady::duration longest{};
};

// Threads doing set/get until told to stop; each call is timed and its error (if any) checked.
class workload {
public:
    workload(fc::redis_store& s, int threads) {
        for (int t = 0; t < threads; ++t) {
            threads_.emplace_back([this, &s, t] {
                for (int i = 0; !stop_.load(); ++i) {
                    const std::string key = std::to_string(t) + "/" + std::to_string(i % 50);
                    const auto start = steady::now();
                    bool ok = true;
                    std::string error;
                    try {
                        s.set(key, key);
                        const auto back = s.get(key);
                        // After a restart without persistence the entry may be gone, never wrong.
                        if (back && *back != key) error = "wrong value for " + key;
                    } catch (const fc::store_error& e) {
                        ok = false;
                        error = e.what();
                    }
                    const auto took = steady::now() - start;
                    const std::lock_guard lock(mutex_);
                    result_.longest = std::max(result_.longest, took);
                    if (ok && error.empty()) {
                        ++result_.ok;
                    } else {
                        ++result_.failed;
                        if (error.find("redis_store redis://127.0.0.1:") == std::string::npos) {
                            result_.unclear.push_back(error);
                        }
                    }
                    std::this_thread::sleep_for(2ms);
                }
            });
        }
    }
    outcome finish() {
        stop_ = true;
        for (auto& t : threads_) t.join();
        return result_;
    }
    int ok_so_far() {
        const std::lock_guard lock(mutex_);
        return result_.ok;
    }

private:
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    outcome result_;
    std::vector<std::thread> threads_;
};

fc::redis_options options_for(const own_redis_server& server) {
    fc::redis_options o = fc::redis_options::from_url(server.url());
    o.connect_timeout = 300ms;
    o.command_timeout = 500ms;
    o.retry_timeout = 1500ms;
    return o;
}

// The worst a single call may take: its retry window, plus one more connect and command, plus
// scheduling slack on a loaded machine.
constexpr auto call_bound = 1500ms + 300ms + 2 * 500ms + 2s;

} // namespace

TEST_CASE("redis failures: server killed and restarted mid-run: calls ride it out or fail clearly, "
          "none hangs") {
    temp_dir dir("redis-restart");
    own_redis_server server(dir / "server");
    fc::redis_store s(options_for(server));
    workload load(s, 4);
    std::this_thread::sleep_for(200ms);
    REQUIRE(load.ok_so_far() > 0);
    server.kill();
    std::this_thread::sleep_for(400ms); // down for a while: calls retry meanwhile
    server.start();
    std::this_thread::sleep_for(1000ms);
    const int before_end = load.ok_so_far();
    std::this_thread::sleep_for(500ms);
    const outcome r = load.finish();
    CHECK(r.ok > before_end); // working again after the restart
    CHECK(r.unclear.empty());
    for (const auto& e : r.unclear) MESSAGE(e);
    CHECK(r.longest < call_bound);
    MESSAGE("calls ok " << r.ok << ", failed " << r.failed << ", longest "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(r.longest).count()
                        << " ms");
    s.set("after", "restart");
    CHECK(s.get("after") == "restart");
}

TEST_CASE(
    "redis failures: server killed for good: every call fails with store_error within its bound") {
    temp_dir dir("redis-dead");
    own_redis_server server(dir / "server");
    fc::redis_store s(options_for(server));
    s.set("k", "v");
    workload load(s, 3);
    std::this_thread::sleep_for(100ms);
    server.kill();
    std::this_thread::sleep_for(2500ms);
    const outcome r = load.finish();
    CHECK(r.failed > 0);
    CHECK(r.unclear.empty());
    CHECK(r.longest < call_bound);

    const auto start = steady::now();
    std::string message;
    try {
        (void)s.get("k");
    } catch (const fc::store_error& e) {
        message = e.what();
    }
    CHECK(steady::now() - start < call_bound);
    CHECK(message.find("Connection refused") != std::string::npos);
    CHECK(message.find("retry_timeout") != std::string::npos);
}

TEST_CASE("redis failures: with persistence on, every acknowledged write survives a crash") {
    temp_dir dir("redis-durable");
    own_redis_server server(dir / "server", /*persist=*/true);
    fc::redis_store s(options_for(server));
    std::vector<int> acknowledged;
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        for (int i = 0; !stop.load(); ++i) {
            try {
                s.set("w" + std::to_string(i), "value " + std::to_string(i));
                acknowledged.push_back(i);
            } catch (const fc::store_error&) {
                // not acknowledged: may or may not be there
            }
        }
    });
    std::this_thread::sleep_for(300ms);
    server.kill();
    std::this_thread::sleep_for(300ms);
    server.start();
    std::this_thread::sleep_for(300ms);
    stop = true;
    writer.join();
    REQUIRE(acknowledged.size() > 10);
    int lost = 0;
    for (const int i : acknowledged) {
        if (s.get("w" + std::to_string(i)) != "value " + std::to_string(i)) ++lost;
    }
    CHECK(lost == 0);
    MESSAGE(acknowledged.size() << " acknowledged writes, " << lost << " lost");
}

TEST_CASE("redis failures: a serialized task whose server dies mid-run reports the failed write, "
          "never hangs") {
    temp_dir dir("redis-task-dies");
    own_redis_server server(dir / "server");
    for (const bool strict : {false, true}) {
        CAPTURE(strict);
        fc::executor_options eo;
        eo.config = fc::local_cache_config{};
        eo.heartbeat_interval = fc::float_seconds(0.05);
        eo.strict = strict;
        std::vector<std::string> reports;
        eo.on_bad_entry = [&](const fc::bad_cache_entry& bad) { reports.push_back(bad.reason); };
        fc::executor exec(fc::redis_store(options_for(server)), eo);
        exec.store().clear();
        std::atomic<int> runs{0};
        steady::time_point killed_at{};
        auto t = fc::task<fc::inputs<"k">, fc::serialized>(
            "redis.dies",
            [&](std::int64_t k) {
                // The first run's server dies while the body runs (heartbeats fail quietly).
                // Killed from here, not from a timer, so a loaded machine cannot let the write
                // land first.
                if (++runs == 1) {
                    server.kill();
                    killed_at = steady::now();
                }
                return k;
            },
            fc::cache{fc::cache_options{.version = "1"}});
        std::string message;
        std::int64_t result = 0;
        try {
            result = exec.run(t, 1);
        } catch (const fc::store_error& e) {
            message = e.what();
        }
        CHECK(runs.load() == 1);
        CHECK(steady::now() - killed_at < 2 * call_bound); // the failed write gives up in time
        if (strict) {
            // strict: the failed write is the call's error.
            CHECK(message.find("redis_store redis://127.0.0.1:") != std::string::npos);
        } else {
            // The default (flytekit's): the result is returned and the failed write reported.
            CHECK(result == 1);
            REQUIRE(reports.size() == 1);
            CHECK(reports[0].find("write failed: flytecache: redis_store redis://127.0.0.1:") !=
                  std::string::npos);
        }

        // Back up (empty: no persistence): the task runs again and is stored.
        server.start();
        CHECK(exec.run(t, 1) == 1);
        CHECK(exec.run(t, 1) == 1);
        CHECK(runs.load() == 2);
    }
}
