// flytecache — the flytekit local cache key: {task}-{version}-{joblib md5 of the inputs}
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/hash/joblib.hpp>
#include <flytecache/literal/encode.hpp>
#include <flytecache/literal/literal.hpp>

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

FLYTECACHE_NAMESPACE_BEGIN

/// flytekit's hash placement (`_recursive_hash_placement`): a literal that has a hash — even "" —
/// stands for its value and becomes a literal carrying only that hash; collections and maps are
/// rebuilt from their placed elements and lose their own metadata; everything else (scalars,
/// including union scalars, whose value is not descended into, and offloaded literals) is kept.
[[nodiscard]] inline literal flytekit_place_hash(const literal& l) {
    if (l.hash) {
        literal placed;
        placed.hash = l.hash;
        return placed;
    }
    if (const auto* c = std::get_if<literal_collection>(&l.value)) {
        literal_collection rebuilt;
        rebuilt.literals.reserve(c->literals.size());
        for (const auto& item : c->literals) rebuilt.literals.push_back(flytekit_place_hash(item));
        return literal{std::move(rebuilt), std::nullopt, {}};
    }
    if (const auto* m = std::get_if<detail::box<literal_map>>(&l.value)) {
        literal_map rebuilt;
        rebuilt.literals.reserve((*m)->literals.size());
        for (const auto& [name, item] : (*m)->literals) rebuilt.literals.emplace_back(name, flytekit_place_hash(item));
        return literal{std::move(rebuilt), std::nullopt, {}};
    }
    return l;
}

/// The map flytekit serializes for a local cache key: inputs named in `ignored` dropped, hashes
/// placed. Names in `ignored` that are not inputs are ignored, as in flytekit.
[[nodiscard]] inline literal_map flytekit_effective_inputs(const literal_map& inputs,
                                                           std::span<const std::string> ignored) {
    literal_map effective;
    effective.literals.reserve(inputs.literals.size());
    for (const auto& [name, value] : inputs.literals) {
        if (std::find(ignored.begin(), ignored.end(), name) != ignored.end()) continue;
        effective.literals.emplace_back(name, flytekit_place_hash(value));
    }
    return effective;
}

namespace keys {

/// flytekit's local cache key (`flytekit.core.local_cache._calculate_cache_key`), byte for byte:
/// `{task_name}-{cache_version}-{md5 hex of joblib's pickle framing of the deterministic protobuf
/// encoding of the effective inputs}`. The default scheme: C++ and Python tasks of the same name and
/// version share entries. Stateless; safe to use from any thread.
struct flytekit_local {
    [[nodiscard]] std::string make_key(std::string_view task_name, std::string_view cache_version,
                                       const literal_map& inputs,
                                       std::span<const std::string> ignored_inputs = {}) const {
        const std::string digest = detail::with_scratch_writer([&](detail::proto_writer& w) {
            detail::literal_encoder(w).flytekit_key_body(inputs, ignored_inputs);
            return joblib_hash(std::as_const(w).bytes());
        });
        std::string key;
        key.reserve(task_name.size() + cache_version.size() + 34);
        key.append(task_name).append("-").append(cache_version).append("-").append(digest);
        return key;
    }
};

} // namespace keys
FLYTECACHE_NAMESPACE_END
