// flytecache — version_parameters: what a cache policy may look at (flytekit's VersionParameters)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/policy/image_spec.hpp>
#include <flytecache/policy/pod_template.hpp>

#include <optional>
#include <string>
#include <utility>
#include <variant>

FLYTECACHE_NAMESPACE_BEGIN

/// The task function type of version parameters that carry no function (flytekit allows
/// VersionParameters without one, e.g. for container tasks).
struct no_function {
    friend constexpr bool operator==(no_function, no_function) noexcept = default;
};

/// A task's container image: none (the platform default), a full image name, or an image_spec.
using image_reference = std::variant<std::monostate, std::string, image_spec>;

/// The inputs a cache policy may derive a version from (flytekit's `VersionParameters`).
///
/// `F` is the task callable's type; policies that look at the function (such as `function_body`)
/// constrain it, others ignore it. An aggregate, so it reads as flytekit's keyword arguments:
/// `version_parameters<>{.container_image = "ghcr.io/acme/sim:1.4"}`.
///
/// A literal type when `F` is: a policy set whose outputs are constant expressions yields a
/// version computed at compile time. Thread safety: a value type.
template <class F = no_function>
struct version_parameters {
    F func{};
    image_reference container_image{};
    std::optional<::flytecache::pod_template> pod_template{};
    std::optional<std::string> pod_template_name{};
};

template <class F>
version_parameters(F) -> version_parameters<F>;

/// Version parameters for the task function `f`, with the other members taken from `rest`:
/// `make_version_parameters(step, {.container_image = "ghcr.io/acme/sim:1.4"})`.
///
/// Deducing `F` from designated initializers (`version_parameters{.func = f, .container_image =
/// i}`) is valid C++20 that GCC 12 rejects; this spelling works everywhere.
template <class F>
[[nodiscard]] constexpr version_parameters<F>
make_version_parameters(F f, version_parameters<> rest = {}) {
    return {std::move(f), std::move(rest.container_image), std::move(rest.pod_template),
            std::move(rest.pod_template_name)};
}

FLYTECACHE_NAMESPACE_END
