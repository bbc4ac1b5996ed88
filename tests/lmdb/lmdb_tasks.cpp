// flytecache — tests: tasks through lmdb_store: the same keys as any store, serialize across
// processes
// SPDX-License-Identifier: MIT
#include <flytecache/store/lmdb_store.hpp>
#include <flytecache/store/memory_store.hpp>

#include "support/serialize_checks.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

namespace fc = flytecache;
using namespace flytecache_test;

TEST_CASE("lmdb tasks: a function task caches through LMDB under the same key as any store") {
    temp_dir dir("lmdb-task");
    const auto log = dir / "runs.log";
    auto t = make_counted_task(log, "lmdb.square");
    fc::executor exec(fc::lmdb_store(dir / "cache"), fast_serialize_options());
    CHECK(exec.run(t, 7) == 49);
    CHECK(exec.run(t, 7) == 49);
    CHECK(read_lines(log).size() == 1);
    fc::executor mem(fc::memory_store{}, fast_serialize_options());
    CHECK(exec.explain(t, 7).key == mem.explain(t, 7).key);
    CHECK(exec.explain(t, 7).cached);
}

TEST_CASE("lmdb tasks: 4 processes x 8 threads over one LMDB cache run each key exactly once") {
    temp_dir dir("lmdb-procs");
    const auto cache = dir / "cache";
    check_processes_run_each_key_once(
        dir.path(), [&] { return fc::executor(fc::lmdb_store(cache), fast_serialize_options()); });
}

TEST_CASE("lmdb tasks: when the owner is killed mid-run, another worker completes the work once") {
    temp_dir dir("lmdb-kill");
    const auto cache = dir / "cache";
    check_owner_killed_waiter_takes_over(
        dir.path(), [&] { return fc::executor(fc::lmdb_store(cache), fast_serialize_options()); });
}
