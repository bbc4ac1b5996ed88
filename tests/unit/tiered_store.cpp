// flytecache — tiered_store: the store conformance suite over several front/back pairs
// SPDX-License-Identifier: MIT
// tiered_store: the store conformance suite over several front/back pairs, read-through, write-
// through, expiry and tags across the tiers, and capability forwarding.
#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/tiered_store.hpp>

#include "../support/store_conformance.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>

namespace fc = flytecache;
using namespace std::chrono_literals;

namespace {

// A store with nothing but the cache_store basics (no expiry, tags, bound, statistics or
// reservations). Thread-safe; counts its gets so tests can see which tier answered.
class plain_store {
public:
    std::optional<std::string> get(std::string_view key) {
        state_->gets.fetch_add(1, std::memory_order_relaxed);
        const std::lock_guard lock(state_->mutex);
        const auto it = state_->map.find(key);
        if (it == state_->map.end()) return std::nullopt;
        return it->second;
    }
    void set(std::string_view key, std::string_view value) {
        const std::lock_guard lock(state_->mutex);
        state_->map.insert_or_assign(std::string(key), std::string(value));
    }
    bool erase(std::string_view key) {
        const std::lock_guard lock(state_->mutex);
        const auto it = state_->map.find(key);
        if (it == state_->map.end()) return false;
        state_->map.erase(it);
        return true;
    }
    void clear() {
        const std::lock_guard lock(state_->mutex);
        state_->map.clear();
    }
    int gets() const { return state_->gets.load(); }

private:
    struct state {
        std::mutex mutex;
        std::map<std::string, std::string, std::less<>> map;
        std::atomic<int> gets{0};
    };
    std::shared_ptr<state> state_ = std::make_shared<state>();
};

// A plain store that can be neither copied nor moved, built from a constructor argument.
class immovable_store {
public:
    explicit immovable_store(std::string name) : name_(std::move(name)) {}
    immovable_store(const immovable_store&) = delete;
    immovable_store(immovable_store&&) = delete;
    immovable_store& operator=(const immovable_store&) = delete;
    immovable_store& operator=(immovable_store&&) = delete;
    ~immovable_store() = default;

    std::optional<std::string> get(std::string_view key) { return inner_.get(key); }
    void set(std::string_view key, std::string_view value) { inner_.set(key, value); }
    bool erase(std::string_view key) { return inner_.erase(key); }
    void clear() { inner_.clear(); }
    const std::string& name() const { return name_; }

private:
    std::string name_;
    plain_store inner_;
};

// Declared only: a store with tags and nothing else of the capabilities.
struct tagged_only_store {
    std::optional<std::string> get(std::string_view);
    void set(std::string_view, std::string_view);
    void set(std::string_view, std::string_view, const fc::write_options&);
    bool erase(std::string_view);
    void clear();
    std::size_t evict(std::string_view);
};

using memory_memory = fc::tiered_store<fc::memory_store, fc::memory_store>;
using memory_plain = fc::tiered_store<fc::memory_store, plain_store>;
using plain_memory = fc::tiered_store<plain_store, fc::memory_store>;

// tiered_store models exactly the capabilities of its back.
template <class S>
constexpr int capabilities = (fc::expiring_store<S> ? 1 : 0) | (fc::tagged_store<S> ? 2 : 0) |
                             (fc::bounded_store<S> ? 4 : 0) | (fc::statistics_store<S> ? 8 : 0) |
                             (fc::reserving_store<S> ? 16 : 0);

static_assert(fc::cache_store<memory_plain>);
static_assert(capabilities<plain_store> == 0);
static_assert(capabilities<memory_plain> == 0);
static_assert(capabilities<fc::memory_store> == 31);
static_assert(capabilities<memory_memory> == 31);
static_assert(capabilities<plain_memory> == 31);
static_assert(fc::cache_store<fc::tiered_store<fc::memory_store, tagged_only_store>>);
static_assert(capabilities<fc::tiered_store<fc::memory_store, tagged_only_store>> == 2);
static_assert(capabilities<fc::tiered_store<tagged_only_store, plain_store>> == 0);
static_assert(fc::cache_store<fc::tiered_store<immovable_store, immovable_store>>);
static_assert(!std::is_move_constructible_v<fc::tiered_store<immovable_store, immovable_store>>);
static_assert(std::is_move_constructible_v<memory_memory>);
static_assert(!std::is_copy_constructible_v<memory_memory>);

} // namespace

