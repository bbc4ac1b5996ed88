// flytecache — how the embedded stores' costs grow: entries, value size, threads, a bounded cache
// SPDX-License-Identifier: MIT
//
// bench/plot_scaling.py runs this program and draws one plot per family (docs/img/scaling_*.svg).
// Families, each registered for every embedded store:
//   scaling/entries/<store>/<n>      a get hit at random among n entries of 100 B (n = 10^3 … 10^6)
//   scaling/value_get/<store>/<b>    a get hit of one b-byte value (b = 100 B … 64 MiB)
//   scaling/value_set/<store>/<b>    a set (overwrite) of one b-byte value
//   scaling/threads/<store>          get hits on one shared store from 1 … 8 threads
//   scaling/entries/raw_hash_map, scaling/entries/raw_lmdb: the same lookups on a bare
//                                    std::unordered_map and on the raw LMDB C API (the floors)
//   scaling/bounded/<store>/<m>      a set of a new 1 KiB entry into a cache bounded to 4 MiB that
//                                    has already been written m/4 times its bound (m = 1 … 16), so
//                                    the cost of culling as it fills shows up
#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/sqlite_store.hpp>
#if defined(FLYTECACHE_BENCH_LMDB)
#    include <flytecache/store/lmdb_store.hpp>

#    include "raw_lmdb.hpp"
#endif

#include "../tests/support/temp_dir.hpp"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fc = flytecache;

namespace {

using flytecache_test::temp_dir;

constexpr std::uint64_t bound_bytes = std::uint64_t{4} << 20;
constexpr std::size_t bounded_value_size = 1024;

std::string key_of(std::size_t i) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "k%09zu", i);
    return buf;
}

std::string make_value(std::size_t size) {
    std::string v(size, '\0');
    for (std::size_t i = 0; i != size; ++i) {
        v[i] = static_cast<char>('a' + i % 26);
    }
    return v;
}

// --- the stores behind one shape: construct (bounded or not), bulk fill, get, set -------------

class memory_adapter {
public:
    static constexpr const char* name = "memory_store";
    explicit memory_adapter(std::uint64_t size_limit) : store_({.size_limit = size_limit}) {}
    std::optional<std::string> get(std::string_view key) { return store_.get(key); }
    void set(std::string_view key, std::string_view value) { store_.set(key, value); }
    void fill(std::size_t first, std::size_t n, std::string_view value) {
        for (std::size_t i = first; i != first + n; ++i) {
            store_.set(key_of(i), value);
        }
    }

private:
    fc::memory_store store_;
};

class sqlite_adapter {
public:
    static constexpr const char* name = "sqlite_store";
    explicit sqlite_adapter(std::uint64_t size_limit) : store_(make_options(dir_, size_limit)) {}
    std::optional<std::string> get(std::string_view key) { return store_.get(key); }
    void set(std::string_view key, std::string_view value) { store_.set(key, value); }
    // Chunks of 10,000 writes per transaction: filling a million entries one commit at a time
    // would measure the fill, not the lookups.
    void fill(std::size_t first, std::size_t n, std::string_view value) {
        for (std::size_t done = 0; done < n;) {
            const std::size_t chunk = std::min<std::size_t>(10000, n - done);
            store_.transact([&] {
                for (std::size_t i = 0; i != chunk; ++i) {
                    store_.set(key_of(first + done + i), value);
                }
            });
            done += chunk;
        }
    }

private:
    static fc::sqlite_store::options make_options(const temp_dir& dir, std::uint64_t size_limit) {
        fc::sqlite_store::options o;
        o.directory = dir.path();
        // Unbounded cases get room for the largest family (a million 100-byte values and one
        // 64 MiB value); diskcache's default of 1 GiB would do, but say it.
        o.size_limit =
            static_cast<std::int64_t>(size_limit != 0 ? size_limit : std::uint64_t{4} << 30);
        return o;
    }

