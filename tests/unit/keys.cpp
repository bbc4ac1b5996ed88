// flytecache — golden vectors of cache_keys.json: deterministic encoding, joblib framing
// SPDX-License-Identifier: MIT
// Golden vectors of cache_keys.json: deterministic encoding, joblib framing, flytekit local cache
// keys.
#include "../support/literal_schema.hpp"
#include "../support/vectors.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace fc = flytecache;
using flytecache_test::load_vectors;

namespace {

std::vector<std::string> ignored_from(const fc::detail::json_value& v) {
    std::vector<std::string> out;
    for (const auto& name : v.at("ignored_inputs").as_array()) out.push_back(name.as_string());
    return out;
}

std::string pattern(std::size_t n) {
    std::string data(n, '\0');
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<char>((7 * i + 3) % 256);
    return data;
}

} // namespace

TEST_CASE("joblib framing table") {
    const auto doc = load_vectors("cache_keys.json");
    const auto& table = doc.at("joblib_framing").as_array();
    REQUIRE(table.size() >= 5);
    for (const auto& row : table) {
        const auto n = static_cast<std::size_t>(row.at("length").as_int64());
        CAPTURE(n);
        CHECK(fc::to_hex(fc::joblib_frame_header(n)) == row.at("header_hex").as_string());
        CHECK(row.at("trailer_hex").as_string() == "2e");
        CHECK(fc::joblib_hash(pattern(n)) == row.at("md5").as_string());
    }
}

TEST_CASE("every cache_keys.json vector: encoding, joblib hash and flytekit local key") {
    const auto doc = load_vectors("cache_keys.json");
    const auto& vectors = doc.at("vectors").as_array();
    REQUIRE(vectors.size() >= 50);
    const fc::keys::flytekit_local scheme;
    static_assert(fc::key_scheme<fc::keys::flytekit_local>);
    for (const auto& v : vectors) {
        const std::string id = v.at("id").as_string();
        CAPTURE(id);
        const fc::literal_map inputs = flytecache_test::literal_map_from(v.at("inputs"));
        const fc::literal_map expected_effective =
            flytecache_test::literal_map_from(v.at("effective_inputs"));
        const auto ignored = ignored_from(v);

        // Hash placement and ignore rules give the vector's effective map.
        const fc::literal_map effective = fc::flytekit_effective_inputs(inputs, ignored);
        // Compared through their encodings: == on literals follows IEEE (NaN != NaN).
        CHECK(fc::encode(effective) == fc::encode(expected_effective));

        // Deterministic encoding.
        const std::string bytes = fc::encode(effective);
        const auto& serialized = v.at("serialized");
        CHECK(bytes.size() == static_cast<std::size_t>(serialized.at("length").as_int64()));
        CHECK(fc::sha256_hex(bytes) == serialized.at("sha256").as_string());
        if (const auto* hex = serialized.find("hex")) CHECK(fc::to_hex(bytes) == hex->as_string());

        // joblib framing and hash, then the key; the key path encodes without building the map.
        CHECK(fc::to_hex(fc::joblib_frame_header(bytes.size())) ==
              v.at("joblib_frame_header_hex").as_string());
        CHECK(fc::joblib_hash(bytes) == v.at("joblib_hash").as_string());
        CHECK(scheme.make_key(v.at("task_name").as_string(), v.at("cache_version").as_string(),
                              inputs, ignored) == v.at("cache_key").as_string());
    }
}

TEST_CASE("flytekit's own anchors") {
    const fc::keys::flytekit_local scheme;
    CHECK(scheme.make_key("t.produce_dc", "1", fc::literal_map{}) ==
          "t.produce_dc-1-ea65cfadb0079394a8be1f4aa1e96e2b");
}

TEST_CASE("every cache_keys.json vector: datacatalog hashified inputs, objecthash and tag") {
    const auto doc = load_vectors("cache_keys.json");
    const fc::keys::datacatalog scheme;
    static_assert(fc::key_scheme<fc::keys::datacatalog>);
    for (const auto& v : doc.at("vectors").as_array()) {
        const std::string id = v.at("id").as_string();
        CAPTURE(id);
        const fc::literal_map inputs = flytecache_test::literal_map_from(v.at("inputs"));
        const auto ignored = ignored_from(v);
        const auto& dc = v.at("datacatalog");
        const fc::literal_map expected =
            flytecache_test::literal_map_from(dc.at("hashified_inputs"));
        CHECK(fc::encode(fc::datacatalog_hashified_inputs(inputs, ignored)) ==
              fc::encode(expected));
        const auto json = fc::datacatalog_json_value(inputs, ignored);
        CHECK(fc::to_hex(fc::detail::objecthash(json)) == dc.at("objecthash_hex").as_string());
        CHECK(scheme.make_key(v.at("task_name").as_string(), v.at("cache_version").as_string(),
                              inputs, ignored) == dc.at("tag").as_string());
    }
}

