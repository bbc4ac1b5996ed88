// flytecache — a cached task call on a hit, end to end (key, lookup, decode, convert)
// SPDX-License-Identifier: MIT
// A cached task call on a hit, end to end (key, lookup, decode, convert), beside a direct call of
// the function and the store's raw get of the same key.
#include <flytecache/flytecache.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <filesystem>
#include <future>
#include <string>
#include <unistd.h>
#include <vector>

namespace fc = flytecache;

namespace {

// Four small inputs, as in the keys benchmark: an integer, a float, a short string and a bool.
// NOLINTNEXTLINE(performance-unnecessary-value-param): a task's inputs are its parameter types
double step(std::int64_t n, double dt, std::string name, bool fast) {
    return static_cast<double>(n) * dt + static_cast<double>(name.size()) + (fast ? 1.0 : 0.0);
}

auto make_task() {
    return fc::task<fc::inputs<"n", "dt", "name", "fast">>(
        "bench.step", &step, fc::cache{fc::cache_options{.version = "1"}});
}

fc::executor_options plain() {
    fc::executor_options o;
    o.config = fc::local_cache_config{};
    return o;
}

std::filesystem::path bench_dir() {
    return std::filesystem::temp_directory_path() /
           ("flytecache-bench-tasks-" + std::to_string(::getpid()));
}

void direct_call(benchmark::State& state) {
    std::int64_t n = 42;
    for (auto _ : state) {
        benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(step(n, 0.5, "euler", true));
    }
}
BENCHMARK(direct_call)->Arg(4); // 4 inputs

template <class Exec>
void task_hit(benchmark::State& state, Exec& exec) {
    const auto t = make_task();
    (void)exec.run(t, 42, 0.5, "euler", true);
    for (auto _ : state) benchmark::DoNotOptimize(exec.run(t, 42, 0.5, "euler", true));
}

template <class Exec>
void raw_get(benchmark::State& state, Exec& exec) {
    const auto t = make_task();
    (void)exec.run(t, 42, 0.5, "euler", true);
    const std::string key = exec.explain(t, 42, 0.5, "euler", true).key;
    auto& store = exec.store();
    for (auto _ : state) benchmark::DoNotOptimize(store.get(key));
}

void task_hit_memory(benchmark::State& state) {
    fc::executor exec(fc::memory_store{}, plain());
    task_hit(state, exec);
}
BENCHMARK(task_hit_memory)->Arg(4); // 4 inputs

// The same call through the typed in-process tier in front of memory_store: a repeated call is
// answered from its argument values, with no literals, key or store (issue 19's goal: <= 0.15x
// task_hit_memory).
void task_hit_typed_tier(benchmark::State& state) {
    fc::executor_options o = plain();
    o.typed_tier = fc::typed_tier_options{};
    fc::executor exec(fc::memory_store{}, o);
    task_hit(state, exec);
}
BENCHMARK(task_hit_typed_tier)->Arg(4); // 4 inputs

void raw_get_memory(benchmark::State& state) {
    fc::executor exec(fc::memory_store{}, plain());
    raw_get(state, exec);
}
BENCHMARK(raw_get_memory)->Arg(4); // 4 inputs

void task_hit_sqlite(benchmark::State& state) {
    std::filesystem::remove_all(bench_dir());
    {
        fc::executor<fc::sqlite_store> exec(bench_dir(), plain());
        task_hit(state, exec);
    }
    std::filesystem::remove_all(bench_dir());
}
BENCHMARK(task_hit_sqlite)->Arg(4); // 4 inputs

void raw_get_sqlite(benchmark::State& state) {
    std::filesystem::remove_all(bench_dir());
    {
        fc::executor<fc::sqlite_store> exec(bench_dir(), plain());
        raw_get(state, exec);
    }
    std::filesystem::remove_all(bench_dir());
}
BENCHMARK(raw_get_sqlite)->Arg(4); // 4 inputs

// Misses stored together: 16 calls with new arguments submitted at once on the SQLite store, their
// outputs written through one shared transaction (group commit) or one commit each. Each
// iteration uses fresh arguments, so every call computes and stores.
void task_miss_async_sqlite(benchmark::State& state) {
    std::filesystem::remove_all(bench_dir());
    {
        fc::executor_options o = plain();
        o.group_writes = state.range(0) != 0;
        fc::executor<fc::sqlite_store> exec(bench_dir(), o);
        const auto t = make_task();
        std::int64_t next = 0;
        constexpr int calls = 16;
        for (auto _ : state) {
            std::vector<std::future<double>> pending;
            pending.reserve(calls);
            for (int i = 0; i != calls; ++i) {
                pending.push_back(exec.submit(t, next++, 0.5, "euler", true));
            }
            for (auto& f : pending) benchmark::DoNotOptimize(f.get());
        }
        state.SetItemsProcessed(state.iterations() * calls);
    }
    std::filesystem::remove_all(bench_dir());
}
BENCHMARK(task_miss_async_sqlite)->ArgName("group_writes")->Arg(0)->Arg(1)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
