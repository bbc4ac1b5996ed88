// flytecache — the stores side by side: sqlite_store, lmdb_store, their raw C-API floors,
// memory_store
// SPDX-License-Identifier: MIT
// bench/compare_stores.py runs this beside Python diskcache and prints one table.
#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/sqlite_store.hpp>
#if defined(FLYTECACHE_BENCH_LMDB)
#    include <flytecache/store/lmdb_store.hpp>

#    include "raw_lmdb.hpp"
#endif

#include "../tests/support/temp_dir.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace fc = flytecache;

namespace {

constexpr std::size_t key_count = 1000;

// Same shape for every store and for bench_diskcache.py: "k000000" … "k000999" are preloaded, and
// "k001000" … "k001999" are misses of the same length, so a miss walks the same index depth.
std::vector<std::string> make_keys(std::size_t first) {
    std::vector<std::string> keys;
    keys.reserve(key_count);
    for (std::size_t i = 0; i != key_count; ++i) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "k%06zu", first + i);
        keys.emplace_back(buf);
    }
    return keys;
}

const std::vector<std::string>& hit_keys() {
    static const std::vector<std::string> keys = make_keys(0);
    return keys;
}
const std::vector<std::string>& miss_keys() {
    static const std::vector<std::string> keys = make_keys(key_count);
    return keys;
}

std::string make_value(std::size_t size) {
    std::string v(size, '\0');
    for (std::size_t i = 0; i != size; ++i) {
        v[i] = static_cast<char>('a' + i % 26);
    }
    return v;
}

// Every benchmark run gets a fresh directory, so one case's writes (and WAL) never slow another's.
using flytecache_test::temp_dir;

// --- the three contenders, behind one shape so the loops below are shared
// -------------------------

class sqlite_store_bench {
public:
    sqlite_store_bench() : store_(dir_.path()) {}
    std::optional<std::string> get(std::string_view key) { return store_.get(key); }
    void set(std::string_view key, std::string_view value) { store_.set(key, value); }
    fc::sqlite_store& store() noexcept { return store_; }

private:
    temp_dir dir_{"bench"}; // declared first: outlives the store
    fc::sqlite_store store_;
};

// The floor: what any C++ code reading and writing diskcache's file must do at least, with nothing
// shared between threads, no pool and every statement prepared up front.
class raw_sqlite_bench {
public:
    raw_sqlite_bench() {
        // sqlite_store creates exactly the database diskcache would (tables, indexes, triggers,
        // Settings), so the floor runs on the same schema, not on a simplified one.
        { fc::sqlite_store creator(dir_.path()); }
        const std::string file = (dir_.path() / "cache.db").string();
        // NOMUTEX as sqlite_store's connections: each is used by one thread at a time.
        if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                            nullptr) != SQLITE_OK) {
            fail("open");
        }
        exec("PRAGMA journal_mode = wal");
        exec("PRAGMA synchronous = 1");
        exec("PRAGMA cache_size = 8192");
        exec("PRAGMA mmap_size = 67108864");
        select_ = prepare("SELECT rowid, expire_time, tag, mode, filename, value FROM Cache WHERE "
                          "key = ? AND raw = 1 AND (expire_time IS NULL OR expire_time > ?)");
        begin_ = prepare("BEGIN IMMEDIATE");
        commit_ = prepare("COMMIT");
        upsert_ = prepare(
            "INSERT INTO Cache(key, raw, store_time, expire_time, access_time, access_count, tag, "
            "size, mode, filename, value) VALUES (?1, 1, ?2, NULL, ?2, 0, NULL, 0, 1, NULL, ?3) "
            "ON CONFLICT(key, raw) DO UPDATE SET store_time = excluded.store_time, expire_time = "
            "excluded.expire_time, access_time = excluded.access_time, access_count = 0, tag = "
            "excluded.tag, size = excluded.size, mode = excluded.mode, filename = "
            "excluded.filename, "
            "value = excluded.value");
    }
    raw_sqlite_bench(const raw_sqlite_bench&) = delete;
    raw_sqlite_bench& operator=(const raw_sqlite_bench&) = delete;
    ~raw_sqlite_bench() {
        for (sqlite3_stmt* s : {select_, begin_, commit_, upsert_}) {
            sqlite3_finalize(s);
        }
        sqlite3_close(db_);
    }

    std::optional<std::string> get(std::string_view key) {
        sqlite3_bind_text64(select_, 1, key.data(), key.size(), SQLITE_STATIC, SQLITE_UTF8);
        sqlite3_bind_double(select_, 2, now());
        std::optional<std::string> out;
        if (sqlite3_step(select_) == SQLITE_ROW) {
            const auto* p = static_cast<const char*>(sqlite3_column_blob(select_, 5));
            out.emplace(p, static_cast<std::size_t>(sqlite3_column_bytes(select_, 5)));
        }
        sqlite3_reset(select_); // ends the read transaction, as sqlite_store's does
        return out;
    }

    void set(std::string_view key, std::string_view value) {
        run(begin_);
        sqlite3_bind_text64(upsert_, 1, key.data(), key.size(), SQLITE_STATIC, SQLITE_UTF8);
        sqlite3_bind_double(upsert_, 2, now());
        sqlite3_bind_blob64(upsert_, 3, value.data(), value.size(), SQLITE_STATIC);
        run(upsert_);
        run(commit_);
    }