    temp_dir dir_{"scaling"}; // declared first: outlives the store
    fc::sqlite_store store_;
};

#if defined(FLYTECACHE_BENCH_LMDB)
class lmdb_adapter {
public:
    static constexpr const char* name = "lmdb_store";
    explicit lmdb_adapter(std::uint64_t size_limit) : store_(make_options(dir_, size_limit)) {}
    std::optional<std::string> get(std::string_view key) { return store_.get(key); }
    void set(std::string_view key, std::string_view value) { store_.set(key, value); }
    void fill(std::size_t first, std::size_t n, std::string_view value) {
        std::vector<std::string> keys;
        std::vector<fc::key_value> items;
        for (std::size_t done = 0; done < n;) {
            const std::size_t chunk = std::min<std::size_t>(10000, n - done);
            keys.clear();
            items.clear();
            for (std::size_t i = 0; i != chunk; ++i) {
                keys.push_back(key_of(first + done + i));
            }
            for (const auto& k : keys) {
                items.push_back({k, value});
            }
            store_.set_many(items);
            done += chunk;
        }
    }

private:
    static fc::lmdb_store::options make_options(const temp_dir& dir, std::uint64_t size_limit) {
        fc::lmdb_store::options o;
        o.directory = dir.path();
        o.size_limit = size_limit;
        return o;
    }

    temp_dir dir_{"scaling"};
    fc::lmdb_store store_;
};
#endif

// --- floors for the entries family: the same lookups without a store around them ----------------

