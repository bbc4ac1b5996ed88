// flytecache — cache<Policies...>: a task's cache configuration and its version (flytekit's Cache)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/type_name.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/sha256.hpp>
#include <flytecache/policy/cache_policy.hpp>
#include <flytecache/policy/composite_policy.hpp>
#include <flytecache/policy/default_policies.hpp>
#include <flytecache/policy/version_parameters.hpp>

#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>

#include <algorithm>
#include <chrono>
#include <concepts>
#include <exception>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// Input names, given as one name or several (flytekit accepts a string or a tuple of strings).
///
/// `{.ignored_inputs = "seed"}` and `{.ignored_inputs = {"seed", "log_level"}}` both work.
class input_names {
public:
    constexpr input_names() = default;
    constexpr input_names(const char* name)
        : names_{std::string(name)} {} // NOLINT: implicit by design
    constexpr input_names(std::string name)
        : names_{std::move(name)} {} // NOLINT: implicit by design
    constexpr input_names(std::string_view name)
        : names_{std::string(name)} {} // NOLINT: implicit by design
    constexpr input_names(std::initializer_list<std::string_view> names) {
        names_.reserve(names.size());
        for (auto n : names) names_.emplace_back(n);
    }
    constexpr input_names(std::vector<std::string> names) : names_(std::move(names)) {} // NOLINT

    [[nodiscard]] constexpr const std::vector<std::string>& names() const noexcept {
        return names_;
    }
    [[nodiscard]] constexpr auto begin() const noexcept { return names_.begin(); }
    [[nodiscard]] constexpr auto end() const noexcept { return names_.end(); }
    [[nodiscard]] constexpr std::size_t size() const noexcept { return names_.size(); }
    [[nodiscard]] constexpr bool empty() const noexcept { return names_.empty(); }
    [[nodiscard]] constexpr bool contains(std::string_view name) const noexcept {
        return std::find(names_.begin(), names_.end(), name) != names_.end();
    }
    friend constexpr bool operator==(const input_names&, const input_names&) = default;

private:
    std::vector<std::string> names_;
};

/// Flyte 2's cache behaviours (`flyte.Cache(behavior=...)`): how a task's cache version is found,
/// or that the task does not cache at all.
///
/// | Flyte 2        | flytecache                     | flytekit 1 equivalent                   |
/// | -------------- | ------------------------------ | --------------------------------------- |
/// | `"auto"`       | `cache_behavior::automatic`    | `Cache(policies=...)` (a `version`, when
/// given, still wins, as in Flyte 2) | | `"override"`   | `cache_behavior::override`     |
/// `Cache(version="v1")`: `version` is required (Flyte 2's `version_override`) | | `"disable"`    |
/// `cache_behavior::disable`      | no `cache=`: the task runs every time, nothing is read or
/// stored |
///
/// `"override"` names the version, not the stored entries: to recompute and replace entries, use
/// `local_cache_config::overwrite` (flytekit's `FLYTE_LOCAL_CACHE_OVERWRITE`).
enum class cache_behavior { automatic, override, disable };

/// Flyte 2's name for a behaviour: "auto", "override" or "disable".
[[nodiscard]] constexpr std::string_view to_string(cache_behavior b) noexcept {
    switch (b) {
    case cache_behavior::automatic: return "auto";
    case cache_behavior::override: return "override";
    case cache_behavior::disable: return "disable";
    }
    return "auto";
}

/// The behaviour Flyte 2 reads from `text`: "auto", "override", "disable", or one of the aliases
/// its `Cache` accepts in any case ("enable", "enabled", "on", "true", "yes" for auto; "off",
/// "false", "no", "none" for disable).
/// @throws configuration_error with Flyte 2's message for anything else.
[[nodiscard]] inline cache_behavior parse_cache_behavior(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (text == "auto") return cache_behavior::automatic;
    if (text == "override") return cache_behavior::override;
    if (text == "disable") return cache_behavior::disable;
    for (const char* alias : {"enable", "enabled", "on", "true", "yes"}) {
        if (lower == alias) return cache_behavior::automatic;
    }
    for (const char* alias : {"off", "false", "no", "none"}) {
        if (lower == alias) return cache_behavior::disable;
    }
    throw configuration_error("Invalid cache behavior: '" + std::string(text) +
                              "'. Must be one of ['auto', 'override', 'disable'] (aliases "
                              "accepted: ['enable', 'enabled', 'false', 'no', 'none', 'off', 'on', "
                              "'true', 'yes']).");
}