private:
    static double now() noexcept {
        return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
    [[noreturn]] void fail(const char* what) const {
        throw std::runtime_error(std::string("raw_sqlite: ") + what + ": " +
                                 (db_ != nullptr ? sqlite3_errmsg(db_) : "no connection"));
    }
    void exec(const char* sql) {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
            fail(sql);
        }
    }
    sqlite3_stmt* prepare(const char* sql) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
            fail(sql);
        }
        return s;
    }
    void run(sqlite3_stmt* s) {
        const int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
            fail(sqlite3_sql(s));
        }
    }

    temp_dir dir_{"bench"};
    sqlite3* db_ = nullptr;
    sqlite3_stmt* select_ = nullptr;
    sqlite3_stmt* begin_ = nullptr;
    sqlite3_stmt* commit_ = nullptr;
    sqlite3_stmt* upsert_ = nullptr;
};

#if defined(FLYTECACHE_BENCH_LMDB)
class lmdb_store_bench {
public:
    lmdb_store_bench() : store_(dir_.path()) {}
    std::optional<std::string> get(std::string_view key) { return store_.get(key); }
    void set(std::string_view key, std::string_view value) { store_.set(key, value); }

private:
    temp_dir dir_{"bench"}; // declared first: outlives the store
    fc::lmdb_store store_;
};

// The LMDB floor (bench/raw_lmdb.hpp): the C API with lmdb_store's flags and layout.
using raw_lmdb_bench = flytecache_bench::raw_lmdb;
#endif

class memory_store_bench {
public:
    std::optional<std::string> get(std::string_view key) { return store_.get(key); }
    void set(std::string_view key, std::string_view value) { store_.set(key, value); }

private:
    fc::memory_store store_;
};

// --- the cases ---------------------------------------------------------------------------------

// Each store starts with the 1,000 keys written one by one through its own write path, as a cache
// fills in use (for the SQLite pair this also leaves comparable WAL state behind).
template <class Store>
void preload(Store& store) {
    const std::string value = make_value(100);
    for (const auto& key : hit_keys()) {
        store.set(key, value);
    }
}

template <class Store>
void bm_get(benchmark::State& state, bool hit) {
    Store store;
    preload(store);
    const auto& keys = hit ? hit_keys() : miss_keys();
    // One untimed read: the pooled connection and its statement are made on first use.
    benchmark::DoNotOptimize(store.get(keys.front()));
    std::size_t i = 0;
    for (auto _ : state) {
        auto value = store.get(keys[i]);
        benchmark::DoNotOptimize(value);
        if (++i == keys.size()) {
            i = 0;
        }
    }
    if (hit != store.get(keys.front()).has_value()) {
        state.SkipWithError("a hit key missed or a miss key hit");
    }
}

