// flytecache — tests: interoperability with the real Python diskcache, both ways
// SPDX-License-Identifier: MIT
#include <flytecache/store/sqlite_store.hpp>
#include <flytecache/task/local_task_cache.hpp>

#include "../support/literal_schema.hpp"
#include "../support/temp_dir.hpp"
#include "../support/vectors.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

namespace fc = flytecache;
using flytecache_test::temp_dir;

namespace {

// Runs the Python peer (tests/interop/diskcache_peer.py) under the interpreter CMake found with
// the diskcache package; its stderr explains any failure.
int run_peer(const std::string& args) {
    const std::string python = FLYTECACHE_PYTHON_DISKCACHE;
    REQUIRE_MESSAGE(!python.empty(), "no python3 with the diskcache package was found when "
                                     "configuring; run scripts/install-deps (python3-diskcache)");
    const std::string command = python + " " + FLYTECACHE_INTEROP_PEER + " " + args;
    const int status = std::system(command.c_str()); // NOLINT(cert-env33-c): test driver
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string large_bytes() {
    std::string s(100000, '\0');
    for (std::size_t i = 0; i < s.size(); ++i) {
        s[i] = static_cast<char>((7 * i + 3) % 256);
    }
    return s;
}

std::string large_text() {
    std::string s;
    for (int i = 0; i < 10000; ++i) {
        s += "\xc3\xa9t\xc3\xa9 ";
    }
    return s;
}

struct flytekit_case {
    std::string task_name, cache_version;
    fc::literal_map inputs;
    std::vector<std::string> ignored;
    std::string value; // the LiteralMap bytes stored as the task's outputs
};

// The same (key, value) rule as the peer's flytekit_entries: outputs are the vector's serialized
// map when given, else the map {a: 5}.
std::vector<flytekit_case> flytekit_cases() {
    const auto doc = flytecache_test::load_vectors("cache_keys.json");
    std::vector<flytekit_case> out;
    for (const auto& v : doc.at("vectors").as_array()) {
        flytekit_case c;
        c.task_name = v.at("task_name").as_string();
        c.cache_version = v.at("cache_version").as_string();
        c.inputs = flytecache_test::literal_map_from(v.at("inputs"));
        for (const auto& name : v.at("ignored_inputs").as_array()) {
            c.ignored.push_back(name.as_string());
        }
        const auto* hex = v.at("serialized").find("hex");
        c.value =
            flytecache_test::bytes_from_hex(hex ? hex->as_string() : "0a0b0a016112060a040a020805");
        out.push_back(std::move(c));
    }
    return out;
}

std::string vectors_file() { return (flytecache_test::vectors_dir() / "cache_keys.json").string(); }

} // namespace

TEST_CASE("Python diskcache writes, sqlite_store reads") {
    temp_dir dir("py2cpp");
    REQUIRE(run_peer("write-basic " + dir.path().string()) == 0);
    fc::sqlite_store store(dir.path());
    CHECK(store.stats(false) == fc::store_stats{1, 2}); // Python's counters, before our reads
    CHECK(store.get("small") == std::string("\x00\x01"
                                            "binary\xff",
                                            9));
    CHECK(store.get("large") == large_bytes());
    CHECK(store.get_entry("large")->value.in_file());
    CHECK(store.get_entry("text")->value.as_text() == "h\xc3\xa9llo");
    const auto text = store.get_entry("large-text");
    CHECK(text->value.as_text() == large_text());
    CHECK(text->value.in_file());
    CHECK(store.get_entry("int")->value.as_integer() == 41);
    CHECK(store.incr("int") == 42);
    CHECK(store.get_entry("float")->value.as_real() == 2.5);
    CHECK(store.get_entry(fc::blob_view{"bytes-key"})->value.as_bytes() == "v");
    CHECK(store.get_entry(7)->value.as_bytes() == "int-key");
    const auto later = store.get_entry("expires-later");
    REQUIRE(later);
    REQUIRE(later->expire_time);
    CHECK(*later->expire_time > fc::detail::unix_now() + 3000);
    CHECK_FALSE(store.get("expired"));
    CHECK(store.get_entry("tagged-1")->tag == "run-1");
    CHECK_THROWS_AS((void)store.get("pickled"), fc::value_type_error);
    CHECK(store.get_entry("pickled")->value.raw_bytes().substr(0, 1) == "\x80");
    CHECK(store.pull(std::string_view("jobs"))->value.as_bytes() == "q-first");
    CHECK(store.size() == 14); // 15 written, one pulled; the expired one counts until removed
    CHECK(store.check().clean());
    CHECK(store.evict("run-1") == 2);
    CHECK(store.expire() == 1);
    CHECK(store.check().clean());
}

TEST_CASE("sqlite_store writes, Python diskcache reads") {
    temp_dir dir("cpp2py");
    {
        fc::sqlite_store store(dir.path());
        store.set("small", std::string("\x00\x01"
                                       "binary\xff",
                                       9));
        store.set("large", large_bytes());
        store.set("text", fc::text_view{"h\xc3\xa9llo"});
        store.set("large-text", fc::text_view{large_text()});
        store.set("int", 41);
        CHECK(store.incr("int") == 42);
        store.set("float", 2.5);
        store.set(fc::blob_view{"bytes-key"}, "v");
        store.set(7, "int-key");
        store.set("tagged-1", "t1", {.tag = "run-1"});
        store.set("tagged-2", "t2", {.tag = "run-1"});
        store.set("expires-later", "later", {.expire = std::chrono::hours(1)});
        store.set("expired", "gone", {.expire = std::chrono::milliseconds(1)});
        (void)store.stats(true);
        (void)store.get("small");
        (void)store.get("missing");
        (void)store.get("missing-too");
        store.push("q-first", std::string_view("jobs"));
        store.push("q-second", std::string_view("jobs"));
    }
    CHECK(run_peer("verify-basic " + dir.path().string()) == 0);
}

TEST_CASE("flytekit's local cache entries, written by Python, read through local_task_cache") {
    temp_dir dir("fk-py2cpp");
    REQUIRE(run_peer("write-flytekit " + dir.path().string() + " " + vectors_file()) == 0);
    fc::local_task_cache<fc::sqlite_store> cache(fc::sqlite_store(dir.path()),
                                                 {.config = {}, .strict = true});
    const auto cases = flytekit_cases();
    REQUIRE(cases.size() >= 50);
    for (const auto& c : cases) {
        CAPTURE(c.task_name);
        const auto outputs = cache.get(c.task_name, c.cache_version, c.inputs, c.ignored);
        REQUIRE(outputs);
        CHECK(fc::encode(*outputs) == c.value);
    }
    CHECK(cache.bad_entries() == 0);
}

TEST_CASE("local_task_cache writes flytekit's entries, Python reads them") {
    temp_dir dir("fk-cpp2py");
    {
        fc::local_task_cache<fc::sqlite_store> cache(dir.path(), {.config = {}, .strict = true});
        for (const auto& c : flytekit_cases()) {
            cache.set(c.task_name, c.cache_version, c.inputs, c.ignored,
                      fc::decode_literal_map(c.value));
        }
    }
    CHECK(run_peer("verify-flytekit " + dir.path().string() + " " + vectors_file()) == 0);
}
