// flytecache — tests: the typed in-process tier in front of an executor's store
// SPDX-License-Identifier: MIT
// tests: the typed tier (issue 19, item 2) answers repeated calls without the store, compares
// arguments by value, honours versions, overwrite mode, bounds and the cache's own changes,
// bypasses arguments that are not values, and keeps serialize's exactly-once.
#include <flytecache/literal/file.hpp>
#include <flytecache/literal/hash_method.hpp>
#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/sqlite_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>
#include <flytecache/task/typed_tier.hpp>

#include "../support/counted.hpp"
#include "../support/serialize_checks.hpp"
#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace fc = flytecache;
using flytecache_test::temp_dir;

namespace tier_types {
// A user type with a deliberately useless hash: every value collides, so only == tells them apart.
struct colliding {
    std::int64_t value = 0;
    friend bool operator==(const colliding&, const colliding&) = default;
};
inline fc::literal to_literal(const colliding& c) { return fc::to_literal(c.value); }
inline void from_literal(const fc::literal& l, colliding& c) {
    c.value = fc::from_literal<std::int64_t>(l);
}
inline fc::literal_type literal_type_of(std::type_identity<colliding>) {
    return fc::literal_type_of<std::int64_t>();
}

// A user type that has not opted in: the tier must leave its tasks alone.
struct opaque {
    std::int64_t value = 0;
    friend bool operator==(const opaque&, const opaque&) = default;
};
inline fc::literal to_literal(const opaque& c) { return fc::to_literal(c.value); }
inline void from_literal(const fc::literal& l, opaque& c) {
    c.value = fc::from_literal<std::int64_t>(l);
}
inline fc::literal_type literal_type_of(std::type_identity<opaque>) {
    return fc::literal_type_of<std::int64_t>();
}

// Counts its copies, to see what a hit copies (tests/support/counted.hpp).
using flytecache_test::counted;

struct point {
    BOOST_HANA_DEFINE_STRUCT(point, (double, x), (double, y), (std::string, label));
};

// A struct whose literal is not its fields' (a conversion of the user's own): not memoized.
struct from_elsewhere {
    BOOST_HANA_DEFINE_STRUCT(from_elsewhere, (std::string, path));
};

// An enum whose literal is a conversion of the user's own that reads outside state (a dataset
// snapshot): never memoized unless opted in.
std::string current_snapshot = "snap-1";
enum class dataset { train, test };
inline fc::literal to_literal(const dataset& d) {
    return fc::to_literal(std::string(d == dataset::train ? "train@" : "test@") + current_snapshot);
}
inline void from_literal(const fc::literal&, dataset& d) { d = dataset::train; }
inline fc::literal_type literal_type_of(std::type_identity<dataset>) {
    return fc::literal_type_of<std::string>();
}
enum class colour { red, green };
inline fc::literal to_literal(const colour& c) {
    return fc::to_literal(std::int64_t{c == colour::red ? 0 : 1});
}
inline void from_literal(const fc::literal& l, colour& c) {
    c = fc::from_literal<std::int64_t>(l) == 0 ? colour::red : colour::green;
}
inline fc::literal_type literal_type_of(std::type_identity<colour>) {
    return fc::literal_type_of<std::int64_t>();
}

// Keys compared without case: {"A": 1} == {"a": 1} under the map, but their literals differ.
struct no_case_less {
    bool operator()(const std::string& a, const std::string& b) const;
};
} // namespace tier_types

template <>
struct fc::literal_traits<tier_types::from_elsewhere> {
    static fc::literal to_literal(const tier_types::from_elsewhere& v) {
        return fc::to_literal(v.path + " (and whatever the file holds)");
    }
    static tier_types::from_elsewhere from_literal(const fc::literal&) { return {}; }
    static fc::literal_type type() { return fc::literal_type_of<std::string>(); }
};

template <>
struct std::hash<tier_types::colliding> {
    std::size_t operator()(const tier_types::colliding&) const noexcept { return 7; }
};
template <>
inline constexpr bool fc::enable_typed_tier<tier_types::colliding> = true;
template <>
inline constexpr bool fc::enable_typed_tier<tier_types::colour> = true;
template <>
struct std::hash<tier_types::counted> {
    std::size_t operator()(const tier_types::counted& c) const noexcept {
        return std::hash<std::int64_t>{}(c.value);
    }
};
template <>
inline constexpr bool fc::enable_typed_tier<tier_types::counted> = true;

