// flytecache — tests: what keeps a cached task from returning a wrong answer silently
// SPDX-License-Identifier: MIT
// tests: what keeps a cached task from returning a wrong answer silently (captured state in the
// version, content-hashed file inputs, serialize settings and overwrite mode that keep exactly-
// once, serialize refused on stores without reservations).
#include <flytecache/literal/hash_method.hpp>
#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/policy/constant_policy.hpp>
#include <flytecache/policy/function_body_policy.hpp>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/sqlite_store.hpp>
#include <flytecache/task/captured_state.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include "../support/plain_store.hpp"
#include "../support/serialize_checks.hpp"
#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace fc = flytecache;
namespace fs = std::filesystem;
using namespace flytecache_test;
using namespace std::chrono_literals;

namespace {

fc::executor_options quiet_options() {
    fc::executor_options o;
    o.config = fc::local_cache_config{};
    return o;
}

void write_file(const fs::path& p, const std::string& bytes) {
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << bytes;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The task of reproduction 2, as two builds of one program would define it with k = 2 and k = 3.
auto scale_task(double k) {
    return fc::task<fc::inputs<"x">>(
        "scale", fc::state_in_version(FLYTECACHE_SOURCE([k](double x) { return x * k; }), k),
        fc::cache{fc::policies::function_body{}});
}

} // namespace

// Reproduction (issue 14, 2): FLYTECACHE_SOURCE([k](double x) { return x * k; }) with
// function_body returned the result cached for k = 2 after a rebuild with k = 3. Such a task no
// longer compiles without a decision (tests/compile_fail/task_captured_state.cpp); with the
// values named for the version, a changed capture is a new version.
TEST_CASE("captured state: state_in_version puts the captured values in the version") {
    fc::executor exec(fc::memory_store{}, quiet_options());
    const auto with_2 = scale_task(2.0);
    const auto with_3 = scale_task(3.0);
    CHECK(with_2.version() != with_3.version());
    CHECK(with_2.version() == scale_task(2.0).version()); // deterministic
    CHECK(exec.run(with_2, 10.0) == 20.0);
    CHECK(exec.run(with_3, 10.0) == 30.0);
    // The version is the policies' outputs with the state's contribution hashed after them, and
    // explain shows that contribution.
    const fc::call_explanation e = exec.explain(with_3, 10.0);
    REQUIRE(e.policies.size() == 2);
    CHECK(e.policies[1].policy.find("captured state") != std::string::npos);
    CHECK(fc::sha256_hex(e.policies[0].output + e.policies[1].output) == with_3.version());
    // An explicit version wins over everything, as in flytekit.
    auto pinned = fc::task<fc::inputs<"x">>(
        "scale", fc::state_in_version(FLYTECACHE_SOURCE([](double x) { return x; }), 1),
        fc::cache{fc::cache_options{.version = "v1"}, fc::policies::function_body{}});
    CHECK(pinned.version() == "v1");
}

TEST_CASE("captured state: harmless_state keeps the version the policies give") {
    int calls = 0;
    auto counted = fc::task<fc::inputs<"x">>(
        "counted", fc::harmless_state(FLYTECACHE_SOURCE([&calls](double x) {
            ++calls;
            return x + 1;
        })),
        fc::cache{fc::policies::function_body{}});
    auto plain = fc::task<fc::inputs<"x">>("counted", FLYTECACHE_SOURCE([&calls](double x) {
                                               ++calls;
                                               return x + 1;
                                           }),
                                           {.cache = true, .cache_version = "unused"});
    (void)plain; // a legacy explicit version needs no acknowledgement
    CHECK(counted.version() ==
          fc::cache{fc::policies::function_body{}}.get_version(counted.version_params()));
    fc::executor exec(fc::memory_store{}, quiet_options());
    CHECK(exec.run(counted, 1.0) == 2.0);
    CHECK(exec.run(counted, 1.0) == 2.0);
    CHECK(calls == 1);
    static_assert(!fc::detail::carries_unversioned_state<decltype([](int x) { return x; })>());
    static_assert(fc::detail::carries_unversioned_state<std::function<int(int)>>());
    // A function pointer may be chosen at run time (flag ? &half : &twice) under one version.
    static_assert(fc::detail::carries_unversioned_state<decltype(+[](int x) { return x; })>());
    static_assert(!fc::detail::carries_unversioned_state<decltype(fc::harmless_state(
                      +[](int x) { return x; }))>());
}

// Content-hashed file inputs: a task parameter declared content_file keys the call by the file's
// bytes, so a file rewritten in place is never mistaken for the old one.
TEST_CASE("content_file: a parameter keyed by the file's bytes, not its path") {
    const temp_dir dir("content-file");
    int runs = 0;
    auto count_lines = fc::task<fc::inputs<"data">>(
        "count_lines",
        [&runs](const fc::content_file& data) {
            ++runs;
            const std::string text = slurp(data.path());
            return static_cast<std::int64_t>(std::count(text.begin(), text.end(), '\n'));
        },
        {.cache = true, .cache_version = "1"});
    fc::executor exec(fc::memory_store{}, quiet_options());
    write_file(dir / "a.csv", "1\n2\n");
    CHECK(exec.run(count_lines, fc::hashed_file(dir / "a.csv")) == 2);
    CHECK(exec.run(count_lines, fc::file(dir / "a.csv")) == 2); // a plain file converts
    CHECK(runs == 1);
    write_file(dir / "a.csv", "1\n2\n3\n"); // rewritten in place: a new key
    CHECK(exec.run(count_lines, fc::hashed_file(dir / "a.csv")) == 3);
    CHECK(runs == 2);
    fs::rename(dir / "a.csv", dir / "moved.csv"); // moved: the same bytes, a hit
    CHECK(exec.run(count_lines, fc::hashed_file(dir / "moved.csv")) == 3);
    CHECK(runs == 2);
    CHECK(fc::literal_type_of<fc::content_file>() == fc::literal_type_of<fc::file>());
}

// Review finding: a plain `file` input was keyed by its path as written, so a file rewritten in
// place (or a relative path from another directory) hit the entry of other bytes.
TEST_CASE("file inputs: a local file is keyed by its content, so an edit in place misses") {
    const temp_dir dir("file-input");
    int runs = 0;
    auto count = fc::task<fc::inputs<"data">>("count_bytes",
                                              [&runs](const fc::file& data) {
                                                  ++runs;
                                                  return static_cast<std::int64_t>(
                                                      slurp(data.path()).size());
                                              },
                                              {.cache = true, .cache_version = "1"});
    fc::executor exec(fc::memory_store{}, quiet_options());
    write_file(dir / "x" / "data.csv", "12");
    write_file(dir / "y" / "data.csv", "12345");
    CHECK(exec.run(count, fc::file(dir / "x" / "data.csv")) == 2);
    write_file(dir / "x" / "data.csv", "1234"); // edited in place
    CHECK(exec.run(count, fc::file(dir / "x" / "data.csv")) == 4);
    CHECK(runs == 2);
    CHECK(exec.run(count, fc::file(dir / "y" / "data.csv")) == 5); // same name elsewhere
    CHECK(runs == 3);
    fs::rename(dir / "y" / "data.csv", dir / "moved.csv"); // moved, same bytes: a hit
    CHECK(exec.run(count, fc::file(dir / "moved.csv")) == 5);
    CHECK(runs == 3);
    // explain shows the content hash the key uses.
    CHECK_FALSE(exec.explain(count, fc::file(dir / "moved.csv")).inputs[0].literal_hash.empty());
    // A path that does not exist yet (a location the task will write) keeps a path key.
    CHECK(exec.explain(count, fc::file(dir / "not-yet.csv")).inputs[0].literal_hash.empty());
    // Remote URIs are not read.
    CHECK(exec.explain(count, fc::file("s3://bucket/key.csv")).inputs[0].literal_hash.empty());
}

// Reproduction (issue 14, 5a): a reservation lifetime not longer than the heartbeat interval (or a
// zero interval) let four identical serialized calls run the body four times. Such settings are
// refused when the executor is built, for every store.
TEST_CASE("serialize: executor options that would break exactly-once are refused at construction") {
    const auto refused = [](auto change) {
        fc::executor_options o = quiet_options();
        change(o);
        CHECK_THROWS_AS((fc::executor(fc::memory_store{}, o)), fc::configuration_error);
        const temp_dir dir("serialize-options");
        CHECK_THROWS_AS((fc::executor<fc::sqlite_store>(dir / "cache", o)),
                        fc::configuration_error);
    };
    refused([](fc::executor_options& o) { o.heartbeat_interval = fc::float_seconds(0); });
    refused([](fc::executor_options& o) { o.heartbeat_interval = fc::float_seconds(-1); });
    refused([](fc::executor_options& o) {
        o.heartbeat_interval = fc::float_seconds(1);
        o.reservation_ttl = fc::float_seconds(1);
    });
    refused([](fc::executor_options& o) {
        o.heartbeat_interval = fc::float_seconds(1);
        o.reservation_ttl = fc::float_seconds(0.5);
    });
    refused([](fc::executor_options& o) { o.reservation_ttl = fc::float_seconds(-3); });
    refused([](fc::executor_options& o) { o.poll_interval = fc::float_seconds(0); });
    refused([](fc::executor_options& o) {
        o.heartbeat_interval = fc::float_seconds(std::numeric_limits<double>::infinity());
    });
    // Finite but beyond what the clocks hold in nanoseconds (the heartbeat then spun).
    refused([](fc::executor_options& o) { o.heartbeat_interval = fc::float_seconds(1e10); });
    refused([](fc::executor_options& o) { o.max_wait = fc::float_seconds(1e10); });
    refused([](fc::executor_options& o) {
        o.poll_interval = fc::float_seconds(std::numeric_limits<double>::quiet_NaN());
    });
    try {
        fc::executor_options o = quiet_options();
        o.heartbeat_interval = fc::float_seconds(2);
        o.reservation_ttl = fc::float_seconds(3);
        fc::executor exec(fc::memory_store{}, o);
        FAIL("expected configuration_error");
    } catch (const fc::configuration_error& e) {
        CHECK(std::string(e.what()).find("at least twice heartbeat_interval") != std::string::npos);
    }
    // The defaults and a lifetime of twice the interval are fine.
    fc::executor_options ok = quiet_options();
    ok.heartbeat_interval = fc::float_seconds(1);
    ok.reservation_ttl = fc::float_seconds(2);
    fc::executor exec(fc::memory_store{}, ok);
    fc::executor defaults(fc::memory_store{}, quiet_options());
    CHECK(defaults.options().effective_reservation_ttl() ==
          3 * defaults.options().heartbeat_interval);
}

// Reproduction (issue 14, 5b): in overwrite mode, four identical serialized calls ran the body four
// times one after another. Now they share one recomputation.
TEST_CASE("serialize: overwrite mode recomputes once for identical concurrent calls (threads)") {
    const temp_dir dir("serialize-overwrite");
    const auto log = dir / "runs.log";
    auto t = make_counted_task(log, "serialize.overwrite");
    const auto run_four = [&](auto& exec) {
        std::vector<std::thread> pool;
        std::atomic<int> right{0};
        for (int i = 0; i < 4; ++i) {
            pool.emplace_back([&] {
                if (exec.run(t, 3) == 9) ++right;
            });
        }
        for (auto& p : pool) p.join();
        CHECK(right == 4);
    };
    fc::executor_options overwrite = fast_serialize_options();
    overwrite.config.overwrite = true;
    SUBCASE("memory_store") {
        fc::memory_store store;
        fc::executor<fc::memory_store> exec(std::move(store), overwrite);
        run_four(exec);
        CHECK(read_lines(log).size() == 1);
        run_four(exec); // the next round of identical calls recomputes once more
        CHECK(read_lines(log).size() == 2);
    }
    SUBCASE("sqlite_store, over an entry of an earlier session") {
        {
            fc::executor<fc::sqlite_store> earlier(dir / "cache", fast_serialize_options());
            REQUIRE(earlier.run(t, 3) == 9);
        }
        fc::executor<fc::sqlite_store> exec(dir / "cache", overwrite);
        run_four(exec);
        CHECK(read_lines(log).size() == 2);
    }
}

TEST_CASE("serialize: overwrite mode across processes: a stale entry is never returned, one run") {
    const temp_dir dir("serialize-overwrite-procs");
    const auto log = dir / "runs.log";
    const auto cache_dir = dir / "cache";
    // A stale entry under the key: a body that returned a different value in an earlier session.
    {
        auto stale = fc::task<fc::inputs<"k">, fc::serialized>(
            "serialize.overwrite.procs", [](std::int64_t k) { return -k; },
            fc::cache{fc::cache_options{.version = "1"}});
        fc::executor<fc::sqlite_store> exec(cache_dir, fast_serialize_options());
        REQUIRE(exec.run(stale, 4) == -4);
    }
    std::vector<pid_t> children;
    for (int p = 0; p < 2; ++p) {
        children.push_back(fork_child([&] {
            auto t = fc::task<fc::inputs<"k">, fc::serialized>(
                "serialize.overwrite.procs",
                [log](std::int64_t k) {
                    append_line(log, "run");
                    std::this_thread::sleep_for(300ms); // longer than a waiter's poll
                    return k * k;
                },
                fc::cache{fc::cache_options{.version = "1"}});
            fc::executor_options o = fast_serialize_options();
            o.config.overwrite = true;
            fc::executor<fc::sqlite_store> exec(cache_dir, o);
            std::atomic<bool> ok{true};
            std::vector<std::thread> pool;
            for (int i = 0; i < 3; ++i) {
                pool.emplace_back([&] {
                    if (exec.run(t, 4) != 16) ok = false;
                });
            }
            for (auto& th : pool) th.join();
            return ok.load();
        }));
    }
    for (const pid_t pid : children) expect_exit_ok(pid);
    CHECK(read_lines(log).size() == 1);
}

// Reproduction (issue 14, 5c): cache_options{.serialize = true} on a store without reservations
// raised only on a miss; a hit or a disabled cache passed silently.
TEST_CASE("serialize: a store without reservations is refused on every call, hit or disabled") {
    auto t = fc::task<fc::inputs<"x">>(
        "t", [](std::int64_t x) { return x; },
        fc::cache{fc::cache_options{.version = "1", .serialize = true}});
    auto unserialized = fc::task<fc::inputs<"x">>(
        "t", [](std::int64_t x) { return x; }, fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(plain_store{fc::memory_store()}, quiet_options());
    CHECK(exec.run(unserialized, 1) == 1); // the entry a serialized call would hit
    CHECK_THROWS_WITH_AS(exec.run(t, 1), doctest::Contains("cannot hold reservations"),
                         fc::configuration_error);
    fc::executor_options off = quiet_options();
    off.config.enabled = false;
    fc::executor disabled(plain_store{fc::memory_store()}, off);
    CHECK_THROWS_AS(disabled.run(t, 1), fc::configuration_error);
}

TEST_CASE("errors: version_error says why the policy failed") {
    struct failing {
        std::string get_version(std::string_view, const fc::version_parameters<>&) const {
            throw std::runtime_error("the schema registry is unreachable");
        }
    };
    try {
        (void)fc::cache{failing{}}.get_version(fc::version_parameters<>{});
        FAIL("expected version_error");
    } catch (const fc::version_error& e) {
        CHECK(std::string(e.what()).find("caused by: the schema registry is unreachable") !=
              std::string::npos);
    }
}