/// The plain settings of a cache: everything but the policies.
struct cache_options {
    /// An explicit version. When set — even to "" — it is the version and no policy runs.
    std::optional<std::string> version{};
    /// Identical concurrent calls run once; the others wait for the stored result.
    bool serialize = false;
    /// Inputs left out of the cache key (flytekit's `ignored_inputs`).
    input_names ignored_inputs{};
    /// Passed to every policy's `get_version`.
    std::string salt{};
    /// Flyte 2's `behavior`: find the version from the policies (`automatic`, the default, which
    /// is flytekit's rule), require an explicit `version` (`override`), or do not cache
    /// (`disable`). See cache_behavior.
    cache_behavior behavior = cache_behavior::automatic;
    /// The longest an entry serves calls (Flyte 2's `max_age`, Prefect's `cache_expiration`): a
    /// task stores its outputs with this expiry, so an older entry is a miss and the call runs
    /// again. Unset: entries never expire. Applied when an entry is written, through the store's
    /// expiry (the executor needs an `expiring_store`); not part of the version or the key.
    std::optional<std::chrono::duration<double>> max_age{};
};

namespace detail {

inline constexpr std::string_view no_policy_message =
    "If version is not defined then at least one cache policy needs to be set";

// Checks a policy type where it enters a cache, so a mistake is reported once, in our words,
// instead of as a constraint dump from deep inside get_version.
template <class P>
constexpr bool check_policy_type() {
    if constexpr (is_composite_policy<P>::value) {
        return []<class... Parts>(std::type_identity<composite_policy<Parts...>>) {
            return (check_policy_type<Parts>() && ...);
        }(std::type_identity<P>{});
    } else {
        static_assert(std::is_object_v<P> && !std::is_const_v<P> && !std::is_volatile_v<P>,
                      "flytecache: a policy must be a non-const object type (not a reference, "
                      "function or void); pass the policy by value");
        static_assert(declares_get_version<P>,
                      "flytecache: policy type has no 'get_version(std::string_view salt, const "
                      "version_parameters<F>& params) const'; add that member function, returning "
                      "a string (see docs/concepts.md, cache_policy)");
        static_assert(std::move_constructible<P>,
                      "flytecache: a policy type must be move-constructible");
        return true;
    }
}

template <class... Ts>
inline constexpr bool dependent_false = false;

// Makes a type depend on a pack, so a trait named through it is looked up when the class template
// is instantiated (after the user's specializations), not when its definition is read.
template <class... Ts>
struct dependent_void {
    using type = void;
};

template <class Tuple>
struct check_policy_tuple;
template <class... Ps>
struct check_policy_tuple<boost::hana::tuple<Ps...>> {
    static constexpr bool value = (check_policy_type<Ps>() && ...);
};

// Calls the policy and keeps its result alive (a std::string is moved out, a view copied); only the
// policy's own failure is reported as one, not a later failure of the hash.
template <class P, class F>
constexpr auto call_policy(const P& policy, std::string_view salt,
                           const version_parameters<F>& params) {
    try {
        return policy.get_version(salt, params);
    } catch (...) {
        // flytekit's wording, with the policy's type where Python prints its repr.
        // flytekit's wording, then the cause (Python shows it as the chained exception).
        std::throw_with_nested(version_error(
            "Failed to generate version for cache policy " + std::string(type_name<P>()) +
                ". Please consider setting the version in the Cache definition, e.g. "
                "Cache(version='v1.2.3')",
            current_exception_text()));
    }
}

template <class P>
struct leaf_count : std::integral_constant<std::size_t, 1> {};
template <class... Parts>
struct leaf_count<composite_policy<Parts...>>
    : std::integral_constant<std::size_t, sizeof...(Parts)> {};

template <class Tuple>
struct leaf_policy_count;
template <class... Ps>
struct leaf_policy_count<boost::hana::tuple<Ps...>>
    : std::integral_constant<std::size_t, (leaf_count<Ps>::value + ... + 0)> {};

// Feeds one policy's output into the hash, recursing into composites so that every leaf is
// streamed separately and a failure names the leaf that failed.
template <class P, class F>
constexpr void hash_policy(sha256& h, const P& policy, std::string_view salt,
                           const version_parameters<F>& params) {
    if constexpr (is_composite_policy<P>::value) {
        boost::hana::for_each(policy.parts,
                              [&](const auto& part) { hash_policy(h, part, salt, params); });
    } else if constexpr (cache_policy<P, F>) {
        const auto output = call_policy(policy, salt, params);
        h.update(std::string_view(output));
    } else {
        static_assert(dependent_false<P, F>,
                      "flytecache: policy type's get_version cannot be called as "
                      "'get_version(std::string_view salt, const version_parameters<F>& params) "
                      "const' for this task's version_parameters, or does not return something "
                      "convertible to std::string_view");
    }
}

} // namespace detail

