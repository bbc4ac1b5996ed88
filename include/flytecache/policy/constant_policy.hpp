// flytecache — policies::constant<"text">: a fixed contribution to the version
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/fixed_string.hpp>
#include <flytecache/policy/composite_policy.hpp>
#include <flytecache/policy/version_parameters.hpp>

#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN
namespace policies {

/// Contributes a fixed string, chosen at compile time: a hand-bumped version component
/// (`constant<"schema-3">`) that composes with the other policies.
///
/// Its output is a constant expression, so a cache made only of constants and other constant
/// policies has a compile-time version. Stateless; safe to share between threads.
template <detail::fixed_string Text>
struct constant {
    template <class F>
    [[nodiscard]] constexpr std::string_view
    get_version(std::string_view /*salt*/, const version_parameters<F>& /*params*/) const noexcept {
        return Text.view();
    }
};

} // namespace policies
FLYTECACHE_NAMESPACE_END