namespace {

// A store that counts the reads and writes that reach it (the counters outlive the moved store).
struct counting_store {
    struct counters {
        std::atomic<int> gets{0};
        std::atomic<int> sets{0};
    };
    fc::memory_store inner;
    std::shared_ptr<counters> count = std::make_shared<counters>();
    std::optional<std::string> get(std::string_view k) {
        ++count->gets;
        return inner.get(k);
    }
    void set(std::string_view k, std::string_view v) {
        ++count->sets;
        inner.set(k, v);
    }
    bool erase(std::string_view k) { return inner.erase(k); }
    void clear() { inner.clear(); }
};
static_assert(fc::cache_store<counting_store>);

fc::executor_options tier_options(fc::typed_tier_options bounds = {}) {
    fc::executor_options o;
    o.config = fc::local_cache_config{};
    o.typed_tier = bounds;
    return o;
}

auto make_step(std::atomic<int>& runs, std::string version = "1") {
    return fc::task<fc::inputs<"n", "dt", "name", "fast">>(
        "tier.step",
        [&runs](std::int64_t n, double dt, std::string name, bool fast) {
            ++runs;
            return static_cast<double>(n) * dt + static_cast<double>(name.size()) +
                   (fast ? 1.0 : 0.0);
        },
        fc::cache{fc::cache_options{.version = std::move(version)}});
}

} // namespace

// ---- what the tier accepts, at compile time
// ------------------------------------------------------

static_assert(fc::typed_tier_value_v<std::int64_t>);
static_assert(fc::typed_tier_value_v<double>);
static_assert(fc::typed_tier_value_v<std::string>);
static_assert(fc::typed_tier_value_v<std::vector<std::optional<double>>>);
static_assert(fc::typed_tier_value_v<std::map<std::string, std::vector<std::int64_t>>>);
static_assert(fc::typed_tier_value_v<std::chrono::milliseconds>);
static_assert(fc::typed_tier_value_v<tier_types::point>);
static_assert(fc::typed_tier_value_v<tier_types::colliding>);
static_assert(fc::typed_tier_value_v<std::tuple<double, std::string>>);
// Not values: their literal follows external state (a file's content) or they do not own it.
static_assert(!fc::typed_tier_value_v<fc::file>);
static_assert(!fc::typed_tier_value_v<fc::directory>);
static_assert(!fc::typed_tier_value_v<fc::content_file>);
static_assert(!fc::typed_tier_value_v<std::filesystem::path>);
static_assert(!fc::typed_tier_value_v<std::vector<fc::file>>);
static_assert(!fc::typed_tier_value_v<const char*>);
static_assert(!fc::typed_tier_value_v<int*>);
static_assert(!fc::typed_tier_value_v<std::string_view>);
static_assert(!fc::typed_tier_value_v<fc::literal>);
static_assert(!fc::typed_tier_value_v<tier_types::opaque>); // no enable_typed_tier
static_assert(!fc::typed_tier_value_v<long double>);
static_assert(!fc::typed_tier_value_v<tier_types::from_elsewhere>);
static_assert(!fc::typed_tier_value_v<std::map<std::string, int, tier_types::no_case_less>>);
static_assert(fc::typed_tier_value_v<std::map<std::string, int, std::less<>>>);
static_assert(fc::typed_tier_value_v<std::unordered_map<std::string, double>>);

