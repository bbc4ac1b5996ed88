// flytecache — the one walker over a Boost.Hana struct's fields (names, types, values)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>

#include <boost/hana/accessors.hpp>
#include <boost/hana/at.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/size.hpp>
#include <boost/hana/string.hpp>
#include <boost/hana/tuple.hpp>

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// Every place that looks inside a user's BOOST_HANA_DEFINE_STRUCT type goes through this header:
// literal_traits for structs, task interfaces, container tasks and the TaskTemplate export.

/// A Boost.Hana struct (BOOST_HANA_DEFINE_STRUCT / BOOST_HANA_ADAPT_STRUCT).
template <class T>
concept is_struct = boost::hana::Struct<T>::value;

/// The number of fields of the Hana struct S.
template <is_struct S>
inline constexpr std::size_t field_count =
    decltype(boost::hana::size(boost::hana::accessors<S>()))::value;

/// The type of the I-th field of the Hana struct S (cv-ref removed).
template <is_struct S, std::size_t I>
using field_type_t = std::remove_cvref_t<decltype(boost::hana::second(
    boost::hana::at_c<I>(boost::hana::accessors<S>()))(std::declval<S&>()))>;

/// Calls `f(name, field)` for each field of `obj` in declaration order; `name` is a
/// std::string_view over static storage and `field` a reference with `obj`'s constness.
template <class S, class F>
    requires is_struct<std::remove_const_t<S>>
constexpr void for_each_field(S& obj, F&& f) {
    boost::hana::for_each(boost::hana::accessors<std::remove_const_t<S>>(), [&](const auto& pair) {
        using key = std::remove_cvref_t<decltype(boost::hana::first(pair))>;
        f(std::string_view(key::c_str()), boost::hana::second(pair)(obj));
    });
}

/// Calls `f(name, std::type_identity<Field>{})` for each field type of S in declaration order.
template <is_struct S, class F>
constexpr void for_each_field_type(F&& f) {
    boost::hana::for_each(boost::hana::accessors<S>(), [&](const auto& pair) {
        using key = std::remove_cvref_t<decltype(boost::hana::first(pair))>;
        using field = std::remove_cvref_t<decltype(boost::hana::second(pair)(std::declval<S&>()))>;
        f(std::string_view(key::c_str()), std::type_identity<field>{});
    });
}

/// The field names of S in declaration order.
template <is_struct S>
constexpr std::array<std::string_view, field_count<S>> field_names() {
    std::array<std::string_view, field_count<S>> names{};
    std::size_t i = 0;
    for_each_field_type<S>([&](std::string_view name, auto) { names[i++] = name; });
    return names;
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
