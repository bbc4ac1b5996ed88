// flytecache — tests: sqlite_store's diskcache format, API, eviction, transactions and failures
// SPDX-License-Identifier: MIT
#include <flytecache/store/sqlite_store.hpp>

#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/tiered_store.hpp>
#include <flytecache/task/memoize.hpp>

#include "../support/raw_sqlite.hpp"
#include "../support/sqlite_batches.hpp"
#include "../support/store_conformance.hpp"
#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace fc = flytecache;
using namespace std::chrono_literals;
using flytecache_test::count_val_files;
using flytecache_test::exec;
using flytecache_test::rows;
using flytecache_test::temp_dir;

namespace {

// Reads a database with the plain SQLite API, the way a third party (or Python) sees it.
std::string setting(const std::filesystem::path& dir, const std::string& key) {
    auto r = rows(dir, "SELECT value FROM Settings WHERE key = '" + key + "'");
    REQUIRE(r.size() == 1);
    return r[0][0];
}

// diskcache's names: "xx/yy/" + 28 hex digits + ".val".
bool is_value_file_name(const std::string& name) {
    if (name.size() != 2 + 1 + 2 + 1 + 28 + 4 || name[2] != '/' || name[5] != '/' ||
        name.substr(34) != ".val") {
        return false;
    }
    const std::string hex = name.substr(0, 2) + name.substr(3, 2) + name.substr(6, 28);
    return hex.find_first_not_of("0123456789abcdef") == std::string::npos;
}

} // namespace

namespace {

// A store in a directory of its own that goes away with it.
struct scratch_sqlite_store {
    temp_dir dir{"conf"};
    fc::sqlite_store store{dir.path()};
};

} // namespace

TEST_CASE("sqlite_store passes the cache_store conformance suite") {
    flytecache_test::check_store_conformance(
        [] { return std::make_unique<scratch_sqlite_store>(); });
}

TEST_CASE("memory_store in front of sqlite_store passes the conformance suite") {
    struct scratch_tiered {
        temp_dir dir{"tiered"};
        fc::tiered_store<fc::memory_store, fc::sqlite_store> store{fc::memory_store{},
                                                                   fc::sqlite_store(dir.path())};
    };
    flytecache_test::check_store_conformance([] { return std::make_unique<scratch_tiered>(); });
}

TEST_CASE("sqlite_store creates diskcache's schema and default settings") {
    temp_dir dir("schema");
    fc::sqlite_store store(dir.path());
    auto objects = rows(dir.path(), "SELECT type, name FROM sqlite_master ORDER BY type, name");
    std::vector<std::string> names;
    for (auto& r : objects) {
        names.push_back(r[0] + " " + r[1]);
    }
    // Exactly what diskcache 5.x creates with its default (least-recently-stored) policy.
    CHECK(names ==
          std::vector<std::string>{"index Cache_expire_time", "index Cache_key_raw",
                                   "index Cache_store_time", "index sqlite_autoindex_Settings_1",
                                   "table Cache", "table Settings", "trigger Settings_count_delete",
                                   "trigger Settings_count_insert", "trigger Settings_size_delete",
                                   "trigger Settings_size_insert", "trigger Settings_size_update"});
    CHECK(setting(dir.path(), "size_limit") == "1073741824");
    CHECK(setting(dir.path(), "cull_limit") == "10");
    CHECK(setting(dir.path(), "eviction_policy") == "least-recently-stored");
    CHECK(setting(dir.path(), "statistics") == "0");
    CHECK(setting(dir.path(), "tag_index") == "0");
    CHECK(setting(dir.path(), "sqlite_journal_mode") == "wal");
    CHECK(setting(dir.path(), "disk_min_file_size") == "32768");
    CHECK(setting(dir.path(), "count") == "0");
    CHECK(rows(dir.path(), "PRAGMA journal_mode")[0][0] == "wal");
    CHECK(rows(dir.path(), "PRAGMA auto_vacuum")[0][0] == "1");
    CHECK(store.size_limit() == 1073741824U);
}

TEST_CASE("sqlite_store keeps diskcache's storage rules for keys and values") {
    temp_dir dir("storage");
    fc::sqlite_store store(dir.path());
    const std::string small("a\0b", 3);
    const std::string large(40000, 'x');
    store.set("small", small);
    store.set("large", large);
    store.set("text", fc::text_view{"h\xc3\xa9llo"});
    store.set(7, 42);
    store.set(fc::blob_view{"\x01\x02"}, 2.5);

    auto r =
        rows(dir.path(), "SELECT typeof(key), raw, mode, size, typeof(value), filename FROM Cache "
                         "WHERE key = 'small'");
    REQUIRE(r.size() == 1);
    CHECK(r[0] == std::vector<std::string>{"text", "1", "1", "0", "blob", "NULL"});

    r = rows(dir.path(),
             "SELECT mode, size, typeof(value), filename FROM Cache WHERE key = 'large'");
    REQUIRE(r.size() == 1);
    CHECK(r[0][0] == "2");
    CHECK(r[0][1] == "40000");
    CHECK(r[0][2] == "null");
    CHECK(is_value_file_name(r[0][3]));
    CHECK(std::filesystem::file_size(dir.path() / r[0][3]) == 40000U);

    CHECK(rows(dir.path(), "SELECT typeof(value), mode FROM Cache WHERE key = 'text'")[0] ==
          std::vector<std::string>{"text", "1"});
    CHECK(rows(dir.path(), "SELECT typeof(key), typeof(value) FROM Cache WHERE key = 7")[0] ==
          std::vector<std::string>{"integer", "integer"});
    CHECK(rows(dir.path(), "SELECT typeof(key), typeof(value) FROM Cache WHERE key = x'0102'")[0] ==
          std::vector<std::string>{"blob", "real"});

    CHECK(store.get("small") == small);
    CHECK(store.get("large") == large);
    CHECK(store.get_entry("large")->value.in_file());
    CHECK(store.get_entry("text")->value.as_text() == "h\xc3\xa9llo");
    CHECK(store.get_entry(7)->value.as_integer() == 42);
    CHECK(store.get_entry(fc::blob_view{"\x01\x02"})->value.as_real() == 2.5);
    CHECK(setting(dir.path(), "count") == "5");
    CHECK(setting(dir.path(), "size") == "40000");

    // Replacing a file-backed value removes its file (after the commit) and its directories.
    store.set("large", "now small");
    CHECK(count_val_files(dir.path()) == 0);
    CHECK(setting(dir.path(), "size") == "0");
    CHECK(store.check().clean());
}

