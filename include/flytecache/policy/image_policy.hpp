// flytecache — policies::image: the version follows the task's container image
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/policy/composite_policy.hpp>
#include <flytecache/policy/version_parameters.hpp>

#include <string>
#include <string_view>
#include <variant>

FLYTECACHE_NAMESPACE_BEGIN
namespace policies {

/// Contributes the task's container image name: the string as given, or `image_spec::image_name()`
/// (whose tag follows the spec's contents), or "" when the task has no image.
///
/// Use it when a new image means results may differ (new compiler, new library versions).
/// Stateless; safe to share between threads.
struct image {
    template <class F>
    [[nodiscard]] constexpr std::string get_version(std::string_view /*salt*/,
                                                    const version_parameters<F>& params) const {
        if (const auto* name = std::get_if<std::string>(&params.container_image)) return *name;
        if (const auto* spec = std::get_if<image_spec>(&params.container_image)) {
            return spec->image_name();
        }
        return {};
    }
};

} // namespace policies
FLYTECACHE_NAMESPACE_END
