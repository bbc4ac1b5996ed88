// flytecache — policies::pod_template: the version follows the task's pod template
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/policy/composite_policy.hpp>
#include <flytecache/policy/version_parameters.hpp>

#include <string>
#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN
namespace policies {

/// Contributes the pod template name followed by the pod template's `version_hash()`; either part
/// is "" when absent.
///
/// Use it when the pod (node selectors, GPUs, sidecars, environment) can change results.
/// Stateless; safe to share between threads.
struct pod_template {
    template <class F>
    [[nodiscard]] std::string get_version(std::string_view /*salt*/,
                                          const version_parameters<F>& params) const {
        std::string out = params.pod_template_name.value_or(std::string());
        if (params.pod_template) out += params.pod_template->version_hash();
        return out;
    }
};

} // namespace policies
FLYTECACHE_NAMESPACE_END