TEST_CASE("sqlite_store counts text length in code points, as Python's len(str)") {
    temp_dir dir("text");
    fc::sqlite_store store(fc::sqlite_store::options{.directory = dir.path(), .min_file_size = 4});
    store.set("inline", fc::text_view{"\xc3\xa9\xc3\xa9\xc3\xa9"}); // 3 code points, 6 bytes
    store.set("file", fc::text_view{"abcd"});
    CHECK(rows(dir.path(), "SELECT mode FROM Cache WHERE key = 'inline'")[0][0] == "1");
    CHECK(rows(dir.path(), "SELECT mode, size FROM Cache WHERE key = 'file'")[0] ==
          std::vector<std::string>{"3", "4"});
    CHECK(store.get_entry("file")->value.as_text() == "abcd");
}

TEST_CASE("sqlite_store reads pickled values only as raw bytes, with a clear error otherwise") {
    temp_dir dir("pickle");
    { fc::sqlite_store store(dir.path()); }
    // A row as Python writes it for cache['p'] = {'a': 1}: mode 4, the pickle inline.
    exec(dir.path(),
         "INSERT INTO Cache(key, raw, store_time, expire_time, access_time, access_count, "
         "tag, size, mode, filename, value) VALUES ('p', 1, 0, NULL, 0, 0, NULL, 0, 4, "
         "NULL, x'80057d94')");
    fc::sqlite_store store(dir.path());
    try {
        (void)store.get("p");
        FAIL("expected value_type_error");
    } catch (const fc::value_type_error& e) {
        CHECK(std::string(e.what()).find("holds a Python pickle, not bytes") != std::string::npos);
    }
    auto e = store.get_entry("p");
    REQUIRE(e);
    CHECK(e->value.type() == fc::stored_value::kind::pickle);
    CHECK(e->value.raw_bytes() == "\x80\x05\x7d\x94");
    CHECK_THROWS_WITH_AS((void)e->value.as_bytes(), doctest::Contains("does not unpickle"),
                         fc::value_type_error);
}

TEST_CASE("sqlite_store expiry: set with expire, touch, expire()") {
    temp_dir dir("expire");
    fc::sqlite_store store(dir.path());
    store.set("short", "v", {.expire = 50ms});
    store.set("long", "v", {.expire = 1h});
    store.set("forever", "v");
    CHECK(store.get("short") == "v");
    const auto e = store.get_entry("long");
    REQUIRE(e->expire_time);
    CHECK(*e->expire_time > fc::detail::unix_now() + 3500);
    std::this_thread::sleep_for(150ms);
    CHECK_FALSE(store.get("short"));
    CHECK_FALSE(store.contains("short"));
    CHECK_FALSE(store.touch("short", 1h)); // expired: nothing to touch
    CHECK(store.touch("long", 10ms));
    std::this_thread::sleep_for(100ms);
    CHECK_FALSE(store.get("long"));
    CHECK(store.size() == 3); // expired rows stay until removed
    CHECK(store.expire() == 2);
    CHECK(store.size() == 1);
    CHECK(store.touch("forever", std::nullopt));
}

TEST_CASE("sqlite_store tags: evict, tag index") {
    temp_dir dir("tags");
    fc::sqlite_store store(fc::sqlite_store::options{.directory = dir.path(), .tag_index = true});
    CHECK(
        rows(dir.path(), "SELECT name FROM sqlite_master WHERE name = 'Cache_tag_rowid'").size() ==
        1);
    for (int i = 0; i < 250; ++i) {
        store.set("k" + std::to_string(i), "v", {.tag = i % 2 == 0 ? "even" : "odd"});
    }
    store.set("big", std::string(50000, 'b'), {.tag = "even"});
    CHECK(store.get_entry("k1")->tag == "odd");
    CHECK(store.evict("even") == 126);
    CHECK(store.evict("even") == 0);
    CHECK(store.size() == 125);
    CHECK(count_val_files(dir.path()) == 0);
    store.drop_tag_index();
    CHECK(
        rows(dir.path(), "SELECT name FROM sqlite_master WHERE name = 'Cache_tag_rowid'").empty());
    CHECK(setting(dir.path(), "tag_index") == "0");
    CHECK(store.evict("odd") == 125);
}

TEST_CASE("sqlite_store add, pop, incr, decr") {
    temp_dir dir("ops");
    fc::sqlite_store store(dir.path());
    CHECK(store.add("k", "first"));
    CHECK_FALSE(store.add("k", "second"));
    CHECK(store.get("k") == "first");
    CHECK_FALSE(store.add("big", std::string(40000, 'z')) == false);
    CHECK_FALSE(store.add("big", std::string(40000, 'y')));
    CHECK(count_val_files(dir.path()) == 1); // the losing add's file is gone

    auto popped = store.pop("big");
    REQUIRE(popped);
    CHECK(popped->value.as_bytes() == std::string(40000, 'z'));
    CHECK_FALSE(store.pop("big"));
    CHECK(count_val_files(dir.path()) == 0);

    CHECK(store.incr("n") == 1);
    CHECK(store.incr("n", 10) == 11);
    CHECK(store.decr("n", 2) == 9);
    CHECK(store.get_entry("n")->value.as_integer() == 9);
    CHECK_THROWS_AS((void)store.incr("missing", 1, std::nullopt), fc::key_not_found);
    CHECK(store.incr("from100", 1, 100) == 101);
    CHECK_THROWS_WITH_AS((void)store.incr("k"), doctest::Contains("does not hold an integer"),
                         fc::value_type_error);
}

