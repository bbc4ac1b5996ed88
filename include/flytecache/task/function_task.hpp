// flytecache — function tasks (flytekit's @task): a typed callable with a cache configuration
// SPDX-License-Identifier: MIT
#pragma once

// Function tasks (flytekit's @task / PythonFunctionTask): a callable with named, typed inputs and
// outputs, a cache configuration and flytekit's task metadata.

#include <flytecache/config.hpp>
#include <flytecache/detail/callable_signature.hpp>
#include <flytecache/error.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/policy/cache.hpp>
#include <flytecache/policy/version_parameters.hpp>
#include <flytecache/task/captured_state.hpp>
#include <flytecache/task/explain.hpp>
#include <flytecache/task/task_arguments.hpp>
#include <flytecache/task/task_base.hpp>
#include <flytecache/task/task_interface.hpp>
#include <flytecache/task/task_metadata.hpp>
#include <flytecache/task/task_options.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

namespace detail {

// A parameter taken by rvalue reference gets a fresh copy on every attempt, so a retry sees the
// same value as the first attempt.
template <class P, class V>
decltype(auto) pass_param(V& stored) {
    if constexpr (std::is_rvalue_reference_v<P>) {
        return V(stored);
    } else {
        return static_cast<V&>(stored);
    }
}

template <class Tuple>
struct first_param_of {
    using type = void;
};
template <class P>
struct first_param_of<std::tuple<P>> {
    using type = std::remove_cvref_t<P>;
};

/// A task function's outputs: its result type, or no_values for void (and for a callable whose
/// signature cannot be read, which function_task refuses with a message of its own).
template <class F, bool Known = callable_signature<F>::known>
struct function_output {
    using type = no_values;
};
template <class F>
struct function_output<F, true> {
    using result = typename callable_signature<F>::result_type;
    using type = std::conditional_t<std::is_void_v<result>, no_values, std::remove_cvref_t<result>>;
};

// The parameters' decayed types: what a call holds its arguments as.
template <class Tuple>
struct decayed_params;
template <class... P>
struct decayed_params<std::tuple<P...>> {
    using type = std::tuple<std::decay_t<P>...>;
};

// A parameter whose argument already has its type is read through a pointer to the caller's
// argument: a hit then never copies it (the arguments live until `executor::run` returns).
template <class Tuple>
struct pointers_to;
template <class... P>
struct pointers_to<std::tuple<P...>> {
    using type = std::tuple<const P*...>;
};
template <class Tuple, class... Args>
struct arguments_by_reference : std::false_type {};
template <class... P, class... Args>
    requires(sizeof...(P) == sizeof...(Args))
struct arguments_by_reference<std::tuple<P...>, Args...>
    : std::bool_constant<((std::is_lvalue_reference_v<Args> &&
                           std::is_same_v<std::remove_cvref_t<Args>, P> &&
                           std::is_copy_constructible_v<P>) &&
                          ...)> {};

template <class Names>
constexpr auto sorted_order(const Names& names) {
    std::array<std::size_t, std::tuple_size_v<Names>> order{};
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return names[a] < names[b]; });
    return order;
}

} // namespace detail