// A hit on a value big enough that SQLite stores it in a .val file (diskcache's min_file_size is
// 32 KiB): the row's lookup, then the file's read.
template <class Store>
void bm_get_file(benchmark::State& state) {
    Store store;
    constexpr std::size_t value_size = std::size_t{64} * 1024;
    const std::string value = make_value(value_size);
    const auto& keys = hit_keys();
    const std::size_t n = std::min<std::size_t>(keys.size(), 100);
    for (std::size_t k = 0; k < n; ++k) {
        store.set(keys[k], value);
    }
    benchmark::DoNotOptimize(store.get(keys.front()));
    std::size_t i = 0;
    for (auto _ : state) {
        auto got = store.get(keys[i]);
        benchmark::DoNotOptimize(got);
        if (++i == n) {
            i = 0;
        }
    }
    if (store.get(keys.front()) != value) {
        state.SkipWithError("a 64 KiB value did not read back");
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(value_size));
}

template <class Store>
void bm_set(benchmark::State& state, std::size_t value_size) {
    Store store;
    preload(store);
    const auto& keys = hit_keys();
    const std::string value = make_value(value_size);
    store.set(keys.front(), value);
    std::size_t i = 0;
    for (auto _ : state) {
        store.set(keys[i], value);
        benchmark::ClobberMemory();
        if (++i == keys.size()) {
            i = 0;
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(value_size));
}

// Issue 19's batches: 1,000 entries in one set_many (one transaction, one commit) beside the same
// 1,000 entries as single sets (a commit each), and one get_many of 1,000 keys beside 1,000 gets.
// Every iteration overwrites the preloaded keys with the same values, so the database looks the
// same before each one; items/s counts entries.
void bm_set_many(benchmark::State& state, bool batched) {
    sqlite_store_bench bench;
    preload(bench);
    const std::string value = make_value(100);
    const auto& keys = hit_keys();
    std::vector<fc::key_value> items;
    items.reserve(keys.size());
    for (const auto& key : keys) {
        items.push_back({key, value});
    }
    for (auto _ : state) {
        if (batched) {
            bench.store().set_many(items);
        } else {
            for (const auto& item : items) {
                bench.store().set(item.key, item.value);
            }
        }
        benchmark::ClobberMemory();
    }
    if (bench.get(keys.back()) != value) {
        state.SkipWithError("a written key did not read back");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(items.size()));
}

void bm_get_many(benchmark::State& state, bool batched) {
    sqlite_store_bench bench;
    preload(bench);
    const auto& keys = hit_keys();
    const std::vector<std::string_view> views(keys.begin(), keys.end());
    benchmark::DoNotOptimize(bench.get(keys.front()));
    std::size_t found = 0;
    for (auto _ : state) {
        found = 0;
        if (batched) {
            auto values = bench.store().get_many(views);
            for (const auto& v : values) {
                found += v.has_value() ? 1U : 0U;
            }
            benchmark::DoNotOptimize(values);
        } else {
            for (const auto key : views) {
                auto v = bench.get(key);
                found += v.has_value() ? 1U : 0U;
                benchmark::DoNotOptimize(v);
            }
        }
    }
    if (found != keys.size()) {
        state.SkipWithError("a preloaded key missed");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(keys.size()));
}

template <class Store>
void register_store(const std::string& name) {
    benchmark::RegisterBenchmark((name + "/get_hit").c_str(), bm_get<Store>, true);
    benchmark::RegisterBenchmark((name + "/get_miss").c_str(), bm_get<Store>, false);
    benchmark::RegisterBenchmark((name + "/set_100").c_str(), bm_set<Store>, std::size_t{100});
    benchmark::RegisterBenchmark((name + "/set_10k").c_str(), bm_set<Store>, std::size_t{10240});
}

} // namespace

int main(int argc, char** argv) {
    register_store<sqlite_store_bench>("sqlite_store");
    benchmark::RegisterBenchmark("sqlite_store/get_hit_64k_file", bm_get_file<sqlite_store_bench>);
    benchmark::RegisterBenchmark("sqlite_store/set_many_1000", bm_set_many, true)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("sqlite_store/set_1000_singles", bm_set_many, false)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("sqlite_store/get_many_1000", bm_get_many, true)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("sqlite_store/get_1000_singles", bm_get_many, false)
        ->Unit(benchmark::kMicrosecond);
    register_store<raw_sqlite_bench>("raw_sqlite");
    register_store<memory_store_bench>("memory_store");
#if defined(FLYTECACHE_BENCH_LMDB)
    register_store<lmdb_store_bench>("lmdb_store");
    register_store<raw_lmdb_bench>("raw_lmdb");
#endif
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