TEST_CASE("sqlite_store incr is atomic across threads") {
    temp_dir dir("incr");
    fc::sqlite_store store(dir.path());
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 100; ++i) {
                store.incr("counter");
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    CHECK(store.get_entry("counter")->value.as_integer() == 400);
}

TEST_CASE("sqlite_store eviction policies cull by their order") {
    // A tiny size limit makes every write cull; the policy decides which entries go.
    // Culling removes up to 10 entries per round (diskcache's batch), so 30 entries of 40 kB with
    // a 600 kB limit leave the 10 the policy ranks highest.
    auto fill = [](fc::sqlite_store& store) {
        for (int i = 0; i < 30; ++i) {
            store.set("k" + std::to_string(i), std::string(40000, 'a')); // in files
            std::this_thread::sleep_for(1ms);                            // distinct store times
        }
    };
    SUBCASE("least-recently-stored evicts the oldest writes") {
        temp_dir dir("lrs");
        fc::sqlite_store store(
            fc::sqlite_store::options{.directory = dir.path(), .size_limit = 600000});
        fill(store);
        CHECK_FALSE(store.contains("k0"));
        CHECK(store.contains("k29"));
        CHECK(store.volume() <= 600000 + 2 * 40000);
    }
    SUBCASE("least-recently-used keeps what was read") {
        temp_dir dir("lru");
        fc::sqlite_store store(
            fc::sqlite_store::options{.directory = dir.path(),
                                      .size_limit = 1 << 30,
                                      .eviction_policy = fc::eviction_policy::least_recently_used});
        fill(store);
        CHECK(store.get("k0")); // k0 is now the most recently used
        store.reset("size_limit", std::int64_t{600000});
        CHECK(store.cull() > 0);
        CHECK(store.contains("k0"));
        CHECK_FALSE(store.contains("k1"));
        CHECK(rows(dir.path(), "SELECT name FROM sqlite_master WHERE name = 'Cache_access_time'")
                  .size() == 1);
    }
    SUBCASE("least-frequently-used keeps what was read often") {
        temp_dir dir("lfu");
        fc::sqlite_store store(fc::sqlite_store::options{
            .directory = dir.path(),
            .size_limit = 1 << 30,
            .eviction_policy = fc::eviction_policy::least_frequently_used});
        fill(store);
        for (int i = 0; i < 3; ++i) {
            CHECK(store.get("k2"));
        }
        CHECK(rows(dir.path(), "SELECT access_count FROM Cache WHERE key = 'k2'")[0][0] == "3");
        store.reset("size_limit", std::int64_t{600000});
        CHECK(store.cull() > 0);
        CHECK(store.contains("k2"));
    }
    SUBCASE("none never evicts by size") {
        temp_dir dir("none");
        fc::sqlite_store store(
            fc::sqlite_store::options{.directory = dir.path(),
                                      .size_limit = 1000,
                                      .eviction_policy = fc::eviction_policy::none});
        fill(store);
        CHECK(store.size() == 30);
        CHECK(store.cull() == 0);
    }
}

TEST_CASE("sqlite_store statistics, settings and reset") {
    temp_dir dir("stats");
    fc::sqlite_store store(dir.path());
    CHECK(store.stats() == fc::store_stats{0, 0}); // turns counting on
    CHECK(setting(dir.path(), "statistics") == "1");
    store.set("k", "v");
    (void)store.get("k");
    (void)store.get("nope");
    (void)store.get("nope");
    CHECK(store.stats(true, true) == fc::store_stats{1, 2});
    CHECK(store.stats(false) == fc::store_stats{0, 0});
    (void)store.get("k");
    CHECK(store.stats(false) == fc::store_stats{0, 0});
    CHECK(std::get<std::string>(store.reset("eviction_policy")) == "least-recently-stored");
    CHECK_THROWS_WITH_AS((void)store.reset("no_such_setting"), doctest::Contains("unknown setting"),
                         fc::invalid_argument);
    CHECK_THROWS_WITH_AS((void)store.reset("eviction_policy", std::string("random")),
                         doctest::Contains("unknown eviction policy 'random'"),
                         fc::invalid_argument);
    store.reset("cull_limit", std::int64_t{0});
    CHECK(setting(dir.path(), "cull_limit") == "0");

    // Settings persist: a store opened later without options reads them back.
    store.reset("size_limit", std::int64_t{12345});
    fc::sqlite_store again(dir.path());
    CHECK(again.size_limit() == 12345U);
    // and a store opened with an explicit setting overrides and records it.
    fc::sqlite_store third(fc::sqlite_store::options{.directory = dir.path(), .size_limit = 777});
    CHECK(setting(dir.path(), "size_limit") == "777");
}

TEST_CASE("sqlite_store transact commits together or not at all") {
    temp_dir dir("txn");
    fc::sqlite_store store(dir.path());
    store.transact([&] {
        store.set("a", "1");
        store.set("b", "2");
        store.transact([&] { store.set("c", "3"); }); // nested: same transaction
    });
    CHECK(store.size() == 3);
    CHECK_THROWS_AS(store.transact([&] {
        store.set("d", "4");
        store.set("big", std::string(40000, 'q'));
        store.erase("a");
        throw std::runtime_error("abort");
    }),
                    std::runtime_error);
    CHECK_FALSE(store.contains("d"));
    CHECK_FALSE(store.contains("big"));
    CHECK(store.get("a") == "1");
    CHECK(count_val_files(dir.path()) == 0); // the rolled-back value's file is removed
    CHECK(store.check().clean());
    const int n = store.transact([&] { return static_cast<int>(store.size()); });
    CHECK(n == 3);
}