TEST_CASE("tiered_store passes the store conformance suite") {
    SUBCASE("memory before memory") {
        flytecache_test::check_store_conformance([] { return memory_memory{}; });
    }
    SUBCASE("memory before memory, bounded front, read-through copies") {
        flytecache_test::check_store_conformance([] {
            return memory_memory(fc::memory_store({.size_limit = 4u << 20, .shards = 4}),
                                 fc::memory_store{}, fc::tiered_options{.read_through_ttl = 10s});
        });
    }
    SUBCASE("memory before a plain back") {
        flytecache_test::check_store_conformance([] { return memory_plain{}; });
    }
    SUBCASE("plain front before memory") {
        flytecache_test::check_store_conformance([] { return std::make_unique<plain_memory>(); });
    }
}

TEST_CASE("tiered_store reads through from a back that never expires entries") {
    memory_plain t;
    t.back().set("k", "v");
    CHECK_FALSE(t.front().get("k").has_value());
    CHECK(t.get("k") == "v");
    CHECK(t.front().get("k") == "v"); // populated
    const int back_gets = t.back().gets();
    CHECK(t.get("k") == "v");
    CHECK(t.back().gets() == back_gets); // answered by the front
    CHECK_FALSE(t.get("missing").has_value());
    CHECK_FALSE(t.front().get("missing").has_value());
}

namespace {
// An expiring store that cannot say how long its entries have left (no get_with_ttl).
struct expiring_only {
    fc::memory_store inner{};
    std::optional<std::string> get(std::string_view k) { return inner.get(k); }
    void set(std::string_view k, std::string_view v) { inner.set(k, v); }
    void set(std::string_view k, std::string_view v, const fc::write_options& o) {
        inner.set(k, v, o);
    }
    bool erase(std::string_view k) { return inner.erase(k); }
    void clear() { inner.clear(); }
    bool touch(std::string_view k, fc::float_seconds ttl) { return inner.touch(k, ttl); }
    std::size_t expire() { return inner.expire(); }
    std::size_t evict(std::string_view tag) { return inner.evict(tag); }
};
static_assert(fc::expiring_store<expiring_only> && !fc::ttl_reporting_store<expiring_only>);
} // namespace

TEST_CASE("tiered_store read-through never lets a copy outlive the back's entry") {
    SUBCASE("a ttl-reporting back: the copy gets the entry's remaining time to live") {
        memory_memory t;
        t.back().set("k", "v", fc::write_options{.expire = 80ms});
        t.back().set("forever", "f");
        CHECK(t.get("k") == "v");
        CHECK(t.get("forever") == "f");
        CHECK(t.front().get("forever") == "f"); // copied, no expiry
        std::this_thread::sleep_for(150ms);
        CHECK_FALSE(t.front().get("k").has_value()); // the copy expired with the original
        CHECK_FALSE(t.get("k").has_value());
        CHECK(t.front().get("forever") == "f");
    }
    SUBCASE("a back that cannot report ttls: no copy by default") {
        fc::tiered_store<fc::memory_store, expiring_only> t;
        t.back().set("k", "v", fc::write_options{.expire = 1h});
        CHECK(t.get("k") == "v");
        CHECK_FALSE(t.front().get("k").has_value());
    }
    SUBCASE("a back that cannot report ttls, with read_through_ttl: a copy that lives that long") {
        fc::tiered_store<fc::memory_store, expiring_only> t(
            fc::tiered_options{.read_through_ttl = 50ms});
        t.back().set("k", "v");
        CHECK(t.get("k") == "v");
        CHECK(t.front().get("k") == "v");
        std::this_thread::sleep_for(120ms);
        CHECK_FALSE(t.front().get("k").has_value()); // the copy expired
        CHECK(t.get("k") == "v");                    // and is taken again
        CHECK(t.front().size() == 1);
    }
}

