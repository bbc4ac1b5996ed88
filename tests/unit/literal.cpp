// flytecache — the literal model: maps, metadata, emptiness, text forms, encodings of edge cases
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include "../support/literal_schema.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace fc = flytecache;

namespace {
fc::literal lit(fc::primitive p) { return fc::literal{fc::scalar{std::move(p)}, std::nullopt, {}}; }
} // namespace

TEST_CASE("literal_map keeps names sorted by UTF-8 bytes and unique") {
    fc::literal_map m{{"é", lit({std::int64_t{3}})},
                      {"b", lit({std::int64_t{1}})},
                      {"B", lit({std::int64_t{0}})},
                      {"_", lit({std::int64_t{2}})}};
    std::vector<std::string> names;
    for (const auto& [name, value] : m.literals) names.push_back(name);
    CHECK(names == std::vector<std::string>{"B", "_", "b", "é"});
    m.insert_or_assign("b", lit({std::int64_t{9}}));
    CHECK(m.size() == 4);
    REQUIRE(m.find("b") != nullptr);
    CHECK(m.find("b")->short_string() == "9");
    CHECK(m.find("missing") == nullptr);
}

TEST_CASE("literal_map's order is an invariant: every way to add entries keeps it") {
    // From entries in any order: sorted, the last of a repeated name wins.
    const fc::literal_map m(
        std::vector<std::pair<std::string, fc::literal>>{{"c", lit({std::int64_t{3}})},
                                                         {"a", lit({std::int64_t{1}})},
                                                         {"b", lit({std::int64_t{2}})},
                                                         {"a", lit({std::int64_t{4}})}});
    REQUIRE(m.size() == 3);
    CHECK(m.literals[0].first == "a");
    CHECK(m.literals[1].first == "b");
    CHECK(m.literals[2].first == "c");
    CHECK(m.find("a")->short_string() == "4");
    // Entries already in order are appended; erasing keeps the order.
    fc::literal_map built;
    built.append_sorted("a", lit({std::int64_t{1}}));
    built.append_sorted("b", lit({std::int64_t{2}}));
    // An entry out of order is refused in every build, never appended silently.
    CHECK_THROWS_AS(built.append_sorted("a", lit({std::int64_t{9}})), fc::invalid_argument);
    CHECK_THROWS_AS(built.append_sorted("b", lit({std::int64_t{9}})), fc::invalid_argument);
    REQUIRE(built.size() == 2);
    built.insert_or_assign("ab", lit({std::int64_t{3}}));
    built.literals.erase(built.literals.begin());
    REQUIRE(built.size() == 2);
    CHECK(built.literals[0].first == "ab");
    CHECK(built.find("b") != nullptr);
    CHECK(built.find("a") == nullptr);
    // The encoding of equal maps is equal however they were built.
    CHECK(fc::encode(m) == fc::encode(fc::literal_map{{"b", lit({std::int64_t{2}})},
                                                      {"c", lit({std::int64_t{3}})},
                                                      {"a", lit({std::int64_t{4}})}}));
}

TEST_CASE("set_metadata sorts and keeps the last value of a repeated key") {
    fc::literal l = lit({true});
    l.set_metadata({{"z", "1"}, {"a", "2"}, {"z", "3"}});
    CHECK(l.metadata == std::vector<std::pair<std::string, std::string>>{{"a", "2"}, {"z", "3"}});
}

TEST_CASE("is_empty and hash-only literals") {
    fc::literal empty;
    CHECK(empty.is_empty());
    fc::literal hashed;
    hashed.hash = "abc";
    CHECK(hashed.is_empty());
    CHECK(hashed.short_string() == "hash(abc)");
    CHECK_FALSE(lit({std::int64_t{1}}).is_empty());
}

TEST_CASE("short_string and verbose_string") {
    fc::literal_collection xs;
    xs.literals = {lit({std::int64_t{1}}), lit({1.5}), lit({std::string("a\"b")}), lit({false})};
    const fc::literal collection{std::move(xs), std::nullopt, {}};
    CHECK(collection.short_string() == R"([1, 1.5, "a\"b", false])");
    const fc::literal when = lit({fc::timestamp{1710506096, 789012000}});
    CHECK(when.short_string() == "2024-03-15T12:34:56.789012Z");
    CHECK(lit({fc::duration{-1, -500000000}}).short_string() == "-1.500s");
    CHECK(lit({std::numeric_limits<double>::quiet_NaN()}).short_string() == "nan");
    fc::literal_map m{{"xs", collection},
                      {"n", fc::literal{fc::scalar{fc::void_value{}}, std::nullopt, {}}}};
    const fc::literal as_map{m, std::nullopt, {}};
    CHECK(as_map.short_string() == R"({n: None, xs: [1, 1.5, "a\"b", false]})");
    fc::literal tagged = lit({std::int64_t{7}});
    tagged.hash = "h";
    tagged.set_metadata({{"k", "v"}});
    const std::string verbose = tagged.verbose_string();
    CHECK(verbose.find("scalar 7") != std::string::npos);
    CHECK(verbose.find("hash: \"h\"") != std::string::npos);
    CHECK(verbose.find("metadata k = v") != std::string::npos);
    CHECK(as_map.verbose_string().find("map (2 entries)") != std::string::npos);
}