/// A task's cache configuration (flytekit's `Cache`): an explicit version or the policies that
/// derive one, plus `serialize`, `ignored_inputs` and `salt`.
///
/// The version (`get_version`) is the explicit `version` when set — even "" — and then no policy
/// runs. Otherwise it is the lowercase SHA-256 hex of the policies' outputs concatenated in order,
/// byte-identical to flytekit; the outputs are streamed into one hash, never concatenated. With
/// salt and policy outputs that are constant expressions, `get_version` is one too (see
/// `make_static_version`).
///
/// The policies are a compile-time pack held in a Boost.Hana tuple and called directly: no virtual
/// calls. `cache<>` names no policies and uses `default_cache_policies<>` (empty unless you
/// specialize it). Neither a version nor any policy is an error: at compile time when a `cache<>`
/// is default-constructed, otherwise `configuration_error` with flytekit's message when the cache
/// is built (or, if its members were changed since, when `get_version` runs).
///
/// ```cpp
/// flytecache::cache c{flytecache::cache_options{.ignored_inputs = "seed", .salt = "pepper"},
///                     flytecache::policies::function_body{}, flytecache::policies::image{}};
/// ```
/// Thread safety: const members may be called concurrently (when the policies' `get_version` may);
/// changing the public members needs exclusive access.
template <class... Policies>
class cache {
    static_assert((detail::check_policy_type<Policies>() && ...));
    using defaults_tag = typename detail::dependent_void<Policies...>::type;

public:
    /// The Hana tuple holding the policies: the given pack, or the defaults for `cache<>`.
    using policies_type =
        std::conditional_t<sizeof...(Policies) == 0, default_cache_policies_t<defaults_tag>,
                           boost::hana::tuple<Policies...>>;
    static_assert(detail::check_policy_tuple<policies_type>::value);

    /// Number of policies, counting each part of a composite.
    static constexpr std::size_t policy_count = detail::leaf_policy_count<policies_type>::value;

    std::optional<std::string> version;
    bool serialize = false;
    input_names ignored_inputs;
    std::string salt;
    cache_behavior behavior = cache_behavior::automatic;
    std::optional<std::chrono::duration<double>> max_age;
    policies_type policies;

    /// A cache with the default policies and default options.
    constexpr cache()
        requires std::default_initializable<policies_type>
        : cache(cache_options{}) {
        static_assert(
            policy_count != 0,
            "flytecache: If version is not defined then at least one cache policy needs "
            "to be set; give the cache a version (cache<>{cache_options{.version = \"v1\"}}) or at "
            "least one policy (cache{flytecache::policies::function_body{}})");
    }

