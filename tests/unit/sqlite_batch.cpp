// flytecache — tests: sqlite_store's batches (set_many, get_many): atomicity, format, concurrency
// SPDX-License-Identifier: MIT
#include <flytecache/store/sqlite_store.hpp>

#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/tiered_store.hpp>

#include "../support/raw_sqlite.hpp"
#include "../support/sqlite_batches.hpp"
#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace fc = flytecache;
using flytecache_test::count_val_files;
using flytecache_test::exec;
using flytecache_test::rows;
using flytecache_test::small_files;
using flytecache_test::temp_dir;

namespace {

using batch = flytecache_test::owned_batch;

batch make_batch(const std::string& prefix, std::size_t n, const std::string& value_prefix,
                 std::size_t value_size = 0) {
    batch b;
    for (std::size_t i = 0; i < n; ++i) {
        b.keys.push_back(prefix + std::to_string(i));
        std::string v = value_prefix + std::to_string(i);
        if (v.size() < value_size) {
            v.append(value_size - v.size(), static_cast<char>('a' + (i % 26)));
        }
        b.values.push_back(std::move(v));
    }
    return b;
}

} // namespace

// The usual tiers: a memory front before the SQLite store batch as both do.
static_assert(fc::batching_store<fc::tiered_store<fc::memory_store, fc::sqlite_store>>);

TEST_CASE("sqlite_store batch: set_many then get_many answers in the keys' order, misses empty") {
    temp_dir d("batch");
    fc::sqlite_store s(d.path());
    const batch b = make_batch("k", 100, "v");
    s.set_many(b.items());
    CHECK(s.size() == 100);

    std::vector<std::string_view> keys{"k7", "nope", "k0", "k99", "k7", "also-missing", "k42"};
    const auto got = s.get_many(keys);
    REQUIRE(got.size() == keys.size());
    CHECK(got[0] == std::optional<std::string>("v7"));
    CHECK_FALSE(got[1].has_value());
    CHECK(got[2] == std::optional<std::string>("v0"));
    CHECK(got[3] == std::optional<std::string>("v99"));
    CHECK(got[4] == std::optional<std::string>("v7"));
    CHECK_FALSE(got[5].has_value());
    CHECK(got[6] == std::optional<std::string>("v42"));

    // The same rows set() writes: get() reads them, and a batch overwrites set()'s entries.
    for (std::size_t i = 0; i < b.keys.size(); ++i) {
        CHECK(s.get(b.keys[i]) == std::optional<std::string>(b.values[i]));
    }
    s.set("k5", "single");
    CHECK(s.get_many(std::vector<std::string_view>{"k5"})[0] ==
          std::optional<std::string>("single"));
    const batch again = make_batch("k", 10, "w");
    s.set_many(again.items());
    CHECK(s.get("k5") == std::optional<std::string>("w5"));
    CHECK(s.size() == 100);
    // Empty and binary values and keys round-trip like set's.
    const std::string zero("a\0b", 3);
    const std::vector<fc::key_value> odd{{"empty", ""}, {zero, zero}, {"", "empty key"}};
    s.set_many(odd);
    const auto odd_got = s.get_many(std::vector<std::string_view>{"empty", zero, ""});
    CHECK(odd_got[0] == std::optional<std::string>(""));
    CHECK(odd_got[1] == std::optional<std::string>(zero));
    CHECK(odd_got[2] == std::optional<std::string>("empty key"));
    CHECK(s.get("") == std::optional<std::string>("empty key"));
    // Default-constructed views (a null pointer, no bytes) are the empty key and value too.
    const std::vector<fc::key_value> null_views{{std::string_view{}, std::string_view{}}};
    s.set_many(null_views);
    CHECK(s.get("") == std::optional<std::string>(""));
    CHECK(s.get_many(std::vector<std::string_view>{std::string_view{}})[0] ==
          std::optional<std::string>(""));
    CHECK(rows(d.path(), "SELECT COUNT(*) FROM Cache WHERE key IS NULL")[0][0] == "0");
}

