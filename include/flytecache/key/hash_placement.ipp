// flytecache — hash placement (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/key/hash_placement.hpp>

FLYTECACHE_NAMESPACE_BEGIN

FLYTECACHE_INLINE literal place_hash(const literal& l, hash_rule rule) {
    if (l.hash && (rule == hash_rule::flytekit || !l.hash->empty())) {
        literal placed;
        placed.hash = l.hash;
        return placed;
    }
    if (const auto* c = std::get_if<literal_collection>(&l.value)) {
        literal_collection rebuilt;
        rebuilt.literals.reserve(c->literals.size());
        for (const auto& item : c->literals) rebuilt.literals.push_back(place_hash(item, rule));
        return literal{std::move(rebuilt), std::nullopt, {}};
    }
    if (const auto* m = std::get_if<literal_map_box>(&l.value)) {
        literal_map rebuilt;
        rebuilt.literals.reserve((*m)->literals.size());
        for (const auto& [name, item] : (*m)->literals)
            rebuilt.append_sorted(name, place_hash(item, rule));
        return literal{std::move(rebuilt), std::nullopt, {}};
    }
    return l;
}

FLYTECACHE_INLINE literal_map place_hashes(const literal_map& inputs,
                                           std::span<const std::string> ignored, hash_rule rule) {
    literal_map out;
    out.literals.reserve(inputs.literals.size());
    for (const auto& [name, value] : inputs.literals) {
        if (std::find(ignored.begin(), ignored.end(), name) != ignored.end()) continue;
        out.append_sorted(name, place_hash(value, rule));
    }
    return out;
}

FLYTECACHE_NAMESPACE_END
