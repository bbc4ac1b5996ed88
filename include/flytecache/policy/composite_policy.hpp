// flytecache — composite_policy: policies joined with `+`, flattened, order preserved
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/policy/cache_policy.hpp>
#include <flytecache/policy/version_parameters.hpp>

#include <boost/hana/concat.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/unpack.hpp>

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN

template <class... Policies>
class cache;

/// Several policies acting as one: `p1 + p2 + p3`.
///
/// Its output is the concatenation of its parts' outputs in order, so a cache holding a composite
/// hashes exactly what it would hash holding the parts one by one (a `cache` streams each part into
/// the hash rather than concatenating). Composites never nest: `(a + b) + c` is
/// `composite_policy<A, B, C>`. Thread safety: const member functions are safe to call concurrently
/// when the parts' are.
template <class... Parts>
struct composite_policy {
    boost::hana::tuple<Parts...> parts;

    template <class F>
    [[nodiscard]] constexpr std::string get_version(std::string_view salt,
                                                    const version_parameters<F>& params) const {
        std::string out;
        boost::hana::for_each(parts, [&](const auto& part) {
            out += std::string_view(part.get_version(salt, params));
        });
        return out;
    }
};

namespace detail {

template <class T>
struct is_composite_policy : std::false_type {};
template <class... Parts>
struct is_composite_policy<composite_policy<Parts...>> : std::true_type {};

template <class P>
constexpr auto policy_parts(P&& p) {
    if constexpr (is_composite_policy<std::remove_cvref_t<P>>::value) {
        return std::forward<P>(p).parts;
    } else {
        return boost::hana::make_tuple(std::forward<P>(p));
    }
}

template <class T>
struct is_cache : std::false_type {};
template <class... Ps>
struct is_cache<cache<Ps...>> : std::true_type {};

// A cache also has a get_version (with one parameter), but joining caches means nothing.
template <class P>
concept composable_policy =
    std::is_class_v<std::remove_cvref_t<P>> && declares_get_version<std::remove_cvref_t<P>> &&
    !is_cache<std::remove_cvref_t<P>>::value;

} // namespace detail

/// Joins two policies (or composites) into one flattened composite, `lhs`'s parts first.
///
/// Found by argument-dependent lookup when either side is a flytecache type (a built-in policy or a
/// composite). To join two policies of your own, start from `composite_policy<>{}` or write
/// `using flytecache::operator+;`.
template <class L, class R>
    requires detail::composable_policy<L> && detail::composable_policy<R>
[[nodiscard]] constexpr auto operator+(L&& lhs, R&& rhs) {
    auto joined = boost::hana::concat(detail::policy_parts(std::forward<L>(lhs)),
                                      detail::policy_parts(std::forward<R>(rhs)));
    return boost::hana::unpack(std::move(joined), [](auto&&... parts) {
        return composite_policy<std::remove_cvref_t<decltype(parts)>...>{
            boost::hana::make_tuple(std::forward<decltype(parts)>(parts)...)};
    });
}

// The built-in policies live in flytecache::policies; argument-dependent lookup looks there, not in
// flytecache, so the operator is made visible in both.
namespace policies {
using ::flytecache::operator+;
} // namespace policies

FLYTECACHE_NAMESPACE_END
