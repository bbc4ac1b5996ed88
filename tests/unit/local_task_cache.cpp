// flytecache — tests: local_task_cache (flytekit's LocalTaskCache) over any store
// SPDX-License-Identifier: MIT
#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/sqlite_store.hpp>
#include <flytecache/task/local_task_cache.hpp>

#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <pwd.h>
#include <stdlib.h> // setenv, unsetenv
#include <unistd.h>

#include <string>
#include <vector>

namespace fc = flytecache;
using flytecache_test::temp_dir;

namespace {

fc::literal_map inputs(std::int64_t a, std::string b) {
    fc::literal_map m;
    m.insert_or_assign("a", fc::to_literal(a));
    m.insert_or_assign("b", fc::to_literal(std::move(b)));
    return m;
}

fc::literal_map outputs(double o0) {
    fc::literal_map m;
    m.insert_or_assign("o0", fc::to_literal(o0));
    return m;
}

template <class Cache>
void check_round_trip(Cache& cache) {
    CHECK_FALSE(cache.get("t", "v1", inputs(1, "x")));
    cache.set("t", "v1", inputs(1, "x"), {}, outputs(2.5));
    const auto got = cache.get("t", "v1", inputs(1, "x"));
    REQUIRE(got);
    CHECK(fc::encode(*got) == fc::encode(outputs(2.5)));
    CHECK_FALSE(cache.get("t", "v2", inputs(1, "x")));     // another version
    CHECK_FALSE(cache.get("other", "v1", inputs(1, "x"))); // another task
    CHECK_FALSE(cache.get("t", "v1", inputs(2, "x")));     // other inputs
    // An ignored input does not take part in the key.
    const std::vector<std::string> ignore_b{"b"};
    cache.set("t", "v1", inputs(1, "x"), ignore_b, outputs(9));
    CHECK(cache.get("t", "v1", inputs(1, "something else"), ignore_b));
    cache.clear();
    CHECK_FALSE(cache.get("t", "v1", inputs(1, "x")));
}

} // namespace

TEST_CASE("local_task_cache stores outputs by task, version and inputs (sqlite_store)") {
    temp_dir dir("ltc");
    fc::local_task_cache<fc::sqlite_store> cache(dir.path(), {.config = {}});
    check_round_trip(cache);
    // The key is flytekit's.
    CHECK(cache.make_key("t", "v1", inputs(1, "x")) ==
          fc::keys::flytekit_local{}.make_key("t", "v1", inputs(1, "x")));
}

TEST_CASE("local_task_cache works over memory_store") {
    fc::local_task_cache<fc::memory_store> cache(fc::memory_store{}, {.config = {}});
    check_round_trip(cache);
}

TEST_CASE("local_task_cache opens its store lazily, at flytekit's location by default") {
    temp_dir home("home");
    const char* old_home = std::getenv("HOME");
    const std::string saved = old_home ? old_home : "";
    ::setenv("HOME", home.path().c_str(), 1);
    CHECK(fc::default_local_cache_location() == home.path() / ".flyte" / "local-cache");
    {
        fc::local_task_cache<fc::sqlite_store> cache;
        CHECK_FALSE(std::filesystem::exists(home.path() / ".flyte"));
        cache.initialize();
        CHECK(std::filesystem::exists(home.path() / ".flyte" / "local-cache" / "cache.db"));
        cache.set("t", "v", inputs(1, "x"), {}, outputs(1));
    }
    // Without HOME (unset or empty), as Python's expanduser: the password database's home.
    const passwd* pw = ::getpwuid(::getuid());
    REQUIRE(pw != nullptr);
    const auto from_passwd = std::filesystem::path(pw->pw_dir) / ".flyte" / "local-cache";
    ::unsetenv("HOME");
    CHECK(fc::default_local_cache_location() == from_passwd);
    ::setenv("HOME", "", 1);
    CHECK(fc::default_local_cache_location() == from_passwd);
    if (old_home) {
        ::setenv("HOME", saved.c_str(), 1);
    }
}

TEST_CASE("local_cache_config reads flytekit's switches with flytekit's boolean rule") {
    {
        for (const char* off : {"", "false", "False", "0", "off", "NO"}) {
            CHECK_FALSE(fc::local_cache_config::parse_flag(off));
        }
        for (const char* on : {"true", "1", "yes", "anything"}) {
            CHECK(fc::local_cache_config::parse_flag(on));
        }
        ::setenv("FLYTE_LOCAL_CACHE_ENABLED", "false", 1);
        ::setenv("FLYTE_LOCAL_CACHE_OVERWRITE", "True", 1);
        const auto c = fc::local_cache_config::from_environment();
        CHECK_FALSE(c.enabled);
        CHECK(c.overwrite);
        ::unsetenv("FLYTE_LOCAL_CACHE_ENABLED");
        ::unsetenv("FLYTE_LOCAL_CACHE_OVERWRITE");
        const auto d = fc::local_cache_config::from_environment();
        CHECK(d.enabled);
        CHECK_FALSE(d.overwrite);
    }
}

TEST_CASE("local_task_cache: disabled and overwrite modes") {
    fc::local_task_cache<fc::memory_store> off(fc::memory_store{}, {.config = {.enabled = false}});
    off.set("t", "v", inputs(1, "x"), {}, outputs(1));
    CHECK(off.store().size() == 0);
    CHECK_FALSE(off.get("t", "v", inputs(1, "x")));

    fc::local_task_cache<fc::memory_store> over(fc::memory_store{},
                                                {.config = {.overwrite = true}});
    over.set("t", "v", inputs(1, "x"), {}, outputs(1));
    CHECK(over.store().size() == 1);                 // writes still happen
    CHECK_FALSE(over.get("t", "v", inputs(1, "x"))); // lookups are skipped
}

TEST_CASE("local_task_cache reports an undecodable entry as a miss, never a crash") {
    temp_dir dir("bad");
    std::vector<fc::bad_cache_entry> reported;
    fc::local_task_cache<fc::sqlite_store> cache(
        dir.path(), {.config = {},
                     .on_bad_entry = [&](const fc::bad_cache_entry& b) { reported.push_back(b); }});
    const std::string key = cache.make_key("t", "v", inputs(1, "x"));
    cache.store().set(key, std::string("\x0a\xff\xff\xff", 4)); // a truncated LiteralMap
    CHECK_FALSE(cache.get("t", "v", inputs(1, "x")));
    REQUIRE(reported.size() == 1);
    CHECK(reported[0].key == key);
    CHECK(cache.bad_entries() == 1);

    // A value Python pickled (older flytekit stored model objects) is reported the same way.
    cache.store().set(key, fc::text_view{"not bytes"});
    CHECK_FALSE(cache.get("t", "v", inputs(1, "x")));
    REQUIRE(reported.size() == 2);
    CHECK(reported[1].reason.find("text") != std::string::npos);

    // Writing good outputs over the bad entry repairs it.
    cache.set("t", "v", inputs(1, "x"), {}, outputs(3));
    CHECK(cache.get("t", "v", inputs(1, "x")));

    fc::local_task_cache<fc::sqlite_store> strict(dir.path(), {.config = {}, .strict = true});
    strict.store().set(key, "\xff");
    CHECK_THROWS_AS((void)strict.get("t", "v", inputs(1, "x")), fc::decode_error);
}
