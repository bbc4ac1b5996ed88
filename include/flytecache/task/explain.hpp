// flytecache — call_explanation: the parts of a call's cache key, to see why a call missed
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/type_name.hpp>
#include <flytecache/hash/sha256.hpp>
#include <flytecache/literal/encode.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/policy/cache.hpp>

#include <boost/hana/for_each.hpp>

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// What one cache policy contributed to a computed version.
struct policy_contribution {
    std::string policy; ///< the policy's type name
    std::string output; ///< what its get_version returned (hashed, in order, into the version)
};

/// One input of a call as the key sees it.
struct input_explanation {
    std::string name;
    std::string literal_text; ///< the literal's short text (flytekit's short_string)
    std::string sha256;       ///< SHA-256 hex of the literal's deterministic protobuf encoding
    std::string literal_hash; ///< the literal's own hash field (content hash), empty when unset
    bool ignored = false;     ///< left out of the key
};

/// The parts of a call's cache key: `executor::explain(task, args...)` fills it. Two calls that
/// should have shared an entry can be compared part by part. Thread safety: a value type.
struct call_explanation {
    std::string task;
    std::string version;
    bool explicit_version = false;             ///< the version was given, not computed
    std::string salt;                          ///< the salt the policies saw
    std::vector<policy_contribution> policies; ///< empty for an explicit version
    std::vector<input_explanation> inputs;     ///< in key order (sorted by name)
    std::string key;                           ///< the store key
    bool cache_enabled = false;                ///< the task caches at all
    /// A call would hit: the store holds a usable entry under `key` now and overwrite mode is off
    /// (the rule `run` applies).
    bool cached = false;
    bool overwrite = false; ///< overwrite mode is on: every call recomputes and replaces the entry

    /// A multi-line, human-readable rendering.
    [[nodiscard]] std::string to_string() const;
};

namespace detail {

template <class P, class F>
void collect_policy_outputs(std::vector<policy_contribution>& out, const P& policy,
                            std::string_view salt, const version_parameters<F>& params) {
    if constexpr (is_composite_policy<P>::value) {
        boost::hana::for_each(policy.parts, [&](const auto& part) {
            collect_policy_outputs(out, part, salt, params);
        });
    } else {
        out.push_back({std::string(type_name<P>()),
                       std::string(std::string_view(call_policy(policy, salt, params)))});
    }
}

/// Each policy's output for `params`, in the order the version hashes them.
template <class... Policies, class F>
std::vector<policy_contribution> policy_contributions(const cache<Policies...>& c,
                                                      const version_parameters<F>& params) {
    std::vector<policy_contribution> out;
    if (!c.version) {
        boost::hana::for_each(c.policies, [&](const auto& p) {
            collect_policy_outputs(out, p, std::string_view(c.salt), params);
        });
    }
    return out;
}

std::vector<input_explanation> explain_inputs(const literal_map& inputs,
                                              std::span<const std::string> ignored);

} // namespace detail

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/task/explain.ipp>
#endif