TEST_CASE("sqlite_store iterkeys, peekitem and queues follow diskcache's order") {
    temp_dir dir("order");
    fc::sqlite_store store(dir.path());
    CHECK_THROWS_WITH_AS((void)store.peekitem(), doctest::Contains("dictionary is empty"),
                         fc::key_not_found);
    store.set("b", "2");
    store.set("a", "1");
    store.set(3, "3");
    auto keys = store.iterkeys();
    // SQLite orders integers before text.
    REQUIRE(keys.size() == 3);
    CHECK(keys[0].as_integer() == 3);
    CHECK(keys[1].as_text() == "a");
    CHECK(keys[2].as_text() == "b");
    auto rev = store.iterkeys(true);
    CHECK(rev[0].as_text() == "b");
    CHECK(store.peekitem().key.as_integer() == 3);     // last inserted
    CHECK(store.peekitem(false).key.as_text() == "b"); // first inserted
    for (int i = 0; i < 250; ++i) {
        store.set("n" + std::to_string(1000 + i), "v");
    }
    CHECK(store.iterkeys().size() == 253); // more than one 100-key batch

    CHECK(store.push("first", std::string_view("jobs")).as_text() == "jobs-500000000000000");
    CHECK(store.push("second", std::string_view("jobs")).as_text() == "jobs-500000000000001");
    CHECK(store.push("zeroth", std::string_view("jobs"), fc::queue_side::front).as_text() ==
          "jobs-499999999999999");
    store.erase(3); // an integer key in 0..999999999999999 belongs to the integer-keyed queue
    CHECK(store.push("int-keyed").as_integer() == 500000000000000);
    CHECK(store.peek(std::string_view("jobs"))->value.as_bytes() == "zeroth");
    CHECK(store.pull(std::string_view("jobs"))->value.as_bytes() == "zeroth");
    CHECK(store.pull(std::string_view("jobs"), fc::queue_side::back)->value.as_bytes() == "second");
    CHECK(store.pull(std::string_view("jobs"))->value.as_bytes() == "first");
    CHECK_FALSE(store.pull(std::string_view("jobs")));
    CHECK(store.pull()->value.as_bytes() == "int-keyed");
}

TEST_CASE("sqlite_store read streams a value") {
    temp_dir dir("read");
    fc::sqlite_store store(dir.path());
    std::string big(100000, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) {
        big[i] = static_cast<char>(i % 251);
    }
    store.set("big", big);
    store.set("small", "tiny");
    auto in = store.read("big");
    CHECK(std::string(std::istreambuf_iterator<char>(*in), {}) == big);
    in = store.read("small");
    CHECK(std::string(std::istreambuf_iterator<char>(*in), {}) == "tiny");
    CHECK_THROWS_AS((void)store.read("missing"), fc::key_not_found);
    store.set(1, 5);
    CHECK_THROWS_AS((void)store.read(1), fc::value_type_error);
}

TEST_CASE("sqlite_store check finds and fixes damage like diskcache") {
    temp_dir dir("check");
    // No grace: the stray file and directory made below count as orphans at once.
    fc::sqlite_store store(fc::sqlite_store::options{.directory = dir.path(), .orphan_grace = 0s});
    store.set("gone", std::string(40000, 'g'));
    store.set("resized", std::string(40000, 'r'));
    store.set("fine", "ok");
    const auto gone = rows(dir.path(), "SELECT filename FROM Cache WHERE key = 'gone'")[0][0];
    const auto resized = rows(dir.path(), "SELECT filename FROM Cache WHERE key = 'resized'")[0][0];
    std::filesystem::remove(dir.path() / gone);
    std::ofstream(dir.path() / resized, std::ios::app) << "extra";
    std::ofstream(dir.path() / "stray.val") << "?";
    std::filesystem::create_directories(dir.path() / "ee" / "ff");

    auto report = store.check();
    CHECK(report.damaged());
    using kind = fc::check_finding::kind;
    auto has = [&](kind k) {
        return std::any_of(report.findings.begin(), report.findings.end(),
                           [&](const auto& f) { return f.what == k; });
    };
    CHECK(has(kind::file_not_found));
    CHECK(has(kind::wrong_file_size));
    CHECK(has(kind::unknown_file));
    CHECK(has(kind::empty_directory));
    CHECK_FALSE(store.get("gone")); // a missing file is a miss, as in diskcache

    report = store.check(true);
    CHECK(report.damaged());
    report = store.check();
    for (const auto& f : report.findings) MESSAGE(f.message);
    CHECK(report.clean());
    CHECK(store.get("fine") == "ok");
    CHECK_FALSE(store.contains("gone"));
}

TEST_CASE("sqlite_store reports a corrupt database file clearly") {
    temp_dir dir("corrupt");
    std::ofstream(dir.path() / "cache.db") << std::string(8192, 'J');
    CHECK_THROWS_WITH_AS(fc::sqlite_store(dir.path()), doctest::Contains("cache.db"),
                         fc::store_error);
    CHECK_THROWS_WITH_AS(fc::sqlite_store(dir.path()), doctest::Contains("not a database"),
                         fc::store_error);
}

TEST_CASE("sqlite_store reports an unusable directory clearly") {
    temp_dir dir("baddir");
    std::ofstream(dir.path() / "file") << "x";
    CHECK_THROWS_WITH_AS(fc::sqlite_store(dir.path() / "file" / "sub"),
                         doctest::Contains("could not be created"), fc::store_error);
    CHECK_THROWS_AS(fc::sqlite_store(fc::sqlite_store::options{}), fc::invalid_argument);
}