TEST_CASE("typed tier: a repeated call is answered without literals, key or store") {
    std::atomic<int> runs{0};
    const auto t = make_step(runs);
    static_assert(fc::typed_tier_eligible_v<decltype(t), int, double, const char*, bool>);
    counting_store store;
    const auto counts = store.count;
    std::vector<fc::task_event_kind> events;
    std::vector<std::string> keys;
    fc::executor exec(std::move(store), tier_options(), [&](const fc::task_event& e) {
        events.push_back(e.kind);
        keys.emplace_back(e.key);
    });
    REQUIRE(exec.tier() != nullptr);
    CHECK(exec.run(t, 42, 0.5, "euler", true) == 21.0 + 5.0 + 1.0);
    CHECK(runs == 1);
    const int gets = counts->gets;
    const int sets = counts->sets;
    CHECK(gets == 1);
    CHECK(sets == 1);
    events.clear();
    keys.clear();
    for (int i = 0; i < 5; ++i) CHECK(exec.run(t, 42, 0.5, "euler", true) == 27.0);
    CHECK(counts->gets == gets); // the store saw nothing
    CHECK(counts->sets == sets);
    CHECK(runs == 1);
    CHECK(exec.tier()->stats().hits == 5);
    // Observers still see hits; the key is empty because none was computed.
    REQUIRE(events.size() == 5);
    CHECK(events[0] == fc::task_event_kind::hit);
    CHECK(keys[0].empty());
    // Arguments convert before they are compared: 42 and std::int64_t{42} are one entry.
    CHECK(exec.run(t, std::int64_t{42}, 0.5, std::string("euler"), true) == 27.0);
    CHECK(exec.tier()->stats().hits == 6);
    CHECK(exec.tier()->stats().entries == 1);
}

TEST_CASE("typed tier: off by default, and the same call then reads the store every time") {
    std::atomic<int> runs{0};
    const auto t = make_step(runs);
    counting_store store;
    const auto counts = store.count;
    fc::executor_options o;
    o.config = fc::local_cache_config{};
    fc::executor exec(std::move(store), o);
    CHECK(exec.tier() == nullptr);
    (void)exec.run(t, 1, 1.0, "a", false);
    (void)exec.run(t, 1, 1.0, "a", false);
    CHECK(counts->gets == 2);
    CHECK(runs == 1);
}

TEST_CASE("typed tier: arguments are compared by value, never by hash alone") {
    std::atomic<int> runs{0};
    auto t = fc::task<fc::inputs<"c">>(
        "tier.colliding",
        [&runs](tier_types::colliding c) {
            ++runs;
            return c.value * 10;
        },
        fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{}, tier_options());
    // Every value hashes alike; each still gets its own answer.
    for (int round = 0; round < 3; ++round) {
        for (std::int64_t v = 0; v < 4; ++v) {
            CHECK(exec.run(t, tier_types::colliding{v}) == v * 10);
        }
    }
    CHECK(runs == 4);
    CHECK(exec.tier()->stats().entries == 4);
    CHECK(exec.tier()->stats().hits == 8);
}

TEST_CASE("typed tier: 0.0 and -0.0 (equal under ==, different literals) stay apart") {
    std::atomic<int> runs{0};
    auto inv = fc::task<fc::inputs<"x">>(
        "tier.inverse",
        [&runs](double x) {
            ++runs;
            return 1.0 / x;
        },
        fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{}, tier_options());
    CHECK(exec.run(inv, 0.0) > 0);
    CHECK(exec.run(inv, -0.0) < 0);
    CHECK(exec.run(inv, 0.0) > 0);
    CHECK(exec.run(inv, -0.0) < 0);
    CHECK(runs == 2);
}

TEST_CASE("typed tier: struct arguments and tuple outputs") {
    std::atomic<int> runs{0};
    auto t = fc::task(
        "tier.point",
        [&runs](tier_types::point p) {
            ++runs;
            return std::tuple<double, std::string>(p.x + p.y, p.label + "!");
        },
        fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{}, tier_options());
    const tier_types::point p{1.0, 2.0, "a"};
    CHECK(exec.run(t, p) == std::tuple<double, std::string>(3.0, "a!"));
    CHECK(exec.run(t, p) == std::tuple<double, std::string>(3.0, "a!"));
    CHECK(exec.run(t, tier_types::point{1.0, 2.0, "b"}) ==
          std::tuple<double, std::string>(3.0, "b!"));
    CHECK(runs == 2);
    CHECK(exec.tier()->stats().hits == 1);
}