TEST_CASE("sqlite_store batch: an empty batch writes nothing and reads nothing") {
    temp_dir d("batch");
    fc::sqlite_store s(d.path());
    s.set_many({});
    CHECK(s.size() == 0);
    CHECK(s.get_many({}).empty());
    fc::sqlite_store::options ro{.directory = d.path()};
    ro.read_only = true;
    fc::sqlite_store reader(ro);
    CHECK(reader.get_many({}).empty());
    CHECK_THROWS_AS(reader.set_many({}), fc::store_error); // a write call, even with nothing
}

TEST_CASE("sqlite_store batch: a key given twice keeps the last value, like sequential sets") {
    temp_dir d("batch");
    fc::sqlite_store s(small_files(d));
    const std::string big1(5000, 'x');
    const std::string big2(6000, 'y');
    const std::vector<fc::key_value> items{{"a", "first"},     {"b", big1}, {"a", "second"},
                                           {"b", "small now"}, {"c", big2}, {"a", "last"}};
    s.set_many(items);
    CHECK(s.size() == 3);
    const auto got = s.get_many(std::vector<std::string_view>{"a", "b", "c"});
    CHECK(got[0] == std::optional<std::string>("last"));
    CHECK(got[1] == std::optional<std::string>("small now"));
    CHECK(got[2] == std::optional<std::string>(big2));
    // The shadowed large value was never written: only c's file exists.
    CHECK(count_val_files(d.path()) == 1);
    // Overwriting file-backed values in a batch removes their old files after the commit.
    const std::vector<fc::key_value> replace{{"c", "tiny"}, {"b", big1}};
    s.set_many(replace);
    CHECK(count_val_files(d.path()) == 1);
    CHECK(s.get("b") == std::optional<std::string>(big1));
    CHECK(s.get("c") == std::optional<std::string>("tiny"));
}

TEST_CASE("sqlite_store batch: expiry and tag apply to every entry; expired entries are misses") {
    temp_dir d("batch");
    fc::sqlite_store s(d.path());
    const batch tagged = make_batch("t", 5, "v");
    s.set_many(tagged.items(), {.expire = std::chrono::hours(1), .tag = "nightly"});
    const batch forever = make_batch("f", 5, "v");
    s.set_many(forever.items());
    const batch gone = make_batch("g", 5, "v");
    s.set_many(gone.items(), {.expire = std::chrono::hours(1)});
    exec(d.path(), "UPDATE Cache SET expire_time = 1 WHERE key LIKE 'g%'"); // expired, still there

    for (const auto& k : tagged.keys) {
        const auto e = s.get_entry(k);
        REQUIRE(e.has_value());
        CHECK(e->tag == std::optional<std::string>("nightly"));
        REQUIRE(e->expire_time.has_value());
        CHECK(*e->expire_time > fc::detail::unix_now() + 3500);
    }
    for (const auto& k : forever.keys) {
        const auto e = s.get_entry(k);
        REQUIRE(e.has_value());
        CHECK_FALSE(e->tag.has_value());
        CHECK_FALSE(e->expire_time.has_value());
    }
    CHECK(s.size() == 15);
    for (const auto& g : s.get_many(gone.key_views())) {
        CHECK_FALSE(g.has_value());
    }
    CHECK(s.get_many(tagged.key_views())[4] == std::optional<std::string>("v4"));
    // Overwrites change expiry and tag both ways, whether or not the expiry changes.
    const std::vector<fc::key_value> f0{{"f0", "a"}};
    s.set_many(f0, {.tag = "x"});
    CHECK(s.get_entry("f0")->tag == std::optional<std::string>("x"));
    CHECK_FALSE(s.get_entry("f0")->expire_time.has_value());
    s.set_many(f0, {.expire = std::chrono::hours(2)});
    CHECK(s.get_entry("f0")->expire_time.has_value());
    CHECK_FALSE(s.get_entry("f0")->tag.has_value());
    s.set_many(f0);
    CHECK_FALSE(s.get_entry("f0")->expire_time.has_value());
    CHECK(s.evict("nightly") == 5);
    for (const auto& t : s.get_many(tagged.key_views())) {
        CHECK_FALSE(t.has_value());
    }
}