TEST_CASE("encoding edge cases follow protobuf's presence rules") {
    // An empty map serializes to nothing (flytekit's empty-inputs key hashes zero bytes).
    CHECK(fc::encode(fc::literal_map{}).empty());
    // A set oneof member is written even at its default value.
    CHECK(fc::to_hex(fc::encode(lit({std::int64_t{0}}))) == "0a040a020800");
    // The epoch datetime is a present, empty Timestamp message.
    CHECK(fc::to_hex(fc::encode(lit({fc::timestamp{}}))) == "0a040a022a00");
    // Negative int64 takes ten bytes.
    CHECK(fc::encode(lit({std::int64_t{-1}})).size() == 2 + 2 + 1 + 10);
    // A hash "" is not on the wire, but it is not "no hash" for flytekit's placement.
    fc::literal empty_hash = lit({std::int64_t{1}});
    empty_hash.hash = "";
    CHECK(fc::encode(fc::flytekit_place_hash(empty_hash)).empty());
    CHECK(fc::encode(fc::datacatalog_place_hash(empty_hash)) == fc::encode(empty_hash));
    // Unsorted hand-built maps are written sorted.
    fc::literal unsorted = lit({true});
    unsorted.metadata = {{"b", "2"}, {"a", "1"}};
    fc::literal sorted = lit({true});
    sorted.metadata = {{"a", "1"}, {"b", "2"}};
    CHECK(fc::encode(unsorted) == fc::encode(sorted));
}

// Issue 18, item 1: protobuf accepts any int32 in Timestamp.nanos and Duration.nanos, so a decoded
// map can hold nanos ≥ 10⁹ or -2³¹. The text for people never throws and never overflows: a
// Timestamp is normalized as Python's json_format prints it, an invalid Duration shows its fields.
TEST_CASE("short_string and verbose_string of out-of-range nanos (issue 18 reproductions)") {
    using flytecache_test::bytes_from_hex;
    const auto text_of = [](const std::string& hex) {
        const fc::literal_map m = fc::decode_literal_map(bytes_from_hex(hex));
        REQUIRE(m.size() == 1);
        const fc::literal as_literal{m, std::nullopt, {}};
        CHECK_NOTHROW((void)as_literal.verbose_string());
        return as_literal.short_string();
    };
    // {p: Duration{nanos: 10⁹}}: std::length_error before.
    CHECK(text_of("0a110a0170120c0a0a0a083206108094ebdc03") ==
          "{p: Duration{seconds: 0, nanos: 1000000000} (invalid)}");
    // {p: Timestamp{nanos: 10⁹}}: one second after the epoch, as protobuf's JSON mapping prints it.
    CHECK(text_of("0a110a0170120c0a0a0a082a06108094ebdc03") == "{p: 1970-01-01T00:00:01Z}");
    // {p: Duration{nanos: -2³¹}}: -nanos overflowed (undefined behaviour) before.
    CHECK(text_of("0a160a017012110a0f0a0d320b1080808080f8ffffffff01") ==
          "{p: Duration{seconds: 0, nanos: -2147483648} (invalid)}");
    // Timestamp{nanos: -5} printed as 1970-01-01T00:00:00.0000000-5Z before.
    CHECK(lit({fc::timestamp{0, -5}}).short_string() == "1969-12-31T23:59:59.999999995Z");
    CHECK(lit({fc::timestamp{0, std::numeric_limits<std::int32_t>::min()}}).short_string() ==
          "1969-12-31T23:59:57.852516352Z");
    CHECK(lit({fc::timestamp{1, std::numeric_limits<std::int32_t>::max()}}).short_string() ==
          "1970-01-01T00:00:03.147483647Z");
    // The carry never overflows the seconds.
    CHECK_NOTHROW((void)lit({fc::timestamp{std::numeric_limits<std::int64_t>::max(),
                                           std::numeric_limits<std::int32_t>::max()}})
                      .short_string());
    CHECK_NOTHROW((void)lit({fc::timestamp{std::numeric_limits<std::int64_t>::min(),
                                           std::numeric_limits<std::int32_t>::min()}})
                      .short_string());
    // Durations whose seconds and nanos differ in sign are invalid too; valid ones print as before.
    CHECK(lit({fc::duration{1, -5}}).short_string() == "Duration{seconds: 1, nanos: -5} (invalid)");
    CHECK(lit({fc::duration{0, -5}}).short_string() == "-0.000000005s");
    CHECK(lit({fc::duration{0, 999999999}}).short_string() == "0.999999999s");
    CHECK(
        lit({fc::duration{std::numeric_limits<std::int64_t>::min(), -999999999}}).short_string() ==
        "-9223372036854775808.999999999s");
}
