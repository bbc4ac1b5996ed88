// flytecache — tests: function, reference and echo tasks run through an executor
// SPDX-License-Identifier: MIT
// tests: function, reference and echo tasks run through an executor (keys, hits, retries, metadata
// rules, observer, explain, async).
#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/policy/constant_policy.hpp>
#include <flytecache/policy/function_body_policy.hpp>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/sqlite_store.hpp>
#include <flytecache/task/echo_task.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>
#include <flytecache/task/reference_task.hpp>
#include <flytecache/task/task_template_export.hpp>

#include "../support/counted.hpp"
#include "../support/plain_store.hpp"
#include "../support/temp_dir.hpp"
#include "../support/vectors.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>

namespace fc = flytecache;
using flytecache_test::temp_dir;

namespace copies {
// An input type that counts its copies, to see what a cached call copies.
using flytecache_test::counted;
} // namespace copies

namespace {

struct shape {
    BOOST_HANA_DEFINE_STRUCT(shape, (double, width), (double, height), (std::string, label));
};
struct measured {
    BOOST_HANA_DEFINE_STRUCT(measured, (double, area), (std::string, text));
};

fc::executor_options quiet_options() {
    fc::executor_options o;
    o.config = fc::local_cache_config{};
    return o;
}

struct recorder {
    std::shared_ptr<std::mutex> m = std::make_shared<std::mutex>();
    std::shared_ptr<std::vector<fc::task_event_kind>> kinds =
        std::make_shared<std::vector<fc::task_event_kind>>();
    std::shared_ptr<std::vector<std::string>> keys = std::make_shared<std::vector<std::string>>();
    void operator()(const fc::task_event& e) const {
        std::lock_guard lock(*m);
        kinds->push_back(e.kind);
        keys->emplace_back(e.key);
    }
};

} // namespace

TEST_CASE("function_task: a miss runs the function, an identical call hits and does not") {
    std::atomic<int> runs{0};
    auto area = fc::task<fc::inputs<"w", "h">>(
        "geometry.area",
        [&runs](double w, double h) {
            ++runs;
            return w * h;
        },
        fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{}, quiet_options());
    CHECK(exec.run(area, 2.0, 3.0) == 6.0);
    CHECK(exec.run(area, 2.0, 3.0) == 6.0);
    CHECK(runs == 1);
    // Arguments convert to the declared parameter types before hashing: 2 and 2.0 share a key.
    CHECK(exec.run(area, 2, 3) == 6.0);
    CHECK(runs == 1);
    CHECK(exec.run(area, 2.0, 4.0) == 8.0);
    CHECK(runs == 2);
}