TEST_CASE("sqlite_store batch: get_many counts statistics and access books per key as get") {
    temp_dir d("batch");
    fc::sqlite_store::options o{.directory = d.path()};
    o.statistics = true;
    o.eviction_policy = fc::eviction_policy::least_recently_used;
    fc::sqlite_store s(o);
    const batch b = make_batch("k", 4, "v");
    s.set_many(b.items());
    (void)s.stats(true, true);
    exec(d.path(), "UPDATE Cache SET access_time = 1");

    const auto got =
        s.get_many(std::vector<std::string_view>{"k0", "x", "k1", "k2", "y", "k0", "z"});
    CHECK(got.size() == 7);
    CHECK(s.statistics() == fc::store_stats{4, 3});
    // Hits updated their access time (LRU), the untouched k3 kept the old one.
    CHECK(rows(d.path(), "SELECT key FROM Cache WHERE access_time = 1") ==
          std::vector<std::vector<std::string>>{{"k3"}});

    // Counting off: nothing counted, as get.
    (void)s.stats(false, true);
    (void)s.get_many(std::vector<std::string_view>{"k0", "x"});
    CHECK(s.statistics() == fc::store_stats{0, 0});

    // The same counts as the same gets, on a fresh counter.
    (void)s.stats(true, true);
    for (const std::string_view k : {"k0", "x", "k1", "k2", "y", "k0", "z"}) {
        (void)s.get(k);
    }
    CHECK(s.statistics() == fc::store_stats{4, 3});
}

TEST_CASE("sqlite_store batch: large values go to .val files and read back") {
    temp_dir d("batch");
    fc::sqlite_store s(small_files(d));
    const batch b = make_batch("big", 20, "value", 4096);
    const batch small = make_batch("small", 20, "v");
    s.set_many(b.items());
    s.set_many(small.items());
    CHECK(count_val_files(d.path()) == 20);
    CHECK(rows(d.path(),
               "SELECT COUNT(*) FROM Cache WHERE filename IS NOT NULL AND mode = 2")[0][0] == "20");
    const auto got = s.get_many(b.key_views());
    for (std::size_t i = 0; i < b.keys.size(); ++i) {
        CHECK(got[i] == std::optional<std::string>(b.values[i]));
    }
    // diskcache's size setting counts the files, as set() keeps it.
    CHECK(rows(d.path(), "SELECT value FROM Settings WHERE key = 'size'")[0][0] ==
          std::to_string(20 * 4096));
    CHECK(s.check().findings.empty());
}

TEST_CASE("sqlite_store batch: a batch that fails half-way stores nothing and leaves no files") {
    temp_dir d("batch");
    fc::sqlite_store s(small_files(d));
    const std::string old_big(3000, 'o');
    s.set("keep", old_big);
    s.set("k1", "before");
    REQUIRE(count_val_files(d.path()) == 1);

    SUBCASE("a row fails inside the transaction") {
        exec(d.path(), "CREATE TRIGGER poison BEFORE INSERT ON Cache WHEN NEW.key = 'poison' "
                       "BEGIN SELECT RAISE(ABORT, 'poisoned batch'); END");
        const std::string big(5000, 'b');
        const std::vector<fc::key_value> items{
            {"k0", big}, {"k1", "after"}, {"keep", "overwritten"}, {"poison", "x"}, {"k4", big}};
        CHECK_THROWS_AS(s.set_many(items), fc::store_error);
    }
    SUBCASE("a value file cannot be written") {
        // A file size limit lets the first large value be written and fails the second (EFBIG).
        const std::string fits(64 * 1024, 'f');
        const std::string too_big(2 * 1024 * 1024, 't');
        const std::vector<fc::key_value> items{
            {"k0", fits}, {"k1", "after"}, {"keep", fits}, {"k3", too_big}, {"k4", fits}};
        rlimit old{};
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
        const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit small = old;
        small.rlim_cur = 1024 * 1024;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
        bool threw = false;
        try {
            s.set_many(items);
        } catch (const fc::error&) {
            threw = true;
        }
        ::setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, old_handler);
        CHECK(threw);
    }
    SUBCASE("inside a transaction the caller catches the failure and commits the rest") {
        exec(d.path(), "CREATE TRIGGER poison BEFORE INSERT ON Cache WHEN NEW.key = 'poison' "
                       "BEGIN SELECT RAISE(ABORT, 'poisoned batch'); END");
        const std::string big(5000, 'b');
        const std::vector<fc::key_value> items{
            {"k0", big}, {"k1", "after"}, {"keep", "overwritten"}, {"poison", "x"}, {"k4", big}};
        s.transact([&] {
            s.set("outer", "committed");
            CHECK_THROWS_AS(s.set_many(items), fc::store_error);
        });
        CHECK(s.get("outer") == std::optional<std::string>("committed"));
        CHECK(s.size() == 3);
        s.purge(fc::db_key::text("outer"));
    }
    CHECK(s.size() == 2);
    CHECK(s.get("k0") == std::nullopt);
    CHECK(s.get("k4") == std::nullopt);
    CHECK(s.get("k1") == std::optional<std::string>("before"));
    CHECK(s.get("keep") == std::optional<std::string>(old_big)); // its file survived too
    CHECK(count_val_files(d.path()) == 1);
    CHECK(s.check().findings.empty());
}

