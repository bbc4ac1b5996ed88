// flytecache — the type engine: literal_traits built-ins, customization
// SPDX-License-Identifier: MIT
// The type engine: literal_traits built-ins, customization, hashed values and file content hashes.
#include <flytecache/flytecache.hpp>

#include <boost/hana/adapt_struct.hpp>
#include <boost/hana/define_struct.hpp>
#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fc = flytecache;
using namespace std::chrono_literals;

// ---- user types ---------------------------------------------------------------------------------

namespace shapes {

struct point {
    BOOST_HANA_DEFINE_STRUCT(point, (int, x), (int, y));
};

struct polygon {
    BOOST_HANA_DEFINE_STRUCT(polygon, (std::string, name), (std::vector<point>, corners),
                             (std::optional<double>, area));
};

// A plain aggregate adapted from outside.
struct label {
    std::string text;
    bool bold = false;
};

} // namespace shapes

BOOST_HANA_ADAPT_STRUCT(shapes::label, text, bold);

namespace weather {

// Customized by specializing literal_traits.
struct celsius {
    double degrees = 0;
};

// Customized by ADL functions in its own namespace.
struct color {
    std::uint8_t r = 0, g = 0, b = 0;
};

inline fc::literal to_literal(const color& c) {
    return fc::to_literal("#" + std::to_string(c.r) + "," + std::to_string(c.g) + "," +
                          std::to_string(c.b));
}
inline void from_literal(const fc::literal& l, color& c) {
    const auto text = fc::from_literal<std::string>(l);
    unsigned r = 0, g = 0, b = 0;
    if (std::sscanf(text.c_str(), "#%u,%u,%u", &r, &g, &b) != 3)
        throw fc::type_error("flytecache: bad color");
    c = color{static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(g),
              static_cast<std::uint8_t>(b)};
}
inline fc::literal_type literal_type_of(std::type_identity<color>) {
    return fc::literal_type_of<std::string>();
}

// Only to_literal: usable in a cache key, not readable back.
struct station {
    std::string id;
};
inline fc::literal to_literal(const station& s) { return fc::to_literal(s.id); }

struct nothing_known {};

} // namespace weather

template <>
struct flytecache::literal_traits<weather::celsius> {
    static literal to_literal(const weather::celsius& c) {
        return flytecache::to_literal(c.degrees);
    }
    static weather::celsius from_literal(const literal& l) {
        return weather::celsius{flytecache::from_literal<double>(l)};
    }
    static literal_type type() { return flytecache::literal_type_of<double>(); }
};

// ---- helpers ------------------------------------------------------------------------------------