TEST_CASE("native keys: format, boundaries, ignored inputs and hash placement") {
    const fc::keys::native scheme;
    static_assert(fc::key_scheme<fc::keys::native>);
    auto int_literal = [](std::int64_t v) {
        return fc::literal{fc::scalar{fc::primitive{v}}, std::nullopt, {}};
    };
    const fc::literal_map inputs{{"a", int_literal(1)}, {"seed", int_literal(42)}};
    const std::string key = scheme.make_key("train", "v3", inputs);
    REQUIRE(key.size() == std::string("train-v3-").size() + 43);
    CHECK(key.starts_with("train-v3-"));
    CHECK(
        key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        std::string::npos);
    // Pinned: the format is a stability promise within the v0 ABI namespace.
    CHECK(scheme.make_key("t", "v1", fc::literal_map{}) ==
          "t-v1-" + fc::to_base64url(fc::sha256_of(std::string("\x0a\x01t\x12\x02v1\x1a\x00", 9))));
    // Task and version are hashed with their lengths: the readable prefix may collide, the key not.
    CHECK(scheme.make_key("a-b", "c", inputs) != scheme.make_key("a", "b-c", inputs));
    // Ignored inputs do not count; other inputs do.
    const fc::literal_map other_seed{{"a", int_literal(1)}, {"seed", int_literal(7)}};
    const std::vector<std::string> ignored{"seed"};
    CHECK(scheme.make_key("train", "v3", inputs, ignored) ==
          scheme.make_key("train", "v3", other_seed, ignored));
    CHECK(scheme.make_key("train", "v3", inputs) != scheme.make_key("train", "v3", other_seed));
    // A hashed literal stands for its value, as in flytekit's scheme.
    fc::literal hashed_a = int_literal(1);
    hashed_a.hash = "content-hash";
    fc::literal hashed_b = int_literal(2);
    hashed_b.hash = "content-hash";
    CHECK(scheme.make_key("t", "v", fc::literal_map{{"x", hashed_a}}) ==
          scheme.make_key("t", "v", fc::literal_map{{"x", hashed_b}}));
}

TEST_CASE("keys computed concurrently equal keys computed alone (per-thread scratch buffers)") {
    const auto doc = load_vectors("cache_keys.json");
    std::vector<fc::literal_map> inputs;
    std::vector<std::string> expected;
    for (const auto& v : doc.at("vectors").as_array()) {
        inputs.push_back(flytecache_test::literal_map_from(v.at("inputs")));
        expected.push_back(fc::keys::flytekit_local{}.make_key("t", "v", inputs.back()) +
                           fc::keys::native{}.make_key("t", "v", inputs.back()));
    }
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t != 4; ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round != 20; ++round) {
                for (std::size_t i = static_cast<std::size_t>(t); i < inputs.size(); i += 2) {
                    const std::string got =
                        fc::keys::flytekit_local{}.make_key("t", "v", inputs[i]) +
                        fc::keys::native{}.make_key("t", "v", inputs[i]);
                    if (got != expected[i]) ++mismatches;
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(mismatches.load() == 0);
}

// Issue 18, item 1: the backend's Go marshaler refuses a Timestamp or Duration whose nanos are out
// of range, so there is no datacatalog tag for such inputs: a flytecache::invalid_argument, never
// std::length_error or undefined behaviour. flytekit's key is over the bytes and works as before.
TEST_CASE("datacatalog keys refuse out-of-range nanos (issue 18 reproductions)") {
    for (const char* hex :
         {"0a110a0170120c0a0a0a083206108094ebdc03", "0a110a0170120c0a0a0a082a06108094ebdc03",
          "0a160a017012110a0f0a0d320b1080808080f8ffffffff01"}) {
        CAPTURE(hex);
        const fc::literal_map inputs = fc::decode_literal_map(flytecache_test::bytes_from_hex(hex));
        CHECK_THROWS_AS((void)fc::keys::datacatalog{}.make_key("t", "v", inputs),
                        fc::invalid_argument);
        try {
            (void)fc::datacatalog_json_value(inputs);
        } catch (const fc::error& e) {
            const std::string what = e.what();
            CHECK(what.find("flytecache: ") == 0);
            CHECK(what.find("nanos") != std::string::npos);
        }
        CHECK(fc::keys::flytekit_local{}.make_key("t", "v", inputs).size() == 4 + 32);
        // Ignoring the input takes it out of the key.
        const std::vector<std::string> ignored{"p"};
        CHECK_NOTHROW((void)fc::keys::datacatalog{}.make_key("t", "v", inputs, ignored));
    }
    const fc::literal_map negative = fc::make_literal_map(
        "t", fc::literal{fc::scalar{fc::primitive{fc::timestamp{0, -5}}}, std::nullopt, {}});
    CHECK_THROWS_AS((void)fc::keys::datacatalog{}.make_key("t", "v", negative),
                    fc::invalid_argument);
    const fc::literal_map mixed = fc::make_literal_map(
        "d", fc::literal{fc::scalar{fc::primitive{fc::duration{1, -5}}}, std::nullopt, {}});
    CHECK_THROWS_AS((void)fc::keys::datacatalog{}.make_key("t", "v", mixed), fc::invalid_argument);
    // In range, the tag is computed as before.
    const fc::literal_map fine = fc::make_literal_map(
        "d", fc::literal{fc::scalar{fc::primitive{fc::duration{-1, -5}}}, std::nullopt, {}});
    CHECK_NOTHROW((void)fc::keys::datacatalog{}.make_key("t", "v", fine));
}