TEST_CASE("function_task: an argument that converts without changing its value has the exact "
          "type's key") {
    // The rule (task/task_arguments.hpp): every value of the argument's type must be a value of
    // the input's type. What it refuses (2.7 to an integer input, issue 14's reproduction, which
    // ran as 2 and hit 2's entry) does not compile: tests/compile_fail/task_args_*.cpp.
    fc::executor exec(fc::memory_store{}, quiet_options());
    const fc::cache v1{fc::cache_options{.version = "1"}};

    auto whole = fc::task<fc::inputs<"x">>("args.whole", [](std::int64_t x) { return x; }, v1);
    const std::string key_2 = exec.explain(whole, std::int64_t{2}).key;
    CHECK(exec.explain(whole, 2).key == key_2);
    CHECK(exec.explain(whole, std::int16_t{2}).key == key_2);
    CHECK(exec.explain(whole, std::uint32_t{2}).key == key_2); // unsigned into a wider signed type
    CHECK(exec.explain(whole, 3).key != key_2);
    CHECK(exec.run(whole, std::uint32_t{4'000'000'000}) == 4'000'000'000);

    auto real = fc::task<fc::inputs<"d">>("args.real", [](double d) { return d; }, v1);
    CHECK(exec.explain(real, 0.5F).key == exec.explain(real, 0.5).key);
    CHECK(exec.explain(real, 2).key == exec.explain(real, 2.0).key);
    CHECK(exec.run(real, std::int32_t{-2'147'483'647}) == -2'147'483'647.0);

    auto text = fc::task<fc::inputs<"s">>("args.text", [](std::string s) { return s; }, v1);
    const std::string key_abc = exec.explain(text, std::string("abc")).key;
    CHECK(exec.explain(text, "abc").key == key_abc);
    const char* pointer = "abc";
    CHECK(exec.explain(text, pointer).key == key_abc);
    const std::string lvalue = "abc";
    CHECK(exec.explain(text, lvalue).key == key_abc);
    CHECK(exec.run(text, "abc") == "abc");

    auto maybe = fc::task<fc::inputs<"o">>(
        "args.maybe", [](std::optional<std::int64_t> o) { return o.value_or(-1); }, v1);
    const std::string key_3 = exec.explain(maybe, std::optional<std::int64_t>{3}).key;
    CHECK(exec.explain(maybe, 3).key == key_3);
    CHECK(exec.explain(maybe, std::optional<int>{3}).key == key_3);
    CHECK(exec.explain(maybe, std::nullopt).key ==
          exec.explain(maybe, std::optional<std::int64_t>{}).key);
    CHECK(exec.explain(maybe, std::nullopt).key != key_3);
    CHECK(exec.run(maybe, std::nullopt) == -1);
    CHECK(exec.run(maybe, 3) == 3);
}

TEST_CASE("struct-input tasks take their struct, or one argument per field by the same rule") {
    fc::executor exec(fc::memory_store{}, quiet_options());

    // An echo task: int arguments to double fields were a brace-initialization before (a
    // narrowing warning on GCC, an error on Clang); now they are accepted conversions.
    const fc::echo_task<shape> echo("args.echo", {.cache = true, .cache_version = "1"});
    const shape box{2.0, 5.0, "box"};
    const std::string key_box = exec.explain(echo, box).key;
    CHECK(exec.explain(echo, shape{2.0, 5.0, "box"}).key == key_box);
    CHECK(exec.explain(echo, 2.0, 5.0, "box").key == key_box);
    CHECK(exec.explain(echo, 2, 5, "box").key == key_box);
    CHECK(exec.explain(echo, 2.0F, std::int16_t{5}, std::string("box")).key == key_box);
    const shape out = exec.run(echo, 2, 5, "box");
    CHECK(out.width == 2.0);
    CHECK(out.height == 5.0);
    CHECK(out.label == "box");

    // A function task over one Hana struct follows the same rule.
    auto area = fc::task(
        "args.area", [](shape s) { return measured{s.width * s.height, s.label}; },
        fc::cache{fc::cache_options{.version = "1"}});
    CHECK(exec.explain(area, 2, 5, "box").key == exec.explain(area, box).key);
    CHECK(exec.run(area, 2, 5, "box").area == 10.0);
}

TEST_CASE("function_task: keys equal flytekit's local cache keys (golden vectors)") {
    const auto doc = flytecache_test::load_vectors("cache_keys.json");
    std::string ignored_present_key;
    std::string empty_key;
    for (const auto& v : doc.at("vectors").as_array()) {
        if (v.at("id").as_string() == "ignored_present")
            ignored_present_key = v.at("cache_key").as_string();
        if (v.at("id").as_string() == "anchor_empty_map_flytekit_test")
            empty_key = v.at("cache_key").as_string();
    }
    REQUIRE(!ignored_present_key.empty());
    REQUIRE(!empty_key.empty());
    fc::executor exec(fc::memory_store{}, quiet_options());

    // Vector "ignored_present": task t, version v1, a=10 (ignored), b=5, both integers.
    auto t = fc::task<fc::inputs<"a", "b">, fc::ignore<"a">>(
        "t", [](std::int64_t a, std::int64_t b) { return a + b; },
        fc::cache{fc::cache_options{.version = "v1"}});
    CHECK(exec.explain(t, 10, 5).key == ignored_present_key);
    CHECK(exec.explain(t, 20, 5).key == ignored_present_key); // the ignored input does not matter

    // The same through the runtime ignored list of the cache configuration.
    auto t2 = fc::task<fc::inputs<"a", "b">>(
        "t", [](std::int64_t a, std::int64_t b) { return a + b; },
        fc::cache{fc::cache_options{.version = "v1", .ignored_inputs = "a"}});
    CHECK(exec.explain(t2, 10, 5).key == ignored_present_key);

    // Vector "anchor_empty_map_flytekit_test": no inputs, legacy cache arguments.
    auto produce = fc::task(
        "t.produce_dc", [] { return std::string("dc"); },
        fc::task_options{.cache = true, .cache_version = "1"});
    CHECK(exec.explain(produce).key == empty_key);
}

TEST_CASE("function_task: outputs o0, tuples o0..oN, Hana structs by field, void none") {
    fc::executor exec(fc::memory_store{}, quiet_options());
    const fc::cache v1{fc::cache_options{.version = "1"}};

    auto single = fc::task<fc::inputs<"x">>("single", [](std::int64_t x) { return x * 2; }, v1);
    CHECK(single.outputs_to_map(4).find("o0") != nullptr);

    auto pair = fc::task<fc::inputs<"x">>(
        "pair",
        [](std::int64_t x) { return std::tuple<std::int64_t, std::string>{x, std::to_string(x)}; },
        v1);
    const auto m = pair.outputs_to_map({7, "7"});
    CHECK(m.find("o0") != nullptr);
    CHECK(m.find("o1") != nullptr);
    CHECK(exec.run(pair, 7) == std::tuple<std::int64_t, std::string>{7, "7"});
    CHECK(exec.run(pair, 7) == std::tuple<std::int64_t, std::string>{7, "7"}); // from the cache

    int runs = 0;
    auto by_struct = fc::task(
        "measure",
        [&runs](shape s) {
            ++runs;
            return measured{s.width * s.height, s.label + "!"};
        },
        v1);
    static_assert(decltype(by_struct)::input_names.size() == 3);
    static_assert(decltype(by_struct)::input_names[0] == "width");
    const measured first = exec.run(by_struct, shape{2.0, 5.0, "box"});
    const measured again = exec.run(by_struct, shape{2.0, 5.0, "box"});
    CHECK(first.area == 10.0);
    CHECK(again.area == 10.0);
    CHECK(again.text == "box!");
    CHECK(runs == 1);
    CHECK(by_struct.outputs_to_map(first).find("area") != nullptr);

    int side_effects = 0;
    auto nothing =
        fc::task<fc::inputs<"x">>("nothing", [&side_effects](std::int64_t) { ++side_effects; }, v1);
    exec.run(nothing, 1);
    exec.run(nothing, 1);
    CHECK(side_effects == 1);
    CHECK(nothing.outputs_to_map({}).empty());
}

TEST_CASE("function_task: the version comes from the cache policies, computed once") {
    auto f = FLYTECACHE_SOURCE([](std::int64_t x) { return x + 1; });
    const fc::cache by_body{fc::cache_options{.salt = "s"}, fc::policies::function_body{}};
    auto t = fc::task<fc::inputs<"x">>("inc", f, by_body);
    CHECK(t.version() == by_body.get_version(fc::make_version_parameters(f)));
    CHECK(t.version().size() == 64);

    // The image and pod template reach the policies, as flytekit's VersionParameters do.
    const fc::cache by_image{fc::policies::image{}};
    auto a = fc::task<fc::inputs<"x">>("inc", f, by_image, {.container_image = "ghcr.io/acme/a:1"});
    auto b = fc::task<fc::inputs<"x">>("inc", f, by_image, {.container_image = "ghcr.io/acme/a:2"});
    CHECK(a.version() != b.version());

    fc::executor exec(fc::memory_store{}, quiet_options());
    const auto e = exec.explain(t, 1);
    CHECK_FALSE(e.explicit_version);
    REQUIRE(e.policies.size() == 1);
    CHECK(e.policies[0].policy.find("function_body") != std::string::npos);
    CHECK(e.version == t.version());
    CHECK(e.to_string().find("policy") != std::string::npos);
}

TEST_CASE("function_task: flytekit's metadata rules, with flytekit's messages") {
    auto f = [](std::int64_t x) { return x; };
    CHECK_THROWS_WITH_AS(fc::task<fc::inputs<"x">>("t", f, fc::task_options{.cache = true}),
                         "Caching is enabled ``cache=True`` but ``cache_version`` is not set.",
                         fc::configuration_error);
    CHECK_THROWS_WITH_AS(
        fc::task<fc::inputs<"x">>("t", f, fc::task_options{.cache_serialize = true}),
        "Cache serialize is enabled ``cache_serialize=True`` but ``cache`` is not enabled.",
        fc::configuration_error);
    CHECK_THROWS_WITH_AS(
        fc::task<fc::inputs<"x">>("t", f, fc::task_options{.cache_ignore_input_vars = "x"}),
        "Cache ignore input vars are specified ``cache_ignore_input_vars=('x',)`` but ``cache`` is "
        "not enabled.",
        fc::configuration_error);
    CHECK_THROWS_WITH_AS(
        fc::task<fc::inputs<"x">>("t", f, fc::cache{fc::cache_options{.version = "1"}},
                                  {.cache_version = "2"}),
        "cache_serialize, cache_version, and cache_ignore_input_vars are deprecated. "
        "Please use Cache object",
        fc::configuration_error);
    CHECK_THROWS_AS(fc::task<fc::inputs<"x">>("t", f, fc::task_options{.retries = -1}),
                    fc::configuration_error);
    // An ignored name given at run time that the task does not have.
    CHECK_THROWS_WITH_AS(
        fc::task<fc::inputs<"x">>(
            "t", f, fc::cache{fc::cache_options{.version = "1", .ignored_inputs = "y"}}),
        "flytecache: ignored input 'y' is not an input of task 't' (its inputs: x)",
        fc::configuration_error);

    const auto t = fc::task<fc::inputs<"x">>("t", f,
                                             {.cache = true,
                                              .cache_serialize = true,
                                              .cache_version = "3",
                                              .retries = 2,
                                              .timeout = 90,
                                              .interruptible = true,
                                              .deprecated = "use t2"});
    CHECK(t.metadata().cache);
    CHECK(t.metadata().cache_serialize);
    CHECK(t.metadata().retries == 2);
    CHECK(t.metadata().timeout.value() == std::chrono::seconds(90));
    CHECK(t.metadata().interruptible == true);

    using namespace std::chrono_literals;
    const fc::task_metadata md{.timeout = 1500ms};
    CHECK(md.timeout.value() == std::chrono::milliseconds(1500));
}

TEST_CASE("function_task: failures are retried up to `retries` times, then reach the caller") {
    std::atomic<int> attempts{0};
    auto flaky =
        fc::task<fc::inputs<"x">>("flaky",
                                  [&attempts](std::int64_t x) {
                                      if (++attempts < 3) throw std::runtime_error("transient");
                                      return x;
                                  },
                                  fc::cache{fc::cache_options{.version = "1"}}, {.retries = 2});
    recorder rec;
    fc::executor<fc::memory_store, fc::keys::flytekit_local, recorder> exec(fc::memory_store{},
                                                                            quiet_options(), rec);
    CHECK(exec.run(flaky, 5) == 5);
    CHECK(attempts == 3);
    const std::vector<fc::task_event_kind> expected{
        fc::task_event_kind::miss, fc::task_event_kind::retry, fc::task_event_kind::retry,
        fc::task_event_kind::run, fc::task_event_kind::put};
    CHECK(*rec.kinds == expected);
    CHECK(rec.keys->front() == exec.explain(flaky, 5).key);

    attempts = 0;
    auto hopeless =
        fc::task<fc::inputs<"x">>("hopeless",
                                  [&attempts](std::int64_t) -> std::int64_t {
                                      ++attempts;
                                      throw std::runtime_error("always");
                                  },
                                  fc::cache{fc::cache_options{.version = "1"}}, {.retries = 1});
    CHECK_THROWS_WITH_AS(exec.run(hopeless, 1), "always", std::runtime_error);
    CHECK(attempts == 2);
    CHECK(rec.kinds->back() == fc::task_event_kind::error);
    // Nothing was stored for the failed call.
    CHECK_FALSE(exec.explain(hopeless, 1).cached);
}

TEST_CASE("function_task: a hit is reported to the observer; uncached tasks always run") {
    recorder rec;
    fc::executor<fc::memory_store, fc::keys::flytekit_local, recorder> exec(fc::memory_store{},
                                                                            quiet_options(), rec);
    auto t = fc::task<fc::inputs<"x">>(
        "t", [](std::int64_t x) { return x; }, fc::cache{fc::cache_options{.version = "1"}});
    (void)exec.run(t, 1);
    (void)exec.run(t, 1);
    CHECK(rec.kinds->back() == fc::task_event_kind::hit);

    int runs = 0;
    auto uncached = fc::task<fc::inputs<"x">>("u", [&runs](std::int64_t x) {
        ++runs;
        return x;
    });
    (void)exec.run(uncached, 1);
    (void)exec.run(uncached, 1);
    CHECK(runs == 2);
    CHECK_FALSE(exec.explain(uncached, 1).cache_enabled);
}

TEST_CASE("function_task: overwrite and disabled modes (FLYTE_LOCAL_CACHE_*)") {
    int runs = 0;
    auto t = fc::task<fc::inputs<"x">>(
        "t",
        [&runs](std::int64_t x) {
            ++runs;
            return x + runs;
        },
        fc::cache{fc::cache_options{.version = "1"}});
    {
        fc::executor_options o;
        o.config = {.enabled = false, .overwrite = false};
        fc::executor exec(fc::memory_store{}, o);
        (void)exec.run(t, 1);
        (void)exec.run(t, 1);
        CHECK(runs == 2);
        CHECK_FALSE(exec.explain(t, 1).cached);
    }
    runs = 0;
    {
        fc::executor_options o;
        o.config = {.enabled = true, .overwrite = true};
        fc::executor exec(fc::memory_store{}, o);
        CHECK(exec.run(t, 1) == 2);
        CHECK(exec.run(t, 1) == 3); // runs again and replaces
        CHECK(runs == 2);
        // The entry is there, but a call recomputes: explain says what run does (issue 16).
        const fc::call_explanation e = exec.explain(t, 1);
        CHECK_FALSE(e.cached);
        CHECK(e.overwrite);
    }
}

TEST_CASE("function_task: an entry whose outputs no longer convert counts as a miss") {
    fc::executor exec(fc::memory_store{}, quiet_options());
    auto as_int = fc::task<fc::inputs<"x">>(
        "t", [](std::int64_t x) { return x; }, fc::cache{fc::cache_options{.version = "1"}});
    auto as_text = fc::task<fc::inputs<"x">>(
        "t", [](std::int64_t x) { return std::to_string(x); },
        fc::cache{fc::cache_options{.version = "1"}});
    CHECK(exec.run(as_int, 4) == 4);
    // Same name, version and inputs, but the output type changed without a version bump.
    CHECK(exec.run(as_text, 4) == "4");
    CHECK(exec.cache().bad_entries() >= 1);
}

TEST_CASE("function_task: explain never calls cached an entry that run treats as a miss") {
    int runs = 0;
    std::vector<std::string> reported;
    fc::executor_options o = quiet_options();
    o.on_bad_entry = [&](const fc::bad_cache_entry& bad) { reported.push_back(bad.reason); };
    fc::executor exec(fc::memory_store{}, o);
    auto as_int = fc::task<fc::inputs<"x">>(
        "t", [](std::int64_t x) { return x; }, fc::cache{fc::cache_options{.version = "1"}});
    auto as_text = fc::task<fc::inputs<"x">>(
        "t",
        [&runs](std::int64_t x) {
            ++runs;
            return std::to_string(x);
        },
        fc::cache{fc::cache_options{.version = "1"}});
    CHECK(exec.run(as_int, 4) == 4);
    // The stored bytes decode (a valid LiteralMap with an integer o0), but not to a string.
    CHECK(exec.explain(as_int, 4).cached);
    CHECK_FALSE(exec.explain(as_text, 4).cached);
    CHECK(reported.empty()); // explain reports nothing
    CHECK(exec.cache().bad_entries() == 0);
    // run: the same entry is a miss, reported once, and the task runs.
    CHECK(exec.run(as_text, 4) == "4");
    CHECK(runs == 1);
    CHECK(reported.size() == 1);
    CHECK(exec.cache().bad_entries() == 1);
    // The new entry converts: both now agree on a hit.
    CHECK(exec.explain(as_text, 4).cached);
    CHECK(exec.run(as_text, 4) == "4");
    CHECK(runs == 1);
    // strict: the same conversion failure is thrown by run, and explain still says "not cached".
    fc::executor_options strict = quiet_options();
    strict.strict = true;
    fc::executor strict_exec(fc::memory_store{}, strict);
    CHECK(strict_exec.run(as_int, 5) == 5);
    CHECK_FALSE(strict_exec.explain(as_text, 5).cached);
    CHECK_THROWS_AS((void)strict_exec.run(as_text, 5), fc::error);
}

TEST_CASE("function_task: explain says not cached in overwrite mode, where run recomputes") {
    int runs = 0;
    auto t = fc::task<fc::inputs<"x">>(
        "overwritten",
        [&runs](std::int64_t x) {
            ++runs;
            return x + 1;
        },
        fc::cache{fc::cache_options{.version = "1"}});
    const temp_dir dir("explain-overwrite");
    {
        fc::executor<fc::sqlite_store> exec(dir / "cache", quiet_options());
        CHECK(exec.run(t, 1) == 2);
        CHECK(exec.explain(t, 1).cached);
    }
    fc::executor_options o = quiet_options();
    o.config.overwrite = true;
    fc::executor<fc::sqlite_store> exec(dir / "cache", o);
    const fc::call_explanation e = exec.explain(t, 1);
    CHECK_FALSE(e.cached);
    CHECK(e.overwrite);
    CHECK(e.to_string().find("overwrite mode") != std::string::npos);
    CHECK(exec.run(t, 1) == 2);
    CHECK(runs == 2); // run agrees: it recomputed
}

TEST_CASE("function_task: a hit does not copy the arguments; a miss copies them once") {
    using copies::counted;
    int runs = 0;
    auto t = fc::task<fc::inputs<"c">>(
        "copies",
        [&runs](const counted& c) {
            ++runs;
            return c.value * 2;
        },
        fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{}, quiet_options());
    const counted arg(21);
    counted::copies = 0;
    CHECK(exec.run(t, arg) == 42); // miss: the function runs on a copy of the argument
    CHECK(runs == 1);
    CHECK(counted::copies == 1);
    counted::copies = 0;
    CHECK(exec.run(t, arg) == 42); // hit: nothing copied
    CHECK(runs == 1);
    CHECK(counted::copies == 0);
    CHECK(exec.explain(t, arg).cached);
    CHECK(counted::copies == 0);
    counted::copies = 0;
    CHECK(exec.run(t, counted(5)) == 10); // a temporary is moved into the call, never copied
    CHECK(runs == 2);
    CHECK(counted::copies == 0);
}

TEST_CASE("function_task: a call prepared from temporaries holds them") {
    // prepare() may be called by an executor of the user's own that runs the call later: a call
    // made from temporaries must not refer to them (ASan would see the use after scope).
    auto t = fc::task<fc::inputs<"s">>(
        "hold", [](const std::string& s) { return s + "!"; },
        fc::cache{fc::cache_options{.version = "1"}});
    auto call = t.prepare(std::string(64, 'x'));
    const std::string reuse(64, 'y'); // memory the temporary may have had
    CHECK(t.execute(call) == std::string(64, 'x') + "!");
    CHECK(reuse.size() == 64);
}

TEST_CASE("function_task: deprecated tasks warn once per executor") {
    std::vector<std::string> warnings;
    fc::executor_options o = quiet_options();
    o.on_warning = [&](std::string_view w) { warnings.emplace_back(w); };
    fc::executor exec(fc::memory_store{}, o);
    auto old = fc::task<fc::inputs<"x">>("old", [](std::int64_t x) { return x; },
                                         {.deprecated = "use new"});
    (void)exec.run(old, 1);
    (void)exec.run(old, 2);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == "flytecache: task 'old' is deprecated: use new");
}

TEST_CASE("function_task: submit returns futures; identical serialized calls still run once") {
    std::atomic<int> runs{0};
    auto slow = fc::task<fc::inputs<"x">, fc::serialized>(
        "slow",
        [&runs](std::int64_t x) {
            ++runs;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            return x * 10;
        },
        fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{}, quiet_options());
    std::vector<std::future<std::int64_t>> futures;
    for (int i = 0; i < 8; ++i) futures.push_back(exec.submit(slow, i % 2));
    std::int64_t sum = 0;
    for (auto& f : futures) sum += f.get();
    CHECK(sum == 40);
    CHECK(runs == 2);
}

TEST_CASE("function_task: a serialized task on a store without reservations is refused") {
    struct plain_store {
        fc::memory_store inner;
        std::optional<std::string> get(std::string_view k) { return inner.get(k); }
        void set(std::string_view k, std::string_view v) { inner.set(k, v); }
        bool erase(std::string_view k) { return inner.erase(k); }
        void clear() { inner.clear(); }
    };
    static_assert(fc::cache_store<plain_store>);
    static_assert(!fc::reserving_store<plain_store>);
    fc::executor exec(plain_store{fc::memory_store()}, quiet_options());
    // Serialized at run time (cache_options.serialize): a clear error. Serialized at compile time
    // (the `serialized` feature) does not compile: see tests/compile_fail.
    auto t = fc::task<fc::inputs<"x">>(
        "t", [](std::int64_t x) { return x; },
        fc::cache{fc::cache_options{.version = "1", .serialize = true}});
    CHECK_THROWS_AS(exec.run(t, 1), fc::configuration_error);
}

TEST_CASE("reference_task: looks up what the referenced task stored; a miss is a clear error") {
    struct in_t {
        BOOST_HANA_DEFINE_STRUCT(in_t, (std::int64_t, a), (std::int64_t, b));
    };
    struct out_t {
        BOOST_HANA_DEFINE_STRUCT(out_t, (std::int64_t, o0));
    };
    fc::executor exec(fc::memory_store{}, quiet_options());
    auto real = fc::task<fc::inputs<"a", "b">>(
        "proj.add", [](std::int64_t a, std::int64_t b) { return a + b; },
        fc::cache{fc::cache_options{.version = "7"}});
    CHECK(exec.run(real, 2, 3) == 5);

    const fc::reference_task<in_t, out_t> ref("flytesnacks", "development", "proj.add", "7");
    CHECK(exec.explain(ref, 2, 3).key == exec.explain(real, 2, 3).key);
    CHECK(exec.run(ref, 2, 3).o0 == 5);
    CHECK(exec.run(ref, in_t{2, 3}).o0 == 5);
    try {
        (void)exec.run(ref, 4, 4);
        FAIL("a miss must throw");
    } catch (const fc::task_error& e) {
        CHECK(std::string(e.what()).find("reference task 'proj.add'") != std::string::npos);
        CHECK(std::string(e.what()).find("no body") != std::string::npos);
    }
    CHECK_THROWS_AS((fc::reference_task<in_t, out_t>("p", "d", "n", "")), fc::configuration_error);
}

TEST_CASE("echo_task: outputs are the inputs") {
    fc::executor exec(fc::memory_store{}, quiet_options());
    const fc::echo_task<shape> echo("echo");
    const shape out = exec.run(echo, 1.0, 2.0, "x");
    CHECK(out.width == 1.0);
    CHECK(out.label == "x");
    CHECK_FALSE(echo.metadata().cache);
    const fc::echo_task<shape> cached("echo", {.cache = true, .cache_version = "1"});
    (void)exec.run(cached, shape{1.0, 2.0, "y"});
    CHECK(exec.explain(cached, shape{1.0, 2.0, "y"}).cached);
    CHECK(cached.outputs_to_map(out).find("height") != nullptr);
}

TEST_CASE(
    "function_task: an sqlite_store cache survives the executor, as flytekit's local cache does") {
    temp_dir dir("task-sqlite");
    std::atomic<int> runs{0};
    auto t = fc::task<fc::inputs<"x", "name">>(
        "persist",
        [&runs](std::int64_t x, std::string name) {
            ++runs;
            return name + std::to_string(x);
        },
        fc::cache{fc::cache_options{.version = "1"}});
    {
        fc::executor<fc::sqlite_store> exec(dir.path(), quiet_options());
        CHECK(exec.run(t, 1, "a") == "a1");
    }
    {
        fc::executor<fc::sqlite_store> exec(dir.path(), quiet_options());
        CHECK(exec.run(t, 1, "a") == "a1");
        // The entry is a plain LiteralMap under flytekit's key, readable by local_task_cache.
        fc::local_task_cache<fc::sqlite_store> cache(dir.path());
        fc::literal_map in;
        in.insert_or_assign("x", fc::to_literal(std::int64_t{1}));
        in.insert_or_assign("name", fc::to_literal(std::string("a")));
        const auto stored = cache.get("persist", t.version(), in);
        REQUIRE(stored.has_value());
        CHECK(fc::from_literal<std::string>(*stored->find("o0")) == "a1");
    }
    CHECK(runs == 1);
}

// ----- Flyte 2's cache model: behaviours and max_age (issue 18, item 5) --------------------------

TEST_CASE("cache behaviours: Flyte 2's names, aliases and rules") {
    CHECK(fc::parse_cache_behavior("auto") == fc::cache_behavior::automatic);
    CHECK(fc::parse_cache_behavior("override") == fc::cache_behavior::override);
    CHECK(fc::parse_cache_behavior("disable") == fc::cache_behavior::disable);
    CHECK(fc::parse_cache_behavior("Enabled") == fc::cache_behavior::automatic);
    CHECK(fc::parse_cache_behavior("OFF") == fc::cache_behavior::disable);
    CHECK(fc::parse_cache_behavior("none") == fc::cache_behavior::disable);
    CHECK_THROWS_WITH_AS((void)fc::parse_cache_behavior("sometimes"),
                         doctest::Contains("Invalid cache behavior: 'sometimes'. Must be one of "
                                           "['auto', 'override', 'disable']"),
                         fc::configuration_error);
    for (const auto b :
         {fc::cache_behavior::automatic, fc::cache_behavior::override, fc::cache_behavior::disable})
        CHECK(fc::parse_cache_behavior(fc::to_string(b)) == b);

    // auto: flytekit's rule (an explicit version still wins, as in Flyte 2).
    const fc::cache automatic{fc::cache_options{.salt = "s"}, fc::policies::constant<"a">{}};
    const fc::cache flytekit_style{fc::cache_options{.salt = "s"}, fc::policies::constant<"a">{}};
    CHECK(automatic.get_version(fc::version_parameters<>{}) ==
          flytekit_style.get_version(fc::version_parameters<>{}));
    // override: the version is required and is the version.
    CHECK_THROWS_WITH_AS((fc::cache{fc::cache_options{.behavior = fc::cache_behavior::override},
                                    fc::policies::constant<"a">{}}),
                         doctest::Contains("cache behavior 'override' needs cache_options.version"),
                         fc::configuration_error);
    const fc::cache<> pinned{
        fc::cache_options{.version = "v7", .behavior = fc::cache_behavior::override}};
    CHECK(pinned.get_version(fc::version_parameters<>{}) == "v7");
    // disable: neither version nor policy needed; the version is empty, as in Flyte 2.
    const fc::cache<> off{fc::cache_options{.behavior = fc::cache_behavior::disable}};
    CHECK_FALSE(off.is_enabled());
    CHECK(off.get_version(fc::version_parameters<>{}).empty());
    CHECK(pinned.is_enabled());
    // max_age must be a positive, finite time.
    CHECK_THROWS_WITH_AS(
        (fc::cache<>{fc::cache_options{.version = "1", .max_age = std::chrono::seconds(0)}}),
        doctest::Contains("max_age must be a positive, finite time"), fc::configuration_error);
}

TEST_CASE("cache behaviours: a disabled cache runs the task every call and stores nothing") {
    int runs = 0;
    const auto t = fc::task<fc::inputs<"x">, fc::ignore<"x">>(
        "example.off", [&runs](std::int64_t x) { return ++runs + static_cast<int>(x); },
        fc::cache<>{fc::cache_options{.serialize = true,
                                      .behavior = fc::cache_behavior::disable,
                                      .max_age = std::chrono::hours(1)}});
    CHECK_FALSE(t.metadata().cache);
    CHECK_FALSE(t.metadata().cache_serialize);
    CHECK(t.metadata().cache_version.empty());
    CHECK_FALSE(t.metadata().cache_max_age);
    fc::executor exec{fc::memory_store{}, quiet_options()};
    CHECK(exec.run(t, 1) == 2);
    CHECK(exec.run(t, 1) == 3);
    CHECK(exec.store().size() == 0);
    // The export says the same to Flyte: not discoverable.
    const std::string json =
        fc::to_task_template_json(t, {.project = "p",
                                      .domain = "d",
                                      .version = "v",
                                      .launch = {.image = std::string("ghcr.io/acme/off:1")}});
    CHECK(json.find("discoverable") == std::string::npos);
}

TEST_CASE("cache max_age: entries are stored with that expiry, and an older one is a miss") {
    int runs = 0;
    const auto make = [&runs](std::chrono::duration<double> age) {
        return fc::task<fc::inputs<"x">>(
            "example.aging", [&runs](std::int64_t x) { return x + ++runs; },
            fc::cache<>{fc::cache_options{.version = "1", .max_age = age}});
    };
    {
        const auto t = make(std::chrono::hours(1));
        REQUIRE(t.metadata().cache_max_age);
        fc::executor exec{fc::memory_store{}, quiet_options()};
        CHECK(exec.run(t, 10) == 11);
        CHECK(exec.run(t, 10) == 11); // a hit: younger than max_age
        CHECK(runs == 1);
        const std::string key = exec.cache().make_key(
            t.name(), t.version(), fc::make_literal_map("x", std::int64_t{10}), t.ignored_inputs());
        const auto entry = exec.store().get_with_ttl(key);
        REQUIRE(entry);
        REQUIRE(entry->ttl);
        CHECK(entry->ttl->count() > 0);
        CHECK(entry->ttl->count() <= 3600);
    }
    {
        // Past max_age the entry is gone: the call runs again (sqlite_store: diskcache's expiry).
        temp_dir dir;
        const auto t = make(std::chrono::milliseconds(50));
        fc::executor<fc::sqlite_store> exec(dir.path(), quiet_options());
        runs = 0;
        CHECK(exec.run(t, 10) == 11);
        std::this_thread::sleep_for(std::chrono::milliseconds(120));
        CHECK(exec.run(t, 10) == 12);
        CHECK(runs == 2);
    }
    // A store that cannot expire entries cannot honour max_age: said before anything runs.
    fc::executor<flytecache_test::plain_store> exec(
        flytecache_test::plain_store{fc::memory_store()}, quiet_options());
    runs = 0;
    CHECK_THROWS_WITH_AS((void)exec.run(make(std::chrono::hours(1)), 1),
                         doctest::Contains("has a cache max_age, but the executor's store cannot "
                                           "expire entries"),
                         fc::configuration_error);
    CHECK(runs == 0);
    // On task_metadata directly (container tasks), the same rules as flytekit's.
    CHECK_THROWS_WITH_AS((fc::task_metadata{.cache_max_age = std::chrono::seconds(5)}.validate()),
                         doctest::Contains("cache_max_age is set but ``cache`` is not enabled"),
                         fc::configuration_error);
}
