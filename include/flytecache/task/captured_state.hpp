// flytecache — a task function's captured state and what it adds to the cache version
// SPDX-License-Identifier: MIT
#pragma once

// A task function's captured state and its cache version: state_in_version adds the captured values
// to the version, harmless_state records that they cannot change the outputs.

#include <flytecache/config.hpp>
#include <flytecache/hash/sha256.hpp>
#include <flytecache/literal/encode.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/literal/literal_traits.hpp>

#include <concepts>
#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN

// A closure `[k](double x) { return x * k; }` computes a different function for every `k`, but
// neither its source text nor its parameters say so: a version from policies (function_body,
// image, constant …) and a key from the inputs would both stay the same when `k` changes, and a
// cached call would return the result computed with the old `k`. So a task whose callable carries
// state and whose version comes from policies does not compile, unless the state is accounted for
// by one of the two wrappers below (or moved into the inputs, the best fix when it varies).

namespace detail {

/// What both wrappers below share: calls and the source text (for the `function_body` policy)
/// forward to the wrapped callable, and `wrapped_type` names it (tasks read its parameters).
template <class F>
class forwarding_callable {
public:
    using wrapped_type = F;

    constexpr explicit forwarding_callable(F f) : f_(std::move(f)) {}

    template <class... Args>
        requires std::invocable<const F&, Args...>
    constexpr decltype(auto) operator()(Args&&... args) const {
        return std::invoke(f_, std::forward<Args>(args)...);
    }

    /// The callable's source text, when it carries one (FLYTECACHE_SOURCE).
    [[nodiscard]] constexpr std::string_view source() const
        requires requires(const F& f) {
            { f.source() } -> std::convertible_to<std::string_view>;
        }
    {
        return f_.source();
    }
    [[nodiscard]] static constexpr std::string_view normalized_source()
        requires requires { F::normalized_source(); }
    {
        return F::normalized_source();
    }

private:
    F f_;
};

} // namespace detail

/// A task function together with the values of its captured state, which become part of the
/// task's cache version: their literals (through `literal_traits`, as inputs are converted) are
/// hashed after the policies' outputs. Build it with `state_in_version(fn, values...)`.
///
/// The values are copied when the task is built; give the same values the callable captured.
/// Calls forward to the callable; `source()` (for the `function_body` policy) is the callable's.
/// Thread safety: as the wrapped callable.
template <class F, class... Ts>
class state_in_version_fn : public detail::forwarding_callable<F> {
public:
    constexpr state_in_version_fn(F f, Ts... values)
        : detail::forwarding_callable<F>(std::move(f)), values_(std::move(values)...) {}

    /// The captured values as given.
    [[nodiscard]] const std::tuple<Ts...>& values() const noexcept { return values_; }

    /// What the state adds to the version: SHA-256 hex of the salt and the deterministic encoding
    /// of a collection of the values' literals.
    [[nodiscard]] std::string state_version(std::string_view salt) const {
        literal_collection c;
        std::apply([&](const auto&... v) { (c.literals.push_back(to_literal(v)), ...); }, values_);
        literal l;
        l.value = std::move(c);
        sha256 h;
        h.update(salt);
        h.update(std::string_view(encode(l)));
        return h.hex_digest();
    }

private:
    std::tuple<Ts...> values_;
};

/// A task function whose captured state cannot change its outputs (a call counter, a logger, a
/// reference to a metrics sink): the acknowledgement, at the task's definition, that the version
/// does not need to see it. Build it with `harmless_state(fn)`.
/// Thread safety: as the wrapped callable.
template <class F>
class harmless_state_fn : public detail::forwarding_callable<F> {
public:
    constexpr explicit harmless_state_fn(F f) : detail::forwarding_callable<F>(std::move(f)) {}
};

/// `fn` with its captured `values` in the task's cache version:
/// `task<inputs<"x">>("scale", state_in_version(FLYTECACHE_SOURCE([k](double x) { return x * k;
/// }), k), cache{policies::function_body{}})` gets a new version when `k` changes.
template <class F, class... Ts>
[[nodiscard]] constexpr auto state_in_version(F fn, Ts... values) {
    static_assert(sizeof...(Ts) > 0,
                  "flytecache: state_in_version(fn, values...) needs the captured values; use "
                  "harmless_state(fn) for state that cannot change the outputs");
    return state_in_version_fn<F, Ts...>(std::move(fn), std::move(values)...);
}

/// `fn`, declared to carry only state that cannot change its outputs (a counter, a logger).
template <class F>
[[nodiscard]] constexpr auto harmless_state(F fn) {
    return harmless_state_fn<F>(std::move(fn));
}

namespace detail {

template <class F>
struct is_state_wrapper : std::false_type {};
template <class F, class... Ts>
struct is_state_wrapper<state_in_version_fn<F, Ts...>> : std::true_type {};
template <class F>
struct is_state_wrapper<harmless_state_fn<F>> : std::true_type {};

/// Whether a task callable carries state its cache version cannot see: a capturing closure, a
/// function object with data members, or a function pointer (which function it points at may be
/// chosen at run time: `flag ? &half : &twice` under one name and version), not accounted for by
/// a state wrapper. Captureless lambdas carry none; FLYTECACHE_SOURCE's wrapper carries what it
/// wraps.
template <class F>
constexpr bool carries_unversioned_state() {
    if constexpr (is_state_wrapper<F>::value) {
        return false;
    } else if constexpr (requires { typename F::wrapped_type; }) {
        return carries_unversioned_state<typename F::wrapped_type>();
    } else {
        return std::is_pointer_v<F> || std::is_member_pointer_v<F> || !std::is_empty_v<F>;
    }
}

/// What a task callable's state adds to its version ("" when nothing).
template <class F>
std::string state_contribution(const F& f, std::string_view salt) {
    if constexpr (requires { f.state_version(salt); }) {
        return f.state_version(salt);
    } else {
        return {};
    }
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
