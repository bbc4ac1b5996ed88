// flytecache — pod_template: the Kubernetes pod a task runs in (flytekit's PodTemplate)
// (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/policy/pod_template.hpp>

#include <flytecache/detail/json.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/field_hasher.hpp>
#include <flytecache/hash/hex.hpp>

#include <string>

FLYTECACHE_NAMESPACE_BEGIN

FLYTECACHE_INLINE std::string pod_template::version_hash() const {
    const std::string spec = canonical_pod_spec();
    detail::field_hasher h;
    h.field("primary_container_name", primary_container_name);
    h.field("pod_spec", spec);
    h.mapping("labels", labels);
    h.mapping("annotations", annotations);
    return to_hex(h.finish());
}

FLYTECACHE_INLINE std::string pod_template::canonical_pod_spec() const {
    if (primary_container_name.empty()) {
        throw configuration_error("A primary container name cannot be undefined");
    }
    const detail::json_value spec = detail::parse_json(pod_spec);
    if (!spec.is_object()) {
        throw invalid_argument(
            "flytecache: pod_template.pod_spec must be a JSON object (a Kubernetes PodSpec)");
    }
    return detail::canonical_json(spec);
}

FLYTECACHE_NAMESPACE_END
