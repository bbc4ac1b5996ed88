// flytecache — unit tests for hash/objecthash.hpp: float normalization, node hashes
// SPDX-License-Identifier: MIT
// Unit tests for hash/objecthash.hpp: float normalization, node hashes, datacatalog tags.
#include <flytecache/flytecache.hpp>

#include "../support/vectors.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace fc = flytecache;
using fc::detail::datacatalog_tag_from_json;
using fc::detail::json_value;
using fc::detail::objecthash;
using fc::detail::objecthash_normalize_float;
using fc::detail::parse_json;

namespace {

std::string objecthash_hex(std::string_view json_text) {
    return fc::to_hex(objecthash(parse_json(json_text)));
}

} // namespace

TEST_CASE("objecthash: float normalization") {
    CHECK(objecthash_normalize_float(0.0) == "+0:");
    CHECK(objecthash_normalize_float(-0.0) == "+0:");
    CHECK(objecthash_normalize_float(1.0) == "+0:1");
    CHECK(objecthash_normalize_float(0.5) == "+-1:1");
    CHECK(objecthash_normalize_float(2.0) == "+1:1");
    CHECK(objecthash_normalize_float(1.5) == "+1:011");
    CHECK(objecthash_normalize_float(-1.5) == "-1:011");
    CHECK(objecthash_normalize_float(0.1) ==
          "+-3:01100110011001100110011001100110011001100110011001101");
    CHECK(objecthash_normalize_float(3.14) ==
          "+2:011001000111101011100001010001111010111000010100011111");
    CHECK(objecthash_normalize_float(1e300) ==
          "+997:0101111110010000111100100010000000000001110101100111");
    CHECK(objecthash_normalize_float(-1e-300) ==
          "--996:010101011011100001111111000010111110001111001101011001");
    CHECK(objecthash_normalize_float(std::numeric_limits<double>::max()) ==
          "+1024:011111111111111111111111111111111111111111111111111111");
    // 2^-1074, the smallest subnormal.
    CHECK(objecthash_normalize_float(std::numeric_limits<double>::denorm_min()) == "+-1074:1");
    CHECK(objecthash_normalize_float(std::ldexp(1.0, -1074)) == "+-1074:1");
    CHECK(objecthash_normalize_float(3 * std::numeric_limits<double>::denorm_min()) ==
          "+-1072:011");
}

TEST_CASE("objecthash: NaN and infinities are refused") {
    CHECK_THROWS_AS((void)objecthash_normalize_float(std::numeric_limits<double>::quiet_NaN()),
                    fc::invalid_argument);
    CHECK_THROWS_AS((void)objecthash_normalize_float(std::numeric_limits<double>::infinity()),
                    fc::invalid_argument);
    CHECK_THROWS_AS((void)objecthash_normalize_float(-std::numeric_limits<double>::infinity()),
                    fc::invalid_argument);
}

TEST_CASE("objecthash: JSON numbers are hashed as float64") {
    // sha256("f+0:")
    const std::string zero = "60101d8c9cb988411468e38909571f357daa67bff5a7b0a3f9ae295cd4aba33d";
    CHECK(objecthash_hex("0") == zero);
    CHECK(objecthash_hex("-0") == zero);
    CHECK(objecthash_hex("0.0") == zero);
    CHECK(objecthash_hex("-0.0") == zero);
    CHECK(objecthash_hex("0e10") == zero);
    // Underflow to zero, as Go's decoder does.
    CHECK(objecthash_hex("1e-400") == zero);
    // Integers and their float spellings are the same float64.
    CHECK(objecthash_hex("1") == objecthash_hex("1.0"));
    CHECK(objecthash_hex("1") == objecthash_hex("1e0"));
    CHECK(objecthash_hex("1") == fc::sha256_hex("f+0:1"));
    CHECK(objecthash_hex("100") == objecthash_hex("1E2"));
    CHECK(objecthash_hex("-1.5") == fc::sha256_hex("f-1:011"));
    CHECK(objecthash_hex("5e-324") == fc::sha256_hex("f+-1074:1"));
    // Beyond float64 precision two spellings collapse to one value.
    CHECK(objecthash_hex("9007199254740993") == objecthash_hex("9007199254740992"));
    // Too large for a double: Go's json.Unmarshal refuses it, so do we.
    CHECK_THROWS_AS((void)objecthash_hex("1e400"), fc::invalid_argument);
}