namespace {

template <class T>
T round_trip(const T& value) {
    return fc::from_literal<T>(fc::to_literal(value));
}

const fc::primitive& primitive_of(const fc::literal& l) {
    return std::get<fc::primitive>(std::get<fc::scalar>(l.value).value);
}

fc::literal_type simple(fc::simple_type t) {
    fc::literal_type lt;
    lt.type = t;
    return lt;
}

std::string error_of(auto&& f) {
    try {
        f();
    } catch (const fc::error& e) {
        return e.what();
    }
    return "<no exception>";
}

// A temporary directory removed at the end of the test.
struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        path = std::filesystem::temp_directory_path() /
               ("flytecache_lt_" +
                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        std::filesystem::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
};

void write_file(const std::filesystem::path& p, std::string_view content) {
    std::ofstream out(p, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

} // namespace

// ---- concepts -----------------------------------------------------------------------------------

static_assert(fc::has_literal_traits<int>);
static_assert(fc::has_literal_traits<std::uint8_t>);
static_assert(fc::has_literal_traits<double>);
static_assert(fc::has_literal_traits<bool>);
static_assert(fc::has_literal_traits<std::string>);
static_assert(fc::has_literal_traits<std::chrono::system_clock::time_point>);
static_assert(fc::has_literal_traits<std::chrono::milliseconds>);
static_assert(fc::has_literal_traits<std::optional<std::vector<int>>>);
static_assert(fc::has_literal_traits<std::vector<std::map<std::string, std::vector<int>>>>);
static_assert(fc::has_literal_traits<std::vector<std::byte>>);
static_assert(fc::has_literal_traits<fc::file>);
static_assert(fc::has_literal_traits<fc::directory>);
static_assert(fc::has_literal_traits<fc::literal>);
static_assert(fc::has_literal_traits<shapes::polygon>);
static_assert(fc::has_literal_traits<shapes::label>);
static_assert(fc::has_literal_traits<weather::celsius>);
static_assert(fc::has_literal_traits<weather::color>);
static_assert(fc::has_literal_traits<fc::hashed<fc::file, fc::file_content_hash>>);
// Views and C strings convert one way only; partial ADL support is not full support.
static_assert(!fc::has_literal_traits<std::string_view>);
static_assert(!fc::has_literal_traits<const char*>);
static_assert(!fc::has_literal_traits<weather::station>);
static_assert(!fc::has_literal_traits<weather::nothing_known>);
static_assert(!fc::has_literal_traits<char>);
static_assert(!fc::has_literal_traits<std::map<int, int>>);
// A type related to flytecache by a template argument must not mistake the generic
// flytecache::to_literal for its own ADL customization (the ADL barrier).
static_assert(!fc::has_literal_traits<std::array<fc::file, 2>>);
static_assert(!fc::detail::literal_adl::has_to<std::array<fc::file, 2>>);

// ---- built-ins ----------------------------------------------------------------------------------

TEST_CASE("integers map to Primitive.integer with range checks") {
    CHECK(std::get<std::int64_t>(primitive_of(fc::to_literal(42)).value) == 42);
    CHECK(round_trip(-7) == -7);
    CHECK(round_trip(std::int8_t{-128}) == -128);
    CHECK(round_trip(std::uint16_t{65535}) == 65535);
    CHECK(round_trip(std::numeric_limits<std::int64_t>::min()) ==
          std::numeric_limits<std::int64_t>::min());
    CHECK(round_trip(std::uint64_t{std::numeric_limits<std::int64_t>::max()}) ==
          std::uint64_t{std::numeric_limits<std::int64_t>::max()});
    CHECK(fc::literal_type_of<short>() == simple(fc::simple_type::integer));
    CHECK(fc::literal_type_of<unsigned long long>() == simple(fc::simple_type::integer));

    CHECK_THROWS_AS((void)fc::from_literal<std::int8_t>(fc::to_literal(300)), fc::type_error);
    CHECK(error_of([] {
              (void)fc::from_literal<std::int8_t>(fc::to_literal(300));
          }).find("integer 300 is out of the range of") != std::string::npos);
    CHECK(error_of([] {
              (void)fc::from_literal<unsigned>(fc::to_literal(-1));
          }).find("[0, 4294967295]") != std::string::npos);
    CHECK(error_of([] { (void)fc::to_literal(std::numeric_limits<std::uint64_t>::max()); }) ==
          "flytecache: 18446744073709551615 does not fit a Flyte integer (int64)");
    CHECK(error_of([] { (void)fc::from_literal<int>(fc::to_literal(std::string("7"))); }) ==
          "flytecache: expected a literal integer, got a string");
    CHECK(error_of([] { (void)fc::from_literal<long>(fc::to_literal(std::vector<int>{})); }) ==
          "flytecache: expected a literal integer, got a collection");
}

TEST_CASE("floating point, bool and strings") {
    CHECK(std::get<double>(primitive_of(fc::to_literal(1.5)).value) == 1.5);
    CHECK(round_trip(0.25f) == 0.25f);
    CHECK(fc::from_literal<double>(fc::to_literal(3)) ==
          3.0); // flytekit: an integer reads as float
    CHECK(fc::literal_type_of<float>() == simple(fc::simple_type::float_));
    CHECK(error_of([] { (void)fc::from_literal<double>(fc::to_literal(true)); }) ==
          "flytecache: expected a literal float, got a boolean");

    CHECK(std::get<bool>(primitive_of(fc::to_literal(true)).value));
    CHECK(round_trip(false) == false);
    CHECK(fc::literal_type_of<bool>() == simple(fc::simple_type::boolean));
    CHECK(error_of([] { (void)fc::from_literal<bool>(fc::to_literal(1)); }) ==
          "flytecache: expected a literal boolean, got an integer");

    const auto s = fc::to_literal(std::string("héllo"));
    CHECK(std::get<std::string>(primitive_of(s).value) == "héllo");
    CHECK(round_trip(std::string()) == "");
    CHECK(fc::to_literal(std::string_view("abc")) == fc::to_literal(std::string("abc")));
    const char* c_string = "abc";
    CHECK(fc::to_literal(c_string) == fc::to_literal(std::string("abc")));
    CHECK(fc::to_literal("abc") == fc::to_literal(std::string("abc")));
    CHECK_THROWS_AS((void)fc::to_literal(static_cast<const char*>(nullptr)), fc::invalid_argument);
    CHECK(fc::literal_type_of<std::string>() == simple(fc::simple_type::string));
    CHECK(fc::literal_type_of<std::string_view>() == simple(fc::simple_type::string));
    CHECK(error_of([] { (void)fc::from_literal<std::string>(fc::to_literal(2.0)); }) ==
          "flytecache: expected a literal string, got a float");
}

TEST_CASE("system_clock time points map to Timestamp with nanos in [0, 1e9)") {
    using namespace std::chrono;
    const sys_time<nanoseconds> t{1'700'000'000s + 123'456'789ns};
    const auto ts = std::get<fc::timestamp>(primitive_of(fc::to_literal(t)).value);
    CHECK(ts.seconds == 1'700'000'000);
    CHECK(ts.nanos == 123'456'789);
    CHECK(round_trip(t) == t);
    const system_clock::time_point now = system_clock::now();
    CHECK(round_trip(now) == now);

    // Before 1970, nanos stays non-negative: -0.5 s is seconds -1, nanos 500000000.
    const sys_time<milliseconds> before{-500ms};
    const auto b = std::get<fc::timestamp>(primitive_of(fc::to_literal(before)).value);
    CHECK(b.seconds == -1);
    CHECK(b.nanos == 500'000'000);
    CHECK(round_trip(before) == before);
    const sys_time<nanoseconds> long_ago{-86'400s * 365 * 100 - 1ns};
    CHECK(round_trip(long_ago) == long_ago);

    // Other durations; coarser targets round down.
    const sys_days day = sys_days{2024y / 2 / 29};
    CHECK(round_trip(day) == day);
    CHECK(std::get<fc::timestamp>(primitive_of(fc::to_literal(day)).value).seconds ==
          1'709'164'800);
    CHECK(fc::from_literal<sys_seconds>(fc::to_literal(before)) == sys_seconds{-1s});
    CHECK(fc::literal_type_of<sys_seconds>() == simple(fc::simple_type::datetime));

    // A Timestamp beyond nanoseconds' ±292 years does not fit system_clock::time_point.
    fc::literal far = fc::to_literal(sys_seconds{400LL * 365 * 86'400s});
    CHECK_THROWS_AS((void)fc::from_literal<system_clock::time_point>(far), fc::type_error);
    CHECK(fc::from_literal<sys_seconds>(far) == sys_seconds{400LL * 365 * 86'400s});
    CHECK(error_of([] { (void)fc::from_literal<sys_seconds>(fc::to_literal(1)); }) ==
          "flytecache: expected a literal datetime, got an integer");
}

TEST_CASE("durations map to Duration with seconds and nanos of the same sign") {
    using namespace std::chrono;
    const auto as_duration = [](const fc::literal& l) {
        return std::get<fc::duration>(primitive_of(l).value);
    };
    CHECK(as_duration(fc::to_literal(duration<double>(-1.5))) == fc::duration{-1, -500'000'000});
    CHECK(as_duration(fc::to_literal(-1500ms)) == fc::duration{-1, -500'000'000});
    CHECK(as_duration(fc::to_literal(1500ms)) == fc::duration{1, 500'000'000});
    CHECK(as_duration(fc::to_literal(-300ns)) == fc::duration{0, -300});
    CHECK(as_duration(fc::to_literal(2h)) == fc::duration{7200, 0});
    CHECK(round_trip(-1500ms) == -1500ms);
    CHECK(round_trip(nanoseconds{-123'456'789'012}) == nanoseconds{-123'456'789'012});
    CHECK(round_trip(duration<double>(-1.5)) == duration<double>(-1.5));
    CHECK(round_trip(hours{-3}) == hours{-3});
    CHECK(fc::from_literal<seconds>(fc::to_literal(-1500ms)) == -1s); // truncated toward zero
    CHECK(fc::literal_type_of<minutes>() == simple(fc::simple_type::duration));
    CHECK_THROWS_AS((void)fc::from_literal<nanoseconds>(fc::to_literal(hours{24 * 365 * 300})),
                    fc::type_error);
    CHECK_THROWS_AS((void)fc::to_literal(duration<double>(1e30)), fc::type_error);
}

TEST_CASE("std::optional is a union of the value and none, as flytekit's Optional[T]") {
    const fc::literal some = fc::to_literal(std::optional<int>(5));
    const auto& u = std::get<fc::union_value>(std::get<fc::scalar>(some.value).value);
    REQUIRE(u.value);
    CHECK(**u.value == fc::to_literal(5));
    REQUIRE(u.type);
    CHECK(u.type->type == fc::literal_type_of<int>().type);
    REQUIRE(u.type->structure);
    CHECK(u.type->structure->tag == "int");

    const fc::literal none = fc::to_literal(std::optional<int>());
    const auto& n = std::get<fc::union_value>(std::get<fc::scalar>(none.value).value);
    REQUIRE(n.value);
    CHECK(std::holds_alternative<fc::void_value>(std::get<fc::scalar>((*n.value)->value).value));
    CHECK(n.type->type == fc::literal_type{simple(fc::simple_type::none)}.type);
    CHECK(n.type->structure->tag == "none");

    CHECK(round_trip(std::optional<int>(5)) == 5);
    CHECK(round_trip(std::optional<int>()) == std::nullopt);
    CHECK(round_trip(std::optional<std::string>("x")) == "x");
    // Bare values and a bare none read back too.
    CHECK(fc::from_literal<std::optional<int>>(fc::to_literal(9)) == 9);
    fc::literal bare_none;
    bare_none.value = fc::scalar{fc::void_value{}};
    CHECK(fc::from_literal<std::optional<int>>(bare_none) == std::nullopt);
    CHECK_THROWS_AS(
        (void)fc::from_literal<std::optional<int>>(fc::to_literal(std::optional<std::string>("x"))),
        fc::type_error);

    const auto type = fc::literal_type_of<std::optional<std::vector<int>>>();
    const auto& variants = std::get<fc::union_type>(type.type).variants;
    REQUIRE(variants.size() == 2);
    CHECK(variants[0].type == fc::literal_type_of<std::vector<int>>().type);
    CHECK(variants[0].structure->tag == "Typed List");
    CHECK(variants[1].type == simple(fc::simple_type::none).type);
    CHECK(variants[1].structure->tag == "none");
}

TEST_CASE("vectors are collections, string-keyed maps are literal maps, nested") {
    const fc::literal c = fc::to_literal(std::vector<int>{3, 1, 2});
    const auto& items = std::get<fc::literal_collection>(c.value).literals;
    REQUIRE(items.size() == 3);
    CHECK(items[0] == fc::to_literal(3));
    CHECK(round_trip(std::vector<int>{}) == std::vector<int>{});
    CHECK(round_trip(std::vector<bool>{true, false}) == std::vector<bool>{true, false});
    CHECK(fc::literal_type_of<std::vector<int>>().type ==
          fc::literal_type{fc::collection_type{simple(fc::simple_type::integer)}}.type);

    const std::unordered_map<std::string, int> unordered{{"b", 2}, {"a", 1}, {"c", 3}};
    const fc::literal m = fc::to_literal(unordered);
    const auto& entries = std::get<fc::detail::box<fc::literal_map>>(m.value)->literals;
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].first == "a"); // sorted, whatever the container's order
    CHECK(entries[2].first == "c");
    CHECK(round_trip(unordered) == unordered);
    CHECK(fc::to_literal(std::map<std::string, int>(unordered.begin(), unordered.end())) == m);
    CHECK(fc::literal_type_of<std::map<std::string, double>>().type ==
          fc::literal_type{fc::map_value_type{simple(fc::simple_type::float_)}}.type);

    using nested = std::vector<std::map<std::string, std::vector<int>>>;
    const nested value{{{"x", {1, 2}}, {"y", {}}}, {}, {{"z", {-3}}}};
    CHECK(round_trip(value) == value);
    const fc::literal_type nested_type = fc::literal_type_of<nested>();
    const auto& outer = std::get<fc::collection_type>(nested_type.type);
    const auto& middle = std::get<fc::map_value_type>(outer.element->type);
    const auto& inner = std::get<fc::collection_type>(middle.value->type);
    CHECK(inner.element->type == simple(fc::simple_type::integer).type);

    CHECK(error_of([] { (void)fc::from_literal<std::vector<int>>(fc::to_literal(1)); }) ==
          "flytecache: expected a literal collection, got an integer");
    CHECK(error_of([] {
              (void)fc::from_literal<std::map<std::string, int>>(
                  fc::to_literal(std::vector<int>{}));
          }) == "flytecache: expected a literal map, got a collection");
    CHECK_THROWS_AS(
        (void)fc::from_literal<std::vector<std::int8_t>>(fc::to_literal(std::vector<int>{1, 1000})),
        fc::type_error);
}

TEST_CASE("byte buffers are Binary, other vectors of integers are collections") {
    const std::vector<std::uint8_t> bytes{0x00, 0xff, 0x41};
    const fc::literal b = fc::to_literal(bytes);
    const auto& bin = std::get<fc::binary>(std::get<fc::scalar>(b.value).value);
    CHECK(bin.value == std::string("\x00\xff\x41", 3));
    CHECK(bin.tag.empty());
    CHECK(round_trip(bytes) == bytes);
    const std::vector<std::byte> std_bytes{std::byte{0x00}, std::byte{0xff}, std::byte{0x41}};
    CHECK(fc::to_literal(std_bytes) == b);
    CHECK(round_trip(std_bytes) == std_bytes);
    CHECK(fc::literal_type_of<std::vector<std::byte>>() == simple(fc::simple_type::binary));
    CHECK(fc::literal_type_of<std::vector<std::uint8_t>>() == simple(fc::simple_type::binary));

    CHECK(std::holds_alternative<fc::literal_collection>(
        fc::to_literal(std::vector<int>{0, 255, 65}).value));
    CHECK(std::holds_alternative<fc::literal_collection>(
        fc::to_literal(std::vector<std::int8_t>{0, 1}).value)); // signed bytes are small integers
    CHECK(error_of([] {
              (void)fc::from_literal<std::vector<std::byte>>(fc::to_literal(std::vector<int>{1}));
          }) == "flytecache: expected a literal binary, got a collection");
}

TEST_CASE("files and directories are Blob literals") {
    const fc::literal f = fc::to_literal(fc::file{"s3://bucket/data.csv", "csv"});
    const auto& blob = std::get<fc::blob>(std::get<fc::scalar>(f.value).value);
    CHECK(blob.uri == "s3://bucket/data.csv");
    CHECK(blob.metadata->type == fc::blob_type{"csv", fc::blob_dimensionality::single});
    CHECK_FALSE(f.hash);
    CHECK(round_trip(fc::file{"s3://bucket/data.csv", "csv"}) ==
          fc::file{"s3://bucket/data.csv", "csv"});
    CHECK(fc::file{std::filesystem::path("dir") / "x.bin"}.uri == "dir/x.bin");
    CHECK(fc::literal_type_of<fc::file>().type ==
          fc::literal_type{fc::blob_type{"", fc::blob_dimensionality::single}}.type);

    const fc::literal d = fc::to_literal(fc::directory{"/tmp/out"});
    CHECK(std::get<fc::blob>(std::get<fc::scalar>(d.value).value).metadata->type->dimensionality ==
          fc::blob_dimensionality::multipart);
    CHECK(round_trip(fc::directory{"/tmp/out"}) == fc::directory{"/tmp/out"});
    CHECK(error_of([&] { (void)fc::from_literal<fc::file>(d); }) ==
          "flytecache: expected a literal blob (single file), got a multipart (directory) blob");
    CHECK(error_of([] { (void)fc::from_literal<fc::directory>(fc::to_literal(1)); }) ==
          "flytecache: expected a literal blob (multipart directory), got an integer");
}

TEST_CASE("Boost.Hana structs are literal maps of their fields, recursively") {
    const shapes::polygon tri{"tri", {{0, 0}, {4, 0}, {0, 3}}, 6.0};
    const fc::literal l = fc::to_literal(tri);
    const auto& fields = *std::get<fc::detail::box<fc::literal_map>>(l.value);
    REQUIRE(fields.size() == 3);
    CHECK(fields.literals[0].first == "area"); // sorted by name
    CHECK(*fields.find("name") == fc::to_literal(std::string("tri")));
    const auto& corners = std::get<fc::literal_collection>(fields.find("corners")->value).literals;
    REQUIRE(corners.size() == 3);
    CHECK(*std::get<fc::detail::box<fc::literal_map>>(corners[1].value)->find("x") ==
          fc::to_literal(4));

    const auto back = round_trip(tri);
    CHECK(back.name == "tri");
    REQUIRE(back.corners.size() == 3);
    CHECK(back.corners[2].y == 3);
    CHECK(back.area == 6.0);

    const fc::literal_type type = fc::literal_type_of<shapes::polygon>();
    CHECK(type.type == simple(fc::simple_type::struct_).type);
    REQUIRE(type.structure);
    const auto& field_types = type.structure->dataclass_type;
    REQUIRE(field_types.size() == 3);
    CHECK(field_types[0].first == "area");
    CHECK(field_types[1].first == "corners");
    const auto& element = std::get<fc::collection_type>(field_types[1].second->type).element;
    CHECK(element->structure->dataclass_type.size() == 2); // the nested struct's own fields

    const shapes::label lab{"hi", true};
    const auto lab_back = round_trip(lab);
    CHECK(lab_back.text == "hi");
    CHECK(lab_back.bold);

    fc::literal missing = fc::to_literal(lab);
    std::get<fc::detail::box<fc::literal_map>>(missing.value)
        ->literals.erase(std::get<fc::detail::box<fc::literal_map>>(missing.value)
                             ->literals.begin()); // drops "bold"
    CHECK(error_of([&] {
              (void)fc::from_literal<shapes::label>(missing);
          }).find("no field 'bold'") != std::string::npos);
    CHECK(error_of([] { (void)fc::from_literal<shapes::point>(fc::to_literal(1)); }) ==
          "flytecache: expected a literal map (struct), got an integer");
    CHECK(fc::to_literal_map(shapes::point{1, 2}) == fc::make_literal_map("x", 1, "y", 2));
}

TEST_CASE("customization: a literal_traits specialization and ADL functions") {
    CHECK(fc::to_literal(weather::celsius{21.5}) == fc::to_literal(21.5));
    CHECK(round_trip(weather::celsius{-4.0}).degrees == -4.0);
    CHECK(fc::literal_type_of<weather::celsius>() == simple(fc::simple_type::float_));

    const weather::color teal{0, 128, 128};
    CHECK(fc::to_literal(teal) == fc::to_literal(std::string("#0,128,128")));
    const auto back = round_trip(teal);
    CHECK(back.g == 128);
    CHECK(back.b == 128);
    CHECK(fc::literal_type_of<weather::color>() == simple(fc::simple_type::string));
    // Containers of customized types work through the same lookup.
    CHECK(round_trip(std::vector<weather::color>{teal}).size() == 1);
    CHECK(round_trip(std::optional<weather::celsius>(weather::celsius{1}))->degrees == 1);

    // A type with only an ADL to_literal can still be part of an input map (and a cache key).
    CHECK(fc::to_literal(weather::station{"KSFO"}) == fc::to_literal(std::string("KSFO")));
}

TEST_CASE("make_literal_map builds a sorted input map from names and typed values") {
    const fc::literal_map m = fc::make_literal_map("b", 2, "a", std::string("x"), "f",
                                                   fc::file{"data.csv"}, "l", fc::to_literal(1.0));
    REQUIRE(m.size() == 4);
    CHECK(m.literals[0].first == "a");
    CHECK(*m.find("b") == fc::to_literal(2));
    CHECK(*m.find("l") == fc::to_literal(1.0));
    CHECK(fc::make_literal_map().empty());
    CHECK(error_of([] { (void)fc::make_literal_map("a", 1, "a", 2); }) ==
          "flytecache: make_literal_map: input 'a' is given twice");
    const std::string name = "dynamic";
    CHECK(fc::make_literal_map(name, 1).find("dynamic") != nullptr);
}

TEST_CASE("hashed values carry the hash function's result") {
    const auto h = fc::with_hash(std::vector<int>{1, 2, 3}, [](const std::vector<int>& v) {
        return "len" + std::to_string(v.size());
    });
    const fc::literal l = fc::to_literal(h);
    REQUIRE(l.hash);
    CHECK(*l.hash == "len3");
    CHECK(std::holds_alternative<fc::literal_collection>(l.value)); // the value is kept
    CHECK(fc::literal_type_of<decltype(h)>() == fc::literal_type_of<std::vector<int>>());

    struct constant_hash {
        std::string operator()(int) const { return "k"; }
    };
    const auto back = fc::from_literal<fc::hashed<int, constant_hash>>(
        fc::to_literal(fc::hashed{7, constant_hash{}}));
    CHECK(back.value == 7);

    // flytekit keys use the hash in place of a hashed value.
    const fc::keys::flytekit_local scheme;
    const auto key_a =
        scheme.make_key("t", "v", fc::make_literal_map("x", fc::hashed{1, constant_hash{}}), {});
    const auto key_b =
        scheme.make_key("t", "v", fc::make_literal_map("x", fc::hashed{2, constant_hash{}}), {});
    const auto key_c = scheme.make_key("t", "v", fc::make_literal_map("x", 1), {});
    CHECK(key_a == key_b);
    CHECK(key_a != key_c);
}

TEST_CASE("file content hashes: same bytes share a flytekit key, one changed byte does not") {
    const temp_dir dir;
    const auto first = dir.path / "a" / "input.csv";
    const auto moved = dir.path / "b" / "renamed.csv";
    std::filesystem::create_directories(first.parent_path());
    std::filesystem::create_directories(moved.parent_path());
    std::string content(200'000, '\0'); // larger than one read chunk
    for (std::size_t i = 0; i < content.size(); ++i)
        content[i] = static_cast<char>((i * 31 + 7) % 251);
    write_file(first, content);
    write_file(moved, content);

    CHECK(fc::file_content_hash::of(first) == fc::sha256_hex(content));
    const fc::literal l = fc::to_literal(fc::hashed_file(first, "csv"));
    CHECK(l.hash == fc::sha256_hex(content));
    CHECK(std::get<fc::blob>(std::get<fc::scalar>(l.value).value).uri == first.generic_string());

    const fc::keys::flytekit_local scheme;
    const auto key_of = [&](const fc::literal_map& inputs) {
        return scheme.make_key("t", "v", inputs, {});
    };
    const auto key_first = key_of(fc::make_literal_map("data", fc::hashed_file(first), "n", 3));
    const auto key_moved =
        key_of(fc::make_literal_map("data", fc::with_content_hash(fc::file{moved}), "n", 3));
    CHECK(key_first == key_moved);
    // Without the content hash the location, not the content, is the key.
    CHECK(key_of(fc::make_literal_map("data", fc::file{first}, "n", 3)) !=
          key_of(fc::make_literal_map("data", fc::file{moved}, "n", 3)));

    content[123'456] = static_cast<char>(content[123'456] + 1);
    write_file(moved, content);
    CHECK(key_of(fc::make_literal_map("data", fc::hashed_file(moved), "n", 3)) != key_first);

    const auto missing = dir.path / "nope.bin";
    const std::string message = error_of([&] { (void)fc::to_literal(fc::hashed_file(missing)); });
    CHECK(message.find("cannot hash the content of '" + missing.string() + "'") !=
          std::string::npos);
    CHECK_THROWS_AS((void)fc::file_content_hash::of(dir.path), fc::invalid_argument); // a directory
}

TEST_CASE("a literal is its own literal") {
    const fc::literal l = fc::to_literal(std::vector<std::string>{"a"});
    CHECK(fc::to_literal(l) == l);
    CHECK(fc::from_literal<fc::literal>(l) == l);
}
