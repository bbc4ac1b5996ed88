// flytecache — unit tests for detail/json.hpp: the strict parser, accessors and canonical writer
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

namespace fc = flytecache;
using fc::detail::canonical_json;
using fc::detail::json_value;
using fc::detail::parse_json;
using namespace std::string_literals;
using namespace std::string_view_literals;

namespace {

// The message of the invalid_argument that parsing `text` throws; fails the test when nothing or
// something else is thrown.
std::string parse_error(std::string_view text) {
    try {
        (void)parse_json(text);
    } catch (const fc::invalid_argument& e) {
        return e.what();
    } catch (...) {
        FAIL("parse_json threw something other than flytecache::invalid_argument");
        return {};
    }
    FAIL("parse_json accepted invalid input: " << std::string(text.substr(0, 80)));
    return {};
}

std::string position(std::size_t line, std::size_t column, std::size_t offset) {
    return "flytecache: invalid JSON at line " + std::to_string(line) + ", column " +
           std::to_string(column) + " (offset " + std::to_string(offset) + "): ";
}

// Checks the error's position prefix and that the description mentions `what`.
void check_error(std::string_view text, std::size_t line, std::size_t column, std::size_t offset,
                 std::string_view what) {
    const std::string message = parse_error(text);
    INFO("input: " << std::string(text) << "\nmessage: " << message);
    CHECK(message.rfind(position(line, column, offset), 0) == 0);
    CHECK(message.find(what) != std::string::npos);
    CHECK(message.find("; ") != std::string::npos); // every error carries a hint
}

std::string wrong_kind_message(const json_value& v, void (*access)(const json_value&)) {
    try {
        access(v);
    } catch (const fc::invalid_argument& e) {
        return e.what();
    }
    return "(nothing thrown)";
}

} // namespace

TEST_CASE("json: every kind parses and reports its type") {
    const auto null = parse_json("null");
    CHECK(null.type() == json_value::kind::null);
    CHECK(null.is_null());
    CHECK_FALSE(null.is_object());
    CHECK(null.size() == 0);

    CHECK(parse_json("true").is_bool());
    CHECK(parse_json("true").as_bool());
    CHECK_FALSE(parse_json("false").as_bool());
    CHECK(parse_json("false").type() == json_value::kind::boolean);

    const auto number = parse_json("-12.5e+3");
    CHECK(number.is_number());
    CHECK(number.type() == json_value::kind::number);
    CHECK(number.number_text() == "-12.5e+3");
    CHECK(number.size() == 0);

    const auto string = parse_json(R"("hello")");
    CHECK(string.is_string());
    CHECK(string.as_string() == "hello");
    CHECK(string.size() == 0); // strings are scalars; size() is not their length

    const auto array = parse_json("[1, \"two\", null, true, [], {}]");
    CHECK(array.is_array());
    CHECK(array.type() == json_value::kind::array);
    REQUIRE(array.size() == 6);
    CHECK(array.at(0).number_text() == "1");
    CHECK(array.at(1).as_string() == "two");
    CHECK(array.at(2).is_null());
    CHECK(array.at(3).as_bool());
    CHECK(array.at(4).is_array());
    CHECK(array.at(4).size() == 0);
    CHECK(array.at(5).is_object());
    CHECK(array.at(5).size() == 0);

    const auto object = parse_json(R"({"a": 1, "b": [true]})");
    CHECK(object.is_object());
    CHECK(object.type() == json_value::kind::object);
    CHECK(object.size() == 2);

    CHECK(json_value().is_null());
}

TEST_CASE("json: whitespace is the four RFC 8259 characters around any token") {
    const auto v = parse_json(" \t\r\n{ \"k\" \n:\t[ 1 ,\r\n2 ] } \n");
    CHECK(v.at("k").size() == 2);
    CHECK(parse_json("\n\n 7 \t").number_text() == "7");
}

TEST_CASE("json: nested structures are reachable") {
    const auto v = parse_json(R"({
        "spec": {"containers": [{"name": "main", "args": ["a", "b"]},
                                {"name": "side", "args": []}]},
        "depth": [[[[["deep"]]]]]
    })");
    const auto& containers = v.at("spec").at("containers");
    REQUIRE(containers.size() == 2);
    CHECK(containers.at(0).at("name").as_string() == "main");
    CHECK(containers.at(0).at("args").at(1).as_string() == "b");
    CHECK(containers.at(1).at("args").size() == 0);
    CHECK(v.at("depth").at(0).at(0).at(0).at(0).at(0).as_string() == "deep");
}