TEST_CASE("objecthash: simple values") {
    CHECK(objecthash_hex("null") == fc::sha256_hex("n"));
    CHECK(objecthash_hex("true") == fc::sha256_hex("b1"));
    CHECK(objecthash_hex("false") == fc::sha256_hex("b0"));
    CHECK(objecthash_hex("\"abc\"") == fc::sha256_hex("uabc"));
    CHECK(objecthash_hex("\"abc\"") ==
          "2a42a9c91b74c0032f6b8000a2c9c5bcca5bb298f004e8eff533811004dea511");
    CHECK(objecthash_hex("\"\"") == fc::sha256_hex("u"));
    // Escapes are decoded before hashing; non-ASCII text is hashed as UTF-8.
    CHECK(objecthash_hex("\"\\u00e9\\n\"") == fc::sha256_hex("u\xC3\xA9\n"));
    CHECK(objecthash_hex("[]") == fc::sha256_hex("l"));
    CHECK(objecthash_hex("[]") ==
          "acac86c0e609ca906f632b0e2dacccb2b77d22b0621f20ebece1a4835b93f6f0");
    CHECK(objecthash_hex("{}") == fc::sha256_hex("d"));
    CHECK(objecthash_hex("{}") ==
          "18ac3e7343f016890c510e93f935261169d9e3f565436429830faf0934f4f8e4");
}

TEST_CASE("objecthash: lists hash their elements in order") {
    const auto a = objecthash(parse_json("\"a\""));
    const auto b = objecthash(parse_json("\"b\""));
    fc::sha256 hasher;
    hasher.update(std::string_view("l"));
    hasher.update(std::span<const std::uint8_t>(a));
    hasher.update(std::span<const std::uint8_t>(b));
    CHECK(fc::to_hex(objecthash(parse_json("[\"a\",\"b\"]"))) == hasher.hex_digest());
    CHECK(objecthash_hex("[\"a\",\"b\"]") != objecthash_hex("[\"b\",\"a\"]"));
    CHECK(objecthash_hex("[[]]") != objecthash_hex("[]"));
    CHECK(objecthash_hex("[null]") != objecthash_hex("[]"));
}

TEST_CASE("objecthash: dicts sort members by key hash and ignore document order") {
    CHECK(objecthash_hex(R"({"a":1,"b":[true,null],"c":{"x":"y","z":-0}})") ==
          objecthash_hex(R"({"c":{"z":0,"x":"y"},"b":[true,null],"a":1.0})"));
    CHECK(objecthash_hex(R"({"a":1})") != objecthash_hex(R"({"a":2})"));
    CHECK(objecthash_hex(R"({"a":1})") != objecthash_hex(R"({"b":1})"));
    // A dict is not the list of its pairs.
    CHECK(objecthash_hex(R"({"a":1})") != objecthash_hex(R"(["a",1])"));

    // By hand: sha256("d" ‖ sorted(hash(key) ‖ hash(value))).
    const auto ka = fc::sha256_of("ua");
    const auto kb = fc::sha256_of("ub");
    const auto va = fc::sha256_of("b1");
    const auto vb = fc::sha256_of("n");
    const bool a_first = fc::to_hex(ka) < fc::to_hex(kb);
    fc::sha256 hasher;
    hasher.update(std::string_view("d"));
    const auto feed = [&](const fc::sha256_digest& k, const fc::sha256_digest& v) {
        hasher.update(std::span<const std::uint8_t>(k));
        hasher.update(std::span<const std::uint8_t>(v));
    };
    if (a_first) {
        feed(ka, va);
        feed(kb, vb);
    } else {
        feed(kb, vb);
        feed(ka, va);
    }
    const std::string expected = hasher.hex_digest();
    CHECK(objecthash_hex(R"({"a":true,"b":null})") == expected);
    CHECK(objecthash_hex(R"({"b":null,"a":true})") == expected);
}

