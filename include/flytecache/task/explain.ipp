// flytecache — call_explanation: the parts of a call's cache key, to see why a call missed
// (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/task/explain.hpp>

#include <flytecache/hash/sha256.hpp>
#include <flytecache/literal/encode.hpp>
#include <flytecache/literal/literal.hpp>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

FLYTECACHE_INLINE std::string call_explanation::to_string() const {
    std::string out;
    out += "task     " + task + '\n';
    if (!cache_enabled) {
        out += "cache    off (every call runs)\n";
        return out;
    }
    out += "version  " + version + (explicit_version ? "  (explicit)\n" : "  (computed)\n");
    if (!explicit_version) {
        out += "  salt   \"" + salt + "\"\n";
        for (const auto& p : policies) {
            out += "  policy " + p.policy + " -> \"" + p.output + "\"\n";
        }
    }
    for (const auto& in : inputs) {
        out += "input    " + in.name + (in.ignored ? " (ignored)" : "") + " = " + in.literal_text +
               "  sha256:" + in.sha256.substr(0, 16);
        if (!in.literal_hash.empty()) out += "  hash:" + in.literal_hash;
        out += '\n';
    }
    out += "key      " + key + '\n';
    out += std::string("cached   ") + (cached ? "yes" : "no") +
           (overwrite ? "  (overwrite mode: every call recomputes)" : "") + '\n';
    return out;
}

namespace detail {

FLYTECACHE_INLINE std::vector<input_explanation>
explain_inputs(const literal_map& inputs, std::span<const std::string> ignored) {
    std::vector<input_explanation> out;
    out.reserve(inputs.literals.size());
    for (const auto& [name, value] : inputs.literals) {
        input_explanation e;
        e.name = name;
        e.literal_text = value.short_string();
        e.sha256 = sha256_hex(encode(value));
        e.literal_hash = value.hash.value_or("");
        e.ignored = std::find(ignored.begin(), ignored.end(), name) != ignored.end();
        out.push_back(std::move(e));
    }
    return out;
}

} // namespace detail

FLYTECACHE_NAMESPACE_END
