// flytecache — tests: lmdb_store (conformance, expiry, eviction, batches, fork, map growth, damage)
// SPDX-License-Identifier: MIT
#include <flytecache/store/lmdb_store.hpp>

#include "support/store_conformance.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <lmdb.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace fc = flytecache;
using flytecache_test::temp_dir;
using namespace std::chrono_literals;

namespace {

struct lmdb_fixture {
    temp_dir dir{"lmdb"};
    fc::lmdb_store store{dir.path() / "cache"};
};

// Runs `f` in a forked child; the child's exit status is 0 when `f` returned true.
template <class F>
int in_child(F&& f) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        int code = 1;
        try {
            code = f() ? 0 : 1;
        } catch (...) {
            code = 2;
        }
        ::_exit(code);
    }
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

void overwrite(const std::filesystem::path& file, std::uintmax_t offset, std::string_view bytes) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(f);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

template <class F>
std::string error_text(F&& f) {
    try {
        f();
    } catch (const fc::error& e) {
        return e.what();
    }
    return "no error";
}

} // namespace

TEST_CASE("lmdb_store passes the store conformance suite") {
    flytecache_test::check_store_conformance([] { return std::make_unique<lmdb_fixture>(); });
}

TEST_CASE("lmdb_store: models the capabilities") {
    static_assert(fc::cache_store<fc::lmdb_store>);
    static_assert(fc::expiring_store<fc::lmdb_store>);
    static_assert(fc::statistics_store<fc::lmdb_store>);
    static_assert(fc::bounded_store<fc::lmdb_store>);
    static_assert(fc::reserving_store<fc::lmdb_store>);
    static_assert(fc::batching_store<fc::lmdb_store>);
    static_assert(!fc::tagged_store<fc::lmdb_store>);
}

TEST_CASE("lmdb_store: entries persist across stores, and stores of one directory share them") {
    temp_dir dir("lmdb-persist");
    {
        fc::lmdb_store a(dir.path());
        a.set("k", "v");
        fc::lmdb_store b(dir.path() / "." / "");
        CHECK(b.get("k") == "v"); // one environment for both (canonical path)
        b.set("k2", "v2");
        CHECK(a.get("k2") == "v2");
    }
    fc::lmdb_store again(dir.path());
    CHECK(again.get("k") == "v");
    CHECK(again.size() == 2);
    // Moves keep working.
    fc::lmdb_store moved(std::move(again));
    CHECK(moved.get("k2") == "v2");
}

TEST_CASE("lmdb_store: keys that look like its databases' names are entries like any other") {
    // Entries share LMDB's main database with the records naming the meta, order and
    // reservations databases; these keys must neither clash with nor be hidden as those.
    temp_dir dir("lmdb-escape");
    const std::vector<std::string> keys = {"flytecache.meta",
                                           "flytecache.order",
                                           "flytecache.reservations",
                                           "flytecache.entries",
                                           "flytecache.",
                                           std::string(1, '\0'),
                                           std::string("\0flytecache.meta", 16),
                                           std::string("\0\0x", 3),
                                           "flytecache",
                                           "plain"};
    {
        fc::lmdb_store s(dir.path());
        for (std::size_t i = 0; i < keys.size(); ++i) s.set(keys[i], "v" + std::to_string(i));
        for (std::size_t i = 0; i < keys.size(); ++i) {
            CHECK(s.get(keys[i]) == "v" + std::to_string(i));
        }
        CHECK(s.size() == keys.size());
        std::set<std::string> seen;
        s.for_each_value([&](std::string_view v) { seen.emplace(v); });
        CHECK(seen.size() == keys.size());
        // The databases those names belong to still work.
        CHECK(s.try_reserve("flytecache.meta", "me", fc::float_seconds(60)));
        CHECK(s.volume() > 0);
        CHECK(s.erase("flytecache.order"));
        CHECK_FALSE(s.get("flytecache.order"));
        s.set("flytecache.meta", "short", fc::write_options{.expire = fc::float_seconds(0)});
        CHECK(s.expire() == 1);
        CHECK(s.size() == keys.size() - 2);
    }
    fc::lmdb_store again(dir.path()); // the file still opens: nothing overwrote a database record
    CHECK(again.get(std::string(1, '\0')) == "v5");
    CHECK(again.get("flytecache.reservations") == "v2");
    CHECK(again.clear() == keys.size() - 2);
    CHECK(again.size() == 0);
    again.set("after", "clear");
    CHECK(again.get("after") == "clear");
    CHECK(again.try_reserve("k", "me", fc::float_seconds(60)));
}