/// A typed function task. Build one with `flytecache::task(...)`; call it with an executor
/// (`exec.run(t, args...)`) or directly (`t(args...)`, through the default local cache).
///
/// Input types are the callable's declared parameter types. Arguments convert to them before
/// hashing when the conversion keeps every value, so `t(1)` and `t(1.0)` share a key when the
/// parameter is a double; one that could change the value (`t(2.7)` on an integer parameter) or
/// does not convert is a compile error (task_arguments.hpp has the rule, shared by every task
/// kind). Outputs: a single value is `o0`, a std::tuple is `o0..oN`, a Hana struct is one output
/// per field; `void` has none.
///
/// Thread safety: immutable after construction; calls from many threads are safe when the
/// callable's `operator() const` is.
template <class F, class Cache, class... Features>
class function_task : public detail::task_base<function_task<F, Cache, Features...>,
                                               typename detail::function_output<F>::type> {
    using base = detail::task_base<function_task, typename detail::function_output<F>::type>;
    using features = detail::task_features<Features...>;
    using signature = detail::callable_signature<F>;
    static_assert(signature::known,
                  "flytecache: cannot read the task function's parameter types (a generic lambda, "
                  "an overloaded or templated operator()); give the task a callable with one "
                  "call signature, e.g. a lambda with typed parameters");
    using params_tuple = typename signature::args_tuple;
    static constexpr std::size_t arity = std::tuple_size_v<params_tuple>;
    using first_param = typename detail::first_param_of<params_tuple>::type;
    static constexpr bool struct_inputs =
        !features::has_inputs && arity == 1 && detail::is_struct<first_param>;

    static constexpr auto compute_input_names() {
        if constexpr (features::has_inputs) {
            return features::input_names;
        } else if constexpr (struct_inputs) {
            return detail::field_names<first_param>();
        } else {
            return std::array<std::string_view, 0>{};
        }
    }

public:
    /// The task's input names, in parameter (or field) order.
    static constexpr auto input_names = compute_input_names();
    /// The inputs are the fields of the task's one Hana struct parameter (no inputs<...> given),
    /// so `args_tuple` holds that struct rather than one value per input.
    static constexpr bool inputs_from_struct = struct_inputs;
    static constexpr bool serialized_statically = features::is_serialized;

    static_assert(
        features::has_inputs || struct_inputs || arity == 0,
        "flytecache: name the task's inputs, e.g. task<flytecache::inputs<\"a\", \"b\">>(…), "
        "or take one Hana struct (BOOST_HANA_DEFINE_STRUCT) whose fields are the inputs");
    static_assert(!features::has_inputs || input_names.size() == arity,
                  "flytecache: inputs<...> names a different number of inputs than the task "
                  "function has parameters");
    static_assert(detail::names_unique(input_names),
                  "flytecache: two task inputs have the same name");
    static_assert(detail::all_names_in(features::ignored_names, input_names),
                  "flytecache: an ignored input (ignore<...>) is not an input of this task; check "
                  "the spelling against the task's inputs");
    static_assert(!(detail::versioned_by_policies<Cache> && detail::carries_unversioned_state<F>()),
                  "flytecache: the task function carries state (a capturing lambda, a function "
                  "object with data members, a function pointer) that its cache version cannot "
                  "see, so a changed capture would get the results cached for the old one. Pass "
                  "the values as task inputs; or add them to the version with "
                  "flytecache::state_in_version(fn, values...); or, if the state cannot change "
                  "the outputs (a counter, a logger, a pointer to one fixed function), say so "
                  "with flytecache::harmless_state(fn)");

    using raw_result = typename signature::result_type;
    using output_type = typename base::output_type;
    using args_tuple = std::conditional_t<struct_inputs, std::tuple<first_param>,
                                          typename detail::decayed_params<params_tuple>::type>;
    /// The function takes a parameter by non-const reference (`T&`, `T&&`): it may change the
    /// argument the call holds (the typed tier leaves such tasks alone).
    static constexpr bool modifies_arguments = []<class... Ps>(
                                                   std::type_identity<std::tuple<Ps...>>) {
        return ((std::is_reference_v<Ps> && !std::is_const_v<std::remove_reference_t<Ps>>) || ...);
    }(std::type_identity<params_tuple>{});

    /// A prepared call: the input literals, and the arguments as the function's parameter types.
    /// When every argument is an lvalue that already has its parameter's type, the call refers to
    /// the caller's arguments and copies them only if the function runs (a cache hit copies
    /// nothing), so it must not outlive them; otherwise (temporaries, moved or converted
    /// arguments) it holds the values, moved in where it can.
    struct call_type {
        literal_map inputs;
        std::optional<args_tuple> held; ///< converted (or copied) arguments
        typename detail::pointers_to<args_tuple>::type
            refs{}; ///< the caller's arguments, when not held

        /// The I-th argument, as its parameter's type.
        template <std::size_t I>
        [[nodiscard]] const std::tuple_element_t<I, args_tuple>& arg() const {
            return held ? std::get<I>(*held) : *std::get<I>(refs);
        }
        /// The arguments, copied from the caller's on first use when not held.
        args_tuple& args() {
            if (!held) {
                held.emplace(std::apply([](const auto*... p) { return args_tuple(*p...); }, refs));
            }
            return *held;
        }
    };

    function_task(std::string name, F fn, Cache cache_config, task_options options)
        : base(std::move(name)),
          params_{std::move(fn), std::move(options.container_image),
                  std::move(options.pod_template), options.pod_template_name},
          cache_config_(std::move(cache_config)) {
        if constexpr (!std::is_same_v<Cache, legacy_cache>) {
            state_ = detail::state_contribution(params_.func, cache_config_.salt);
        }
        this->metadata_ = detail::build_metadata<features>(
            this->name_, options, cache_config_, params_, input_names, std::nullopt, state_);
    }
    [[nodiscard]] const version_parameters<F>& version_params() const noexcept { return params_; }
    [[nodiscard]] const F& function() const noexcept { return params_.func; }

    /// Converts the arguments to the task's input types and literals. One argument per input,
    /// each of the input's type or converting to it without changing its value (task_arguments.hpp
    /// has the rule); a task whose inputs are a struct's fields also takes the struct itself.
    /// Anything else does not compile, with one `flytecache:` message per refused argument.
    template <class... Args>
    [[nodiscard]] call_type prepare(Args&&... args) const {
        if constexpr (accepts<Args...>()) {
            call_type call = bind(std::forward<Args>(args)...);
            build_inputs(call);
            return call;
        } else {
            refuse<Args...>();
        }
    }

    /// `prepare` without the input literals: the arguments as the function's parameter types
    /// (by the same rule, with the same refusals), and `call.inputs` empty until `build_inputs`.
    /// The executor's typed tier looks at `call.arg<I>()` first and builds literals only on a miss.
    template <class... Args>
    [[nodiscard]] call_type bind_arguments(Args&&... args) const {
        if constexpr (accepts<Args...>()) {
            return bind(std::forward<Args>(args)...);
        } else {
            refuse<Args...>();
        }
    }

    /// Fills `call.inputs` from the arguments of a call made by `bind_arguments`.
    void build_inputs(call_type& call) const {
        if constexpr (struct_inputs) {
            call.inputs = detail::struct_to_inputs(call.template arg<0>());
        } else {
            fill_inputs(call, std::make_index_sequence<arity>{});
        }
    }

    /// Runs the function once on a prepared call.
    [[nodiscard]] output_type execute(call_type& call) const {
        args_tuple& args = call.args();
        (void)args; // unused by tasks without inputs
        return [&]<std::size_t... I>(std::index_sequence<I...>) -> output_type {
            if constexpr (std::is_void_v<raw_result>) {
                std::invoke(params_.func, detail::pass_param<std::tuple_element_t<I, params_tuple>>(
                                              std::get<I>(args))...);
                return {};
            } else {
                return std::invoke(params_.func,
                                   detail::pass_param<std::tuple_element_t<I, params_tuple>>(
                                       std::get<I>(args))...);
            }
        }(std::make_index_sequence<arity>{});
    }

    void explain_version(call_explanation& e) const {
        e.version = this->metadata_.cache_version;
        if constexpr (std::is_same_v<Cache, legacy_cache>) {
            e.explicit_version = true;
        } else {
            e.explicit_version = cache_config_.version.has_value();
            e.salt = cache_config_.salt;
            e.policies = detail::policy_contributions(cache_config_, params_);
            if (!e.explicit_version && !state_.empty()) {
                e.policies.push_back({"captured state (state_in_version)", state_});
            }
        }
    }

private:
    template <class... Args>
    static constexpr bool accepts() {
        if constexpr (struct_inputs) {
            return detail::struct_arguments_accepted<first_param, Args...>();
        } else {
            return detail::task_arguments_accepted<args_tuple, Args...>();
        }
    }

    // Reports the refusals of arguments `accepts` rejects; the conversion, never instantiated for
    // them, cannot add errors of its own.
    template <class... Args>
    [[noreturn]] static void refuse() {
        if constexpr (struct_inputs) {
            detail::refuse_struct_arguments<first_param, Args...>();
        } else {
            detail::refuse_task_arguments<input_names, args_tuple, Args...>();
        }
    }

    // The call over accepted arguments: referring to them when each already has its parameter's
    // type (then a hit copies nothing), otherwise holding them converted.
    template <class... Args>
    static call_type bind(Args&&... args) {
        call_type call;
        if constexpr (detail::arguments_by_reference<args_tuple, Args...>::value) {
            call.refs = {std::addressof(args)...};
        } else if constexpr (struct_inputs) {
            call.held.emplace(
                detail::convert_struct_arguments<first_param>(std::forward<Args>(args)...));
        } else {
            call.held.emplace(
                detail::convert_task_arguments<args_tuple>(std::forward<Args>(args)...));
        }
        return call;
    }

    template <std::size_t... I>
    void fill_inputs(call_type& call, std::index_sequence<I...>) const {
        // Literal maps are sorted by name; the order is known at compile time, so entries are
        // appended in place instead of inserted.
        static constexpr auto order = detail::sorted_order(input_names);
        (void)order; // unused by tasks without inputs
        call.inputs.literals.reserve(arity);
        (call.inputs.append_sorted(std::string(input_names[order[I]]),
                                   detail::value_to_literal(call.template arg<order[I]>())),
         ...);
    }

    version_parameters<F> params_;
    [[no_unique_address]] Cache cache_config_; // the cache policies and options it was built with
    std::string state_; // what the callable's captured state adds to the version
};

/// flytekit's `@task`: a function task named `name` over `fn`, with the legacy cache arguments in
/// `options` (or no caching). Template arguments: `inputs<"a", …>`, `ignore<"…">`, `serialized`.
/// @throws configuration_error for flytekit's metadata rules and unknown ignored inputs.
template <class... Features, class F>
[[nodiscard]] auto task(std::string name, F fn, task_options options = {}) {
    return function_task<F, legacy_cache, Features...>(std::move(name), std::move(fn),
                                                       legacy_cache{}, std::move(options));
}

/// flytekit's `@task(cache=Cache(...))`: the version comes from `cache_config` (its explicit
/// version, or its policies over the function, image and pod template), computed once here.
/// @throws configuration_error when `options` also sets a legacy cache argument (flytekit's
///         message), for flytekit's metadata rules and for unknown ignored inputs; version_error
///         when a policy fails.
template <class... Features, class F, class... Policies>
[[nodiscard]] auto task(std::string name, F fn, cache<Policies...> cache_config,
                        task_options options = {}) {
    return function_task<F, cache<Policies...>, Features...>(
        std::move(name), std::move(fn), std::move(cache_config), std::move(options));
}

FLYTECACHE_NAMESPACE_END