TEST_CASE("sqlite_store times out on a lock held too long, and retry waits it out") {
    temp_dir dir("lock");
    fc::sqlite_store store(fc::sqlite_store::options{.directory = dir.path(), .timeout = 100ms});
    fc::sqlite_store patient(
        fc::sqlite_store::options{.directory = dir.path(), .timeout = 50ms, .retry = true});
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open((dir.path() / "cache.db").c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH_AS(store.set("k", "v"), doctest::Contains("timeout"), fc::timeout_error);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK_FALSE(store.get("k")); // readers are not blocked by a writer in WAL mode

    std::thread releaser([&] {
        std::this_thread::sleep_for(300ms);
        sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
    });
    patient.set("k", "v"); // waits past several timeouts until the lock goes
    releaser.join();
    sqlite3_close(other);
    CHECK(store.get("k") == "v");
}

TEST_CASE("sqlite_store is shared safely by processes") {
    temp_dir dir("procs");
    { fc::sqlite_store init(dir.path()); }
    std::vector<pid_t> children;
    for (int p = 0; p < 3; ++p) {
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int status = 0;
            try {
                fc::sqlite_store store(dir.path());
                for (int i = 0; i < 100; ++i) {
                    store.set("p" + std::to_string(p) + "-" + std::to_string(i),
                              i % 10 == 0 ? std::string(35000, static_cast<char>('a' + p))
                                          : "small");
                    store.incr("shared");
                }
            } catch (...) {
                status = 1;
            }
            ::_exit(status);
        }
        children.push_back(pid);
    }
    for (const pid_t pid : children) {
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    fc::sqlite_store store(dir.path());
    CHECK(store.get_entry("shared")->value.as_integer() == 300);
    CHECK(store.size() == 301);
    CHECK(store.get("p2-50") == std::string(35000, 'c'));
    CHECK(store.check().clean());
}

TEST_CASE("sqlite_store reservations exclude other owners across processes") {
    temp_dir dir("reserve");
    fc::sqlite_store store(dir.path());
    CHECK(store.try_reserve("job", "parent", 10s));
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        fc::sqlite_store child(dir.path());
        const bool stolen = child.try_reserve("job", "child", 10s);
        const bool other = child.try_reserve("other-job", "child", 10s);
        ::_exit(!stolen && other ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WEXITSTATUS(status) == 0);
    CHECK_FALSE(store.try_reserve("other-job", "parent", 10s));
    CHECK(store.release("job", "parent"));
    CHECK(store.size() == 0); // reservations are not entries
    CHECK(store.check().clean());
}

TEST_CASE("sqlite_store memoize caches results by arguments") {
    temp_dir dir("memo");
    fc::sqlite_store store(dir.path());
    int calls = 0;
    auto slow_square = fc::memoize(store, "square", [&](std::int64_t x) {
        ++calls;
        return x * x;
    });
    CHECK(slow_square(std::int64_t{12}) == 144);
    CHECK(slow_square(std::int64_t{12}) == 144);
    CHECK(calls == 1);
    CHECK(slow_square(std::int64_t{13}) == 169);
    CHECK(calls == 2);
    CHECK(store.contains(slow_square.cache_key(std::int64_t{12})));
    CHECK(slow_square.cache_key(std::int64_t{12}).starts_with("square-"));

    int text_calls = 0;
    auto shout = fc::memoize(store, "shout",
                             [&](const std::string& s, std::int64_t n) {
                                 ++text_calls;
                                 return std::string(static_cast<std::size_t>(n), '!') + s;
                             },
                             {.expire = std::chrono::hours(1), .tag = "memo"});
    CHECK(shout(std::string("hi"), std::int64_t{2}) == "!!hi");
    CHECK(shout(std::string("hi"), std::int64_t{2}) == "!!hi");
    CHECK(text_calls == 1);
    CHECK(store.get_entry(shout.cache_key(std::string("hi"), std::int64_t{2}))->tag == "memo");

    int uncached_calls = 0;
    auto never = fc::memoize(store, "never",
                             [&](std::int64_t x) {
                                 ++uncached_calls;
                                 return x;
                             },
                             {.expire = std::chrono::seconds(0)});
    (void)never(std::int64_t{1});
    (void)never(std::int64_t{1});
    CHECK(uncached_calls == 2); // expire = 0: look up, never store
}

// --- regressions from review: each of these once failed --------------------------------------

TEST_CASE("sqlite_store: a forked child's writes survive the parent closing its store") {
    temp_dir dir("forkwal");
    auto parent = std::make_unique<fc::sqlite_store>(dir.path());
    parent->set("a", "1");
    int to_child[2];
    int to_parent[2];
    REQUIRE(::pipe(to_child) == 0);
    REQUIRE(::pipe(to_parent) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        char go = 0;
        int status = 0;
        try {
            fc::sqlite_store child(dir.path());
            child.set("b", "2");
            (void)::write(to_parent[1], "x", 1);
            (void)::read(to_child[0], &go, 1); // wait until the parent has closed its store
            child.set("c", "3");
            status = child.get("c") == "3" ? 0 : 1;
        } catch (...) {
            status = 2;
        }
        ::_exit(status);
    }
    char ready = 0;
    REQUIRE(::read(to_parent[0], &ready, 1) == 1);
    parent.reset(); // the parent's last connection closes (and checkpoints) while the child works
    REQUIRE(::write(to_child[1], "x", 1) == 1);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WEXITSTATUS(status) == 0);
    fc::sqlite_store again(dir.path());
    CHECK(again.get("a") == "1");
    CHECK(again.get("b") == "2");
    CHECK(again.get("c") == "3");
    for (int fd : {to_child[0], to_child[1], to_parent[0], to_parent[1]}) {
        ::close(fd);
    }
}

TEST_CASE("sqlite_store: transactions of two stores nest on one thread") {
    temp_dir da("nest-a");
    temp_dir db("nest-b");
    fc::sqlite_store a(da.path());
    fc::sqlite_store b(db.path());
    a.transact([&] {
        a.transact([&] {
            b.set("x", "y"); // a second store's transaction while the first's frames are in use
            b.transact([&] { b.set("z", "w"); });
        });
        a.set("k", "v");
    });
    CHECK(a.get("k") == "v");
    CHECK(b.get("x") == "y");
    CHECK(b.get("z") == "w");
}