TEST_CASE("json: escapes decode to UTF-8") {
    CHECK(parse_json(R"("\" \\ \/ \b \f \n \r \t")").as_string() == "\" \\ / \b \f \n \r \t");
    CHECK(parse_json(R"("\u0041\u00e9\u00E9\u20ac")").as_string() ==
          "A\xC3\xA9\xC3\xA9\xE2\x82\xAC");
    CHECK(parse_json(R"("a\u0000b")").as_string() == "a\0b"s);
    // U+1F600 arrives as a surrogate pair and leaves as one four-byte UTF-8 sequence.
    CHECK(parse_json(R"("\ud83d\ude00")").as_string() == "\xF0\x9F\x98\x80");
    CHECK(parse_json(R"("\uD83D\uDE00!")").as_string() == "\xF0\x9F\x98\x80!");
    CHECK(parse_json(R"("\udbff\udfff")").as_string() == "\xF4\x8F\xBF\xBF"); // U+10FFFF
    // Raw UTF-8 passes through untouched.
    CHECK(parse_json("\"caf\xC3\xA9 \xF0\x9F\x98\x80\"").as_string() ==
          "caf\xC3\xA9 \xF0\x9F\x98\x80");
    // DEL (0x7F) is not a control character in JSON's sense.
    CHECK(parse_json("\"\x7F\"").as_string() == "\x7F");
    CHECK(parse_json(R"("")").as_string().empty());
}

TEST_CASE("json: object members keep their insertion order") {
    const auto v = parse_json(R"({"z": 1, "a": 2, "m": 3, "b": 4})");
    const auto& members = v.as_object();
    REQUIRE(members.size() == 4);
    CHECK(members[0].first == "z");
    CHECK(members[1].first == "a");
    CHECK(members[2].first == "m");
    CHECK(members[3].first == "b");
    CHECK(members[2].second.number_text() == "3");
}

TEST_CASE("json: find, at and contains") {
    const auto v = parse_json(R"({"name": "x", "empty": "", "nothing": null, "list": [10, 20]})");
    REQUIRE(v.find("name") != nullptr);
    CHECK(v.find("name")->as_string() == "x");
    CHECK(v.find("missing") == nullptr);
    CHECK(v.contains("nothing"));
    CHECK(v.at("nothing").is_null());
    CHECK_FALSE(v.contains("Name")); // keys are case sensitive
    CHECK(v.at("empty").as_string().empty());
    CHECK(v.at("list").at(1).number_text() == "20");

    // Non-objects have no members; find and contains never throw.
    CHECK(v.at("list").find("0") == nullptr);
    CHECK_FALSE(v.at("list").contains("0"));
    CHECK(parse_json("3").find("a") == nullptr);

    try {
        (void)v.at("missing");
        FAIL("at() of a missing key did not throw");
    } catch (const fc::invalid_argument& e) {
        CHECK(std::string(e.what()).find("\"missing\"") != std::string::npos);
    }
    try {
        (void)v.at("list").at(2);
        FAIL("at() past the end did not throw");
    } catch (const fc::invalid_argument& e) {
        CHECK(std::string(e.what()).find("index 2") != std::string::npos);
    }
    CHECK_THROWS_AS((void)v.at(0), fc::invalid_argument);              // an object is not an array
    CHECK_THROWS_AS((void)v.at("list").at("x"), fc::invalid_argument); // nor an array an object
}

