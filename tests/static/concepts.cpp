// flytecache — compile-time checks of the concepts: what models cache_policy and what does not
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace fc = flytecache;

namespace {

// Minimal models.
struct generic_policy {
    template <class F>
    std::string get_version(std::string_view, const fc::version_parameters<F>&) const;
};
struct returns_view {
    template <class F>
    std::string_view get_version(std::string_view, const fc::version_parameters<F>&) const;
};
struct returns_literal {
    template <class F>
    const char* get_version(std::string_view, const fc::version_parameters<F>&) const;
};
using int_fn = int (*)(int);
struct only_for_int_fn {
    std::string get_version(std::string_view, const fc::version_parameters<int_fn>&) const;
};

// Not models.
struct no_get_version {};
struct returns_int {
    template <class F>
    int get_version(std::string_view, const fc::version_parameters<F>&) const;
};
struct not_const {
    template <class F>
    std::string get_version(std::string_view, const fc::version_parameters<F>&);
};
struct wrong_parameters {
    std::string get_version(int) const;
};
struct immovable {
    immovable(immovable&&) = delete;
    template <class F>
    std::string get_version(std::string_view, const fc::version_parameters<F>&) const;
};

} // namespace

// Positive checks.
static_assert(fc::cache_policy<generic_policy>);
static_assert(fc::cache_policy<returns_view>);
static_assert(fc::cache_policy<returns_literal>);
static_assert(fc::cache_policy<only_for_int_fn, int_fn>);
static_assert(fc::cache_policy<fc::policies::constant<"x">>);
static_assert(fc::cache_policy<fc::policies::image>);
static_assert(fc::cache_policy<fc::policies::pod_template>);
static_assert(fc::cache_policy<fc::policies::function_body>); // checked for the source when called
static_assert(fc::cache_policy<fc::composite_policy<generic_policy, fc::policies::image>>);
static_assert(fc::cache_policy<fc::composite_policy<>>);

// Negative checks.
static_assert(!fc::cache_policy<int>);
static_assert(!fc::cache_policy<no_get_version>);
static_assert(!fc::cache_policy<returns_int>);
static_assert(!fc::cache_policy<not_const>);
static_assert(!fc::cache_policy<wrong_parameters>);
static_assert(!fc::cache_policy<immovable>);
static_assert(!fc::cache_policy<generic_policy&>);
static_assert(!fc::cache_policy<only_for_int_fn>); // wrong task function type

// The name probe behind "policy type has no get_version" sees any member of that name.
static_assert(fc::detail::declares_get_version<generic_policy>);
static_assert(fc::detail::declares_get_version<wrong_parameters>);
static_assert(fc::detail::declares_get_version<only_for_int_fn>);
static_assert(!fc::detail::declares_get_version<no_get_version>);

// cache's construction rules.
static_assert(std::is_constructible_v<fc::cache<>, fc::cache_options>);
static_assert(std::is_constructible_v<fc::cache<generic_policy>, generic_policy>);
static_assert(
    std::is_constructible_v<fc::cache<generic_policy>, fc::cache_options, generic_policy>);
static_assert(!std::is_convertible_v<fc::cache_options, fc::cache<>>); // explicit
static_assert(std::is_same_v<decltype(fc::cache{generic_policy{}, returns_view{}}),
                             fc::cache<generic_policy, returns_view>>);
static_assert(std::is_same_v<decltype(fc::cache{fc::cache_options{}, generic_policy{}}),
                             fc::cache<generic_policy>>);
static_assert(std::is_same_v<decltype(fc::cache{fc::cache_options{.version = "v"}}), fc::cache<>>);
static_assert(fc::cache<generic_policy, returns_view>::policy_count == 2);
static_assert(fc::cache<fc::composite_policy<generic_policy, returns_view>,
                        fc::policies::image>::policy_count == 3);
static_assert(fc::cache<>::policy_count == 0);

// Value types for parameters are literal types, so versions can be computed at compile time.
static_assert(std::is_nothrow_move_constructible_v<fc::version_parameters<>>);
static_assert(std::is_aggregate_v<fc::version_parameters<>>);
static_assert(std::is_aggregate_v<fc::image_spec>);
static_assert(std::is_aggregate_v<fc::pod_template>);

// A static_version hands out views only from lvalues: a view of a temporary would dangle.
template <class T>
concept viewable = requires(T&& t) { std::forward<T>(t).view(); };
static_assert(viewable<const fc::static_version<>&>);
static_assert(!viewable<fc::static_version<>>);
static_assert(std::is_convertible_v<const fc::static_version<>&, std::string_view>);
static_assert(!std::is_convertible_v<fc::static_version<>&&, std::string_view>);

// `+` joins policies, never caches or unrelated types.
template <class A, class B>
concept addable = requires(A a, B b) { a + b; };
static_assert(addable<fc::policies::image, fc::policies::constant<"x">>);
static_assert(addable<generic_policy, fc::policies::image>);
static_assert(!addable<fc::cache<generic_policy>, fc::policies::image>);
static_assert(!addable<int, fc::policies::image>);

// typed_tier_task: function tasks model it (their calls can be answered from argument values);
// the struct-input task kinds do not, and bypass the typed tier.
namespace tier_checks {
inline double area(double w, double h) { return w * h; }
struct dims {
    BOOST_HANA_DEFINE_STRUCT(dims, (double, w), (double, h));
};
using area_task = decltype(fc::task<fc::inputs<"w", "h">>(
    "area", &area, fc::cache{fc::cache_options{.version = "1"}}));
static_assert(fc::typed_tier_task<area_task, double, double>);
static_assert(fc::typed_tier_eligible_v<area_task, double, double>);
static_assert(fc::typed_tier_eligible_v<area_task, int, float>); // converted before comparing
using echo = fc::echo_task<dims>;
static_assert(fc::executable_task<echo, dims>);
static_assert(!fc::typed_tier_task<echo, dims>);
static_assert(!fc::typed_tier_eligible_v<echo, dims>);
} // namespace tier_checks