TEST_CASE("typed tier: another version, name or ignored inputs never matches") {
    std::atomic<int> runs{0};
    const auto v1 = make_step(runs, "1");
    const auto v2 = make_step(runs, "2");
    fc::executor exec(fc::memory_store{}, tier_options());
    CHECK(exec.run(v1, 1, 1.0, "a", false) == 2.0);
    CHECK(exec.run(v2, 1, 1.0, "a", false) == 2.0);
    CHECK(runs == 2);
    CHECK(exec.tier()->stats().hits == 0);
    CHECK(exec.tier()->stats().entries == 2);

    // Same name and version, one input ignored: the store keys differ, so must the tier's.
    std::atomic<int> a_runs{0};
    std::atomic<int> b_runs{0};
    auto plain = fc::task<fc::inputs<"a", "b">>(
        "tier.ignore",
        [&a_runs](std::int64_t a, std::int64_t b) {
            ++a_runs;
            return a + b;
        },
        fc::cache{fc::cache_options{.version = "1"}});
    auto ignoring = fc::task<fc::inputs<"a", "b">>(
        "tier.ignore",
        [&b_runs](std::int64_t a, std::int64_t b) {
            ++b_runs;
            return a - b;
        },
        fc::cache{fc::cache_options{.version = "1", .ignored_inputs = "b"}});
    CHECK(exec.run(plain, 5, 1) == 6);
    CHECK(exec.run(ignoring, 5, 1) == 4);
    CHECK(exec.run(plain, 5, 1) == 6);
    CHECK(exec.run(ignoring, 5, 1) == 4);
    // The ignoring task's store entry serves another b, as it would without the tier.
    CHECK(exec.run(ignoring, 5, 2) == 4);
    CHECK(a_runs == 1);
    CHECK(b_runs == 1);
}

TEST_CASE("typed tier: overwrite mode never reads it, and every recomputation refreshes it") {
    std::atomic<int> runs{0};
    auto counter = fc::task<fc::inputs<"k">>(
        "tier.counter", [&runs](std::int64_t k) { return k * 100 + (++runs); },
        fc::cache{fc::cache_options{.version = "1"}});
    fc::executor_options o = tier_options();
    o.config.overwrite = true;
    fc::executor exec(fc::memory_store{}, o);
    CHECK(exec.run(counter, 1) == 101);
    CHECK(exec.run(counter, 1) == 102);
    CHECK(exec.run(counter, 1) == 103);
    CHECK(runs == 3);
    const fc::typed_tier_stats s = exec.tier()->stats();
    CHECK(s.hits == 0);
    CHECK(s.inserts == 3);
    CHECK(s.entries == 1); // the newest result replaced the older ones
}

TEST_CASE("typed tier: changes made through the executor's cache make its entries stale") {
    std::atomic<int> runs{0};
    auto counter = fc::task<fc::inputs<"k">>(
        "tier.counter", [&runs](std::int64_t k) { return k * 100 + (++runs); },
        fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{}, tier_options());
    CHECK(exec.run(counter, 1) == 101);
    CHECK(exec.run(counter, 1) == 101);

    SUBCASE("clear") {
        exec.cache().clear();
        CHECK(exec.run(counter, 1) == 102);
        CHECK(exec.run(counter, 1) == 102);
    }
    SUBCASE("erase") {
        REQUIRE(exec.cache().erase(exec.explain(counter, 1).key));
        CHECK(exec.run(counter, 1) == 102);
        CHECK(exec.run(counter, 1) == 102);
    }
    SUBCASE("set_entry replaces the outputs") {
        exec.cache().set_entry(exec.explain(counter, 1).key,
                               counter.outputs_to_map(std::int64_t{777}));
        CHECK(exec.run(counter, 1) == 777);
        CHECK(runs == 1);
    }
    SUBCASE("the store changed behind the executor's back: invisible until tier()->clear()") {
        exec.store().clear();
        CHECK(exec.run(counter, 1) == 101); // documented: the tier cannot see it
        exec.tier()->clear();
        CHECK(exec.run(counter, 1) == 102);
    }
}

