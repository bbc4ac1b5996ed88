// flytecache — task_options: flytekit's @task keyword arguments and the task metadata
// SPDX-License-Identifier: MIT
#pragma once

// task_options: flytekit's @task keyword arguments, and how they and a cache configuration become a
// task's metadata.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/policy/cache.hpp>
#include <flytecache/policy/version_parameters.hpp>
#include <flytecache/task/task_interface.hpp>
#include <flytecache/task/task_metadata.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// The keyword arguments of flytekit's `@task` other than `cache=Cache(...)`.
///
/// `cache`, `cache_serialize`, `cache_version` and `cache_ignore_input_vars` are flytekit's legacy
/// cache arguments: use them *or* a `cache<...>` object, never both (flytekit's rule).
struct task_options {
    bool cache = false;
    bool cache_serialize = false;
    std::string cache_version{};
    input_names cache_ignore_input_vars{};
    int retries = 0;
    task_timeout timeout{};
    std::optional<bool> interruptible{};
    std::string deprecated{};
    /// What the `image` policy hashes (flytekit's `container_image`).
    image_reference container_image{};
    std::optional<::flytecache::pod_template> pod_template{};
    std::optional<std::string> pod_template_name{};
    bool generates_deck = false;
};

/// The cache configuration of a task built with the legacy arguments (or none).
struct legacy_cache {};

namespace detail {

/// Whether a task's version comes from policies (a cache<...> with at least one), rather than
/// from an explicit string (the legacy arguments): only then can state the policies cannot see
/// leave a stale version.
template <class Cache>
inline constexpr bool versioned_by_policies = false;
template <class... Policies>
inline constexpr bool versioned_by_policies<cache<Policies...>> =
    cache<Policies...>::policy_count != 0;

inline constexpr std::string_view mixed_cache_message =
    "cache_serialize, cache_version, and cache_ignore_input_vars are deprecated. Please use Cache "
    "object";

template <std::size_t N>
std::string join_names(const std::array<std::string_view, N>& names) {
    std::string out;
    for (auto n : names) {
        if (!out.empty()) out += ", ";
        out += n;
    }
    return out.empty() ? "none" : out;
}

/// Checks names given at run time (cache_options.ignored_inputs, cache_ignore_input_vars) against
/// the task's inputs.
template <std::size_t N>
void check_runtime_ignored(std::string_view task, const input_names& ignored,
                           const std::array<std::string_view, N>& names) {
    for (const auto& name : ignored) {
        if (!names_contain(names, name)) {
            throw configuration_error("flytecache: ignored input '" + name +
                                      "' is not an input of task '" + std::string(task) +
                                      "' (its inputs: " + join_names(names) + ")");
        }
    }
}

/// The metadata of a task: from the legacy arguments in `options`, or from a cache<...> object
/// (whose version is computed here, once, with `extra` hashed after the policies' outputs: what
/// the task kind knows that the policies cannot see), plus the compile-time features (serialized,
/// ignore). `default_version` fills an empty legacy version when caching is on (container tasks
/// have one); without it, flytekit's rule applies and an empty version is an error.
template <class Features, class Cache, class F, std::size_t N>
task_metadata build_metadata(std::string_view task, const task_options& options,
                             const Cache& cache_config, const version_parameters<F>& params,
                             const std::array<std::string_view, N>& names,
                             const std::optional<std::string>& default_version = std::nullopt,
                             std::string_view extra = {}) {
    task_metadata m;
    m.retries = options.retries;
    m.timeout = options.timeout;
    m.interruptible = options.interruptible;
    m.deprecated = options.deprecated;
    m.pod_template_name = options.pod_template_name;
    m.generates_deck = options.generates_deck;
    if constexpr (std::is_same_v<Cache, legacy_cache>) {
        m.cache = options.cache;
        m.cache_serialize = options.cache_serialize || Features::is_serialized;
        m.cache_version = options.cache_version;
        m.cache_ignore_input_vars = options.cache_ignore_input_vars;
        if (m.cache && m.cache_version.empty() && default_version) {
            m.cache_version = *default_version;
        }
    } else {
        if (options.cache || options.cache_serialize || !options.cache_version.empty() ||
            !options.cache_ignore_input_vars.empty()) {
            throw configuration_error(std::string(mixed_cache_message));
        }
        if (!cache_config.is_enabled()) {
            // Flyte 2's behavior "disable": the task runs every call, nothing is cached, and the
            // cache's other settings (ignored inputs, serialize, max_age) do not apply.
            m.validate();
            return m;
        }
        m.cache = true;
        m.cache_serialize = cache_config.serialize || Features::is_serialized;
        m.cache_version = cache_config.get_version(params, extra);
        m.cache_ignore_input_vars = cache_config.ignored_inputs;
        m.cache_max_age = cache_config.max_age;
    }
    std::vector<std::string> ignored = m.cache_ignore_input_vars.names();
    for (auto n : Features::ignored_names) {
        if (std::find(ignored.begin(), ignored.end(), n) == ignored.end()) ignored.emplace_back(n);
    }
    m.cache_ignore_input_vars = input_names(std::move(ignored));
    m.validate();
    check_runtime_ignored(task, m.cache_ignore_input_vars, names);
    return m;
}

} // namespace detail

FLYTECACHE_NAMESPACE_END
