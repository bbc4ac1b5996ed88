// flytecache — test support: the conformance suite every cache store must pass
// SPDX-License-Identifier: MIT
#pragma once

// Test support: the conformance suite every cache store must pass (the cache_store laws and each
// capability the store models).

#include <flytecache/store/cache_store.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace flytecache_test {

namespace fc = flytecache;

namespace conformance {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

template <class T>
struct is_unique_ptr : std::false_type {};
template <class T, class D>
struct is_unique_ptr<std::unique_ptr<T, D>> : std::true_type {};

/// A fixture that owns a store beside what it needs (a temporary directory, a server …).
template <class T>
concept store_holder = requires(T& t) { t.store; };

/// The store that a make_store() result is: the object itself, what a std::unique_ptr owns, or
/// the `store` member of such a fixture.
template <class Made>
auto& store_of(Made& made) {
    if constexpr (is_unique_ptr<Made>::value) {
        if constexpr (store_holder<typename Made::element_type>) {
            return made->store;
        } else {
            return *made;
        }
    } else {
        return made;
    }
}

/// The store type a factory makes.
template <class Make>
using store_type_t =
    std::remove_reference_t<decltype(store_of(std::declval<std::invoke_result_t<Make&>&>()))>;

// Timing-based checks assert only what must hold however slow the machine is: an entry is absent
// after its time to live (checked after sleeping well past it); "still present" is checked only
// when the check itself ran well within the time to live.
constexpr auto short_ttl = 50ms;
constexpr auto past_short_ttl = 120ms;
constexpr auto within_short_ttl = 35ms;

inline std::string all_byte_values() {
    std::string bytes;
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
    return bytes + std::string("\0\0\xff\0", 4);
}

inline std::string mebibyte() {
    std::string data(std::size_t{1} << 20, '\0');
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<char>((i * 131 + i / 4093) % 256);
    return data;
}

template <class Make>
void check_laws(Make& make_store) {
    INFO("conformance: cache_store laws");
    auto made = make_store();
    auto& s = store_of(made);

    CHECK_FALSE(s.get("never set").has_value());

    s.set("k", "v");
    CHECK(s.get("k") == "v");
    CHECK_FALSE(s.get("k2").has_value()); // a key sharing a prefix is another key
    CHECK_FALSE(s.get("K").has_value());

    // Overwrite.
    s.set("k", "second value, longer than the first");
    CHECK(s.get("k") == "second value, longer than the first");
    s.set("k", "3");
    CHECK(s.get("k") == "3");

    // Binary bytes, embedded NULs, and a value the store must copy rather than reference.
    const std::string binary = all_byte_values();
    {
        std::string source = binary;
        s.set("binary", source);
        source.assign(source.size(), 'x');
    }
    CHECK(s.get("binary") == binary);

    const std::string big = mebibyte();
    s.set("big", big);
    const auto big_back = s.get("big");
    REQUIRE(big_back.has_value());
    CHECK(big_back->size() == big.size());
    CHECK(*big_back == big);

    // The empty value is a value, not a miss.
    s.set("empty", "");
    const auto empty = s.get("empty");
    REQUIRE(empty.has_value());
    CHECK(empty->empty());

    // Keys are bytes: no normalization, no case folding, any UTF-8.
    const std::vector<std::string> keys = {
        "ключ",      "键",     "🔑/cache/key",        "é", "e\xCC\x81", "Å",
        "a b\tc\nd", "'\";--", std::string(300, 'k'),
    };
    for (std::size_t i = 0; i < keys.size(); ++i) s.set(keys[i], "value " + std::to_string(i));
    for (std::size_t i = 0; i < keys.size(); ++i) {
        CAPTURE(keys[i]);
        CHECK(s.get(keys[i]) == "value " + std::to_string(i));
    }

    // erase: true once, then false; idempotent; other keys untouched.
    CHECK(static_cast<bool>(s.erase("k")));
    CHECK_FALSE(s.get("k").has_value());
    CHECK_FALSE(static_cast<bool>(s.erase("k")));
    CHECK_FALSE(static_cast<bool>(s.erase("never set")));
    CHECK(s.get("binary") == binary);
    s.set("k", "back again");
    CHECK(s.get("k") == "back again");

    // clear: removes everything, idempotent, and the store stays usable.
    s.clear();
    CHECK_FALSE(s.get("k").has_value());
    CHECK_FALSE(s.get("big").has_value());
    CHECK_FALSE(s.get("empty").has_value());
    for (const auto& key : keys) CHECK_FALSE(s.get(key).has_value());
    s.clear();
    s.set("after clear", "ok");
    CHECK(s.get("after clear") == "ok");
}

template <class Make>
void check_expiry(Make& make_store) {
    INFO("conformance: expiring_store");
    {
        auto made = make_store();
        auto& s = store_of(made);
        const auto start = steady::now();
        s.set("short", "v", fc::write_options{.expire = short_ttl});
        s.set("renewed", "r", fc::write_options{.expire = short_ttl});
        s.set("overwritten", "o1", fc::write_options{.expire = short_ttl});
        s.set("overwritten", "o2"); // a plain set replaces the entry, expiry included
        const auto early = s.get("short");
        const bool touched = static_cast<bool>(s.touch("renewed", std::chrono::hours(1)));
        if (steady::now() - start < within_short_ttl) {
            CHECK(early == "v");
            CHECK(touched);
        }
        s.set("forever", "w");
        s.set("long", "x", fc::write_options{.expire = std::chrono::hours(1)});
        CHECK_FALSE(static_cast<bool>(s.touch("missing", std::chrono::seconds(1))));

        std::this_thread::sleep_for(past_short_ttl);
        CHECK_FALSE(s.get("short").has_value());
        if (touched) CHECK(s.get("renewed") == "r");
        CHECK(s.get("overwritten") == "o2");
        CHECK(s.get("forever") == "w");
        CHECK(s.get("long") == "x");
        CHECK_FALSE(static_cast<bool>(
            s.touch("short", std::chrono::hours(1)))); // expired: nothing to touch

        // touch can shorten a time to live, too.
        CHECK(static_cast<bool>(s.touch("long", short_ttl)));
        std::this_thread::sleep_for(past_short_ttl);
        CHECK_FALSE(s.get("long").has_value());
    }
    {
        auto made = make_store();
        auto& s = store_of(made);
        for (int i = 0; i < 3; ++i)
            s.set("expiring " + std::to_string(i), "e", fc::write_options{.expire = short_ttl});
        s.set("kept 1", "k1");
        s.set("kept 2", "k2", fc::write_options{.expire = std::chrono::hours(1)});
        std::this_thread::sleep_for(past_short_ttl);
        CHECK(static_cast<std::size_t>(s.expire()) == 3);
        CHECK(static_cast<std::size_t>(s.expire()) == 0);
        CHECK_FALSE(s.get("expiring 0").has_value());
        CHECK(s.get("kept 1") == "k1");
        CHECK(s.get("kept 2") == "k2");
        if constexpr (fc::ttl_reporting_store<store_type_t<Make>>) {
            INFO("conformance: ttl_reporting_store");
            const auto timed = s.get_with_ttl("kept 2");
            REQUIRE(timed.has_value());
            CHECK(timed->value == "k2");
            REQUIRE(timed->ttl.has_value());
            CHECK(timed->ttl->count() > 3000.0);
            CHECK(timed->ttl->count() <= 3600.0);
            const auto untimed = s.get_with_ttl("kept 1");
            REQUIRE(untimed.has_value());
            CHECK(untimed->value == "k1");
            CHECK_FALSE(untimed->ttl.has_value());
            CHECK_FALSE(s.get_with_ttl("expiring 0").has_value());
            CHECK_FALSE(s.get_with_ttl("never set").has_value());
        }
    }
}

template <class Make>
void check_tags(Make& make_store) {
    INFO("conformance: tagged_store");
    auto made = make_store();
    auto& s = store_of(made);
    s.set("a1", "1", fc::write_options{.tag = "a"});
    s.set("a2", "2", fc::write_options{.tag = "a"});
    s.set("b1", "3", fc::write_options{.tag = "b"});
    s.set("untagged", "4");
    s.set("empty tag", "5", fc::write_options{.tag = ""}); // "" is a tag, unlike no tag
    s.set("retagged", "6", fc::write_options{.tag = "a"});
    s.set("retagged", "6", fc::write_options{.tag = "b"}); // a set replaces the tag
    s.set("untagged later", "7", fc::write_options{.tag = "a"});
    s.set("untagged later", "7"); // ... and a plain set removes it

    CHECK(static_cast<std::size_t>(s.evict("a")) == 2);
    CHECK_FALSE(s.get("a1").has_value());
    CHECK_FALSE(s.get("a2").has_value());
    CHECK(s.get("b1") == "3");
    CHECK(s.get("untagged") == "4");
    CHECK(s.get("empty tag") == "5");
    CHECK(s.get("retagged") == "6");
    CHECK(s.get("untagged later") == "7");
    CHECK(static_cast<std::size_t>(s.evict("a")) == 0);
    CHECK(static_cast<std::size_t>(s.evict("no such tag")) == 0);

    CHECK(static_cast<std::size_t>(s.evict("b")) == 2);
    CHECK_FALSE(s.get("retagged").has_value());
    CHECK(static_cast<std::size_t>(s.evict("")) == 1);
    CHECK_FALSE(s.get("empty tag").has_value());
    CHECK(s.get("untagged") == "4");
}

template <class Make>
void check_bounded(Make& make_store) {
    INFO("conformance: bounded_store");
    auto made = make_store();
    auto& s = store_of(made);
    const std::uint64_t limit = static_cast<std::uint64_t>(s.size_limit());
    CHECK(static_cast<std::uint64_t>(s.size_limit()) == limit); // stable
    const std::uint64_t before = static_cast<std::uint64_t>(s.volume());
    s.set("some data", std::string(100'000, 'd'));
    if (s.get("some data").has_value()) {
        CHECK(static_cast<std::uint64_t>(s.volume()) > before);
    }
    (void)static_cast<std::size_t>(s.cull());
    s.clear();
    CHECK(static_cast<std::size_t>(s.cull()) == 0); // nothing left to evict
}

template <class Make>
void check_statistics(Make& make_store) {
    INFO("conformance: statistics_store");
    auto made = make_store();
    auto& s = store_of(made);
    // Off by default: these are not counted.
    CHECK_FALSE(s.get("missing").has_value());
    s.set("present", "v");
    CHECK(s.get("present") == "v");
    CHECK(s.stats(true, false) == fc::store_stats{});

    CHECK(s.get("present") == "v");
    CHECK(s.get("present") == "v");
    CHECK_FALSE(s.get("missing").has_value());
    CHECK(s.stats(true, false) == fc::store_stats{.hits = 2, .misses = 1});
    // Returns the counts as they were, then resets.
    CHECK(s.stats(true, true) == fc::store_stats{.hits = 2, .misses = 1});
    CHECK(s.stats(true, false) == fc::store_stats{});

    CHECK(s.get("present") == "v");
    CHECK(s.stats(false, false) ==
          fc::store_stats{.hits = 1, .misses = 0}); // and turns counting off
    CHECK(s.get("present") == "v");
    CHECK_FALSE(s.get("missing").has_value());
    CHECK(s.stats(false, true) == fc::store_stats{.hits = 1, .misses = 0});
    CHECK(s.stats(false, false) == fc::store_stats{});
}

template <class Make>
void check_reservations(Make& make_store) {
    INFO("conformance: reserving_store");
    auto made = make_store();
    auto& s = store_of(made);
    const auto ttl = std::chrono::seconds(30);

    CHECK(static_cast<bool>(s.try_reserve("job", "A", ttl)));
    CHECK_FALSE(static_cast<bool>(s.try_reserve("job", "B", ttl)));
    CHECK(static_cast<bool>(s.try_reserve("job", "A", ttl))); // the holder renews
    CHECK_FALSE(static_cast<bool>(s.release("job", "B")));
    CHECK(static_cast<bool>(s.release("job", "A")));
    CHECK_FALSE(static_cast<bool>(s.release("job", "A")));
    CHECK(static_cast<bool>(s.try_reserve("job", "B", ttl)));
    CHECK_FALSE(static_cast<bool>(s.release("never reserved", "B")));

    // Reservations are not entries, and entries do not disturb them.
    CHECK_FALSE(s.get("job").has_value());
    s.set("job", "output");
    CHECK(s.get("job") == "output");
    CHECK_FALSE(static_cast<bool>(s.try_reserve("job", "A", ttl)));
    s.clear();
    CHECK_FALSE(static_cast<bool>(s.try_reserve("job", "A", ttl)));
    CHECK(static_cast<bool>(s.release("job", "B")));

    // A reservation not renewed lapses, and another owner takes over.
    CHECK(static_cast<bool>(s.try_reserve("lapsing", "A", short_ttl)));
    std::this_thread::sleep_for(past_short_ttl);
    CHECK(static_cast<bool>(s.try_reserve("lapsing", "B", ttl)));
    CHECK_FALSE(static_cast<bool>(s.release("lapsing", "A")));
    CHECK(static_cast<bool>(s.release("lapsing", "B")));

    // Racing owners: exactly one wins.
    constexpr int contenders = 8;
    std::atomic<int> winners{0};
    std::atomic<int> failures{0};
    {
        std::vector<std::thread> threads;
        for (int t = 0; t < contenders; ++t) {
            threads.emplace_back([&, t] {
                try {
                    if (s.try_reserve("contested", "owner " + std::to_string(t), ttl)) ++winners;
                } catch (...) {
                    ++failures;
                }
            });
        }
        for (auto& thread : threads) thread.join();
    }
    CHECK(failures.load() == 0);
    CHECK(winners.load() == 1);
}

// A value that names its key and writer, so that a read can tell a whole value from torn bytes.
inline std::string concurrent_value(std::string_view key, int writer, int round) {
    std::string v(key);
    v += '|' + std::to_string(writer) + '|' + std::to_string(round) + '|';
    const auto length = static_cast<std::size_t>(16 + (writer * 131 + round * 17) % 3000);
    v.append(length, static_cast<char>('a' + (writer + round) % 26));
    return v;
}

// Whether v is exactly concurrent_value(key, w, r) for some writer w and round r.
inline bool is_written_value(std::string_view key, std::string_view v) {
    if (v.size() <= key.size() || v.substr(0, key.size()) != key || v[key.size()] != '|')
        return false;
    std::string_view rest = v.substr(key.size() + 1);
    int numbers[2] = {0, 0};
    for (int& n : numbers) {
        const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
        if (ec != std::errc{} || end == rest.data() + rest.size() || *end != '|') return false;
        rest.remove_prefix(static_cast<std::size_t>(end - rest.data()) + 1);
    }
    return v == concurrent_value(key, numbers[0], numbers[1]);
}

template <class Make>
void check_concurrency(Make& make_store) {
    INFO("conformance: concurrent use");
    auto made = make_store();
    auto& s = store_of(made);
    constexpr int writers = 4;
    constexpr int rounds = 500;
    constexpr int shared_keys = 7;
    std::atomic<int> wrong{0};
    std::atomic<int> failures{0};
    {
        std::vector<std::thread> threads;
        for (int t = 0; t < writers; ++t) {
            threads.emplace_back([&, t] {
                try {
                    for (int i = 0; i < rounds; ++i) {
                        const std::string own =
                            "own/" + std::to_string(t) + "/" + std::to_string(i % 25);
                        const std::string value = concurrent_value(own, t, i);
                        s.set(own, value);
                        const auto mine = s.get(own);
                        if (mine && *mine != value)
                            ++wrong; // nobody else writes it; it may be evicted

                        const std::string shared = "shared/" + std::to_string(i % shared_keys);
                        s.set(shared, concurrent_value(shared, t, i));
                        const std::string other = "shared/" + std::to_string((i + t) % shared_keys);
                        for (const auto& key : {shared, other}) {
                            const auto got = s.get(key);
                            if (got && !is_written_value(key, *got)) ++wrong;
                        }
                        if (i % 50 == t) s.erase(other);
                    }
                } catch (...) {
                    ++failures;
                }
            });
        }
        for (auto& thread : threads) thread.join();
    }
    CHECK(failures.load() == 0);
    CHECK(wrong.load() == 0);
    for (int k = 0; k < shared_keys; ++k) {
        const std::string key = "shared/" + std::to_string(k);
        const auto got = s.get(key);
        if (got) CHECK(is_written_value(key, *got));
    }
}

} // namespace conformance

/// Runs the conformance suite on a store type: the cache_store laws, then the checks of each
/// capability the store models (expiry, tags, a size bound, statistics, reservations), then a
/// concurrency check. `make_store()` must return a fresh, empty store each call, by value or as a
/// `std::unique_ptr`; each check uses its own. Timing checks sleep 120 ms past 50 ms lifetimes and
/// never assert an upper bound on time.
template <class Make>
void check_store_conformance(Make make_store) {
    using store = conformance::store_type_t<Make>;
    static_assert(fc::cache_store<store>, "make_store() must make a cache_store");
    conformance::check_laws(make_store);
    if constexpr (fc::expiring_store<store>) conformance::check_expiry(make_store);
    if constexpr (fc::tagged_store<store>) conformance::check_tags(make_store);
    if constexpr (fc::bounded_store<store>) conformance::check_bounded(make_store);
    if constexpr (fc::statistics_store<store>) conformance::check_statistics(make_store);
    if constexpr (fc::reserving_store<store>) conformance::check_reservations(make_store);
    conformance::check_concurrency(make_store);
}

} // namespace flytecache_test
