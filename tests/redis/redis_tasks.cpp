// flytecache — tests: tasks through redis_store: keys shared with the other stores
// SPDX-License-Identifier: MIT
// tests: tasks through redis_store: keys shared with the other stores, serialize exactly once
// across 4 processes x 8 threads, takeover after the owner is killed, container tasks.
#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/redis_store.hpp>
#include <flytecache/task/container_task.hpp>

#include "support/redis_fixture.hpp"
#include "support/serialize_checks.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <future>
#include <string>
#include <vector>

namespace fc = flytecache;
using namespace flytecache_test;
using namespace std::chrono_literals;

namespace {

struct one_number {
    BOOST_HANA_DEFINE_STRUCT(one_number, (std::int64_t, n));
};

} // namespace

TEST_CASE("redis tasks: a function task caches through Redis under the same key as any store") {
    temp_dir dir("redis-task");
    const auto log = dir / "runs.log";
    auto t = make_counted_task(log, "redis.square");
    fc::executor exec(fc::redis_store(fixture_options("task")), fast_serialize_options());
    CHECK(exec.run(t, 7) == 49);
    CHECK(exec.run(t, 7) == 49);
    CHECK(read_lines(log).size() == 1);
    fc::executor mem(fc::memory_store{}, fast_serialize_options());
    CHECK(exec.explain(t, 7).key == mem.explain(t, 7).key);
    CHECK(exec.explain(t, 7).cached);
    exec.store().clear();
}

TEST_CASE("redis tasks: 4 processes x 8 threads over one Redis cache run each key exactly once") {
    temp_dir dir("redis-procs");
    const fc::redis_options shared = fixture_options("procs");
    check_processes_run_each_key_once(dir.path(), [&] {
        fc::redis_options o = shared;
        o.pool_size = 8;
        return fc::executor(fc::redis_store(o), fast_serialize_options());
    });
    fc::redis_store(shared).clear();
}

TEST_CASE("redis tasks: when the owner is killed mid-run, another worker completes the work once") {
    temp_dir dir("redis-kill");
    const fc::redis_options shared = fixture_options("kill");
    check_owner_killed_waiter_takes_over(dir.path(), [&] {
        return fc::executor(fc::redis_store(shared), fast_serialize_options());
    });
    fc::redis_store(shared).clear();
}

TEST_CASE("redis tasks: a serialized container task runs once through Redis") {
    temp_dir dir("redis-container");
    const auto log = dir / "runs.log";
    fc::container_task_options o;
    o.input_data_dir = "/var/inputs";
    o.output_data_dir = "/var/outputs";
    o.metadata = {.cache = true, .cache_serialize = true, .cache_version = "1"};
    o.arguments = {"echo run >> " + log.string() +
                   "; n=$(cat /var/inputs/n); sleep 0.2;"
                   " echo $((n * 3)) > /var/outputs/n"};
    const fc::container_task<one_number, one_number> triple("triple", "img:1", {"sh", "-c"}, o);
    fc::executor exec(fc::redis_store(fixture_options("container")), fast_serialize_options());
    std::vector<std::future<one_number>> calls;
    for (int i = 0; i < 4; ++i) calls.push_back(exec.submit(triple, std::int64_t{5}));
    for (auto& c : calls) CHECK(c.get().n == 15);
    CHECK(read_lines(log).size() == 1);
    exec.store().clear();
}