TEST_CASE("sqlite_store leaves no value file behind when a write does not happen") {
    temp_dir dir("noleak");
    const std::string big(40000, 'v');
    SUBCASE("the transaction cannot start (lock timeout)") {
        fc::sqlite_store store(fc::sqlite_store::options{.directory = dir.path(), .timeout = 50ms});
        sqlite3* other = nullptr;
        REQUIRE(sqlite3_open((dir.path() / "cache.db").c_str(), &other) == SQLITE_OK);
        REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
        CHECK_THROWS_AS(store.set("k", big), fc::timeout_error);
        CHECK_THROWS_AS(store.push(big), fc::timeout_error);
        sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
        sqlite3_close(other);
        CHECK(count_val_files(dir.path()) == 0);
    }
    SUBCASE("a losing add inside a transaction that rolls back") {
        fc::sqlite_store store(dir.path());
        store.set("k", "small");
        CHECK_THROWS_AS(store.transact([&] {
            CHECK_FALSE(store.add("k", big));
            throw std::runtime_error("abort");
        }),
                        std::runtime_error);
        CHECK(count_val_files(dir.path()) == 0);
    }
    SUBCASE("a failed write caught inside a transaction that commits") {
        fc::sqlite_store store(dir.path());
        store.transact([&] {
            CHECK_THROWS_AS(store.push(big, std::nullopt, fc::queue_side::back,
                                       {.expire = fc::float_seconds(std::nan(""))}),
                            fc::invalid_argument);
            store.set("kept", "v");
        });
        CHECK(store.get("kept") == "v");
        CHECK(count_val_files(dir.path()) == 0);
        CHECK(store.check().clean());
    }
}

TEST_CASE("sqlite_store reservations work inside a transaction") {
    temp_dir dir("reserve-txn");
    fc::sqlite_store store(fc::sqlite_store::options{.directory = dir.path(), .timeout = 1s});
    store.transact([&] {
        CHECK(store.try_reserve("job", "me", 10s));
        CHECK(store.release("job", "me"));
    });
}

TEST_CASE("sqlite_store opens caches whose settings Python stored in other forms") {
    temp_dir dir("pysettings");
    { fc::sqlite_store store(dir.path()); }
    // diskcache.Cache(dir, size_limit=1e9, sqlite_synchronous='NORMAL', foo=None) stores these.
    exec(dir.path(), "UPDATE Settings SET value = 1e9 WHERE key = 'size_limit'; "
                     "UPDATE Settings SET value = 'NORMAL' WHERE key = 'sqlite_synchronous'; "
                     "INSERT INTO Settings VALUES ('foo', NULL)");
    fc::sqlite_store store(dir.path());
    CHECK(store.size_limit() == 1000000000U);
    store.set("k", "v");
    CHECK(store.get("k") == "v");
    CHECK(rows(dir.path(), "SELECT typeof(value) FROM Settings WHERE key = 'foo'")[0][0] == "null");
    CHECK(std::holds_alternative<std::monostate>(store.reset("foo")));
}

TEST_CASE("sqlite_store reset of a file-level pragma changes the file") {
    temp_dir dir("journal");
    fc::sqlite_store store(dir.path());
    store.reset("sqlite_journal_mode", std::string("delete"));
    CHECK(rows(dir.path(), "PRAGMA journal_mode")[0][0] == "delete");
    store.set("k", "v");
    CHECK(store.get("k") == "v");
}

TEST_CASE("sqlite_store read() keeps diskcache's books") {
    temp_dir dir("readstats");
    fc::sqlite_store store(fc::sqlite_store::options{
        .directory = dir.path(), .eviction_policy = fc::eviction_policy::least_frequently_used});
    store.set("k", "v");
    (void)store.stats(true);
    (void)store.read("k");
    (void)store.read("k");
    CHECK_THROWS_AS((void)store.read("missing"), fc::key_not_found);
    CHECK(store.stats(false) == fc::store_stats{2, 1});
    CHECK(rows(dir.path(), "SELECT access_count FROM Cache WHERE key = 'k'")[0][0] == "2");
}

TEST_CASE("sqlite_store drops entries whose value file vanished instead of retrying forever") {
    temp_dir dir("vanished");
    fc::sqlite_store store(dir.path());
    store.set("first", "1");
    store.push(std::string(40000, 'q'), std::string_view("jobs"));
    store.set("last", std::string(40000, 'l'));
    for (const auto& r :
         rows(dir.path(), "SELECT filename FROM Cache WHERE filename IS NOT NULL")) {
        std::filesystem::remove(dir.path() / r[0]);
    }
    CHECK(store.peekitem().key.as_text() == "first"); // "last" and the queue entry were dropped
    CHECK_FALSE(store.peek(std::string_view("jobs")));
    CHECK(store.check().clean());
}

TEST_CASE("sqlite_store incr refuses to overflow") {
    temp_dir dir("overflow");
    fc::sqlite_store store(dir.path());
    store.set("n", std::numeric_limits<std::int64_t>::max());
    CHECK_THROWS_WITH_AS((void)store.incr("n"), doctest::Contains("overflows"),
                         fc::invalid_argument);
    CHECK(store.get_entry("n")->value.as_integer() == std::numeric_limits<std::int64_t>::max());
    CHECK_THROWS_AS((void)store.decr("n", std::numeric_limits<std::int64_t>::min()),
                    fc::invalid_argument);
}

TEST_CASE("sqlite_store reads file-backed text with Python's universal newlines") {
    temp_dir dir("newlines");
    fc::sqlite_store store(fc::sqlite_store::options{.directory = dir.path(), .min_file_size = 4});
    store.set("t", fc::text_view{"a\r\nb\rc\n"});
    CHECK(store.get_entry("t")->value.as_text() == "a\nb\nc\n");
}

