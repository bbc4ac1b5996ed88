// flytecache — the parameter and result types of a callable with one call signature
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>

#include <tuple>
#include <type_traits>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// A task's input types come from its function's declared parameters, not from the arguments of a
// call: t(1, 2) on a task over (double, double) must hash doubles, or the key would depend on how
// the caller spelled the numbers.
template <class F>
struct callable_signature {
    static constexpr bool known = false;
};

template <class R, class... Args>
struct callable_signature<R (*)(Args...)> {
    static constexpr bool known = true;
    using result_type = R;
    using args_tuple = std::tuple<Args...>;
};
template <class R, class... Args>
struct callable_signature<R (*)(Args...) noexcept> : callable_signature<R (*)(Args...)> {};
template <class R, class... Args>
struct callable_signature<R(Args...)> : callable_signature<R (*)(Args...)> {};
template <class R, class... Args>
struct callable_signature<R(Args...) noexcept> : callable_signature<R (*)(Args...)> {};

template <class M>
struct member_call_signature {
    static constexpr bool known = false;
};
// QUALIFIERS are cv/ref/noexcept tokens, which cannot be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define FLYTECACHE_DETAIL_MEMBER_SIGNATURE(QUALIFIERS)                                             \
    template <class C, class R, class... Args>                                                     \
    struct member_call_signature<R (C::*)(Args...) QUALIFIERS>                                     \
        : callable_signature<R (*)(Args...)> {};
FLYTECACHE_DETAIL_MEMBER_SIGNATURE()
FLYTECACHE_DETAIL_MEMBER_SIGNATURE(const)
FLYTECACHE_DETAIL_MEMBER_SIGNATURE(noexcept)
FLYTECACHE_DETAIL_MEMBER_SIGNATURE(const noexcept)
FLYTECACHE_DETAIL_MEMBER_SIGNATURE(&)
FLYTECACHE_DETAIL_MEMBER_SIGNATURE(const&)
// NOLINTEND(bugprone-macro-parentheses)
#undef FLYTECACHE_DETAIL_MEMBER_SIGNATURE

// Wrappers that forward every call (FLYTECACHE_SOURCE's sourced_function) name what they wrap.
template <class F>
    requires requires { typename F::wrapped_type; }
struct callable_signature<F> : callable_signature<typename F::wrapped_type> {};

// Lambdas and function objects with exactly one, non-template call operator.
template <class F>
    requires(
        !requires { typename F::wrapped_type; } && requires { &F::operator(); })
struct callable_signature<F> : member_call_signature<decltype(&F::operator())> {};

} // namespace detail
FLYTECACHE_NAMESPACE_END