TEST_CASE("tiered_store writes through to both tiers") {
    memory_memory t;
    t.set("k", "v");
    CHECK(t.front().get("k") == "v");
    CHECK(t.back().get("k") == "v");

    t.set("tagged", "t", fc::write_options{.tag = "x"});
    CHECK(t.back().get("tagged") == "t");
    CHECK(t.front().evict("x") == 1); // the front kept the tag

    t.set("expiring", "e", fc::write_options{.expire = 50ms});
    CHECK(t.back().size() == 3);
    std::this_thread::sleep_for(120ms);
    CHECK_FALSE(
        t.front().get("expiring").has_value()); // the front's copy expired no later than the back's
    CHECK_FALSE(t.back().get("expiring").has_value());
}

TEST_CASE("tiered_store keeps expiring writes out of a front that cannot expire them") {
    plain_memory t;
    t.set("k", "old");
    CHECK(t.front().get("k") == "old");
    t.set("k", "new", fc::write_options{.expire = 1h});
    CHECK_FALSE(t.front().get("k").has_value()); // and the older copy is gone
    CHECK(t.get("k") == "new");
    CHECK_FALSE(t.front().get("k").has_value()); // no read-through from an expiring back

    // touch drops the front's copy too: it could not follow a new time to live.
    t.set("plain", "p");
    CHECK(t.front().get("plain") == "p");
    CHECK(t.touch("plain", 1h));
    CHECK_FALSE(t.front().get("plain").has_value());
    CHECK(t.get("plain") == "p");
}

TEST_CASE("tiered_store touch and expire reach both tiers") {
    memory_memory t;
    t.set("k", "v", fc::write_options{.expire = 1h});
    CHECK(t.touch("k", 50ms));
    std::this_thread::sleep_for(120ms);
    CHECK_FALSE(t.front().get("k").has_value());
    CHECK_FALSE(t.back().get("k").has_value());

    // A front copy with no live back entry is dropped by touch.
    t.front().set("front only", "x");
    CHECK_FALSE(t.touch("front only", 1h));
    CHECK_FALSE(t.front().get("front only").has_value());

    t.set("e", "v", fc::write_options{.expire = 20ms});
    std::this_thread::sleep_for(80ms);
    CHECK(t.front().size() == 1);
    CHECK(t.expire() == 1); // the back's count
    CHECK(t.front().size() == 0);
}

TEST_CASE("tiered_store erases and clears both tiers") {
    memory_memory t;
    t.set("k", "v");
    CHECK(t.erase("k"));
    CHECK_FALSE(t.front().get("k").has_value());
    CHECK_FALSE(t.back().get("k").has_value());
    CHECK_FALSE(t.erase("k"));

    t.front().set("front only", "f");
    CHECK(t.erase("front only"));
    t.back().set("back only", "b");
    CHECK(t.erase("back only"));

    t.set("a", "1");
    t.set("b", "2");
    t.clear();
    CHECK(t.front().size() == 0);
    CHECK(t.back().size() == 0);
}