TEST_CASE("json: accessors of the wrong kind throw naming both kinds") {
    const auto s = parse_json(R"("text")");
    CHECK(wrong_kind_message(s, [](const json_value& v) { (void)v.as_object(); }) ==
          "flytecache: JSON value is a string, expected an object");
    CHECK(wrong_kind_message(parse_json("null"), [](const json_value& v) {
              (void)v.as_string();
          }) == "flytecache: JSON value is null, expected a string");
    CHECK(wrong_kind_message(parse_json("[]"), [](const json_value& v) { (void)v.as_bool(); }) ==
          "flytecache: JSON value is an array, expected a boolean");
    CHECK(wrong_kind_message(parse_json("{}"), [](const json_value& v) { (void)v.as_array(); }) ==
          "flytecache: JSON value is an object, expected an array");
    CHECK(wrong_kind_message(parse_json("true"), [](const json_value& v) {
              (void)v.number_text();
          }) == "flytecache: JSON value is a boolean, expected a number");
    CHECK_THROWS_AS((void)s.as_double(), fc::invalid_argument);
    CHECK_THROWS_AS((void)s.as_int64(), fc::invalid_argument);
    CHECK_THROWS_AS((void)parse_json("1").as_string(), fc::invalid_argument);
}

TEST_CASE("json: numbers keep their text and convert exactly") {
    CHECK(parse_json("0").number_text() == "0");
    CHECK(parse_json("-0").number_text() == "-0");
    CHECK(parse_json("1E+02").number_text() == "1E+02");
    CHECK(parse_json("1.50").number_text() == "1.50");
    CHECK(parse_json("0.5e-7").number_text() == "0.5e-7");

    CHECK(parse_json("1.5").as_double() == 1.5);
    CHECK(parse_json("-2.5e3").as_double() == -2500.0);
    CHECK(parse_json("1E+02").as_double() == 100.0);
    CHECK(parse_json("42").as_double() == 42.0);
    CHECK(parse_json("0.1").as_double() == 0.1);
    CHECK(parse_json("1.7976931348623157e308").as_double() == std::numeric_limits<double>::max());
    CHECK(parse_json("1e-400").as_double() == 0.0); // underflow rounds to zero
    CHECK_THROWS_AS((void)parse_json("1e400").as_double(), fc::invalid_argument);
    CHECK_THROWS_AS((void)parse_json("-1e400").as_double(), fc::invalid_argument);

    CHECK(parse_json("0").as_int64() == 0);
    CHECK(parse_json("-0").as_int64() == 0);
    CHECK(parse_json("123456789012").as_int64() == 123456789012);
    CHECK(parse_json("9223372036854775807").as_int64() == std::numeric_limits<std::int64_t>::max());
    CHECK(parse_json("-9223372036854775808").as_int64() ==
          std::numeric_limits<std::int64_t>::min());
    CHECK_THROWS_AS((void)parse_json("9223372036854775808").as_int64(), fc::invalid_argument);
    CHECK_THROWS_AS((void)parse_json("-9223372036854775809").as_int64(), fc::invalid_argument);
    CHECK_THROWS_AS((void)parse_json("100000000000000000000000").as_int64(), fc::invalid_argument);
    // Integral values written as non-integers are refused rather than converted.
    CHECK_THROWS_AS((void)parse_json("1.0").as_int64(), fc::invalid_argument);
    CHECK_THROWS_AS((void)parse_json("1e3").as_int64(), fc::invalid_argument);
    CHECK_THROWS_AS((void)parse_json("2.5").as_int64(), fc::invalid_argument);
}

TEST_CASE("json: factories build valid values and refuse invalid ones") {
    json_value::object_type members;
    members.emplace_back(
        "b", json_value::make_array({json_value::make_bool(true), json_value::make_null(),
                                     json_value::make_number("-1.5e2")}));
    members.emplace_back("a", json_value::make_string("x\ny"));
    const auto v = json_value::make_object(std::move(members));
    CHECK(canonical_json(v) == R"({"a":"x\ny","b":[true,null,-1.5e2]})");
    CHECK(v.at("b").at(2).number_text() == "-1.5e2");

    CHECK_THROWS_AS((void)json_value::make_number("01"), fc::invalid_argument);
    CHECK_THROWS_AS((void)json_value::make_number("1."), fc::invalid_argument);
    CHECK_THROWS_AS((void)json_value::make_number(""), fc::invalid_argument);
    CHECK_THROWS_AS((void)json_value::make_number("NaN"), fc::invalid_argument);
    CHECK_THROWS_AS((void)json_value::make_number(" 1"), fc::invalid_argument);
    CHECK_THROWS_AS((void)json_value::make_string("\xC3"), fc::invalid_argument);
    json_value::object_type twice;
    twice.emplace_back("k", json_value());
    twice.emplace_back("k", json_value());
    CHECK_THROWS_AS((void)json_value::make_object(std::move(twice)), fc::invalid_argument);
}