TEST_CASE("sqlite_store batch: culls once with the budget of every entry of the batch") {
    temp_dir d("batch");
    SUBCASE("expired rows: up to cull_limit per entry") {
        fc::sqlite_store s(d.path());
        const batch old = make_batch("old", 30, "v");
        s.set_many(old.items(), {.expire = std::chrono::hours(1)});
        exec(d.path(), "UPDATE Cache SET expire_time = 1"); // expired long ago
        CHECK(s.size() == 30);
        const batch fresh = make_batch("new", 5, "v");
        s.set_many(fresh.items()); // 5 entries × cull_limit 10 ≥ 30 expired rows
        CHECK(s.size() == 5);
        // One set() alone removes at most cull_limit (10) of them; a batch of 2 at most 20.
        s.set_many(old.items(), {.expire = std::chrono::hours(1)});
        exec(d.path(), "UPDATE Cache SET expire_time = 1 WHERE key LIKE 'old%'");
        s.set("one", "v");
        CHECK(s.size() == 5 + 30 - 10 + 1);
        const std::vector<fc::key_value> two{{"two", "v"}, {"three", "v"}};
        s.set_many(two);
        CHECK(s.size() == 5 + 30 - 10 + 1 - 20 + 2);
    }
    SUBCASE("size limit: evicts in steps of cull_limit until under the limit") {
        fc::sqlite_store s(small_files(d));
        const batch old = make_batch("old", 30, "v", 50 * 1024);
        s.set_many(old.items());
        REQUIRE(s.size() == 30);
        s.reset("size_limit", std::int64_t{1024 * 1024});
        const batch fresh = make_batch("new", 5, "w", 50 * 1024);
        s.set_many(fresh.items());
        CHECK(s.volume() < s.size_limit());
        CHECK(s.size() < 35);
        CHECK(s.size() >= 10); // stopped once under the limit, not the whole budget of 50
        // The batch's own entries are the newest: least-recently-stored evicts the old first.
        for (const auto& v : s.get_many(fresh.key_views())) {
            CHECK(v.has_value());
        }
        CHECK(count_val_files(d.path()) == s.size());
        CHECK(s.check().findings.empty());
    }
}