    /// A cache with default-constructed (or, for `cache<>`, the default) policies.
    /// @throws configuration_error when there is neither a version nor a policy.
    constexpr explicit cache(const cache_options& options)
        requires std::default_initializable<policies_type>
        : cache(options, default_policies()) {}

    /// A cache with the given options and policies.
    constexpr explicit cache(const cache_options& options, Policies... ps)
        requires(sizeof...(Policies) != 0)
        : cache(options, policies_type(std::move(ps)...)) {}

    /// A cache with default options and the given policies.
    constexpr explicit cache(Policies... ps)
        requires(sizeof...(Policies) != 0)
        : cache(cache_options{}, policies_type(std::move(ps)...)) {}

    /// False for cache_behavior::disable (Flyte 2's `Cache.is_enabled`): tasks built with this
    /// cache do not cache.
    [[nodiscard]] constexpr bool is_enabled() const noexcept {
        return behavior != cache_behavior::disable;
    }

    /// The input names left out of the cache key.
    [[nodiscard]] constexpr const std::vector<std::string>& get_ignored_inputs() const noexcept {
        return ignored_inputs.names();
    }

    /// The cache version for a task with these parameters (flytekit's `Cache.get_version`).
    /// @throws version_error naming the policy that threw, with its exception nested.
    /// @throws configuration_error when there is neither a version nor a policy.
    template <class F>
    [[nodiscard]] constexpr std::string get_version(const version_parameters<F>& params) const {
        return get_version(params, std::string_view{});
    }

    /// As `get_version(params)`, with `extra` hashed after the policies' outputs, as one more
    /// contribution. Task kinds use it for what the policies cannot see (a function's captured
    /// state, a container's command); an empty `extra` changes nothing, and an explicit version
    /// ignores it.
    template <class F>
    [[nodiscard]] constexpr std::string get_version(const version_parameters<F>& params,
                                                    std::string_view extra) const {
        if (!is_enabled()) return {}; // Flyte 2: a disabled cache has the empty version
        if (version) return *version;
        if constexpr (policy_count == 0) {
            throw configuration_error(std::string(detail::no_policy_message));
        } else {
            sha256 h;
            boost::hana::for_each(policies, [&](const auto& p) {
                detail::hash_policy(h, p, std::string_view(salt), params);
            });
            h.update(extra);
            return h.hex_digest();
        }
    }

private:
    static constexpr policies_type default_policies() {
        if constexpr (sizeof...(Policies) == 0) {
            return default_cache_policies<defaults_tag>::get();
        } else {
            return policies_type{};
        }
    }

    // Copies rather than moves the options' strings: GCC 12 rejects destroying a moved-from
    // std::string in constant evaluation, and this constructor must stay usable there.
    constexpr cache(const cache_options& options, policies_type&& ps)
        : version(options.version),
          serialize(options.serialize),
          ignored_inputs(options.ignored_inputs),
          salt(options.salt),
          behavior(options.behavior),
          max_age(options.max_age),
          policies(std::move(ps)) {
        if (max_age && !(max_age->count() > 0 && max_age->count() < 1e15)) {
            throw configuration_error("flytecache: cache_options.max_age must be a positive, "
                                      "finite time; leave it unset for entries that never expire");
        }
        if (behavior == cache_behavior::disable) return; // Flyte 2 asks nothing more
        if (behavior == cache_behavior::override && !version) {
            throw configuration_error(
                "flytecache: cache behavior 'override' needs cache_options.version (Flyte 2's "
                "version_override); use cache_behavior::automatic to compute it from policies");
        }
        if (policy_count == 0 && !version) {
            throw configuration_error(std::string(detail::no_policy_message));
        }
    }
};

cache() -> cache<>;
cache(cache_options) -> cache<>;
template <class... Policies>
cache(cache_options, Policies...) -> cache<Policies...>;
template <class... Policies>
cache(Policies...) -> cache<Policies...>;

FLYTECACHE_NAMESPACE_END