TEST_CASE("sqlite_store for_each_entry lists every row with its bookkeeping, expired ones too") {
    temp_dir dir("entries");
    fc::sqlite_store store(dir.path());
    const double before = fc::detail::unix_now();
    store.set("small", "abc", {.tag = "run-1"});
    store.set("large", std::string(40000, 'L'), {.expire = std::chrono::hours(1)});
    store.set("text", fc::text_view{"h\xc3\xa9"});
    store.set(7, std::int64_t{12345});
    store.set("gone", "x", {.expire = std::chrono::milliseconds(1)});
    std::this_thread::sleep_for(5ms);

    std::vector<fc::stored_entry_info> seen;
    store.for_each_entry([&](const fc::stored_entry_info& e) { seen.push_back(e); });
    REQUIRE(seen.size() == 5);
    CHECK(seen[0].key.as_text() == "small"); // insertion order
    CHECK(seen[0].value_size == 3);
    CHECK(seen[0].tag == "run-1");
    CHECK_FALSE(seen[0].filename);
    CHECK(seen[0].mode == fc::value_mode::raw);
    CHECK(seen[0].store_time >= before - 1);
    CHECK_FALSE(seen[0].expired(fc::detail::unix_now()));
    CHECK(seen[1].value_size == 40000);
    CHECK(seen[1].mode == fc::value_mode::binary);
    REQUIRE(seen[1].filename);
    CHECK(is_value_file_name(*seen[1].filename));
    REQUIRE(seen[1].expire_time);
    CHECK(*seen[1].expire_time > fc::detail::unix_now() + 3000);
    CHECK(seen[2].value_size == 3); // UTF-8 bytes, not code points
    CHECK(seen[3].key.as_integer() == 7);
    CHECK(seen[3].value_size == 5); // a number counts the length of its text
    CHECK(seen[4].key.as_text() == "gone");
    CHECK(seen[4].expired(fc::detail::unix_now()));
    CHECK_FALSE(store.get("gone")); // lookups hide it, the listing does not

    // More rows than one batch, and none twice. (The first of these writes culls "gone".)
    for (int i = 0; i < 250; ++i) {
        store.set("k" + std::to_string(i), "v");
    }
    std::size_t n = 0;
    std::set<std::string> keys;
    store.for_each_entry([&](const fc::stored_entry_info& e) {
        ++n;
        if (e.key.type() == fc::db_key::kind::text) {
            keys.insert(e.key.as_text());
        }
    });
    CHECK(n == 254);
    CHECK(keys.size() == 253);
}

TEST_CASE("sqlite_store inspect reads a row as stored, expired or not, without counting it") {
    temp_dir dir("inspect");
    fc::sqlite_store store(dir.path());
    (void)store.stats(true);
    store.set("small", "abc", {.tag = "t"});
    store.set("large", std::string(40000, 'L'));
    // Last: every write culls expired entries.
    store.set("gone", "x", {.expire = std::chrono::milliseconds(1)});
    std::this_thread::sleep_for(5ms);

    auto small = store.inspect(fc::db_key::text("small"));
    REQUIRE(small);
    REQUIRE(small->value);
    CHECK(small->value->as_bytes() == "abc");
    CHECK(small->info.tag == "t");
    CHECK(small->info.value_size == 3);

    auto large = store.inspect(fc::db_key::text("large"));
    REQUIRE(large);
    REQUIRE(large->value);
    CHECK(large->value->in_file());
    CHECK(large->value->as_bytes().size() == 40000);

    auto gone = store.inspect(fc::db_key::text("gone"));
    REQUIRE(gone);
    CHECK(gone->info.expired(fc::detail::unix_now()));
    CHECK(gone->value->as_bytes() == "x");

    CHECK_FALSE(store.inspect(fc::db_key::text("missing")));
    CHECK_FALSE(store.inspect(fc::db_key::blob("small"))); // a bytes key is another key
    CHECK(store.stats(false) == fc::store_stats{0, 0});    // no lookups were counted

    // A missing value file: the row is there, its value is not.
    std::filesystem::remove(dir.path() / *large->info.filename);
    auto orphan = store.inspect(fc::db_key::text("large"));
    REQUIRE(orphan);
    CHECK_FALSE(orphan->value);

    // A damaged row names the database.
    exec(dir.path(), "UPDATE Cache SET mode = 9 WHERE key = 'small'");
    CHECK_THROWS_WITH_AS((void)store.inspect(fc::db_key::text("small")),
                         doctest::Contains("cache.db"), fc::store_error);
    std::size_t rows_seen = 0;
    store.for_each_entry([&](const fc::stored_entry_info&) { ++rows_seen; }); // still listed
    CHECK(rows_seen == 3);
}

TEST_CASE("sqlite_store purge removes a row even when it has expired, with its file") {
    temp_dir dir("purge");
    fc::sqlite_store store(dir.path());
    store.set("live", "v");
    // Last: every write culls expired entries.
    store.set("gone", std::string(40000, 'g'), {.expire = std::chrono::milliseconds(1)});
    std::this_thread::sleep_for(5ms);
    CHECK_FALSE(store.erase("gone")); // diskcache's delete leaves expired rows alone
    CHECK(count_val_files(dir.path()) == 1);
    CHECK(store.purge(fc::db_key::text("gone")));
    CHECK_FALSE(store.purge(fc::db_key::text("gone")));
    CHECK(count_val_files(dir.path()) == 0);
    CHECK(store.purge(fc::db_key::text("live")));
    CHECK(store.size() == 0);
    CHECK(store.check().clean());
}

TEST_CASE("sqlite_store clear reports its progress batch by batch") {
    temp_dir dir("clear-progress");
    fc::sqlite_store store(dir.path());
    for (int i = 0; i < 250; ++i) {
        store.set("k" + std::to_string(i), "v");
    }
    std::vector<std::size_t> progress;
    CHECK(store.clear([&](std::size_t removed) { progress.push_back(removed); }) == 250);
    CHECK(progress == std::vector<std::size_t>{100, 200, 250});
    CHECK(store.size() == 0);
    CHECK(store.clear() == 0);
}

namespace {

// Counts the statements that start on any SQLite connection opened while it is installed (an
// auto extension puts a trace callback on each new connection), by their SQL's prefix.
struct statement_counter {
    inline static std::atomic<int> count{0};
    inline static std::string prefix;