TEST_CASE("typed tier: bounded in entries, least recently used first") {
    std::atomic<int> runs{0};
    auto sq = fc::task<fc::inputs<"k">>(
        "tier.square",
        [&runs](std::int64_t k) {
            ++runs;
            return k * k;
        },
        fc::cache{fc::cache_options{.version = "1"}});
    counting_store store;
    const auto counts = store.count;
    fc::executor exec(std::move(store), tier_options({.max_entries = 2}));
    (void)exec.run(sq, 1);
    (void)exec.run(sq, 2);
    (void)exec.run(sq, 1); // 1 is now the most recent
    (void)exec.run(sq, 3); // evicts 2
    fc::typed_tier_stats s = exec.tier()->stats();
    CHECK(s.entries == 2);
    CHECK(s.evictions == 1);
    const int gets = counts->gets;
    (void)exec.run(sq, 1); // still in the tier
    (void)exec.run(sq, 3);
    CHECK(counts->gets == gets);
    CHECK(exec.run(sq, 2) == 4); // evicted: from the store, not the function
    CHECK(counts->gets == gets + 1);
    CHECK(runs == 3);
}

TEST_CASE("typed tier: bounded in bytes; an entry larger than the bound is not kept") {
    std::atomic<int> runs{0};
    auto len = fc::task<fc::inputs<"s">>(
        "tier.length",
        [&runs](std::string s) {
            ++runs;
            return s + s;
        },
        fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{}, tier_options({.max_entries = 100, .max_bytes = 8000}));
    const std::string big(1000, 'x'); // an entry holds ~3000 bytes (argument, output twice)
    for (char c = 'a'; c <= 'e'; ++c) (void)exec.run(len, big + c);
    fc::typed_tier_stats s = exec.tier()->stats();
    CHECK(s.entries == 2);
    CHECK(s.bytes <= 8000);
    CHECK(s.evictions == 3);
    (void)exec.run(len, std::string(5000, 'y')); // ~15000 bytes: never kept
    s = exec.tier()->stats();
    CHECK(s.entries == 2);
    CHECK(s.bytes <= 8000);
}

TEST_CASE("typed tier: file and path arguments bypass it and stay keyed by content") {
    temp_dir dir("typed-tier-file");
    const auto path = dir / "in.txt";
    std::atomic<int> runs{0};
    auto read = fc::task<fc::inputs<"f">>(
        "tier.read",
        [&runs](fc::file f) {
            ++runs;
            std::ifstream in(f.path());
            std::string text;
            std::getline(in, text);
            return text;
        },
        fc::cache{fc::cache_options{.version = "1"}});
    static_assert(!fc::typed_tier_eligible_v<decltype(read), fc::file>);
    fc::executor exec(fc::memory_store{}, tier_options());
    std::ofstream(path) << "first\n";
    CHECK(exec.run(read, fc::file(path)) == "first");
    CHECK(exec.run(read, fc::file(path)) == "first");
    std::ofstream(path) << "second\n"; // same path, new content: a new key
    CHECK(exec.run(read, fc::file(path)) == "second");
    CHECK(runs == 2);
    CHECK(exec.tier()->stats().inserts == 0);
    CHECK(exec.tier()->stats().misses == 0);

    // A type without the switch, and a max_age task, bypass it too.
    auto opaque_task = fc::task<fc::inputs<"o">>(
        "tier.opaque", [](tier_types::opaque o) { return o.value; },
        fc::cache{fc::cache_options{.version = "1"}});
    static_assert(!fc::typed_tier_eligible_v<decltype(opaque_task), tier_types::opaque>);
    auto aging = fc::task<fc::inputs<"k">>(
        "tier.aging", [](std::int64_t k) { return k; },
        fc::cache{fc::cache_options{.version = "1", .max_age = std::chrono::hours(1)}});
    CHECK(exec.run(opaque_task, tier_types::opaque{3}) == 3);
    CHECK(exec.run(aging, 3) == 3);
    CHECK(exec.run(aging, 3) == 3);
    CHECK(exec.tier()->stats().inserts == 0);
}