// A batch of trigger_free_batch_min entries or more writes its rows with the triggers off and
// keeps diskcache's count and size Settings itself: they must end as the triggers leave them.
TEST_CASE("sqlite_store batch: a large batch keeps Settings count and size as sequential sets") {
    constexpr std::size_t n = 300;
    static_assert(n >= fc::detail::sqlite::trigger_free_batch_min);
    temp_dir batched_dir("batch");
    temp_dir single_dir("batch");
    const auto settings = [](const temp_dir& d) {
        return rows(d.path(), "SELECT key, typeof(value), value FROM Settings WHERE key IN "
                              "('count', 'size') ORDER BY key");
    };
    const auto live = [](const temp_dir& d) {
        return rows(d.path(), "SELECT COUNT(*), TOTAL(size) FROM Cache")[0];
    };
    // Rows before the batch: small (inline, size 0) and large (files) values.
    const batch before_small = make_batch("s", n / 2, "v");
    const batch before_big = make_batch("b", n / 2, "w", 2000);
    // The batch: overwrites small with large and large with small, adds new keys of both, and
    // gives some keys twice (the last wins).
    std::vector<std::string> keys;
    std::vector<std::string> values;
    for (std::size_t i = 0; i < n / 2; ++i) {
        keys.push_back("s" + std::to_string(i));
        values.push_back(i % 2 == 0 ? std::string(3000 + i, 'x') : "small" + std::to_string(i));
        keys.push_back("b" + std::to_string(i));
        values.push_back(i % 3 == 0 ? std::string(1500 + i, 'y') : "tiny" + std::to_string(i));
        keys.push_back("n" + std::to_string(i));
        values.push_back(i % 2 == 0 ? std::string(1024 + i, 'z') : "new" + std::to_string(i));
    }
    keys.emplace_back("s1");
    values.emplace_back(5000, 'l');
    keys.emplace_back("n2");
    values.emplace_back("last");
    std::vector<fc::key_value> items;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        items.push_back({keys[i], values[i]});
    }
    const auto run = [&](const std::string& prepare_sql) {
        fc::sqlite_store batched(small_files(batched_dir));
        fc::sqlite_store single(small_files(single_dir));
        for (auto* s : {&batched, &single}) {
            s->set_many(before_small.items());
            s->set_many(before_big.items());
        }
        if (!prepare_sql.empty()) {
            exec(batched_dir.path(), prepare_sql);
            exec(single_dir.path(), prepare_sql);
        }
        batched.set_many(items);
        for (const auto& item : items) {
            single.set(item.key, item.value);
        }
        CHECK(settings(batched_dir) == settings(single_dir));
        // Not the rowids: a key given twice is written once, at its last place in the batch.
        const std::string all = "SELECT key, raw, size, mode, expire_time, filename IS NULL, "
                                "value, access_count FROM Cache ORDER BY key, raw";
        CHECK(rows(batched_dir.path(), all) == rows(single_dir.path(), all));
        // The triggers are on again: an erase and a set after the batch keep the books too.
        CHECK(batched.erase(keys[0]));
        CHECK(single.erase(keys[0]));
        batched.set("after", std::string(4000, 'a'));
        single.set("after", std::string(4000, 'a'));
        CHECK(settings(batched_dir) == settings(single_dir));
        CHECK(batched.get("n2") == std::optional<std::string>("last"));
        CHECK(batched.get("s1") == std::optional<std::string>(std::string(5000, 'l')));
        // An odd old size leaves Settings as odd in both (check reports it in both).
        CHECK(batched.check().findings.size() == single.check().findings.size());
    };
    SUBCASE("the books as diskcache keeps them") {
        run("");
        const auto s = settings(batched_dir);
        const auto l = live(batched_dir);
        CHECK(s[0][2] == l[0]);                                        // count
        CHECK(std::stod(s[1][2]) == doctest::Approx(std::stod(l[1]))); // size
        CHECK(s[1][1] == "integer");
        fc::sqlite_store reopened(small_files(batched_dir));
        CHECK(reopened.check().findings.empty());
    }
    SUBCASE("rows whose expiry the batch changes, and a key stored pickled (raw = 0)") {
        run("UPDATE Cache SET expire_time = 4102444800 WHERE key IN ('s5', 'b6'); UPDATE Cache "
            "SET raw = 0 WHERE key = 'b8'");
        CHECK(rows(batched_dir.path(), "SELECT COUNT(*) FROM Cache WHERE key = 'b8'")[0][0] == "2");
    }
    SUBCASE("an old size diskcache never writes: the trigger's own arithmetic") {
        SUBCASE("REAL") { run("UPDATE Cache SET size = size + 0.5 WHERE key IN ('b3', 's4')"); }
        SUBCASE("NULL") { run("UPDATE Cache SET size = NULL WHERE key = 'b7'"); }
        SUBCASE("near the int64 limits") {
            run("UPDATE Cache SET size = 9223372036854775000 WHERE key = 'b1'; UPDATE Cache SET "
                "size = -9223372036854775000 WHERE key = 'b2'");
        }
    }
    SUBCASE("another trigger: the batch keeps the triggers on") {
        run("CREATE TRIGGER extra AFTER UPDATE ON Cache BEGIN UPDATE Settings SET value = value "
            "+ 1 WHERE key = 'misses'; END");
        // It ran once per overwrite: the batch's 300 (its earlier duplicates are never written).
        CHECK(rows(batched_dir.path(), "SELECT value FROM Settings WHERE key = 'misses'")[0][0] ==
              "300");
    }
    SUBCASE("a TTL on rows that had none, then none again") {
        fc::sqlite_store s(small_files(batched_dir));
        s.set_many(items);
        s.set_many(items, {.expire = std::chrono::hours(1)});
        const auto expiring = [&] {
            return rows(batched_dir.path(),
                        "SELECT COUNT(*) FROM Cache WHERE expire_time IS NOT NULL")[0][0];
        };
        CHECK(expiring() == std::to_string(3 * n / 2));
        s.set_many(items);
        CHECK(expiring() == "0");
        const auto books = settings(batched_dir);
        const auto l = live(batched_dir);
        CHECK(books[0][2] == l[0]);
        CHECK(l[0] == std::to_string(3 * n / 2));
        CHECK(std::stod(books[1][2]) == doctest::Approx(std::stod(l[1])));
        CHECK(s.get("n2") == std::optional<std::string>("last"));
        CHECK(s.check().findings.empty());
    }
    SUBCASE("with a size limit the cull after the batch keeps them too") {
        fc::sqlite_store s(small_files(batched_dir));
        s.set_many(before_big.items());
        s.reset("size_limit", std::int64_t{256 * 1024});
        s.set_many(items);
        const auto books = settings(batched_dir);
        const auto l = live(batched_dir);
        CHECK(books[0][2] == l[0]);
        CHECK(std::stod(books[1][2]) == doctest::Approx(std::stod(l[1])));
        CHECK(s.check().findings.empty());
    }
}

