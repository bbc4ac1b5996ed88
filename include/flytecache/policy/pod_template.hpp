// flytecache — pod_template: the Kubernetes pod a task runs in (flytekit's PodTemplate)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>

#include <string>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// A custom pod specification for a task, as flytekit's `PodTemplate`.
///
/// The pod spec is Kubernetes `PodSpec` JSON text; flytecache does not interpret it beyond parsing,
/// so any field Kubernetes knows can be given. `version_hash()` is what the `pod_template` policy
/// feeds into a cache version; it does not depend on the spec's layout: the JSON is hashed in
/// canonical form (members sorted, no insignificant whitespace, one spelling of each string),
/// labels and annotations sorted by name.
///
/// A plain value type (designated initializers read well: `pod_template{.pod_spec = R"({...})"}`).
/// Thread safety: concurrent reads are safe; writes need exclusive access.
struct pod_template {
    std::string pod_spec = "{}";                    ///< Kubernetes PodSpec as JSON text
    std::string primary_container_name = "primary"; ///< flytekit's default; must not be empty
    std::vector<std::pair<std::string, std::string>> labels;
    std::vector<std::pair<std::string, std::string>> annotations;

    /// Checks what flytekit checks when a PodTemplate is built, plus that the spec is a JSON object
    /// and that label and annotation names are unique.
    /// @throws configuration_error when the primary container name is empty (flytekit's message).
    /// @throws invalid_argument when `pod_spec` is not a JSON object, or a label or annotation name
    ///         appears twice.
    void validate() const { (void)version_hash(); }

    /// A deterministic hash of the template: 64 lowercase hex characters.
    ///
    /// Stable across flytecache releases and platforms, and independent of the pod spec's
    /// whitespace, member order and string escapes (numbers are hashed as written: `1` and `1.0`
    /// differ). It is flytecache's own hash, not the string flytekit's Python
    /// `PodTemplate.version_hash()` returns (which hashes the Python client's object model).
    /// @throws as validate().
    [[nodiscard]] std::string version_hash() const;

    friend bool operator==(const pod_template&, const pod_template&) = default;

private:
    [[nodiscard]] std::string canonical_pod_spec() const;
};

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/policy/pod_template.ipp>
#endif
