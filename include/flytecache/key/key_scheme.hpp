// flytecache — the key_scheme concept: how task name, version and inputs become a cache key
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/literal/literal.hpp>

#include <concepts>
#include <span>
#include <string>
#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN

/// A cache-key scheme: `k.make_key(task_name, cache_version, inputs, ignored_inputs)` returns the
/// key under which a task's outputs for these inputs are stored.
///
/// Laws: deterministic (equal arguments, equal keys, in every process and on every machine); inputs
/// named in `ignored_inputs` do not influence the key; any other change of an input's literal
/// (beyond what the scheme documents as irrelevant, e.g. a literal's hash standing for its value)
/// changes the key.
template <class K>
concept key_scheme = requires(const K& k, std::string_view task_name, std::string_view version,
                              const literal_map& inputs, std::span<const std::string> ignored) {
    { k.make_key(task_name, version, inputs, ignored) } -> std::convertible_to<std::string>;
};

FLYTECACHE_NAMESPACE_END