TEST_CASE("objecthash: 0.0 and -0.0 give the same tag") {
    const std::string pos = R"({"literals":{"x":{"scalar":{"primitive":{"floatValue":0}}}}})";
    const std::string neg = R"({"literals":{"x":{"scalar":{"primitive":{"floatValue":-0}}}}})";
    CHECK(datacatalog_tag_from_json(parse_json(pos)) == datacatalog_tag_from_json(parse_json(neg)));
}

TEST_CASE("objecthash: datacatalog tag shape") {
    const std::string tag = datacatalog_tag_from_json(parse_json("{}"));
    CHECK(tag == "flyte_cached-GKw-c0PwFokMUQ6T-TUmEWnZ4_VlQ2Qpgw-vCTT0-OQ");
    CHECK(tag.size() == std::string_view("flyte_cached-").size() + 43);
}

TEST_CASE("objecthash: every cache_keys.json vector gives the backend's objecthash and tag") {
    const json_value doc = flytecache_test::load_vectors("cache_keys.json");
    std::size_t checked = 0;
    for (const json_value& vector : doc.at("vectors").as_array()) {
        const json_value& dc = vector.at("datacatalog");
        const json_value& jsonpb = dc.at("jsonpb");
        if (!jsonpb.is_string()) continue; // long texts are given as {length, sha256}
        CAPTURE(vector.at("id").as_string());
        const json_value input = parse_json(jsonpb.as_string());
        CHECK(fc::to_hex(objecthash(input)) == dc.at("objecthash_hex").as_string());
        CHECK(datacatalog_tag_from_json(input) == dc.at("tag").as_string());
        ++checked;
    }
    MESSAGE("checked ", checked, " datacatalog vectors");
    CHECK(checked >= 50);
}

TEST_CASE("objecthash: the long-text vector, rebuilt from its repeated string") {
    // One vector gives its 70,000-character jsonpb only as {length, sha256}; its single input is a
    // string_value of one character repeated. Rebuild the text, check it against the digest, then
    // check the tag.
    const json_value doc = flytecache_test::load_vectors("cache_keys.json");
    std::size_t checked = 0;
    for (const json_value& vector : doc.at("vectors").as_array()) {
        const json_value& dc = vector.at("datacatalog");
        const json_value& jsonpb = dc.at("jsonpb");
        if (jsonpb.is_string()) continue;
        CAPTURE(vector.at("id").as_string());
        const auto& inputs = dc.at("hashified_inputs").as_object();
        REQUIRE(inputs.size() == 1);
        const json_value& repeated =
            inputs[0].second.at("scalar").at("primitive").at("string_value");
        const std::string text =
            R"({"literals":{")" + inputs[0].first + R"(":{"scalar":{"primitive":{"stringValue":")" +
            std::string(static_cast<std::size_t>(repeated.at("count").as_int64()),
                        repeated.at("repeat").as_string().at(0)) +
            R"("}}}}})";
        REQUIRE(text.size() == static_cast<std::size_t>(jsonpb.at("length").as_int64()));
        REQUIRE(fc::sha256_hex(text) == jsonpb.at("sha256").as_string());
        const json_value input = parse_json(text);
        CHECK(fc::to_hex(objecthash(input)) == dc.at("objecthash_hex").as_string());
        CHECK(datacatalog_tag_from_json(input) == dc.at("tag").as_string());
        ++checked;
    }
    CHECK(checked == 1);
}