    explicit statement_counter(std::string sql_prefix) {
        prefix = std::move(sql_prefix);
        count = 0;
        REQUIRE(sqlite3_auto_extension(reinterpret_cast<void (*)(void)>(&install)) == SQLITE_OK);
    }
    statement_counter(const statement_counter&) = delete;
    statement_counter& operator=(const statement_counter&) = delete;
    ~statement_counter() {
        sqlite3_cancel_auto_extension(reinterpret_cast<void (*)(void)>(&install));
    }

    static int install(sqlite3* db, const char**, const sqlite3_api_routines*) {
        return sqlite3_trace_v2(db, SQLITE_TRACE_STMT, &on_statement, nullptr);
    }
    static int on_statement(unsigned, void*, void* stmt, void*) {
        const char* sql = sqlite3_sql(static_cast<sqlite3_stmt*>(stmt));
        if (sql != nullptr && std::string_view(sql).starts_with(prefix)) {
            ++count;
        }
        return 0;
    }
};

} // namespace

TEST_CASE("sqlite_store get reads a file-backed value with one SELECT") {
    temp_dir dir("one_select");
    statement_counter selects("SELECT rowid, expire_time, tag, mode, filename, value, size FROM");
    fc::sqlite_store store(fc::sqlite_store::options{.directory = dir.path(), .min_file_size = 16});
    const std::string big(1000, 'v');
    store.set("big", big);
    store.set("small", std::string_view("s"));
    REQUIRE(count_val_files(dir.path()) == 1);

    selects.count = 0;
    CHECK(store.get("big") == big);
    CHECK(selects.count == 1);
    selects.count = 0;
    CHECK(store.get("small") == "s");
    CHECK(selects.count == 1);
    selects.count = 0;
    CHECK_FALSE(store.get("missing"));
    CHECK(selects.count == 1);

    // Counting hits (a write transaction) does not add a second read either.
    store.stats(true);
    selects.count = 0;
    CHECK(store.get("big") == big);
    CHECK(selects.count == 1);
    CHECK(store.statistics() == fc::store_stats{1, 0});
}

TEST_CASE("sqlite_store statistics() reads the counters and writes nothing") {
    temp_dir dir("statistics");
    {
        fc::sqlite_store store(
            fc::sqlite_store::options{.directory = dir.path(), .statistics = true});
        store.set("k", std::string_view("v"));
        CHECK(store.get("k") == "v");
        CHECK_FALSE(store.get("missing"));
        CHECK_FALSE(store.get("missing"));

        const auto before = rows(dir.path(), "SELECT key, value FROM Settings ORDER BY key");
        CHECK(store.statistics() == fc::store_stats{1, 2});
        CHECK(store.statistics() == fc::store_stats{1, 2});
        CHECK(rows(dir.path(), "SELECT key, value FROM Settings ORDER BY key") == before);

        // stats() switches counting; statistics() neither switches nor resets.
        CHECK(store.stats(false) == fc::store_stats{1, 2});
        CHECK(setting(dir.path(), "statistics") == "0");
        CHECK(store.statistics() == fc::store_stats{1, 2});
        CHECK(setting(dir.path(), "statistics") == "0");
        CHECK(store.get("k") == "v"); // not counted now
        CHECK(store.statistics() == fc::store_stats{1, 2});
    }
    // A read-only store can read them (stats() would write, and throws there).
    const auto settings = rows(dir.path(), "SELECT key, value FROM Settings ORDER BY key");
    fc::sqlite_store ro(fc::sqlite_store::options{.directory = dir.path(), .read_only = true});
    CHECK(ro.statistics() == fc::store_stats{1, 2});
    CHECK_THROWS_AS((void)ro.stats(), fc::store_error);
    CHECK(rows(dir.path(), "SELECT key, value FROM Settings ORDER BY key") == settings);
}

TEST_CASE("sqlite_store create_if_missing = false opens an existing cache and creates nothing") {
    temp_dir dir("existing_only");
    const auto open_existing = [](const std::filesystem::path& d) {
        return fc::sqlite_store(
            fc::sqlite_store::options{.directory = d, .create_if_missing = false});
    };

    SUBCASE("a missing directory") {
        const auto missing = dir.path() / "nowhere";
        CHECK_THROWS_WITH_AS(open_existing(missing), doctest::Contains(missing.string().c_str()),
                             fc::store_error);
        CHECK_FALSE(std::filesystem::exists(missing));
    }
    SUBCASE("a directory without cache.db") {
        CHECK_THROWS_WITH_AS(open_existing(dir.path()), doctest::Contains("holds no cache.db"),
                             fc::store_error);
        CHECK(std::filesystem::is_empty(dir.path()));
    }
    SUBCASE("a database of another program") {
        exec(dir.path(), "CREATE TABLE accounts (id INTEGER, name TEXT)");
        const auto db = (dir.path() / "cache.db").string();
        CHECK_THROWS_WITH_AS(open_existing(dir.path()), doctest::Contains(db.c_str()),
                             fc::store_error);
        CHECK_THROWS_WITH_AS(open_existing(dir.path()),
                             doctest::Contains("not a diskcache database"), fc::store_error);
        CHECK(rows(dir.path(), "SELECT name FROM sqlite_master ORDER BY name") ==
              std::vector<std::vector<std::string>>{{"accounts"}});
    }
    SUBCASE("an existing cache") {
        {
            fc::sqlite_store created(dir.path());
            created.set("k", std::string_view("v"));
        }
        const auto schema = rows(dir.path(), "SELECT name, sql FROM sqlite_master ORDER BY name");
        fc::sqlite_store store = open_existing(dir.path());
        CHECK(store.get("k") == "v");
        store.set("k2", std::string_view("v2"));
        CHECK(store.get("k2") == "v2");
        CHECK(rows(dir.path(), "SELECT name, sql FROM sqlite_master ORDER BY name") == schema);
    }
}
