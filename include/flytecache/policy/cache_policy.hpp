// flytecache — the cache_policy concept (flytekit's CachePolicy protocol)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/policy/version_parameters.hpp>

#include <concepts>
#include <string_view>
#include <type_traits>

FLYTECACHE_NAMESPACE_BEGIN

/// A type that contributes to a task's cache version (flytekit's `CachePolicy` protocol).
///
/// `P` models `cache_policy<P, F>` when a const `P` answers
/// `get_version(std::string_view salt, const version_parameters<F>& params)` with something
/// convertible to `std::string_view` (a `std::string`, a `std::string_view`, a literal). Policies
/// are values, usually empty types, and are never called through a base class. Laws
/// (docs/concepts.md): equal (salt, params) give equal outputs; the output does not depend on time
/// or on state that can change between runs unless that change is meant to invalidate the cache.
///
/// `F` defaults to `no_function`, which suits policies that ignore the task function.
template <class P, class F = no_function>
concept cache_policy =
    std::is_object_v<P> && std::move_constructible<P> &&
    requires(const P& p, std::string_view salt, const version_parameters<F>& params) {
        { p.get_version(salt, params) } -> std::convertible_to<std::string_view>;
    };

namespace detail {

// Detects whether P declares any member named get_version, whatever its signature, template-ness or
// overloads: if it does, naming get_version in a class derived from both P and a class with its own
// get_version is ambiguous. This lets cache<...> say "has no get_version" at the point where the
// policy type enters, before any task function type is known.
struct get_version_decoy {
    void get_version();
};
template <class P>
struct get_version_probe : P, get_version_decoy {};

template <class P>
concept declares_get_version =
    std::is_class_v<P> && (std::is_final_v<P> || !requires { &get_version_probe<P>::get_version; });

} // namespace detail

FLYTECACHE_NAMESPACE_END