TEST_CASE("typed tier: uncached tasks and a disabled cache bypass it") {
    std::atomic<int> runs{0};
    auto uncached = fc::task<fc::inputs<"k">>("tier.uncached", [&runs](std::int64_t k) {
        ++runs;
        return k;
    });
    fc::executor_options o = tier_options();
    fc::executor exec(fc::memory_store{}, o);
    (void)exec.run(uncached, 1);
    (void)exec.run(uncached, 1);
    CHECK(runs == 2);
    o.config.enabled = false;
    fc::executor off(fc::memory_store{}, o);
    std::atomic<int> step_runs{0};
    const auto t = make_step(step_runs);
    (void)off.run(t, 1, 1.0, "a", false);
    (void)off.run(t, 1, 1.0, "a", false);
    CHECK(step_runs == 2);
    CHECK(off.tier()->stats().inserts == 0);
    CHECK(exec.tier()->stats().inserts == 0);
}

TEST_CASE("typed tier: many threads, same and different arguments") {
    std::atomic<int> runs{0};
    auto sq = fc::task<fc::inputs<"k", "tag">>(
        "tier.threads",
        [&runs](std::int64_t k, std::string tag) {
            ++runs;
            return k * k + static_cast<std::int64_t>(tag.size());
        },
        fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{}, tier_options({.max_entries = 6}));
    std::atomic<bool> ok{true};
    std::vector<std::thread> pool;
    for (int th = 0; th < 8; ++th) {
        pool.emplace_back([&, th] {
            for (int i = 0; i < 400; ++i) {
                const std::int64_t k = (i * 7 + th) % 10; // 10 keys over 6 entries: evictions too
                const std::string tag(static_cast<std::size_t>(k % 3), 't');
                if (exec.run(sq, k, tag) != k * k + (k % 3)) ok = false;
                if (i % 97 == 0 && th == 0) exec.cache().erase(exec.explain(sq, k, tag).key);
            }
        });
    }
    for (auto& p : pool) p.join();
    CHECK(ok);
    const fc::typed_tier_stats s = exec.tier()->stats();
    CHECK(s.entries <= 6);
    CHECK(s.hits > 0);
}

TEST_CASE("typed tier: serialize still runs each key exactly once") {
    temp_dir dir("typed-tier-serialize");
    const auto log = dir / "runs.log";
    auto t = flytecache_test::make_counted_task(log, "serialize.square");
    fc::executor_options o = flytecache_test::fast_serialize_options();
    o.typed_tier = fc::typed_tier_options{};
    fc::executor exec(fc::memory_store{}, o);
    CHECK(flytecache_test::hammer(exec, t, 8, 5));
    CHECK(flytecache_test::hammer(exec, t, 8, 5)); // now from the tier
    const auto lines = flytecache_test::read_lines(log);
    CHECK(lines.size() == 5);
    CHECK(std::set<std::string>(lines.begin(), lines.end()).size() == 5);
    CHECK(exec.tier()->stats().hits >= 40);
}

TEST_CASE("typed tier: serialize in overwrite mode recomputes each key once per wave") {
    temp_dir dir("typed-tier-serialize-ow");
    const auto log = dir / "runs.log";
    auto t = flytecache_test::make_counted_task(log, "serialize.square");
    fc::executor_options o = flytecache_test::fast_serialize_options();
    o.typed_tier = fc::typed_tier_options{};
    o.config.overwrite = true;
    fc::executor exec(fc::memory_store{}, o);
    CHECK(flytecache_test::hammer(exec, t, 1, 5));
    CHECK(flytecache_test::hammer(exec, t, 1, 5));
    CHECK(flytecache_test::read_lines(log).size() == 10); // never answered from the tier
    CHECK(exec.tier()->stats().hits == 0);
}

TEST_CASE("typed tier: a hit copies no argument; submit goes through the tier too") {
    std::atomic<int> runs{0};
    auto t = fc::task<fc::inputs<"c">>(
        "tier.counted",
        [&runs](const tier_types::counted& c) {
            ++runs;
            return c.value + 1;
        },
        fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{}, tier_options());
    const tier_types::counted arg(41);
    CHECK(exec.run(t, arg) == 42); // a miss: the tier keeps a copy of the argument
    tier_types::counted::copies = 0;
    CHECK(exec.run(t, arg) == 42);
    CHECK(tier_types::counted::copies == 0);
    CHECK(exec.submit(t, arg).get() == 42); // submit copies the argument into the call
    CHECK(runs == 1);
    CHECK(exec.tier()->stats().hits == 2);

    // A file output is never memoized: a hit must check the stored copy still exists.
    auto writer = fc::task<fc::inputs<"k">>(
        "tier.writer", [](std::int64_t) { return fc::file("out.txt"); },
        fc::cache{fc::cache_options{.version = "1"}});
    static_assert(!fc::typed_tier_eligible_v<decltype(writer), std::int64_t>);
}

