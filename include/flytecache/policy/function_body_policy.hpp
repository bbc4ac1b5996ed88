// flytecache — policies::function_body: the version follows the task function's source text
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/fixed_string.hpp>
#include <flytecache/detail/source_normalize.hpp>
#include <flytecache/hash/sha256.hpp>
#include <flytecache/policy/composite_policy.hpp>
#include <flytecache/policy/version_parameters.hpp>

#include <concepts>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN

/// A callable that carries its own source text, captured at compile time.
///
/// C++ cannot read a function's source at run time as Python's `inspect` does, so the text is
/// captured where the function is written, by `FLYTECACHE_SOURCE(...)`, and normalized at compile
/// time: comments and whitespace that does not separate tokens are dropped, literals are kept byte
/// for byte. Calls forward to the wrapped callable. Thread safety: as the wrapped callable.
template <detail::fixed_string Source, class F>
class sourced_function {
public:
    /// The callable this forwards to (tasks read its parameter types).
    using wrapped_type = F;

    constexpr explicit sourced_function(F f) noexcept(std::is_nothrow_move_constructible_v<F>)
        : f_(std::move(f)) {}

    template <class... Args>
        requires std::invocable<const F&, Args...>
    constexpr decltype(auto) operator()(Args&&... args) const {
        return std::invoke(f_, std::forward<Args>(args)...);
    }
    template <class... Args>
        requires(std::invocable<F&, Args...> && !std::invocable<const F&, Args...>)
    constexpr decltype(auto) operator()(Args&&... args) {
        return std::invoke(f_, std::forward<Args>(args)...);
    }

    /// The text as written.
    [[nodiscard]] static constexpr std::string_view source() noexcept { return Source.view(); }
    /// The text in normal form: what the `function_body` policy hashes.
    [[nodiscard]] static constexpr std::string_view normalized_source() noexcept {
        return normalized_.view();
    }

private:
    static constexpr auto normalized_ =
        detail::normalize_source_fixed<decltype(Source)::size()>(Source.view());
    F f_;
};

/// Wraps `f` with the source text `Source`; `FLYTECACHE_SOURCE` supplies both from one spelling.
template <detail::fixed_string Source, class F>
[[nodiscard]] constexpr auto with_source(F f) {
    return sourced_function<Source, F>(std::move(f));
}

/// A task function type whose source text the `function_body` policy can read: it has a
/// `source()` member returning something convertible to `std::string_view`.
template <class F>
concept has_source_text = requires(const F& f) {
    { f.source() } -> std::convertible_to<std::string_view>;
};

namespace policies {

/// Contributes SHA-256 hex of (salt + the task function's normalized source text).
///
/// The version changes when the function's code changes, and stays when only comments or
/// formatting change. The function must carry its text: wrap it with `FLYTECACHE_SOURCE(...)`,
/// or give your callable a `source()` member. What the text cannot see is not covered: functions
/// it calls, macros it uses (the text names a macro, not its definition, and is captured before
/// the preprocessor expands it), headers, data files, and values a lambda captures (a task with
/// such state does not compile until `state_in_version` or `harmless_state` says how to treat
/// it). Combine with `constant<"...">` or an explicit version for the rest. Stateless; safe to
/// share between threads.
struct function_body {
    template <class F>
    [[nodiscard]] constexpr std::string get_version(std::string_view salt,
                                                    const version_parameters<F>& params) const {
        if constexpr (has_source_text<F>) {
            sha256 h;
            h.update(salt);
            if constexpr (requires { F::normalized_source(); }) {
                h.update(F::normalized_source());
            } else {
                h.update(detail::normalize_source(std::string_view(params.func.source())));
            }
            return h.hex_digest();
        } else {
            static_assert(sizeof(F) == 0,
                          "flytecache: the function_body policy needs the task function's source "
                          "text; wrap the function with FLYTECACHE_SOURCE(...) or give it a "
                          "'source() const' member returning the text");
            return std::string();
        }
    }
};

} // namespace policies
FLYTECACHE_NAMESPACE_END

/// Wraps a lambda (or any callable expression) so that it carries its own source text, for the
/// `function_body` policy: `auto step = FLYTECACHE_SOURCE([](int x) { return x * 2; });`
#define FLYTECACHE_SOURCE(...) ::flytecache::with_source<#__VA_ARGS__>(__VA_ARGS__)