TEST_CASE("json: syntax errors name line, column and offset") {
    check_error("", 1, 1, 0, "empty input");
    check_error("  \n ", 2, 2, 4, "empty input");
    check_error("[1, 2", 1, 6, 5, "end of input");
    check_error("{\"a\": 1", 1, 8, 7, "end of input");
    check_error("[1,]", 1, 3, 2, "trailing comma");
    check_error("{\"a\": 1,\n}", 1, 8, 7, "trailing comma");
    check_error("[1 2]", 1, 4, 3, "expected ',' or ']'");
    check_error("{\"a\" 1}", 1, 6, 5, "expected ':'");
    check_error("{a: 1}", 1, 2, 1, "expected a string key");
    check_error("{\"a\":1 \"b\":2}", 1, 8, 7, "expected ',' or '}'");
    check_error("[,1]", 1, 2, 1, "expected a value");
    check_error("]", 1, 1, 0, "expected a value");
    // Position counting spans lines, and columns count characters rather than bytes.
    check_error("{\n  \"\xC3\xA9\": tru\n}", 2, 8, 10, "unknown literal 'tru'");
}

TEST_CASE("json: numbers outside the RFC 8259 grammar are refused") {
    check_error("01", 1, 1, 0, "leading zeros");
    check_error("[-007]", 1, 3, 2, "leading zeros");
    check_error("00", 1, 1, 0, "leading zeros");
    check_error("1.", 1, 3, 2, "digit after the decimal point");
    check_error("1.e5", 1, 3, 2, "digit after the decimal point");
    check_error("1e", 1, 3, 2, "digit in the exponent");
    check_error("1e+", 1, 4, 3, "digit in the exponent");
    check_error("-", 1, 2, 1, "digit after '-'");
    check_error("+1", 1, 1, 0, "'+'");
    check_error(".5", 1, 1, 0, "'.'");
    check_error("0x1F", 1, 2, 1, "after the JSON value");
    check_error("NaN", 1, 1, 0, "NaN");
    check_error("[Infinity]", 1, 2, 1, "Infinity");
    check_error("-Infinity", 1, 1, 0, "-Infinity");
}

TEST_CASE("json: literals are exact and lower case") {
    check_error("True", 1, 1, 0, "unknown literal 'True'");
    check_error("nul", 1, 1, 0, "unknown literal 'nul'");
    check_error("nullx", 1, 1, 0, "unknown literal 'nullx'");
    check_error("[undefined]", 1, 2, 1, "unknown literal 'undefined'");
}

TEST_CASE("json: JavaScript and JSON5 habits are refused") {
    check_error("// note\n{}", 1, 1, 0, "comments");
    check_error("{} /* x */", 1, 4, 3, "after the JSON value");
    check_error("[1, /* x */ 2]", 1, 5, 4, "comments");
    check_error("'single'", 1, 1, 0, "double quotes");
    check_error("{'k': 1}", 1, 2, 1, "double quotes");
    check_error("[1,\f2]", 1, 4, 3, "U+000C");
    check_error("[1\v]", 1, 3, 2, "whitespace");
    check_error("[\xC2\xA0"
                "1]",
                1, 2, 1, "U+00A0");
    check_error("\xEF\xBB\xBF{}", 1, 1, 0, "byte order mark");
}

TEST_CASE("json: trailing content after the value is an error") {
    check_error("{} {}", 1, 4, 3, "after the JSON value");
    check_error("1 2", 1, 3, 2, "after the JSON value");
    check_error("null\n,", 2, 1, 5, "after the JSON value");
    check_error("\"a\"\"b\"", 1, 4, 3, "after the JSON value");
    check_error("[]\0"sv, 1, 3, 2, "U+0000");
}