TEST_CASE("lmdb_store: a second store asking for another durability is refused, not downgraded") {
    temp_dir dir("lmdb-durability");
    fc::lmdb_store safe({.directory = dir.path(), .durability = fc::lmdb_durability::full});
    CHECK_THROWS_AS(
        fc::lmdb_store({.directory = dir.path(), .durability = fc::lmdb_durability::none}),
        fc::configuration_error);
    fc::lmdb_store same({.directory = dir.path(), .durability = fc::lmdb_durability::full});
    same.set("k", "v");
    CHECK(safe.get("k") == "v");
}

TEST_CASE("lmdb_store: keys outside LMDB's limits, tags and NaN are clear errors") {
    lmdb_fixture f;
    CHECK_THROWS_AS((void)f.store.get(""), fc::invalid_argument);
    CHECK_THROWS_AS(f.store.set(std::string(511, 'k'), "v"), fc::invalid_argument);
    f.store.set(std::string(510, 'k'), "v");
    CHECK(f.store.get(std::string(510, 'k')) == "v");
    // The longest key that needs the escape byte still fits LMDB's limit.
    const std::string longest_escaped = "flytecache." + std::string(499, 'k');
    f.store.set(longest_escaped, "e");
    CHECK(f.store.get(longest_escaped) == "e");
    CHECK_THROWS_AS(f.store.set("k", "v", fc::write_options{.tag = "t"}), fc::invalid_argument);
    CHECK_THROWS_AS(f.store.set("k", "v", fc::write_options{.expire = fc::float_seconds(NAN)}),
                    fc::invalid_argument);
    CHECK_THROWS_AS(f.store.try_reserve("k", "o", fc::float_seconds(0)), fc::invalid_argument);
    CHECK_THROWS_AS(f.store.try_reserve("k", "o", fc::float_seconds(NAN)), fc::invalid_argument);
    CHECK_THROWS_WITH_AS(fc::lmdb_store(fc::lmdb_store::options{}),
                         doctest::Contains("directory is empty"), fc::invalid_argument);
}

TEST_CASE("lmdb_store: expiry, touch and expire()") {
    lmdb_fixture f;
    auto& s = f.store;
    s.set("gone", "x", fc::write_options{.expire = fc::float_seconds(-1)});
    CHECK_FALSE(s.get("gone").has_value());
    s.set("forever", "y", fc::write_options{.expire = fc::float_seconds(INFINITY)});
    s.set("short", "z", fc::write_options{.expire = 30ms});
    std::this_thread::sleep_for(80ms);
    CHECK_FALSE(s.get("short").has_value());
    CHECK(s.get("forever") == "y");
    CHECK(s.size() == 3);
    CHECK(s.expire() == 2);
    CHECK(s.size() == 1);
    CHECK_FALSE(s.erase("short"));
    CHECK(s.touch("forever", 1h));
    CHECK(s.get("forever") == "y");
    CHECK(s.touch("forever", fc::float_seconds(0)));
    CHECK_FALSE(s.get("forever").has_value());
}

TEST_CASE("lmdb_store: statistics count in this process, per directory") {
    temp_dir dir("lmdb-stats");
    fc::lmdb_store s(fc::lmdb_store::options{.directory = dir.path(), .statistics = true});
    s.set("a", "1");
    (void)s.get("a");
    (void)s.get("b");
    const std::array<std::string_view, 3> keys{"a", "b", "a"};
    (void)s.get_many(keys);
    CHECK(s.stats(true, true) == fc::store_stats{.hits = 3, .misses = 2});
    CHECK(s.stats(false, false) == fc::store_stats{});
}