TEST_CASE("sqlite_store batch: bad input is a flytecache::error, nothing is written") {
    temp_dir d("batch");
    fc::sqlite_store s(small_files(d));
    const batch b = make_batch("k", 3, "v", 2048);
    CHECK_THROWS_AS(s.set_many(b.items(), {.expire = fc::float_seconds(
                                               std::numeric_limits<double>::quiet_NaN())}),
                    fc::invalid_argument);
    CHECK(s.size() == 0);
    CHECK(count_val_files(d.path()) == 0);

    // A value of another kind: get_many refuses it as get does.
    s.set("n", 42);
    s.set("ok", "bytes");
    CHECK_THROWS_AS((void)s.get_many(std::vector<std::string_view>{"ok", "n"}),
                    fc::value_type_error);

    // A read-only store reads batches and refuses to write them.
    fc::sqlite_store::options ro{.directory = d.path()};
    ro.read_only = true;
    fc::sqlite_store reader(ro);
    CHECK(reader.get_many(std::vector<std::string_view>{"ok", "x"})[0] ==
          std::optional<std::string>("bytes"));
    CHECK_THROWS_AS(reader.set_many(b.items()), fc::store_error);
    CHECK(count_val_files(d.path()) == 0);
}

TEST_CASE("sqlite_store batch: Python diskcache reads what set_many wrote") {
    const std::string python = FLYTECACHE_PYTHON_DISKCACHE;
    REQUIRE_MESSAGE(!python.empty(), "no python3 with the diskcache package was found when "
                                     "configuring; run scripts/install-deps (python3-diskcache)");
    temp_dir d("batch");
    {
        fc::sqlite_store s(small_files(d));
        const batch small = make_batch("small", 10, "value");
        const batch big = make_batch("big", 3, "large", 5000);
        s.set_many(small.items());
        s.set_many(big.items(), {.expire = std::chrono::hours(2), .tag = "t"});
        const std::vector<fc::key_value> dup{{"dup", "a"}, {"dup", "b"}};
        s.set_many(dup);
    }
    temp_dir scratch("batch-py"); // not in the cache directory: check() would report the files
    const auto script = scratch / "check.py";
    {
        std::ofstream py(script);
        py << R"(import sys, time, diskcache
c = diskcache.Cache(sys.argv[1])
assert len(c) == 14, len(c)
for i in range(10):
    assert c[f"small{i}"] == f"value{i}".encode(), c[f"small{i}"]
for i in range(3):
    v, exp, tag = c.get(f"big{i}", expire_time=True, tag=True)
    want = f"large{i}".encode()
    want += bytes([ord('a') + i]) * (5000 - len(want))
    assert v == want, (i, len(v))
    assert tag == "t", tag
    assert 7000 < exp - time.time() <= 7200, exp
assert c["dup"] == b"b"
problems = [str(w.message) for w in c.check()]
assert problems == [], problems
print("ok")
)";
    }
    const std::string command = python + " " + script.string() + " " + d.path().string() + " > " +
                                (scratch / "out").string();
    const int status = std::system(command.c_str()); // NOLINT(cert-env33-c): test driver
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    std::ifstream out(scratch / "out");
    std::string line;
    std::getline(out, line);
    CHECK(line == "ok");
}

