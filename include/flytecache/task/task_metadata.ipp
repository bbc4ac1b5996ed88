// flytecache — task_metadata: flytekit's TaskMetadata with its validation rules (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/task/task_metadata.hpp>

#include <flytecache/error.hpp>

#include <chrono>
#include <string>

FLYTECACHE_NAMESPACE_BEGIN

FLYTECACHE_INLINE void task_metadata::validate() const {
    if (cache && cache_version.empty()) {
        throw configuration_error(
            "Caching is enabled ``cache=True`` but ``cache_version`` is not set.");
    }
    if (cache_serialize && !cache) {
        throw configuration_error("Cache serialize is enabled ``cache_serialize=True`` but "
                                  "``cache`` is not enabled.");
    }
    if (!cache_ignore_input_vars.empty() && !cache) {
        throw configuration_error(
            "Cache ignore input vars are specified ``cache_ignore_input_vars=" +
            python_tuple(cache_ignore_input_vars) + "`` but ``cache`` is not enabled.");
    }
    if (cache_max_age && !cache) {
        throw configuration_error("flytecache: cache_max_age is set but ``cache`` is not enabled");
    }
    if (cache_max_age && !(cache_max_age->count() > 0 && cache_max_age->count() < 1e15)) {
        throw configuration_error("flytecache: cache_max_age must be a positive, finite time");
    }
    if (retries < 0) {
        throw configuration_error("flytecache: retries must not be negative (got " +
                                  std::to_string(retries) + ")");
    }
    if (timeout && timeout.value() < std::chrono::microseconds::zero()) {
        throw configuration_error("flytecache: timeout must not be negative");
    }
}

FLYTECACHE_INLINE std::string task_metadata::python_tuple(const input_names& names) {
    std::string out = "(";
    bool first = true;
    for (const auto& n : names) {
        if (!first) out += ", ";
        first = false;
        out += '\'';
        out += n;
        out += '\'';
    }
    if (names.size() == 1) out += ',';
    out += ')';
    return out;
}

FLYTECACHE_NAMESPACE_END
