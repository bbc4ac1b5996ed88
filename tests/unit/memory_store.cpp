// flytecache — memory_store: the store conformance suite, the LRU bound, oversize entries, options
// SPDX-License-Identifier: MIT
// memory_store: the store conformance suite, the LRU bound, oversize entries, options, expiry edge
// cases and a mixed-operation stress run (for the thread sanitizer).
#include <flytecache/store/memory_store.hpp>

#include "../support/store_conformance.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace fc = flytecache;
using namespace std::chrono_literals;

namespace {

// A value that makes an entry under a one-byte key cost exactly `cost` bytes.
std::string filler(std::size_t cost) { return std::string(cost - 1, 'x'); }

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

} // namespace

TEST_CASE("memory_store passes the store conformance suite") {
    SUBCASE("unbounded, default shards") {
        flytecache_test::check_store_conformance([] { return fc::memory_store{}; });
    }
    SUBCASE("bounded, 64 MiB over 16 shards") {
        flytecache_test::check_store_conformance(
            [] { return fc::memory_store({.size_limit = 64u << 20}); });
    }
    SUBCASE("one shard, held by unique_ptr") {
        flytecache_test::check_store_conformance([] {
            return std::make_unique<fc::memory_store>(fc::memory_store::options{.shards = 1});
        });
    }
    SUBCASE("many shards, odd count") {
        flytecache_test::check_store_conformance(
            [] { return fc::memory_store({.size_limit = 300u << 20, .shards = 97}); });
    }
}

TEST_CASE("memory_store evicts the least recently used entry of a full shard") {
    fc::memory_store s({.size_limit = 300, .shards = 1});
    CHECK(s.size_limit() == 300);
    s.set("a", filler(100));
    s.set("b", filler(100));
    s.set("c", filler(100));
    CHECK(s.volume() == 300);
    CHECK(s.size() == 3);

    REQUIRE(s.get("a").has_value()); // a is now the most recently used; b the least
    s.set("d", filler(100));
    CHECK(s.get("a").has_value());
    CHECK_FALSE(s.get("b").has_value());
    CHECK(s.get("c").has_value());
    CHECK(s.get("d").has_value());
    CHECK(s.volume() == 300);

    // Overwriting counts as use, and a bigger value can push out several entries.
    s.set("c", filler(100)); // order now (most recent first): c d a
    s.set("e", filler(200)); // evicts a, then d
    CHECK_FALSE(s.get("a").has_value());
    CHECK_FALSE(s.get("d").has_value());
    CHECK(s.get("c").has_value());
    CHECK(s.get("e").has_value());
    CHECK(s.volume() == 300);

    // Order now e c, and touch does not count as use: c stays the least recently used.
    CHECK(s.touch("c", 1h));
    s.set("f", filler(100));
    CHECK_FALSE(s.get("c").has_value());
    CHECK(s.get("e").has_value());
    CHECK(s.get("f").has_value());
    CHECK(s.volume() == 300);
}

TEST_CASE("memory_store charges key, value and tag bytes") {
    fc::memory_store s;
    CHECK(s.volume() == 0);
    s.set("key", "value");
    CHECK(s.volume() == 8);
    s.set("key", "longer value");
    CHECK(s.volume() == 15);
    s.set("tagged", "v", fc::write_options{.tag = "tag"});
    CHECK(s.volume() == 15 + 10);
    CHECK(s.evict("tag") == 1);
    CHECK(s.volume() == 15);
    CHECK(s.erase("key"));
    CHECK(s.volume() == 0);
    CHECK(s.size() == 0);
}

TEST_CASE("memory_store does not keep an entry larger than its shard's share") {
    fc::memory_store s({.size_limit = 100, .shards = 1});
    s.set("small", "s");
    s.set("k", "old");
    s.set("k", filler(101)); // cost 101 > 100: not stored, and the old value is gone too
    CHECK_FALSE(s.get("k").has_value());
    CHECK(s.get("small") == "s"); // nothing else was evicted for it
    CHECK(s.volume() == 6);

    s.set("fits", std::string(96, 'f')); // cost exactly 100: stored alone
    CHECK(s.get("fits").has_value());
    CHECK_FALSE(s.get("small").has_value());
    CHECK(s.volume() == 100);
}

TEST_CASE("memory_store splits the size limit over its shards") {
    // 10 bytes over 4 shards: shares of 3, 3, 2 and 2. No entry of 4 bytes or more fits anywhere.
    fc::memory_store s({.size_limit = 10, .shards = 4});
    s.set("k", "abc");
    CHECK_FALSE(s.get("k").has_value());
    CHECK(s.volume() == 0);
    // Whatever lands where, the total stays within the limit.
    for (int i = 0; i < 100; ++i) s.set(std::to_string(i % 10), "v");
    CHECK(s.volume() <= 10);
    CHECK(s.cull() == 0);
}

TEST_CASE("memory_store rejects invalid options") {
    for (const std::size_t shards : {std::size_t{0}, fc::memory_store::max_shards + 1}) {
        CAPTURE(shards);
        try {
            fc::memory_store s({.shards = shards});
            FAIL("no exception");
        } catch (const fc::invalid_argument& e) {
            CHECK(starts_with(e.what(),
                              "flytecache: memory_store: shards must be between 1 and 65536"));
        }
    }
    CHECK_NOTHROW(fc::memory_store({.shards = fc::memory_store::max_shards}));
    CHECK_NOTHROW(fc::memory_store({.size_limit = 1, .shards = 7}));
}