TEST_CASE("sqlite_store batch: concurrent readers see a whole batch or none of it") {
    temp_dir d("batch");
    fc::sqlite_store::options o = small_files(d);
    bool counting = false;
    SUBCASE("read snapshot") {}
    SUBCASE("statistics on: read in a write transaction") { counting = true; }
    o.statistics = counting;
    fc::sqlite_store s(o);
    const std::size_t n = 50;
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < n; ++i) {
        keys.push_back("key" + std::to_string(i));
    }
    const std::vector<std::string_view> views(keys.begin(), keys.end());
    std::atomic<int> writers_done{0};
    std::atomic<int> torn{0};
    std::atomic<int> reads{0};
    std::atomic<int> errors{0};
    const auto writer = [&](const std::string& name) {
        try {
            for (int round = 0; round < 60; ++round) {
                // Every value of one batch carries its writer and round; every 5th is a file.
                const std::string tag = name + ":" + std::to_string(round) + ":";
                std::vector<std::string> values;
                for (std::size_t i = 0; i < n; ++i) {
                    values.push_back(i % 5 == 0 ? tag + std::string(2000, 'x') : tag);
                }
                std::vector<fc::key_value> items;
                for (std::size_t i = 0; i < n; ++i) {
                    items.push_back({keys[i], values[i]});
                }
                s.set_many(items);
            }
        } catch (...) {
            ++errors;
        }
        ++writers_done;
    };
    std::thread w1(writer, "w1");
    std::thread w2(writer, "w2");
    std::thread reader([&] {
        try {
            fc::sqlite_store other(o); // another store: its own connections, as another process
            bool flip = false;
            while (writers_done.load() < 2) {
                flip = !flip;
                const auto got = flip ? s.get_many(views) : other.get_many(views);
                ++reads;
                const auto batch_of = [](const std::optional<std::string>& v) {
                    return v ? v->substr(0, v->find(':', 3)) : std::string("none");
                };
                const std::string first = batch_of(got[0]);
                for (const auto& v : got) {
                    if (batch_of(v) != first) {
                        ++torn;
                        break;
                    }
                }
            }
        } catch (...) {
            ++errors;
        }
    });
    w1.join();
    w2.join();
    reader.join();
    CHECK(errors.load() == 0);
    CHECK(torn.load() == 0);
    CHECK(reads.load() > 0);
    CHECK(count_val_files(d.path()) == n / 5);
}
