// flytecache — compile-time checks of the task argument rule (task/task_arguments.hpp)
// SPDX-License-Identifier: MIT
// compile-time checks of the task argument rule (task/task_arguments.hpp): which argument types
// each input type accepts, which narrow, which do not convert.
#include <flytecache/flytecache.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace fc = flytecache;

namespace {

using fc::detail::argument_fit;
using fc::detail::task_argument_fit_v;

template <class Input, class Argument>
constexpr bool accepted = task_argument_fit_v<Input, Argument> == argument_fit::accepted;
template <class Input, class Argument>
constexpr bool narrows = task_argument_fit_v<Input, Argument> == argument_fit::narrows;
template <class Input, class Argument>
constexpr bool refused = task_argument_fit_v<Input, Argument> == argument_fit::not_convertible;

enum plain_enum : std::int32_t { plain_value };
enum wide_enum : std::uint64_t { wide_value };
enum class scoped_enum : std::int32_t { value };

struct celsius {
    double value;
    operator double() const { return value; } // NOLINT: implicit, as a user's type may be
};

struct converts_to_optional {
    operator std::optional<std::int64_t>() const; // NOLINT: implicit, as a user's type may be
};

// Same type, whatever the reference and const on the argument.
static_assert(accepted<std::int64_t, std::int64_t>);
static_assert(accepted<std::int64_t, const std::int64_t&>);
static_assert(accepted<std::string, std::string&&>);

// Integers: no narrowing (C++'s rule for a non-constant source).
static_assert(accepted<std::int64_t, std::int32_t>);
static_assert(accepted<std::int64_t, std::int8_t>);
static_assert(accepted<std::int64_t, long long>);     // same size, another spelling
static_assert(accepted<std::int64_t, std::uint32_t>); // every value fits a wider signed type
static_assert(accepted<std::uint64_t, std::uint32_t>);
static_assert(accepted<std::int64_t, char>);
static_assert(narrows<std::int32_t, std::int64_t>);
static_assert(narrows<std::uint64_t, std::int64_t>);
static_assert(narrows<std::uint64_t, std::int32_t>);
static_assert(narrows<std::int64_t, std::uint64_t>);
static_assert(narrows<std::int32_t, std::uint32_t>);

// Floating point: no smaller; integers when their digits fit the mantissa.
static_assert(accepted<double, float>);
static_assert(accepted<long double, double>);
static_assert(narrows<float, double>);
static_assert(accepted<double, std::int32_t>);
static_assert(accepted<double, std::uint32_t>);
static_assert(accepted<float, std::int16_t>);
static_assert(narrows<double, std::int64_t>);
static_assert(narrows<double, std::uint64_t>);
static_assert(narrows<float, std::int32_t>);
static_assert(narrows<std::int64_t, double>); // issue 14's reproduction: 2.7 ran as 2
static_assert(narrows<std::int64_t, float>);

// bool only from bool, and into no number.
static_assert(accepted<bool, bool>);
static_assert(narrows<bool, int>);
static_assert(narrows<bool, double>);
static_assert(narrows<bool, const char*>);
static_assert(narrows<bool, plain_enum>);
// A class that converts to a number may give any value of it: refused, as at every number input.
static_assert(refused<bool, std::vector<bool>::reference>);
static_assert(refused<double, celsius>);
static_assert(refused<std::int64_t, celsius>); // 2.9 degrees would run as 2
static_assert(refused<std::optional<std::int64_t>, celsius>);
// std::cref(x) is held to x's rule.
static_assert(accepted<double, std::reference_wrapper<const double>>);
static_assert(narrows<std::int64_t, std::reference_wrapper<const double>>);
static_assert(narrows<std::int32_t, std::reference_wrapper<std::int64_t>>);
static_assert(accepted<std::string, std::reference_wrapper<const std::string>>);
static_assert(refused<std::int64_t, bool>);
static_assert(refused<double, bool>);

// std::optional: nullopt, or a value or optional the value type accepts.
static_assert(accepted<std::optional<std::int64_t>, std::nullopt_t>);
static_assert(accepted<std::optional<std::int64_t>, int>);
static_assert(accepted<std::optional<std::int64_t>, std::optional<int>>);
static_assert(accepted<std::optional<std::string>, const char*>);
static_assert(accepted<std::optional<std::string>, const char (&)[4]>);
static_assert(accepted<std::optional<std::int64_t>, converts_to_optional>);
static_assert(narrows<std::optional<std::int64_t>, double>);
static_assert(narrows<std::optional<std::int32_t>, std::optional<std::int64_t>>);
static_assert(refused<std::optional<std::int64_t>, bool>);
static_assert(refused<std::optional<std::int64_t>, std::string>);
static_assert(refused<std::int64_t, std::optional<std::int64_t>>);
static_assert(refused<std::int64_t, std::nullopt_t>);

// Enums: unscoped ones as their underlying type, scoped ones not at all.
static_assert(accepted<std::int64_t, plain_enum>);
static_assert(narrows<std::int64_t, wide_enum>);
static_assert(refused<std::int64_t, scoped_enum>);
static_assert(accepted<scoped_enum, scoped_enum>);
static_assert(refused<scoped_enum, std::int32_t>);

// Everything else: what the input type accepts implicitly.
static_assert(accepted<std::string, const char*>);
static_assert(accepted<std::string, const char (&)[6]>); // a string literal
static_assert(accepted<std::string_view, std::string>);
static_assert(refused<std::string, std::string_view>); // explicit in the standard library
static_assert(refused<std::string, char>);
static_assert(refused<std::string, std::nullptr_t>); // would be std::string(nullptr)
static_assert(refused<std::optional<std::string>, std::nullptr_t>);
static_assert(refused<double, std::string>);
static_assert(refused<std::int64_t, const char*>);
static_assert(refused<std::vector<std::int64_t>, std::size_t>); // not vector(n)
static_assert(refused<std::vector<std::int64_t>, std::vector<std::int32_t>>);

// Whole argument lists: the count, then each argument.
using fc::detail::task_arguments_accepted;
static_assert(task_arguments_accepted<std::tuple<std::int64_t, double>, int, float>());
static_assert(!task_arguments_accepted<std::tuple<std::int64_t, double>, double, double>());
static_assert(!task_arguments_accepted<std::tuple<std::int64_t, double>, std::int64_t>());
static_assert(task_arguments_accepted<std::tuple<>>());

} // namespace