TEST_CASE("typed tier: 4 processes x 8 threads over one SQLite cache run each key once") {
    temp_dir dir("typed-tier-serialize-procs");
    flytecache_test::check_processes_run_each_key_once(dir.path(), [&] {
        fc::executor_options o = flytecache_test::fast_serialize_options();
        o.typed_tier = fc::typed_tier_options{};
        return fc::executor<fc::sqlite_store>(dir / "cache", o);
    });
}

TEST_CASE("typed tier: a task that changes its argument through a reference is never memoized") {
    // The function adds 10 % to the balance it is given and returns it: memoizing the call under
    // the argument it changed would answer a later call whose argument equals the changed value.
    auto t = fc::task<fc::inputs<"a">>(
        "interest",
        [](tier_types::colliding& a) {
            a.value += a.value / 10;
            return a.value;
        },
        fc::cache{fc::cache_options{.version = "1"}});
    static_assert(decltype(t)::modifies_arguments);
    static_assert(!fc::typed_tier_eligible_v<decltype(t), tier_types::colliding>);
    auto by_rvalue = fc::task<fc::inputs<"s">>(
        "sink", [](std::string&& s) { return std::string(std::move(s)); },
        fc::cache{fc::cache_options{.version = "1"}});
    static_assert(!fc::typed_tier_eligible_v<decltype(by_rvalue), std::string>);
    auto by_const_ref = fc::task<fc::inputs<"s">>(
        "size", [](const std::string& s) { return static_cast<std::int64_t>(s.size()); },
        fc::cache{fc::cache_options{.version = "1"}});
    static_assert(!decltype(by_const_ref)::modifies_arguments);
    static_assert(fc::typed_tier_eligible_v<decltype(by_const_ref), std::string>);

    fc::executor_options o;
    o.config = fc::local_cache_config{};
    o.typed_tier = fc::typed_tier_options{};
    fc::executor exec(fc::memory_store{}, o);
    CHECK(exec.run(t, tier_types::colliding{100}) == 110);
    CHECK(exec.run(t, tier_types::colliding{110}) == 121);
    CHECK(exec.run(t, tier_types::colliding{100}) == 110);
    CHECK(exec.tier()->stats().entries == 0);
}

TEST_CASE("typed tier: an enum is memoized only when opted in (its literal is the user's code)") {
    auto rows = fc::task<fc::inputs<"d">>(
        "rows",
        [](tier_types::dataset) {
            return tier_types::current_snapshot == "snap-1" ? std::int64_t{1000}
                                                            : std::int64_t{2000};
        },
        fc::cache{fc::cache_options{.version = "1"}});
    static_assert(!fc::typed_tier_value_v<tier_types::dataset>);
    static_assert(!fc::typed_tier_eligible_v<decltype(rows), tier_types::dataset>);
    static_assert(fc::typed_tier_value_v<tier_types::colour>);

    fc::executor_options o;
    o.config = fc::local_cache_config{};
    o.typed_tier = fc::typed_tier_options{};
    fc::executor exec(fc::memory_store{}, o);
    tier_types::current_snapshot = "snap-1";
    CHECK(exec.run(rows, tier_types::dataset::train) == 1000);
    tier_types::current_snapshot = "snap-2"; // the literal (and so the key) changes
    CHECK(exec.run(rows, tier_types::dataset::train) == 2000);

    auto shade = fc::task<fc::inputs<"c">>(
        "shade", [](tier_types::colour c) { return c == tier_types::colour::red ? 1.0 : 2.0; },
        fc::cache{fc::cache_options{.version = "1"}});
    CHECK(exec.run(shade, tier_types::colour::green) == 2.0);
    CHECK(exec.run(shade, tier_types::colour::green) == 2.0);
    CHECK(exec.tier()->stats().hits == 1);
}
