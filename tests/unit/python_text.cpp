// flytecache — unit tests for detail/python_text.hpp
// SPDX-License-Identifier: MIT
// Unit tests for detail/python_text.hpp: Python's str() of raw-container inputs and the parsing of
// their output files. Expected values come from CPython 3.11 (noted beside the cases).
#include <flytecache/detail/python_text.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace fc = flytecache;
using fc::detail::parse_python_bool;
using fc::detail::parse_python_datetime;
using fc::detail::parse_python_float;
using fc::detail::parse_python_int;
using fc::detail::parse_python_str;
using fc::detail::parse_python_timedelta;
using fc::detail::python_str;
using fc::detail::text_parse_error;
using namespace std::string_literals;
using std::chrono::microseconds;

namespace {

using utc_micros = std::chrono::sys_time<microseconds>;

utc_micros at(std::int64_t micros_since_epoch) {
    return utc_micros(microseconds(micros_since_epoch));
}

// The what() of the text_parse_error that `parse` throws; fails the test when it does not throw
// one.
template <class Parse>
std::string error_of(Parse parse) {
    try {
        (void)parse();
    } catch (const text_parse_error& e) {
        return e.what();
    } catch (...) {
        FAIL("threw something other than text_parse_error");
        return {};
    }
    FAIL("accepted invalid text");
    return {};
}

std::int64_t datetime_micros(std::string_view text) {
    return parse_python_datetime(text).time_since_epoch().count();
}

} // namespace

TEST_CASE("python_text: str is kept verbatim") {
    CHECK(parse_python_str(" hello\n") == " hello\n");
    CHECK(parse_python_str("") == "");
    CHECK(python_str("text") == "text"); // a string literal must not be taken as a bool
    CHECK(python_str("a b"s) == "a b");
}

TEST_CASE("python_text: bool is anything but \"false\"") {
    CHECK_FALSE(parse_python_bool("false"));
    CHECK_FALSE(parse_python_bool("FALSE"));
    CHECK_FALSE(parse_python_bool("False"));
    CHECK_FALSE(parse_python_bool(" false\n")); // whitespace stripped: our documented difference
    CHECK(parse_python_bool("true"));
    CHECK(parse_python_bool("0")); // "0".lower() != "false"
    CHECK(parse_python_bool(""));  // "".lower() != "false"
    CHECK(parse_python_bool("no"));
    CHECK(parse_python_bool("fals"));
    CHECK(parse_python_bool("false false"));

    CHECK(python_str(true) == "True");
    CHECK(python_str(false) == "False");
}