TEST_CASE("json: string errors") {
    check_error("\"abc", 1, 1, 0, "unterminated string");
    check_error("[\"a\\", 1, 4, 3, "unterminated string");
    check_error("\"a\nb\"", 1, 3, 2, "raw control character U+000A");
    check_error("\"a\tb\"", 1, 3, 2, "raw control character U+0009");
    check_error("\"\x01\"", 1, 2, 1, "U+0001");
    check_error("\"a\\x\"", 1, 3, 2, "invalid escape \\x");
    check_error("\"\\'\"", 1, 2, 1, "invalid escape");
    check_error("\"\\u12\"", 1, 6, 5, "hex digit");
    check_error("\"\\u12g4\"", 1, 6, 5, "hex digit 'g'");
    check_error("\"\\u12", 1, 6, 5, "\\u escape");
}

TEST_CASE("json: lone and mismatched surrogates are errors") {
    check_error(R"("\ud83d")", 1, 2, 1, "unpaired high surrogate");
    check_error(R"("\ud83dx")", 1, 2, 1, "unpaired high surrogate");
    check_error(R"("ab\ud83d\n")", 1, 4, 3, "unpaired high surrogate");
    check_error(R"("\ude00")", 1, 2, 1, "unpaired low surrogate");
    check_error(R"("\ude00\ud83d")", 1, 2, 1, "unpaired low surrogate");
    check_error(R"("\ud83d\ud83d")", 1, 8, 7, "not a low surrogate");
    check_error(R"("\ud83d\u0041")", 1, 8, 7, "not a low surrogate");
}

TEST_CASE("json: invalid UTF-8 is an error") {
    check_error("\"\xFF\"", 1, 2, 1, "invalid UTF-8 (byte 0xFF)");
    check_error("\"ok\x80\"", 1, 4, 3, "invalid UTF-8");           // stray continuation byte
    check_error("\"\xC3\"", 1, 2, 1, "invalid UTF-8 (byte 0xC3)"); // truncated sequence
    check_error("\"\xC0\xAF\"", 1, 2, 1, "invalid UTF-8");         // overlong '/'
    check_error("\"\xE0\x80\xAF\"", 1, 2, 1, "invalid UTF-8");     // overlong, three bytes
    check_error("\"\xED\xA0\x80\"", 1, 2, 1, "invalid UTF-8");     // encoded surrogate
    check_error("\"\xF4\x90\x80\x80\"", 1, 2, 1, "invalid UTF-8"); // past U+10FFFF
    check_error("\"\xF0\x9F\x98\"", 1, 2, 1, "invalid UTF-8");     // cut short by the quote
    check_error("[\xC3\xA9]", 1, 2, 1, "U+00E9");                  // valid, but outside a string
    // The largest code points of each length are accepted.
    CHECK(parse_json("\"\xDF\xBF\xEF\xBF\xBF\xF4\x8F\xBF\xBF\"").as_string().size() == 9);
}

TEST_CASE("json: duplicate object keys are an error") {
    check_error(R"({"a": 1, "a": 2})", 1, 10, 9, "duplicate object key \"a\"");
    check_error(R"({"x": {"k": 1, "j": 2, "k": 3}})", 1, 24, 23, "duplicate object key \"k\"");
    // Escape spelling does not make two keys distinct.
    check_error(R"({"\u00e9": 1, "é": 2})", 1, 15, 14, "duplicate object key");
    // The same key in different objects is fine.
    CHECK(parse_json(R"([{"a": 1}, {"a": 2}])").size() == 2);

    // Large objects take a different path to find duplicates; it must agree.
    std::string big = "{";
    for (int i = 0; i < 100; ++i)
        big += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ",";
    const std::string ok = big.substr(0, big.size() - 1) + "}";
    CHECK(parse_json(ok).size() == 100);
    CHECK(parse_json(ok).at("k99").as_int64() == 99);
    const std::string late = big + "\"k57\": 0}";
    check_error(late, 1, big.size() + 1, big.size(), "duplicate object key \"k57\"");
    const std::string early = big.substr(0, 1) + "\"k0\": 0, \"k0\": 1}";
    check_error(early, 1, 11, 10, "duplicate object key \"k0\"");
}

