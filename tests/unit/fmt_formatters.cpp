// flytecache — the opt-in fmt::formatter specializations (flytecache/fmt.hpp)
// SPDX-License-Identifier: MIT
#include <flytecache/fmt.hpp>
#include <flytecache/literal/literal_traits.hpp>

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fc = flytecache;

TEST_CASE("a literal formats as flytekit's short_string, {:v} as its verbose text") {
    const fc::literal number = fc::to_literal(std::int64_t{42});
    const fc::literal list = fc::to_literal(std::vector<std::string>{"a", "b\"c"});
    CHECK(fmt::format("{}", number) == "42");
    CHECK(fmt::format("{}", list) == list.short_string());
    CHECK(fmt::format("{}", list) == R"(["a", "b\"c"])");
    CHECK(fmt::format("{:v}", list) == list.verbose_string());
    CHECK(fmt::format("{:v}", list) != fmt::format("{}", list));
}

TEST_CASE("a literal_map formats as {name: value, ...} in its sorted order") {
    const fc::literal_map inputs{{"rate", fc::to_literal(0.5)},
                                 {"epochs", fc::to_literal(std::int64_t{10})}};
    CHECK(fmt::format("{}", inputs) == "{epochs: 10, rate: 0.5}");
    CHECK(fmt::format("{}", fc::literal_map{}) == "{}");
}

TEST_CASE("an explain report formats as its to_string()") {
    fc::call_explanation report;
    report.task = "example.train";
    report.cache_enabled = false;
    CHECK(fmt::format("{}", report) == report.to_string());
    CHECK(fmt::format("{}", report).find("cache    off") != std::string::npos);
}

TEST_CASE("a format spec the formatters do not know is refused with a flytecache message") {
    const fc::literal number = fc::to_literal(std::int64_t{1});
    const fc::literal_map empty{};
    // fmt::runtime: a literal format string with a bad spec would not compile at all.
    CHECK_THROWS_WITH_AS((void)fmt::format(fmt::runtime("{:x}"), number),
                         "flytecache: a literal's format is {} or {:v}", fmt::format_error);
    CHECK_THROWS_WITH_AS((void)fmt::format(fmt::runtime("{:v}"), empty),
                         "flytecache: this type's format is {} (no options)", fmt::format_error);
}