TEST_CASE("python_text: int") {
    CHECK(parse_python_int<int>("42") == 42);
    CHECK(parse_python_int<int>(" -7\n") == -7);
    CHECK(parse_python_int<int>("+3") == 3);
    CHECK(parse_python_int<int>("1_000") == 1000);
    CHECK(parse_python_int<int>("007") == 7);
    CHECK(parse_python_int<int>("-0") == 0);
    CHECK(parse_python_int<unsigned>("-0") == 0U);
    CHECK(parse_python_int<std::int8_t>("-128") == -128);
    CHECK(parse_python_int<std::int8_t>("127") == 127);
    CHECK(parse_python_int<std::int64_t>("-9223372036854775808") ==
          std::numeric_limits<std::int64_t>::min());
    CHECK(parse_python_int<std::int64_t>("9_223_372_036_854_775_807") ==
          std::numeric_limits<std::int64_t>::max());
    CHECK(parse_python_int<std::uint64_t>("18446744073709551615") ==
          std::numeric_limits<std::uint64_t>::max());
    CHECK(parse_python_int<int>(std::string(4299, '0') + "5") == 5); // 4300 digits: Python's limit
    CHECK(python_str(0) == "0");
    CHECK(python_str(-42) == "-42");
    CHECK(python_str(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
    CHECK(python_str(std::numeric_limits<std::uint64_t>::max()) == "18446744073709551615");
    CHECK(python_str(std::int8_t{-5}) == "-5"); // a number, not a character
}

TEST_CASE("python_text: malformed or out-of-range int is an error") {
    CHECK(error_of([] { return parse_python_int<int>("12x"); }) == "not a valid integer: \"12x\"");
    for (const char* text : {"1__0", "_1", "1_", "+_1", "- 1", "", " ", "+", "1.0", "0x10", "1e3"})
        CHECK_THROWS_AS(parse_python_int<int>(text), text_parse_error);
    // Python's int() also reads other Unicode decimal digits; we take ASCII digits only.
    CHECK_THROWS_AS(parse_python_int<int>("\u0661\u0662"), text_parse_error);
    CHECK(error_of([] { return parse_python_int<std::int8_t>("128"); }) ==
          "integer out of range [-128, 127]: \"128\"");
    CHECK_THROWS_AS(parse_python_int<std::int8_t>("-129"), text_parse_error);
    CHECK_THROWS_AS(parse_python_int<std::uint8_t>("256"), text_parse_error);
    CHECK_THROWS_AS(parse_python_int<unsigned>("-1"), text_parse_error);
    CHECK_THROWS_AS(parse_python_int<std::int64_t>("9223372036854775808"), text_parse_error);
    CHECK_THROWS_AS(parse_python_int<std::uint64_t>("18446744073709551616"), text_parse_error);
    CHECK_THROWS_AS(parse_python_int<std::uint64_t>("99999999999999999999999999999"),
                    text_parse_error);
    // Python 3.11 refuses more than 4300 digits, even leading zeros.
    CHECK_THROWS_AS(parse_python_int<int>(std::string(4300, '0') + "5"), text_parse_error);
}

TEST_CASE("python_text: error messages quote the text, escaped and truncated") {
    CHECK(error_of([] { return parse_python_int<int>("a\"b\\c\x01"); }) ==
          "not a valid integer: \"a\\\"b\\\\c\\x01\"");
    const std::string message =
        error_of([] { return parse_python_int<int>(std::string(200, 'x')); });
    CHECK(message == "not a valid integer: \"" + std::string(80, 'x') + "...\"");
}

TEST_CASE("python_text: float") {
    CHECK(parse_python_float<double>("1.5") == 1.5);
    CHECK(parse_python_float<double>("1e3") == 1000.0);
    CHECK(parse_python_float<double>("1_0.5") == 10.5);
    CHECK(parse_python_float<double>(" -2.5e-3\n") == -0.0025);
    CHECK(parse_python_float<double>(".5") == 0.5);
    CHECK(parse_python_float<double>("5.") == 5.0);
    CHECK(parse_python_float<double>("+.5") == 0.5);
    CHECK(parse_python_float<double>("5.e3") == 5000.0);
    CHECK(parse_python_float<double>("1e1_0") == 1e10);
    CHECK(parse_python_float<double>("0.1") == 0x1.999999999999ap-4);
    CHECK(parse_python_float<double>("0.30000000000000004") == 0x1.3333333333334p-2);
    CHECK(parse_python_float<double>("1e-320") == 1e-320); // subnormal
    CHECK(parse_python_float<double>("3e-324") ==
          0x0.0000000000001p-1022);                             // rounds up to the least
    CHECK(parse_python_float<double>("2e-324") == 0.0);         // Python: 0.0
    CHECK(std::signbit(parse_python_float<double>("-1e-400"))); // Python: -0.0
    CHECK(std::signbit(parse_python_float<double>("-0")));
    CHECK(parse_python_float<double>("1e400") == std::numeric_limits<double>::infinity());
    CHECK(parse_python_float<double>("1.7976931348623159e308") ==
          std::numeric_limits<double>::infinity());
    CHECK(parse_python_float<double>("-1e999999999999999999999") ==
          -std::numeric_limits<double>::infinity());
    CHECK(parse_python_float<double>("1.7976931348623157e308") ==
          std::numeric_limits<double>::max());
    CHECK(parse_python_float<double>("inf") == std::numeric_limits<double>::infinity());
    CHECK(parse_python_float<double>("-Infinity") == -std::numeric_limits<double>::infinity());
    CHECK(parse_python_float<double>("+iNF") == std::numeric_limits<double>::infinity());
    CHECK(std::isnan(parse_python_float<double>("nan")));
    CHECK(std::isnan(parse_python_float<double>("-nan")));
    CHECK(std::signbit(parse_python_float<double>("-NaN")));
    CHECK(parse_python_float<float>("0.1") == 0.1f);
    CHECK(parse_python_float<float>("1e39") == std::numeric_limits<float>::infinity());
    CHECK(parse_python_float<long double>("0.1") == 0.1L);
}

TEST_CASE("python_text: malformed float is an error") {
    CHECK(error_of([] { return parse_python_float<double>("abc"); }) ==
          "not a valid float: \"abc\"");
    for (const char* text :
         {"",     ".",    "e5",      "1e",     "1e+",  "1__0.5", "1_.5", "1._5", "1.5_", "1_e5",
          "1e_5", "in_f", "infinit", "nan(1)", "0x10", "1.5.",   "--1",  "+-1",  "1 5",  "1,5"})
        CHECK_THROWS_AS(parse_python_float<double>(text), text_parse_error);
}

TEST_CASE("python_text: float repr") {
    CHECK(python_str(1.0) == "1.0");
    CHECK(python_str(0.1) == "0.1");
    CHECK(python_str(1e16) == "1e+16");
    CHECK(python_str(9999999999999998.0) == "9999999999999998.0");
    CHECK(python_str(1e-5) == "1e-05");
    CHECK(python_str(1e-4) == "0.0001");
    CHECK(python_str(0.001) == "0.001");
    CHECK(python_str(100.0) == "100.0");
    CHECK(python_str(123456789.0) == "123456789.0");
    CHECK(python_str(1.5e300) == "1.5e+300");
    CHECK(python_str(1e22) == "1e+22");
    CHECK(python_str(-2.5) == "-2.5");
    CHECK(python_str(1.0 / 3.0) == "0.3333333333333333");
    CHECK(python_str(0x1.2fb3367a05474p-23) == "1.4142135623730952e-07");
    CHECK(python_str(0x0.0000000000001p-1022) == "5e-324");
    CHECK(python_str(std::numeric_limits<double>::max()) == "1.7976931348623157e+308");
    CHECK(python_str(0.0) == "0.0");
    CHECK(python_str(-0.0) == "-0.0");
    CHECK(python_str(std::numeric_limits<double>::infinity()) == "inf");
    CHECK(python_str(-std::numeric_limits<double>::infinity()) == "-inf");
    CHECK(python_str(std::numeric_limits<double>::quiet_NaN()) == "nan");
    CHECK(python_str(-std::numeric_limits<double>::quiet_NaN()) == "nan");
    CHECK(python_str(0.1 + 0.2) == "0.30000000000000004");
}

TEST_CASE("python_text: timedelta by flytekit's pattern") {
    using std::chrono::hours;
    using std::chrono::minutes;
    using std::chrono::seconds;
    CHECK(parse_python_timedelta("12") == seconds(12));
    CHECK(parse_python_timedelta("1:30") == hours(1) + seconds(30)); // the first group is hours
    CHECK(parse_python_timedelta("1:02:03") == hours(1) + minutes(2) + seconds(3));
    CHECK(parse_python_timedelta("0:00:01.500000") == microseconds(1'500'000));
    CHECK(parse_python_timedelta("1.5") ==
          seconds(1) + microseconds(5)); // the fraction counts microseconds
    CHECK(parse_python_timedelta("0.1234567") == microseconds(1'234'567));
    CHECK(parse_python_timedelta("90:90:90") == hours(90) + minutes(90) + seconds(90));
    CHECK(parse_python_timedelta(" 00012\n") == seconds(12));
    CHECK(parse_python_timedelta("2562047788:00:54.775807") == microseconds::max());
}

TEST_CASE("python_text: malformed or out-of-range timedelta is an error") {
    CHECK(error_of([] { return parse_python_timedelta("x"); }) == "not a valid timedelta: \"x\"");
    for (const char* text : {"", ".5", "1.", "1:", ":1", "1::2", "1:2:3:4", "-1", "+1", "1:2.5:3",
                             "1.2.3", "1 2", "12x", "1:30 extra", "1e3"})
        CHECK_THROWS_AS(parse_python_timedelta(text), text_parse_error);
    CHECK(error_of([] { return parse_python_timedelta("2562047788:00:54.775808"); }) ==
          "timedelta out of range: \"2562047788:00:54.775808\"");
    CHECK_THROWS_AS(parse_python_timedelta("99999999999999999999999"), text_parse_error);
    CHECK_THROWS_AS(parse_python_timedelta("1.99999999999999999999999"), text_parse_error);
}

TEST_CASE("python_text: timedelta str") {
    CHECK(python_str(microseconds(0)) == "0:00:00");
    CHECK(python_str(microseconds(1)) == "0:00:00.000001");
    CHECK(python_str(microseconds(1'500'000)) == "0:00:01.500000");
    CHECK(python_str(std::chrono::seconds(3723)) == "1:02:03");
    CHECK(python_str(microseconds(86'400'000'000)) == "1 day, 0:00:00");
    CHECK(python_str(microseconds(90'061'000'001)) == "1 day, 1:01:01.000001");
    CHECK(python_str(microseconds(172'800'000'000)) == "2 days, 0:00:00");
    CHECK(python_str(std::chrono::seconds(-1)) == "-1 day, 23:59:59");
    CHECK(python_str(microseconds(-1)) == "-1 day, 23:59:59.999999");
    CHECK(python_str(microseconds(-86'400'000'000)) == "-1 day, 0:00:00");
    CHECK(python_str(microseconds(-86'400'000'001)) == "-2 days, 23:59:59.999999");
    CHECK(python_str(microseconds::min()) == "-106751992 days, 19:59:05.224192");
    CHECK(python_str(microseconds::max()) == "106751991 days, 4:00:54.775807");
}

TEST_CASE("python_text: datetime.fromisoformat") {
    CHECK(datetime_micros("2024-02-29") == 1709164800000000);
    CHECK(datetime_micros("2024-01-01T12:30:45.123456+02:00") == 1704105045123456);
    CHECK(datetime_micros("2024-01-01 12:30") == 1704112200000000);
    CHECK(datetime_micros("2024-01-01T00:00:00Z") == 1704067200000000);
    CHECK(datetime_micros("2024-01-01T12:30:45-05:30") == 1704132045000000);
    CHECK(datetime_micros("2024-01-01t12") == 1704110400000000);
    CHECK(datetime_micros("20240101T123045") == 1704112245000000);
    CHECK(datetime_micros("2024-01-01T12:30:45,5") == 1704112245500000);
    CHECK(datetime_micros("2024-01-01T12:30:45.1234567") ==
          1704112245123456); // digits past 6 dropped
    CHECK(datetime_micros("1969-12-31T23:59:59.5") == -500000);
    CHECK(datetime_micros("0001-01-01") == -62135596800000000);
    CHECK(datetime_micros("9999-12-31T23:59:59.999999") == 253402300799999999);
    CHECK(datetime_micros(" 2024-01-01T00:00:00Z\n") ==
          1704067200000000); // stripped: our difference
    // Offsets: "+HH", "+HHMM", "+HH:MM:SS.f", "-00:00"; Python checks only that the total is under
    // a day.
    CHECK(datetime_micros("2024-01-01T12:30+02") == 1704105000000000);   // Python: 12:30+02:00
    CHECK(datetime_micros("2024-01-01T12:30+0230") == 1704103200000000); // Python: 12:30+02:30
    CHECK(datetime_micros("2024-01-01T12:30+02:30:15.5") == 1704103184500000);
    CHECK(datetime_micros("2024-01-01T12:30-00:00") == 1704112200000000);
    CHECK(datetime_micros("2024-01-01T12:30:45+01:60") == 1704105045000000); // Python: +02:00
    CHECK(datetime_micros("2024-01-01T12:30:45-23:59:59.999999") == 1704198644999999);
}

TEST_CASE("python_text: malformed or out-of-range datetime is an error") {
    CHECK(error_of([] { return parse_python_datetime("2024-02-30"); }) ==
          "not a valid datetime (day is out of range for month): \"2024-02-30\"");
    CHECK(error_of([] { return parse_python_datetime("today"); }) ==
          "not a valid ISO 8601 datetime: \"today\"");
    for (const char* text : {"",
                             "2023-02-29",
                             "1900-02-29",
                             "2024-04-31",
                             "2024-13-01",
                             "2024-00-01",
                             "2024-01-00",
                             "0000-01-01",
                             "2024-1-01",
                             "2024-01-1",
                             "2024-0101",
                             "202401-01",
                             "2024-01-01T",
                             "2024-01-01T1",
                             "2024-01-01T12:3",
                             "2024-01-01T12:30:4",
                             "2024-01-01T24:00",
                             "2024-01-01T12:60",
                             "2024-01-01T12:30:60",
                             "2024-01-01T12:30:45.",
                             "2024-01-01T12:3045",
                             "2024-01-01T12:30z",
                             "2024-01-01T12:30+01:00Z",
                             "2024-01-01T12:30:45+01:0",
                             "2024-01-01T12:30+24:00",
                             "2024-01-01T12:30+23:60",
                             "2024-01-01T12:30+",
                             "2024-01-01T12:30+1",
                             "2024-01-0112:30",
                             "2024-01-01T12:30:45 x",
                             "2024-01-01TT12"})
        CHECK_THROWS_AS(parse_python_datetime(text), text_parse_error);
    // Accepted by CPython 3.11 but not by this stricter subset: ISO week dates, separators other
    // than 'T', 't' and ' ', and its C parser's leniencies (a fraction after HH or HH:MM, a lone
    // trailing digit, an empty fraction before "Z").
    for (const char* text : {"2024-W01-1", "2024-01-01x12:30", "2024-01-01T12:59.5",
                             "2024-01-01T125Z", "2024-01-01T23:30:30.Z"})
        CHECK_THROWS_AS(parse_python_datetime(text), text_parse_error);
}

TEST_CASE("python_text: datetime str") {
    CHECK(python_str(at(0)) == "1970-01-01 00:00:00");
    CHECK(python_str(at(1)) == "1970-01-01 00:00:00.000001");
    CHECK(python_str(at(-1)) == "1969-12-31 23:59:59.999999");
    CHECK(python_str(at(1704112245123456)) == "2024-01-01 12:30:45.123456");
    CHECK(python_str(at(951782400000000)) == "2000-02-29 00:00:00");
    CHECK(python_str(at(-62135596800000000)) == "0001-01-01 00:00:00");
    CHECK(python_str(at(253402300799999999)) == "9999-12-31 23:59:59.999999");
    CHECK(python_str(std::chrono::sys_days(std::chrono::year(2024) / 3 / 1)) ==
          "2024-03-01 00:00:00");
    // Beyond Python's years (and beyond std::chrono::year's): still a well-defined date, no UB.
    CHECK(python_str(utc_micros::min()) == "-290308-12-21 19:59:05.224192");
    CHECK(python_str(utc_micros::max()) == "294247-01-10 04:00:54.775807");
}

TEST_CASE("python_text: parse and str round-trip") {
    for (const double value : {0.1, 1e16, 1e-5, 123456789.0, 5e-324, -2.5})
        CHECK(parse_python_float<double>(python_str(value)) == value);
    for (const std::int64_t micros : {0LL, 1LL, 1704112245123456LL, -62135596800000000LL})
        CHECK(parse_python_datetime(python_str(at(micros))) == at(micros));
    CHECK(parse_python_int<std::int64_t>(python_str(std::numeric_limits<std::int64_t>::min())) ==
          std::numeric_limits<std::int64_t>::min());
    CHECK(parse_python_bool(python_str(false)) == false);
    CHECK(parse_python_bool(python_str(true)) == true);
}