TEST_CASE("tiered_store evict(tag) in the front: by tag, or by clearing it") {
    SUBCASE("a tagged front holding only this store's writes: by tag") {
        fc::tiered_store<fc::memory_store, expiring_only> t; // no read-through from this back
        t.set("a", "1", fc::write_options{.tag = "x"});
        t.set("b", "2");
        CHECK(t.evict("x") == 1);
        CHECK_FALSE(t.front().get("a").has_value());
        CHECK(t.front().get("b") == "2");
    }
    SUBCASE("a front that may hold read-through copies (which carry no tags): cleared") {
        memory_memory t;
        t.set("a", "1", fc::write_options{.tag = "x"});
        t.set("b", "2");
        CHECK(t.evict("x") == 1);
        CHECK_FALSE(t.front().get("b").has_value());
        CHECK(t.get("b") == "2");
    }
    SUBCASE("an untagged front: cleared") {
        plain_memory t;
        t.set("a", "1", fc::write_options{.tag = "x"});
        t.set("b", "2");
        CHECK(t.evict("x") == 1);
        CHECK_FALSE(t.front().get("b").has_value());
        CHECK(t.get("b") == "2");
        CHECK_FALSE(t.get("a").has_value());
    }
    SUBCASE("a front with read-through copies, which lost their tags: cleared") {
        memory_memory t(fc::tiered_options{.read_through_ttl = 1h});
        t.back().set("a", "1", fc::write_options{.tag = "x"});
        CHECK(t.get("a") == "1"); // copied untagged
        t.set("b", "2");
        CHECK(t.evict("x") == 1);
        CHECK_FALSE(t.get("a").has_value());
        CHECK_FALSE(t.front().get("b").has_value());
        CHECK(t.get("b") == "2");
    }
}

TEST_CASE("tiered_store forwards the bound, statistics and reservations to the back") {
    memory_memory t(fc::memory_store{}, fc::memory_store({.size_limit = 1000, .shards = 1}));
    t.set("k", "value");
    CHECK(t.volume() == 6);
    CHECK(t.size_limit() == 1000);
    CHECK(t.cull() == 0);

    (void)t.stats(true, true);
    CHECK(t.get("k") == "value");              // a front hit, counted by the tiered store
    CHECK_FALSE(t.get("missing").has_value()); // a miss in both, counted by the back
    CHECK(t.stats() == fc::store_stats{.hits = 1, .misses = 1});
    CHECK(t.back().stats() == fc::store_stats{.hits = 0, .misses = 1});

    CHECK(t.try_reserve("job", "A", 10s));
    CHECK_FALSE(t.back().try_reserve("job", "B", 10s));
    CHECK_FALSE(t.front().release("job", "A")); // the front has no part in it
    CHECK(t.release("job", "A"));
}

TEST_CASE("tiered_store coherence: the front keeps what others remove from the back") {
    memory_memory t;
    t.set("k", "v");
    t.back().erase("k"); // as another process sharing the back would
    CHECK(t.get("k") == "v");
    t.front().clear();
    CHECK_FALSE(t.get("k").has_value());
}

TEST_CASE("tiered_store builds stores in place and checks its options") {
    fc::tiered_store<immovable_store, immovable_store> t(
        std::piecewise_construct, std::tuple{"front"}, std::tuple{std::string("back")});
    CHECK(t.front().name() == "front");
    CHECK(t.back().name() == "back");
    t.set("k", "v");
    CHECK(t.front().get("k") == "v");
    CHECK(t.back().get("k") == "v");

    const auto* const_t = &t;
    CHECK(const_t->front().name() == "front");
    CHECK_FALSE(t.options().read_through_ttl.has_value());

    CHECK_THROWS_WITH_AS(
        plain_memory(fc::tiered_options{.read_through_ttl = 1s}),
        "flytecache: tiered_store: read_through_ttl needs a front store that models "
        "expiring_store",
        fc::invalid_argument);
    CHECK_THROWS_AS(memory_memory(fc::tiered_options{.read_through_ttl = 0s}),
                    fc::invalid_argument);
    CHECK_THROWS_AS(memory_plain(fc::memory_store{}, plain_store{},
                                 fc::tiered_options{.read_through_ttl = -1s}),
                    fc::invalid_argument);
}

TEST_CASE("tiered_store moves") {
    memory_memory a;
    a.set("k", "v");
    memory_memory b(std::move(a));
    CHECK(b.get("k") == "v");
    CHECK(b.front().get("k") == "v");
}