TEST_CASE("json: nesting is limited to 256 levels") {
    const std::string ok = std::string(256, '[') + std::string(256, ']');
    const auto deep = parse_json(ok);
    const json_value* v = &deep;
    std::size_t levels = 0;
    while (v->is_array() && v->size() != 0) {
        v = &v->at(0);
        ++levels;
    }
    CHECK(levels == 255);

    check_error(std::string(257, '[') + std::string(257, ']'), 1, 257, 256,
                "nesting deeper than 256");

    std::string objects;
    for (int i = 0; i < 300; ++i) objects += "{\"a\":";
    check_error(objects, 1, 5 * 256 + 1, 5 * 256, "nesting deeper than 256");
}

TEST_CASE("json: hostile nesting fails cleanly instead of exhausting the stack") {
    const std::string brackets(1'000'000, '[');
    check_error(brackets, 1, 257, 256, "nesting");

    std::string mixed;
    mixed.reserve(2'000'000);
    for (int i = 0; i < 500'000; ++i) mixed += "[{\"k\":"; // alternating array and object levels
    CHECK_THROWS_AS((void)parse_json(mixed), fc::invalid_argument);
}

TEST_CASE("json: canonical output is compact, sorted and uniformly escaped") {
    const auto v = parse_json(R"(  {
        "spec" : { "b" : [ 1 , 2.50 , -0 , 1E+02 ] , "a" : null } ,
        "Z" : "caps sort first",
        "\u00e9" : "non-ASCII sorts last",
        "text" : "q\"b\\s\/ \b\f\n\r\t \u0001\u001F \u007f é \ud83d\ude00" ,
        "flags" : [ true , false , { } , [ ] ]
    }  )");
    CHECK(canonical_json(v) ==
          "{\"Z\":\"caps sort first\","
          "\"flags\":[true,false,{},[]],"
          "\"spec\":{\"a\":null,\"b\":[1,2.50,-0,1E+02]},"
          "\"text\":\"q\\\"b\\\\s/ \\b\\f\\n\\r\\t \\u0001\\u001f \x7F \xC3\xA9 \xF0\x9F\x98\x80\","
          "\"\xC3\xA9\":\"non-ASCII sorts last\"}");

    CHECK(canonical_json(parse_json("null")) == "null");
    CHECK(canonical_json(parse_json(" 0.1e-5 ")) == "0.1e-5");
    CHECK(canonical_json(parse_json(R"("\u0000")")) == R"("\u0000")");
    CHECK(canonical_json(parse_json("[]")) == "[]");
    CHECK(canonical_json(parse_json("{}")) == "{}");
}

TEST_CASE("json: canonical output ignores layout, member order and escape spelling") {
    const auto canonical = [](std::string_view text) { return canonical_json(parse_json(text)); };

    const std::string reference =
        canonical(R"({"name":"caf\u00e9/\ud83d\ude00","list":[1,{"y":2,"x":1}],"n":null})");
    CHECK(canonical("{ \"list\" : [ 1 , { \"x\" : 1 , \"y\" : 2 } ] ,\n\t\"n\" : null ,\r\n"
                    "  \"name\" : \"caf\xC3\xA9\\/\xF0\x9F\x98\x80\" }") == reference);
    CHECK(canonical(R"({"n":null,"name":"\u0063\u0061\u0066\u00E9\/\uD83D\uDE00",)"
                    R"("list":[1,{"y":2,"x":1}]})") == reference);

    // Keys sort by UTF-8 bytes: a high code point sorts after ASCII regardless of char signedness,
    // and a prefix sorts before its extensions.
    CHECK(canonical(R"({"\u00e9":1,"z":2,"ab":3,"a":4,"":5})") ==
          "{\"\":5,\"a\":4,\"ab\":3,\"z\":2,\"\xC3\xA9\":1}");
    CHECK(canonical(R"({"\ud83d\ude00":1,"\uffff":2})") ==
          "{\"\xEF\xBF\xBF\":2,\"\xF0\x9F\x98\x80\":1}");

    // Numbers are not normalized: they differ when their text differs.
    CHECK(canonical("[1.0]") != canonical("[1]"));

    // The canonical text is itself valid JSON and a fixed point.
    CHECK(canonical(reference) == reference);

    // Parsing does not reorder: the tree keeps the source order after canonicalizing.
    const auto v = parse_json(R"({"b":1,"a":2})");
    (void)canonical_json(v);
    CHECK(v.as_object().front().first == "b");
}
