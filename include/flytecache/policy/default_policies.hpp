// flytecache — default_cache_policies: the policies of a cache<> that names none
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>

#include <boost/hana/tuple.hpp>

FLYTECACHE_NAMESPACE_BEGIN

/// Customization point: the policies a `cache<>` without policy types uses (flytekit's plugin
/// `get_default_cache_policies()`). Empty unless you specialize it:
/// ```cpp
/// template <>
/// struct flytecache::default_cache_policies<void> {
///     static constexpr auto get() { return boost::hana::make_tuple(flytecache::policies::image{});
///     }
/// };
/// ```
/// Like any trait, the specialization must be visible wherever `cache<>` is used (put it in a
/// header every translation unit includes), or programs disagree about what `cache<>` means.
template <class Tag = void>
struct default_cache_policies {
    static constexpr auto get() { return boost::hana::make_tuple(); }
};

/// The Hana tuple type of the default policies.
template <class Tag = void>
using default_cache_policies_t = decltype(default_cache_policies<Tag>::get());

FLYTECACHE_NAMESPACE_END