TEST_CASE("memory_store expiry edge cases") {
    fc::memory_store s;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();

    CHECK_THROWS_AS(s.set("k", "v", fc::write_options{.expire = fc::float_seconds(nan)}),
                    fc::invalid_argument);
    CHECK_FALSE(s.get("k").has_value());

    // A time to live of zero or less: the entry is already expired, so set only removes the key.
    s.set("k", "v");
    s.set("k", "w", fc::write_options{.expire = 0s});
    CHECK_FALSE(s.get("k").has_value());
    s.set("k", "v");
    s.set("k", "w", fc::write_options{.expire = -1s});
    CHECK_FALSE(s.get("k").has_value());

    // Too long for the clock, or infinite: never expires (and does not overflow).
    s.set("forever", "f", fc::write_options{.expire = fc::float_seconds(inf)});
    s.set("huge", "h", fc::write_options{.expire = fc::float_seconds(1e300)});
    s.set("max", "m", fc::write_options{.expire = fc::float_seconds::max()});
    CHECK(s.get("forever") == "f");
    CHECK(s.get("huge") == "h");
    CHECK(s.get("max") == "m");
    CHECK(s.expire() == 0);
    CHECK(s.touch("forever", fc::float_seconds(1e300)));
    CHECK(s.get("forever") == "f");

    CHECK_THROWS_AS(s.touch("forever", fc::float_seconds(nan)), fc::invalid_argument);
    // touch with zero: expires at once, and there was a live entry.
    CHECK(s.touch("forever", 0s));
    CHECK_FALSE(s.get("forever").has_value());

    // Expired entries stay counted by size() until something removes them.
    s.clear();
    s.set("brief", "b", fc::write_options{.expire = 20ms});
    s.set("plain", "p");
    std::this_thread::sleep_for(80ms);
    CHECK(s.size() == 2);
    CHECK(s.volume() == 12);
    CHECK_FALSE(s.erase("brief")); // expired: removed, but reported as nothing removed
    CHECK(s.size() == 1);
    s.set("brief", "b", fc::write_options{.expire = 20ms});
    std::this_thread::sleep_for(80ms);
    CHECK(s.cull() == 1);
    CHECK(s.size() == 1);
}

TEST_CASE("memory_store reservation edge cases") {
    fc::memory_store s;
    CHECK_THROWS_AS(s.try_reserve("k", "A", 0s), fc::invalid_argument);
    CHECK_THROWS_AS(s.try_reserve("k", "A", -1s), fc::invalid_argument);
    CHECK_THROWS_AS(
        s.try_reserve("k", "A", fc::float_seconds(std::numeric_limits<double>::quiet_NaN())),
        fc::invalid_argument);
    CHECK(s.try_reserve("k", "A", fc::float_seconds(std::numeric_limits<double>::infinity())));
    CHECK_FALSE(s.try_reserve("k", "B", 1s));
    CHECK(s.size() == 0); // not an entry
    CHECK(s.volume() == 0);
    CHECK(s.release("k", "A"));

    // Lapsed reservations are dropped by expire(); the count is entries only.
    CHECK(s.try_reserve("lapsing", "A", 10ms));
    std::this_thread::sleep_for(50ms);
    CHECK(s.expire() == 0);
    CHECK_FALSE(s.release("lapsing", "A"));
    CHECK(s.try_reserve("lapsing", "B", 10s));
}

TEST_CASE("memory_store moves") {
    fc::memory_store a({.size_limit = 1000, .shards = 3});
    a.set("k", "v");
    (void)a.stats(true);
    fc::memory_store b(std::move(a));
    CHECK(b.get("k") == "v");
    CHECK(b.size_limit() == 1000);
    CHECK(b.shard_count() == 3);
    CHECK(b.stats() == fc::store_stats{.hits = 1, .misses = 0});
    fc::memory_store c;
    c = std::move(b);
    CHECK(c.get("k") == "v");
    CHECK(c.stats() == fc::store_stats{.hits = 2, .misses = 0});
}

TEST_CASE("memory_store survives every operation at once") {
    fc::memory_store s({.size_limit = 64 * 1024, .shards = 4});
    (void)s.stats(true);
    constexpr int threads = 6;
    constexpr int rounds = 2000;
    std::atomic<int> failures{0};
    std::atomic<int> wrong{0};
    {
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                try {
                    for (int i = 0; i < rounds; ++i) {
                        const std::string key = "k" + std::to_string((i * 7 + t) % 64);
                        const std::string tag = "t" + std::to_string(i % 3);
                        switch ((i + t) % 12) {
                        case 0:
                            s.set(key, std::string(static_cast<std::size_t>(i % 700), 'v'));
                            break;
                        case 1:
                            s.set(key, key, fc::write_options{.expire = 1ms, .tag = tag});
                            break;
                        case 2: s.erase(key); break;
                        case 3: (void)s.touch(key, 5ms); break;
                        case 4: (void)s.evict(tag); break;
                        case 5:
                            if (i % 100 == 5) s.clear();
                            break;
                        case 6: (void)s.expire(); break;
                        case 7: (void)s.cull(); break;
                        case 8: (void)s.stats(true, i % 40 == 8); break;
                        case 9:
                            if (s.try_reserve(key, std::to_string(t), 1ms))
                                (void)s.release(key, std::to_string(t));
                            break;
                        case 10:
                            (void)s.volume();
                            (void)s.size();
                            break;
                        default: break;
                        }
                        if (const auto got = s.get(key)) {
                            if (*got != key && got->find_first_not_of('v') != std::string::npos)
                                ++wrong;
                        }
                    }
                } catch (...) {
                    ++failures;
                }
            });
        }
        for (auto& thread : pool) thread.join();
    }
    CHECK(failures.load() == 0);
    CHECK(wrong.load() == 0);
    CHECK(s.volume() <= 64 * 1024);
    s.clear();
    CHECK(s.volume() == 0);
    CHECK(s.size() == 0);
}