// A hash map of strings and a copy of the value out: what any in-memory cache does at least.
class raw_hash_map_adapter {
public:
    static constexpr const char* name = "raw_hash_map";
    explicit raw_hash_map_adapter(std::uint64_t /*size_limit*/) {}
    std::optional<std::string> get(std::string_view key) {
        const auto it = map_.find(std::string(key));
        return it == map_.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    void fill(std::size_t first, std::size_t n, std::string_view value) {
        for (std::size_t i = first; i != first + n; ++i) {
            map_.emplace(key_of(i), value);
        }
    }

private:
    std::unordered_map<std::string, std::string> map_;
};

#if defined(FLYTECACHE_BENCH_LMDB)
// The LMDB C API with lmdb_store's flags (bench/raw_lmdb.hpp), its map big enough for 10^6 entries.
class raw_lmdb_adapter {
public:
    static constexpr const char* name = "raw_lmdb";
    explicit raw_lmdb_adapter(std::uint64_t /*size_limit*/) {}
    std::optional<std::string> get(std::string_view key) { return raw_.get(key); }
    void fill(std::size_t first, std::size_t n, std::string_view value) {
        raw_.fill(first, n, value, key_of);
    }

private:
    flytecache_bench::raw_lmdb raw_{std::size_t{1} << 32};
};
#endif

// --- the families --------------------------------------------------------------------------------

// One filled store is kept between the runs of a case (Google Benchmark calls a case several times
// while it sizes the iteration count); filling a million entries again each time would dominate.
template <class Adapter>
Adapter& filled_store(std::size_t n) {
    static std::unique_ptr<Adapter> store;
    static std::size_t filled = 0;
    if (!store || filled != n) {
        store.reset();
        store = std::make_unique<Adapter>(0);
        store->fill(0, n, make_value(100));
        filled = n;
    }
    return *store;
}

template <class Adapter>
void bm_entries(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    auto& store = filled_store<Adapter>(n);
    // Random keys over the whole range, so a bigger store is also a colder one, as in use.
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<std::size_t> pick(0, n - 1);
    std::vector<std::string> keys;
    keys.reserve(4096);
    for (std::size_t i = 0; i != 4096; ++i) {
        keys.push_back(key_of(pick(rng)));
    }
    std::size_t i = 0;
    for (auto _ : state) {
        auto value = store.get(keys[i]);
        benchmark::DoNotOptimize(value);
        i = (i + 1) & 4095;
    }
    if (!store.get(keys.front())) {
        state.SkipWithError("a filled key missed");
    }
    state.counters["entries"] = static_cast<double>(n);
}

template <class Adapter>
void bm_value_get(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    Adapter store(0);
    const std::string value = make_value(size);
    store.set("v", value);
    for (auto _ : state) {
        auto got = store.get("v");
        benchmark::DoNotOptimize(got);
    }
    if (store.get("v") != value) {
        state.SkipWithError("the value did not read back");
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(size));
}

template <class Adapter>
void bm_value_set(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    Adapter store(0);
    const std::string value = make_value(size);
    for (auto _ : state) {
        store.set("v", value);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(size));
}

template <class Adapter>
void bm_threads(benchmark::State& state) {
    // One store shared by every thread of the case: thread 0 makes it before the timed loop
    // (Google Benchmark starts all threads' loops together), and it lives until the process ends.
    static std::unique_ptr<Adapter> store;
    if (state.thread_index() == 0 && !store) {
        store = std::make_unique<Adapter>(0);
        store->fill(0, 1000, make_value(100));
    }
    std::size_t i = static_cast<std::size_t>(state.thread_index()) * 97;
    std::int64_t misses = 0;
    for (auto _ : state) {
        auto value = store->get(key_of(i % 1000));
        misses += value.has_value() ? 0 : 1;
        benchmark::DoNotOptimize(value);
        ++i;
    }
    if (misses != 0) {
        state.SkipWithError("a preloaded key missed under concurrency");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <class Adapter>
void bm_bounded(benchmark::State& state) {
    // m quarter-bounds already written: m = 4 is a cache written exactly to its bound.
    const auto quarters = static_cast<std::size_t>(state.range(0));
    Adapter store(bound_bytes);
    const std::string value = make_value(bounded_value_size);
    const std::size_t written = bound_bytes / bounded_value_size * quarters / 4;
    store.fill(0, written, value);
    std::size_t next = written;
    for (auto _ : state) {
        store.set(key_of(next++), value);
        benchmark::ClobberMemory();
    }
    state.counters["written_over_bound"] = static_cast<double>(quarters) / 4.0;
}

template <class Adapter>
void register_store() {
    const std::string store = Adapter::name;
    benchmark::RegisterBenchmark(("scaling/entries/" + store).c_str(), bm_entries<Adapter>)
        ->RangeMultiplier(10)
        ->Range(1000, 1000000);
    for (const char* family : {"value_get", "value_set"}) {
        auto* b = benchmark::RegisterBenchmark(
            ("scaling/" + std::string(family) + "/" + store).c_str(),
            std::string_view(family) == "value_get" ? bm_value_get<Adapter>
                                                    : bm_value_set<Adapter>);
        for (std::int64_t size : {100, 1024, 16 * 1024, 256 * 1024, 4 << 20, 64 << 20}) {
            b->Arg(size);
        }
    }
    benchmark::RegisterBenchmark(("scaling/threads/" + store).c_str(), bm_threads<Adapter>)
        ->ThreadRange(1, 8)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("scaling/bounded/" + store).c_str(), bm_bounded<Adapter>)
        ->Arg(1)
        ->Arg(2)
        ->Arg(4)
        ->Arg(8)
        ->Arg(16)
        ->Iterations(2000);
}

} // namespace

// The floors join the entries family only: they have no bound, expiry or shared use to measure.
template <class Adapter>
void register_floor() {
    benchmark::RegisterBenchmark(("scaling/entries/" + std::string(Adapter::name)).c_str(),
                                 bm_entries<Adapter>)
        ->RangeMultiplier(10)
        ->Range(1000, 1000000);
}

int main(int argc, char** argv) {
    register_store<memory_adapter>();
    register_floor<raw_hash_map_adapter>();
    register_store<sqlite_adapter>();
#if defined(FLYTECACHE_BENCH_LMDB)
    register_store<lmdb_adapter>();
    register_floor<raw_lmdb_adapter>();
#endif
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
