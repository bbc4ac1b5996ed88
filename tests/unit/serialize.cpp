// flytecache — tests: serialize runs each key exactly once
// SPDX-License-Identifier: MIT
// tests: serialize (flytekit's cache_serialize) runs each key exactly once across threads and
// processes, and a waiter takes over from an owner that died.
#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/sqlite_store.hpp>

#include "../support/serialize_checks.hpp"
#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

namespace fc = flytecache;
using namespace flytecache_test;
using namespace std::chrono_literals;

TEST_CASE("serialize: 8 threads over 5 keys run each key once (memory_store)") {
    temp_dir dir("serialize-mem");
    const auto log = dir / "runs.log";
    auto t = make_counted_task(log, "serialize.square");
    fc::executor exec(fc::memory_store{}, fast_serialize_options());
    CHECK(hammer(exec, t, 8, 5));
    const auto lines = read_lines(log);
    CHECK(lines.size() == 5);
    CHECK(std::set<std::string>(lines.begin(), lines.end()).size() == 5);
}

TEST_CASE("serialize: 4 processes x 8 threads over one SQLite cache run each key once") {
    temp_dir dir("serialize-procs");
    check_processes_run_each_key_once(dir.path(), [&] {
        return fc::executor<fc::sqlite_store>(dir / "cache", fast_serialize_options());
    });
}

TEST_CASE("serialize: when the owner is killed mid-run, a waiter takes over and the work completes "
          "once") {
    temp_dir dir("serialize-kill");
    check_owner_killed_waiter_takes_over(dir.path(), [&] {
        return fc::executor<fc::sqlite_store>(dir / "cache", fast_serialize_options());
    });
}

TEST_CASE("serialize: a waiter gives up after max_wait with task_timeout_error") {
    fc::executor_options o = fast_serialize_options();
    o.max_wait = fc::float_seconds(0.2);
    fc::executor exec(fc::memory_store{}, o);
    auto t = fc::task<fc::inputs<"k">, fc::serialized>(
        "serialize.blocked", [](std::int64_t k) { return k; },
        fc::cache{fc::cache_options{.version = "1"}});
    // Someone else holds the reservation for this call's key and never finishes.
    const std::string key = exec.explain(t, 1).key;
    REQUIRE(exec.store().try_reserve(key, "someone-else", fc::float_seconds(30)));
    CHECK_THROWS_AS(exec.run(t, 1), fc::task_timeout_error);
    REQUIRE(exec.store().release(key, "someone-else"));
    CHECK(exec.run(t, 1) == 1);
}
