// flytecache — tests: memory_store's batches (set_many, get_many)
// SPDX-License-Identifier: MIT
#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/tiered_store.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace fc = flytecache;

TEST_CASE("memory_store batch: set_many then get_many answers in the keys' order") {
    fc::memory_store s;
    std::vector<std::string> keys, values;
    for (int i = 0; i < 100; ++i) {
        keys.push_back("k" + std::to_string(i));
        values.push_back("v" + std::to_string(i));
    }
    std::vector<fc::key_value> items;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        items.push_back({keys[i], values[i]});
    }
    s.set_many(items);
    CHECK(s.size() == 100);
    const auto got = s.get_many(std::vector<std::string_view>{"k3", "nope", "k99", "k3"});
    REQUIRE(got.size() == 4);
    CHECK(got[0] == std::optional<std::string>("v3"));
    CHECK_FALSE(got[1].has_value());
    CHECK(got[2] == std::optional<std::string>("v99"));
    CHECK(got[3] == std::optional<std::string>("v3"));
    CHECK(s.get("k42") == std::optional<std::string>("v42"));

    s.set_many({});
    CHECK(s.get_many({}).empty());

    // A key given twice: the last entry wins, and it replaces what set() stored.
    s.set("dup", "old");
    const std::vector<fc::key_value> dup{{"dup", "a"}, {"x", "1"}, {"dup", "b"}};
    s.set_many(dup);
    CHECK(s.get("dup") == std::optional<std::string>("b"));
    CHECK(s.size() == 102);
}

TEST_CASE("memory_store batch: expiry, tag, statistics and bad input as set and get") {
    fc::memory_store s;
    const std::vector<fc::key_value> items{{"a", "1"}, {"b", "2"}};
    s.set_many(items, {.expire = std::chrono::hours(1), .tag = "t"});
    CHECK(s.get_with_ttl("a")->ttl.has_value());
    CHECK(s.evict("t") == 2);

    s.set_many(items);
    s.set_many(items, {.expire = fc::float_seconds(0)}); // already expired: removes the keys
    CHECK(s.size() == 0);

    s.set_many(items);
    CHECK_THROWS_AS(
        s.set_many(std::vector<fc::key_value>{{"c", "3"}},
                   {.expire = fc::float_seconds(std::numeric_limits<double>::quiet_NaN())}),
        fc::invalid_argument);
    CHECK_FALSE(s.get("c").has_value());

    (void)s.stats(true, true);
    (void)s.get_many(std::vector<std::string_view>{"a", "x", "b", "y", "a"});
    CHECK(s.stats() == fc::store_stats{3, 2});
}

TEST_CASE("memory_store batch: an entry too big for its shard removes its key, as set") {
    fc::memory_store s({.size_limit = 1000, .shards = 1});
    s.set("big", "small");
    const std::string huge(5000, 'h');
    const std::vector<fc::key_value> items{{"big", huge}, {"ok", "fine"}};
    s.set_many(items);
    CHECK_FALSE(s.get("big").has_value());
    CHECK(s.get("ok") == std::optional<std::string>("fine"));
    CHECK(s.volume() <= 1000);
}

TEST_CASE("memory_store batch: concurrent readers see a whole batch or none of it") {
    fc::memory_store s({.shards = 8});
    constexpr std::size_t n = 64;
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < n; ++i) {
        keys.push_back("key" + std::to_string(i));
    }
    const std::vector<std::string_view> views(keys.begin(), keys.end());
    std::atomic<int> done{0};
    std::atomic<int> torn{0};
    const auto writer = [&](const std::string& name) {
        for (int round = 0; round < 2000; ++round) {
            const std::string value = name + ":" + std::to_string(round);
            std::vector<fc::key_value> items;
            for (const auto& k : keys) {
                items.push_back({k, value});
            }
            s.set_many(items);
        }
        ++done;
    };
    std::thread w1(writer, "w1");
    std::thread w2(writer, "w2");
    std::thread reader([&] {
        while (done.load() < 2) {
            const auto got = s.get_many(views);
            for (const auto& v : got) {
                if (v != got[0]) {
                    ++torn;
                    break;
                }
            }
        }
    });
    w1.join();
    w2.join();
    reader.join();
    CHECK(torn.load() == 0);
}

TEST_CASE("tiered_store batch: set_many writes both tiers, get_many fills misses from the back") {
    using tiered = fc::tiered_store<fc::memory_store, fc::memory_store>;
    static_assert(fc::batching_store<tiered>);
    tiered s;
    const std::vector<fc::key_value> items{{"a", "1"}, {"b", "2"}};
    s.set_many(items, {.tag = "t"});
    CHECK(s.front().get("a") == std::optional<std::string>("1"));
    CHECK(s.back().get("b") == std::optional<std::string>("2"));

    s.back().set("only-back", "3");
    (void)s.stats(true, true);
    const auto got = s.get_many(std::vector<std::string_view>{"a", "only-back", "nope", "b"});
    CHECK(got[0] == std::optional<std::string>("1"));
    CHECK(got[1] == std::optional<std::string>("3"));
    CHECK_FALSE(got[2].has_value());
    CHECK(got[3] == std::optional<std::string>("2"));
    // An expiring back without read_through_ttl: a batch read does not learn the time left, so
    // the back's hit is not copied (get would copy it with its ttl).
    CHECK_FALSE(s.front().get("only-back").has_value());
    CHECK(s.stats().hits == 3); // the front's two hits, and the back's one

    tiered through(fc::tiered_options{.read_through_ttl = std::chrono::minutes(5)});
    through.back().set("only-back", "3");
    CHECK(through.get_many(std::vector<std::string_view>{"only-back"})[0] ==
          std::optional<std::string>("3"));
    CHECK(through.front().get_with_ttl("only-back")->ttl.has_value());

    // An expiring batch reaches an expiring front with the time it has left.
    s.set_many(items, {.expire = std::chrono::hours(1)});
    CHECK(s.front().get_with_ttl("a")->ttl.has_value());
    s.set_many(items, {.expire = fc::float_seconds(-1)});
    CHECK_FALSE(s.front().get("a").has_value());
    CHECK_FALSE(s.get("a").has_value());
}