TEST_CASE("lmdb_store: a size bound evicts the least recently stored entries") {
    temp_dir dir("lmdb-bound");
    const std::string value(1000, 'v');
    fc::lmdb_store s(fc::lmdb_store::options{.directory = dir.path(), .size_limit = 10'000});
    for (int i = 0; i < 30; ++i) {
        s.set("k" + std::to_string(i), value);
        CHECK(s.volume() <= 10'000);
    }
    // 1000 bytes + key + 64 per entry: 9 fit.
    CHECK(s.size() == 9);
    CHECK_FALSE(s.get("k0").has_value());
    CHECK_FALSE(s.get("k20").has_value());
    CHECK(s.get("k21") == value);
    CHECK(s.get("k29") == value);
    // Reading does not count: k21 is still the oldest and goes first; re-storing k22 renews it.
    (void)s.get("k21");
    s.set("k22", value);
    s.set("new", value);
    CHECK_FALSE(s.get("k21").has_value());
    CHECK(s.get("k22") == value);
    // An entry bigger than the bound stays (never evicts what it just stored); cull() then evicts.
    s.set("huge", std::string(20'000, 'h'));
    CHECK(s.get("huge").has_value());
    CHECK(s.size() == 1);
    CHECK(s.cull() == 1);
    CHECK(s.size() == 0);
    CHECK(s.volume() == 0);
}

TEST_CASE("lmdb_store: set_many is all or nothing, get_many answers in order") {
    lmdb_fixture f;
    auto& s = f.store;
    s.set("before", "b");
    const std::vector<fc::key_value> items{{"a", "1"}, {"b", "2"}, {"a", "3"}};
    s.set_many(items);
    const std::array<std::string_view, 4> keys{"b", "missing", "a", "before"};
    const auto got = s.get_many(keys);
    REQUIRE(got.size() == 4);
    CHECK(got[0] == "2");
    CHECK_FALSE(got[1].has_value());
    CHECK(got[2] == "3");
    CHECK(got[3] == "b");
    // A bad item anywhere: nothing of the batch is written.
    const std::string too_long(600, 'x');
    const std::vector<fc::key_value> bad{{"c", "1"}, {too_long, "2"}};
    CHECK_THROWS_AS(s.set_many(bad), fc::invalid_argument);
    CHECK_FALSE(s.get("c").has_value());
    // A batch that fails inside the transaction (the map cannot grow enough) leaves nothing.
    temp_dir dir("lmdb-batch-full");
    fc::lmdb_store small(fc::lmdb_store::options{.directory = dir.path(),
                                                 .size_limit = 0,
                                                 .initial_map_size = 1 << 20,
                                                 .max_map_size = 2 << 20});
    const std::string big(300'000, 'b');
    std::vector<fc::key_value> many;
    std::vector<std::string> names;
    for (int i = 0; i < 20; ++i) names.push_back("n" + std::to_string(i));
    for (const auto& n : names) many.push_back({n, big});
    CHECK_THROWS_AS(small.set_many(many), fc::store_error);
    CHECK(small.size() == 0);
    CHECK_FALSE(small.get("n0").has_value());
    const std::vector<std::string_view> none;
    CHECK(small.get_many(none).empty());
}

TEST_CASE("lmdb_store: the map grows on demand, and fails clearly at its maximum") {
    temp_dir dir("lmdb-grow");
    const std::string value(256 * 1024, 'g');
    {
        fc::lmdb_store s(fc::lmdb_store::options{
            .directory = dir.path(), .size_limit = 0, .initial_map_size = 1 << 20});
        for (int i = 0; i < 40; ++i) s.set("k" + std::to_string(i), value); // ~10 MiB in 1 MiB
        for (int i = 0; i < 40; ++i) REQUIRE(s.get("k" + std::to_string(i)) == value);
        CHECK(std::filesystem::file_size(dir.path() / "data.mdb") > (10U << 20));
    }
    {
        // Another process sees the grown map (it adopts the size stored in the file).
        CHECK(in_child([&] {
                  fc::lmdb_store s(fc::lmdb_store::options{
                      .directory = dir.path(), .size_limit = 0, .initial_map_size = 1 << 20});
                  return s.get("k39") == value;
              }) == 0);
    }
    temp_dir capped("lmdb-cap");
    fc::lmdb_store s(fc::lmdb_store::options{.directory = capped.path(),
                                             .size_limit = 0,
                                             .initial_map_size = 1 << 20,
                                             .max_map_size = 4 << 20});
    int written = 0;
    const std::string text = error_text([&] {
        for (; written < 100; ++written) s.set("k" + std::to_string(written), value);
    });
    MESSAGE("capped map: " << written << " writes of 256 KiB, then: " << text);
    CHECK(text.find("the map is full") != std::string::npos);
    CHECK(text.find("max_map_size") != std::string::npos);
    CHECK(written > 4);
    // Still usable: reads, erases, and writes that fit again after room was made.
    CHECK(s.get("k0") == value);
    CHECK(s.erase("k0"));
    CHECK(s.erase("k1"));
    s.set("small", "fits");
    CHECK(s.get("small") == "fits");
}

TEST_CASE("lmdb_store: a map grown by another process is adopted by a reader here") {
    temp_dir dir("lmdb-adopt");
    fc::lmdb_store::options o{
        .directory = dir.path(), .size_limit = 0, .initial_map_size = 1 << 20};
    fc::lmdb_store s(o);
    s.set("first", "1");
    CHECK(s.get("first") == "1");
    const std::string value(256 * 1024, 'a');
    // The child's writes grow the file far past this process's 1 MiB map.
    REQUIRE(in_child([&] {
                fc::lmdb_store c(o);
                for (int i = 0; i < 40; ++i) c.set("k" + std::to_string(i), value);
                return true;
            }) == 0);
    CHECK(s.get("k39") == value);
    CHECK(s.get("first") == "1");
    s.set("after", std::string(512 * 1024, 'z'));
    CHECK(s.get("after")->size() == 512 * 1024);
}

TEST_CASE("lmdb_store: a forked child uses the store it inherited, and its own") {
    temp_dir dir("lmdb-fork");
    fc::lmdb_store s(dir.path());
    s.set("parent", "p");
    CHECK(s.get("parent") == "p"); // this thread now caches a read transaction
    const int status = in_child([&] {
        // The inherited object reopens the directory in the child.
        if (s.get("parent") != "p") return false;
        s.set("child", "c");
        fc::lmdb_store own(dir.path());
        if (own.get("child") != "c") return false;
        // A grandchild too.
        const pid_t pid = ::fork();
        if (pid == 0) ::_exit(s.get("child") == "c" && own.get("parent") == "p" ? 0 : 1);
        int st = 0;
        return ::waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    });
    CHECK(status == 0);
    CHECK(s.get("child") == "c"); // the parent sees the child's write
    s.set("parent 2", "p2");
    CHECK(s.get("parent 2") == "p2");
}

TEST_CASE("lmdb_store: reservations exclude across processes") {
    temp_dir dir("lmdb-reserve");
    fc::lmdb_store s(dir.path());
    REQUIRE(s.try_reserve("job", "parent", 30s));
    CHECK(in_child([&] {
              fc::lmdb_store c(dir.path());
              return !c.try_reserve("job", "child", 30s) && !c.release("job", "child") &&
                     c.try_reserve("other", "child", 30s);
          }) == 0);
    CHECK_FALSE(s.try_reserve("other", "parent", 30s));
    CHECK(s.release("job", "parent"));
    CHECK(in_child([&] {
              fc::lmdb_store c(dir.path());
              return c.try_reserve("job", "child", 30s);
          }) == 0);
    CHECK_FALSE(s.try_reserve("job", "parent", 30s));

    // Racing processes: exactly one wins.
    constexpr int contenders = 6;
    std::array<pid_t, contenders> pids{};
    for (int i = 0; i < contenders; ++i) {
        pids[static_cast<std::size_t>(i)] = ::fork();
        if (pids[static_cast<std::size_t>(i)] == 0) {
            try {
                fc::lmdb_store c(dir.path());
                ::_exit(c.try_reserve("race", "p" + std::to_string(i), 30s) ? 0 : 1);
            } catch (...) {
                ::_exit(2);
            }
        }
    }
    int winners = 0;
    int failures = 0;
    for (const pid_t pid : pids) {
        int st = 0;
        REQUIRE(::waitpid(pid, &st, 0) == pid);
        REQUIRE(WIFEXITED(st));
        winners += WEXITSTATUS(st) == 0 ? 1 : 0;
        failures += WEXITSTATUS(st) == 2 ? 1 : 0;
    }
    CHECK(failures == 0);
    CHECK(winners == 1);
}

namespace {

// Runs `body(txn)` in one write transaction on the LMDB environment in `dir`, opened through the
// raw C API as another program (or another format version) would, and commits it.
template <class Body>
void raw_transaction(const std::filesystem::path& dir, Body&& body) {
    std::filesystem::create_directories(dir);
    MDB_env* env = nullptr;
    REQUIRE(::mdb_env_create(&env) == 0);
    REQUIRE(::mdb_env_set_maxdbs(env, 8) == 0);
    REQUIRE(::mdb_env_open(env, dir.c_str(), 0, 0664) == 0);
    MDB_txn* txn = nullptr;
    REQUIRE(::mdb_txn_begin(env, nullptr, 0, &txn) == 0);
    body(txn);
    REQUIRE(::mdb_txn_commit(txn) == 0);
    ::mdb_env_close(env);
}

// Writes one key into `database` (nullptr: the main database).
void raw_put(const std::filesystem::path& dir, const char* database, std::string key,
             std::string value) {
    raw_transaction(dir, [&](MDB_txn* txn) {
        MDB_dbi dbi = 0;
        REQUIRE(::mdb_dbi_open(txn, database, 0, &dbi) == 0);
        MDB_val kv{key.size(), key.data()};
        MDB_val vv{value.size(), value.data()};
        REQUIRE(::mdb_put(txn, dbi, &kv, &vv, 0) == 0);
    });
}

} // namespace

TEST_CASE("lmdb_store: a corrupt, truncated or foreign data.mdb is a clear store_error") {
    SUBCASE("not LMDB at all") {
        temp_dir dir("lmdb-garbage");
        {
            std::ofstream f(dir.path() / "data.mdb", std::ios::binary);
            f << std::string(16384, 'x');
        }
        const std::string text = error_text([&] { fc::lmdb_store s(dir.path()); });
        CHECK(text.find("data.mdb") != std::string::npos);
        CHECK(text.find("not an LMDB data file") != std::string::npos);
    }
    SUBCASE("meta pages overwritten") {
        temp_dir dir("lmdb-corrupt");
        {
            fc::lmdb_store s(dir.path());
            s.set("k", "v");
        }
        overwrite(dir.path() / "data.mdb", 0, std::string(8192, '\xAB'));
        const std::string text = error_text([&] { fc::lmdb_store s(dir.path()); });
        CHECK(text.find("data.mdb") != std::string::npos);
        CHECK(text.find("flytecache: lmdb_store") != std::string::npos);
    }
    SUBCASE("truncated") {
        temp_dir dir("lmdb-truncated");
        {
            fc::lmdb_store s(dir.path());
            for (int i = 0; i < 200; ++i) s.set("k" + std::to_string(i), std::string(4000, 'v'));
        }
        std::filesystem::resize_file(dir.path() / "data.mdb", 3 * 4096);
        const std::string text = error_text([&] { fc::lmdb_store s(dir.path()); });
        CHECK(text.find("truncated") != std::string::npos);
    }
    SUBCASE("another application's LMDB environment") {
        temp_dir dir("lmdb-foreign");
        // Written with the raw C API through a store-less environment: a key in the main DB.
        raw_put(dir.path(), nullptr, "someone else's key", "their value");
        const std::string text = error_text([&] { fc::lmdb_store s(dir.path()); });
        CHECK(text.find("another application") != std::string::npos);
        CHECK(text.find("data.mdb") != std::string::npos);
    }
    SUBCASE("a flytecache.meta key that is not a database") {
        temp_dir dir("lmdb-foreign-meta");
        raw_put(dir.path(), nullptr, "flytecache.meta", "plain value");
        const std::string text = error_text([&] { fc::lmdb_store s(dir.path()); });
        CHECK(text.find("not a flytecache store") != std::string::npos);
    }
    SUBCASE("another format version") {
        temp_dir dir("lmdb-version");
        { fc::lmdb_store s(dir.path()); }
        raw_put(dir.path(), "flytecache.meta", "format", "flytecache-lmdb 99");
        const std::string text = error_text([&] { fc::lmdb_store s(dir.path()); });
        CHECK(text.find("flytecache-lmdb 99") != std::string::npos);
        CHECK(text.find("remove the directory") != std::string::npos);
    }
}

TEST_CASE("lmdb_store: many threads read and write one store, each thread keeping a reader") {
    lmdb_fixture f;
    auto& s = f.store;
    for (int i = 0; i < 100; ++i) s.set("k" + std::to_string(i), std::to_string(i));
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&, t] {
            fc::lmdb_store own(f.dir.path() / "cache"); // shares the environment
            for (int i = 0; i < 2000; ++i) {
                const int k = (i * 7 + t) % 100;
                auto& store = i % 2 == 0 ? s : own;
                if (store.get("k" + std::to_string(k)) != std::to_string(k)) ++wrong;
                if (i % 100 == t) store.set("t" + std::to_string(t), std::string(5000, 'x'));
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(wrong.load() == 0);
}

namespace {

// Four threads read while this one grows the map four times. `locked_stores`: the readers'
// handshake without membarrier(2), as on a kernel (or sandbox) that refuses it.
void readers_race_growth(bool locked_stores) {
    temp_dir dir("lmdb-grow-race");
    fc::lmdb_store s(fc::lmdb_store::options{
        .directory = dir.path(), .size_limit = 0, .initial_map_size = 1 << 20});
    // Set after the first store registered the process; no thread reads yet.
    const bool was_light = fc::detail::lmdb::fence_readers_with_membarrier(!locked_stores);
    INFO("membarrier in use before: " << was_light);
    for (int i = 0; i < 50; ++i) s.set("small" + std::to_string(i), std::to_string(i));
    std::atomic<bool> done{false};
    std::atomic<int> wrong{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 4; ++t) {
        readers.emplace_back([&, t] {
            try {
                for (int i = 0; !done.load(); ++i) {
                    const int k = (i + t) % 50;
                    if (s.get("small" + std::to_string(k)) != std::to_string(k)) ++wrong;
                    if (i % 16 == 0) {
                        const std::array<std::string_view, 2> keys{"small1", "big3"};
                        const auto got = s.get_many(keys);
                        if (got[0] != "1" || (got[1] && got[1]->size() != 200'000)) ++wrong;
                    }
                }
            } catch (...) {
                ++failures;
            }
        });
    }
    const std::string big(200'000, 'b');
    for (int i = 0; i < 60; ++i) s.set("big" + std::to_string(i), big); // ~12 MiB: 4 doublings
    done = true;
    for (auto& th : readers) th.join();
    (void)fc::detail::lmdb::fence_readers_with_membarrier(was_light);
    CHECK(failures.load() == 0);
    CHECK(wrong.load() == 0);
    CHECK(s.get("big59") == big);
}

} // namespace

TEST_CASE("lmdb_store: readers keep reading while another thread grows the map") {
    SUBCASE("readers fenced by membarrier where the kernel offers it") {
        readers_race_growth(false);
    }
    SUBCASE("readers fenced by locked stores") { readers_race_growth(true); }
}

TEST_CASE("lmdb_store: for_each_value sees every live entry once, in chunks; get_with_ttl") {
    lmdb_fixture f;
    auto& s = f.store;
    for (int i = 0; i < 700; ++i) s.set("k" + std::to_string(i), "v" + std::to_string(i));
    s.set("dead", "x", fc::write_options{.expire = fc::float_seconds(-1)});
    std::vector<std::string> seen;
    s.for_each_value([&](std::string_view v) {
        seen.emplace_back(v);
        (void)s.get("k1"); // the store may be used from inside
    });
    CHECK(seen.size() == 700);
    std::sort(seen.begin(), seen.end());
    CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
    CHECK(std::find(seen.begin(), seen.end(), "x") == seen.end());
    lmdb_fixture empty;
    int calls = 0;
    empty.store.for_each_value([&](std::string_view) { ++calls; });
    CHECK(calls == 0);
    CHECK(s.blob_directory() == f.dir.path() / "cache" / "blobs");
    s.set("timed", "t", fc::write_options{.expire = 1h});
    const auto timed = s.get_with_ttl("timed");
    REQUIRE(timed.has_value());
    CHECK(timed->value == "t");
    REQUIRE(timed->ttl.has_value());
    CHECK(timed->ttl->count() > 3500);
    CHECK(s.get_with_ttl("k3")->ttl == std::nullopt);
    CHECK_FALSE(s.get_with_ttl("dead").has_value());
}

TEST_CASE(
    "lmdb_store: a full reader table is a clear error; an exiting thread gives its slot back") {
    temp_dir dir("lmdb-readers");
    fc::lmdb_store s(fc::lmdb_store::options{.directory = dir.path(), .max_readers = 2});
    s.set("k", "v");
    CHECK(s.get("k") == "v"); // this thread's slot
    // Threads one after another: each takes the second slot and gives it back when it exits.
    for (int i = 0; i < 5; ++i) {
        std::optional<std::string> got;
        std::thread([&] { got = s.get("k"); }).join();
        CHECK(got == "v");
    }
    // Two more threads at once: the second finds no slot.
    std::atomic<int> holding{0};
    std::atomic<bool> release{false};
    std::thread holder([&] {
        (void)s.get("k");
        ++holding;
        while (!release.load()) std::this_thread::yield();
    });
    while (holding.load() == 0) std::this_thread::yield();
    std::string text;
    std::thread([&] { text = error_text([&] { (void)s.get("k"); }); }).join();
    release = true;
    holder.join();
    CHECK(text.find("reader table is full") != std::string::npos);
    CHECK(text.find("max_readers") != std::string::npos);
    std::optional<std::string> after;
    std::thread([&] { after = s.get("k"); }).join();
    CHECK(after == "v");
}

// --- format 2 (entries in the main database): hostile keys and files ----------------------------

TEST_CASE("lmdb_store: escaped keys across chunks, at the length limit, and in eviction") {
    temp_dir dir("lmdb-escape");
    fc::lmdb_store s(fc::lmdb_store::options{.directory = dir.path(), .size_limit = 0});
    std::vector<std::string> keys;
    for (int i = 0; i < 300; ++i) {
        keys.push_back(std::string(1, '\0') + std::to_string(i));
        keys.push_back("flytecache." + std::to_string(i));
        keys.push_back("p" + std::to_string(i));
    }
    keys.push_back(std::string(510, '\0'));
    keys.push_back("flytecache." + std::string(499, 'z'));
    keys.push_back(std::string(510, 'q'));
    for (std::size_t i = 0; i < keys.size(); ++i) s.set(keys[i], "v" + std::to_string(i));
    CHECK(s.size() == keys.size());
    std::multiset<std::string> seen;
    s.for_each_value([&](std::string_view v) { seen.emplace(v); });
    CHECK(seen.size() == keys.size());
    CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == keys.size());
    const auto got = s.get_many(std::vector<std::string_view>(keys.begin(), keys.end()));
    for (std::size_t i = 0; i < keys.size(); ++i) CHECK(got[i] == "v" + std::to_string(i));
    CHECK(s.touch(keys[keys.size() - 3], fc::float_seconds(3600)));
    CHECK(s.get_with_ttl(keys[keys.size() - 3])->ttl.has_value());
    CHECK(s.erase(keys[keys.size() - 2]));
    CHECK(s.size() == keys.size() - 1);
    CHECK(s.clear() == keys.size() - 1);
    CHECK(s.size() == 0);
    // Eviction: the order database names entries by their user key; the oldest go first.
    fc::lmdb_store b(fc::lmdb_store::options{.directory = dir.path() / "b", .size_limit = 2000});
    b.set("flytecache.old", std::string(600, 'o'));
    b.set(std::string(1, '\0'), std::string(600, 'z'));
    b.set("new", std::string(600, 'n'));
    b.set("newer", std::string(600, 'm'));
    CHECK_FALSE(b.get("flytecache.old"));
    CHECK(b.get("newer").has_value());
    CHECK(b.size() <= 3);
    std::size_t live = 0;
    b.for_each_value([&](std::string_view) { ++live; });
    CHECK(live == b.size());
}

TEST_CASE("lmdb_store: a hostile eviction order record cannot overflow the escape buffer") {
    // The order database's values are user keys read back from the file; evict() passes them
    // to stored_key, whose buffer holds max_key_size + 1 bytes. A record that begins with
    // "flytecache." (or a 0 byte) and is longer than that was copied past the buffer's end.
    temp_dir dir("lmdb-order");
    { fc::lmdb_store s(dir.path()); }
    raw_put(dir.path(), "flytecache.order", std::string(8, '\0'),
            "flytecache." + std::string(8000, 'A'));
    const int status = in_child([&] {
        fc::lmdb_store s(fc::lmdb_store::options{.directory = dir.path(), .size_limit = 1000});
        try {
            s.set("k", std::string(2000, 'v')); // over the limit: evict() reads the record
        } catch (const fc::store_error&) {
            return true; // a clear error is fine
        }
        return true;
    });
    CHECK(status == 0); // before the fix: killed by SIGABRT (stack smashing) or SIGSEGV
}

TEST_CASE("lmdb_store: a foreign 'flytecache.' record in the main database is not counted") {
    // size() subtracted a fixed 3 for the database records; for_each_value and clear() skip
    // every record whose key begins with "flytecache.". A fourth such record (another version's
    // database, a hand-made record) made size() disagree with the entries there are.
    temp_dir dir("lmdb-extra");
    {
        fc::lmdb_store s(dir.path());
        s.set("a", "1");
        s.set("b", "2");
    }
    raw_put(dir.path(), nullptr, "flytecache.zzz", "not an entry");
    fc::lmdb_store s(dir.path());
    std::size_t live = 0;
    s.for_each_value([&](std::string_view) { ++live; });
    CHECK(live == 2);
    CHECK(s.size() == 2);
    CHECK(s.clear() == 2);
    CHECK(s.size() == 0);
}

namespace {

// A directory as format 1 wrote it: every database named, entries in `flytecache.entries`.
void write_format_1(const std::filesystem::path& dir) {
    raw_transaction(dir, [](MDB_txn* txn) {
        for (const char* name : {"flytecache.meta", "flytecache.entries", "flytecache.order",
                                 "flytecache.reservations"}) {
            MDB_dbi dbi = 0;
            REQUIRE(::mdb_dbi_open(txn, name, MDB_CREATE, &dbi) == 0);
            std::string k = std::string_view(name) == "flytecache.meta" ? "format" : "k";
            std::string v = k == "format" ? "flytecache-lmdb 1" : std::string(17, '\0') + "v";
            MDB_val kv{k.size(), k.data()};
            MDB_val vv{v.size(), v.data()};
            REQUIRE(::mdb_put(txn, dbi, &kv, &vv, 0) == 0);
        }
    });
}

} // namespace

TEST_CASE("lmdb_store: a format 1 directory is refused and left as it was") {
    temp_dir dir("lmdb-format1");
    write_format_1(dir.path());
    const auto before = std::filesystem::file_size(dir.path() / "data.mdb");
    const std::string text = error_text([&] { fc::lmdb_store s(dir.path()); });
    CHECK(text.find("flytecache-lmdb 1") != std::string::npos);
    CHECK(text.find("remove the directory") != std::string::npos);
    CHECK(std::filesystem::file_size(dir.path() / "data.mdb") == before);
}

TEST_CASE("lmdb_store: another program's database inside data.mdb fails loudly where it is hit") {
    // The documented limit (the environment must be the store's alone): LMDB's API cannot tell
    // another program's database record in the main database from an entry. What the store
    // guarantees: no crash, the other entries intact, and writes that meet the record fail with a
    // store_error rather than damaging the file.
    temp_dir dir("lmdb-foreign-db");
    {
        fc::lmdb_store s(dir.path());
        s.set("a", "1");
    }
    raw_transaction(dir.path(), [](MDB_txn* txn) {
        MDB_dbi dbi = 0;
        REQUIRE(::mdb_dbi_open(txn, "zzz", MDB_CREATE, &dbi) == 0);
    });
    fc::lmdb_store s(dir.path());
    CHECK(s.get("a") == "1");
    (void)s.get("zzz"); // the record's bytes: documented, not an entry flytecache wrote
    CHECK_THROWS_AS(s.set("zzz", "x"), fc::store_error);
    CHECK_THROWS_AS((void)s.clear(), fc::store_error);
    CHECK(s.get("a") == "1"); // the failed clear took nothing
    s.set("b", "2");
    CHECK(s.get("b") == "2");
}
