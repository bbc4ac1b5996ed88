// flytecache — a task's typed interface: input and output names and their literal maps
// SPDX-License-Identifier: MIT
#pragma once

// A task's typed interface: input names at compile time, outputs o0..oN or named fields, and the
// conversions between C++ values and Flyte literal maps.

#include <flytecache/config.hpp>
#include <flytecache/detail/fixed_string.hpp>
#include <flytecache/detail/struct_fields.hpp>
#include <flytecache/detail/type_name.hpp>
#include <flytecache/error.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/literal/type_error.hpp>

#include <boost/hana/define_struct.hpp> // users describe struct inputs and outputs with it

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN

/// The input names of a function task, in parameter order: `inputs<"data", "lr", "seed">`.
template <detail::fixed_string... Names>
struct inputs {
    static constexpr std::array<std::string_view, sizeof...(Names)> names{Names.view()...};
};

/// Inputs left out of the cache key, checked against the task's inputs at compile time:
/// `task<inputs<"data", "seed">, ignore<"seed">>(…)`.
template <detail::fixed_string... Names>
struct ignore {
    static constexpr std::array<std::string_view, sizeof...(Names)> names{Names.view()...};
};

/// Marks a task as serialized at compile time (flytekit's `cache_serialize` / `Cache(serialize=
/// True)`): running it with a store that cannot hold reservations does not compile.
struct serialized {};

/// A task with no inputs or no outputs.
struct no_values {
    friend constexpr bool operator==(no_values, no_values) noexcept = default;
};

namespace detail {

template <class T>
struct is_inputs : std::false_type {};
template <fixed_string... Names>
struct is_inputs<inputs<Names...>> : std::true_type {};
template <class T>
struct is_ignore : std::false_type {};
template <fixed_string... Names>
struct is_ignore<ignore<Names...>> : std::true_type {};

template <class T>
struct is_tuple : std::false_type {};
template <class... Ts>
struct is_tuple<std::tuple<Ts...>> : std::true_type {};

template <std::size_t N>
constexpr bool names_contain(const std::array<std::string_view, N>& names, std::string_view name) {
    for (auto n : names) {
        if (n == name) return true;
    }
    return false;
}

/// The names of the first feature that satisfies Trait (an inputs<...> or ignore<...>), or none.
template <template <class> class Trait, class... Features>
struct first_feature_names {
    static constexpr std::array<std::string_view, 0> value{};
};
template <template <class> class Trait, class First, class... Rest>
struct first_feature_names<Trait, First, Rest...> {
    static constexpr auto value = [] {
        if constexpr (Trait<First>::value) {
            return First::names;
        } else {
            return first_feature_names<Trait, Rest...>::value;
        }
    }();
};

/// Features given to a task factory as template arguments, sorted out by kind.
template <class... Features>
struct task_features {
    static_assert(
        ((is_inputs<Features>::value || is_ignore<Features>::value ||
          std::is_same_v<Features, serialized>) &&
         ...),
        "flytecache: a task's template arguments are inputs<\"...\">, ignore<\"...\"> and "
        "serialized; something else was given");
    static_assert((0 + ... + int(is_inputs<Features>::value)) <= 1,
                  "flytecache: give the input names once (one inputs<...>)");
    static_assert((0 + ... + int(is_ignore<Features>::value)) <= 1,
                  "flytecache: give the ignored inputs once (one ignore<...>)");

    static constexpr bool has_inputs = (is_inputs<Features>::value || ...);
    static constexpr bool is_serialized = (std::is_same_v<Features, serialized> || ...);

    static constexpr auto ignored_names = first_feature_names<is_ignore, Features...>::value;
    static constexpr auto input_names = first_feature_names<is_inputs, Features...>::value;
};

/// Every name in `subset` is one of `names`.
template <std::size_t M, std::size_t N>
constexpr bool all_names_in(const std::array<std::string_view, M>& subset,
                            const std::array<std::string_view, N>& names) {
    for (auto name : subset) {
        if (!names_contain(names, name)) return false;
    }
    return true;
}

template <std::size_t N>
constexpr bool names_unique(const std::array<std::string_view, N>& names) {
    for (std::size_t i = 0; i < N; ++i) {
        for (std::size_t j = i + 1; j < N; ++j) {
            if (names[i] == names[j]) return false;
        }
    }
    return true;
}

/// "o0", "o1", … as flytekit names unnamed outputs (short enough to need no allocation).
inline std::string output_name(std::size_t i) { return "o" + std::to_string(i); }

template <class T>
literal value_to_literal(const T& value) {
    static_assert(has_literal_traits<T>,
                  "flytecache: a task input or output has a type with no literal_traits; "
                  "specialize flytecache::literal_traits<T> or give the type to_literal/"
                  "from_literal/literal_type_of functions (see docs/concepts.md, literal_traits)");
    return to_literal(value);
}

template <class T>
T value_from_literal(const literal_map& m, std::string_view name, std::string_view task) {
    const literal* l = m.find(name);
    if (l == nullptr) {
        throw type_error("flytecache: the stored outputs of task '" + std::string(task) +
                         "' have no output '" + std::string(name) + "'");
    }
    return from_literal<T>(*l);
}

// ---- output shape: how a task's result type maps to named outputs ------------------------------

/// The four shapes of a task's result type R: nothing (void / no_values), a std::tuple (outputs
/// o0..oN), a Hana struct (one output per field, by field name) or one value (o0). Tasks, the
/// executor and the TaskTemplate export all name outputs through this one classification.
enum class output_shape { none, tuple, fields, single };

template <class R>
inline constexpr output_shape output_shape_of = std::is_same_v<R, no_values> ? output_shape::none
                                                : is_tuple<R>::value         ? output_shape::tuple
                                                : is_struct<R>               ? output_shape::fields
                                                                             : output_shape::single;

/// Calls `f(name, value)` for each output of `value` (an R), named as output_shape says.
template <class R, class F>
void for_each_output(const R& value, F&& f) {
    if constexpr (output_shape_of<R> == output_shape::tuple) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f(output_name(I), std::get<I>(value)), ...);
        }(std::make_index_sequence<std::tuple_size_v<R>>{});
    } else if constexpr (output_shape_of<R> == output_shape::fields) {
        for_each_field(
            value, [&](std::string_view name, const auto& field) { f(std::string(name), field); });
    } else if constexpr (output_shape_of<R> == output_shape::single) {
        f(output_name(0), value);
    }
}

/// Calls `f(name, std::type_identity<T>{})` for each output of a result type R.
template <class R, class F>
void for_each_output_type(F&& f) {
    if constexpr (output_shape_of<R> == output_shape::tuple) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f(output_name(I), std::type_identity<std::tuple_element_t<I, R>>{}), ...);
        }(std::make_index_sequence<std::tuple_size_v<R>>{});
    } else if constexpr (output_shape_of<R> == output_shape::fields) {
        for_each_field_type<R>(
            [&](std::string_view name, auto type) { f(std::string(name), type); });
    } else if constexpr (output_shape_of<R> == output_shape::single) {
        f(output_name(0), std::type_identity<R>{});
    }
}

/// The conversions between a result type R and its literal map of outputs.
template <class R>
struct task_outputs {
    static literal_map to_map(const R& value) {
        literal_map m;
        for_each_output(value, [&](std::string name, const auto& v) {
            m.insert_or_assign(std::move(name), value_to_literal(v));
        });
        return m;
    }

    static R from_map(const literal_map& m, std::string_view task) {
        if constexpr (output_shape_of<R> == output_shape::none) {
            return {};
        } else if constexpr (output_shape_of<R> == output_shape::tuple) {
            return [&]<std::size_t... I>(std::index_sequence<I...>) {
                return R{
                    value_from_literal<std::tuple_element_t<I, R>>(m, output_name(I), task)...};
            }(std::make_index_sequence<std::tuple_size_v<R>>{});
        } else if constexpr (output_shape_of<R> == output_shape::fields) {
            R out{};
            for_each_field(out, [&](std::string_view name, auto& field) {
                field = value_from_literal<std::remove_cvref_t<decltype(field)>>(m, name, task);
            });
            return out;
        } else {
            return value_from_literal<R>(m, output_name(0), task);
        }
    }
};

/// The input literal map of a Hana struct: one input per field.
template <class S>
literal_map struct_to_inputs(const S& value) {
    literal_map m;
    m.literals.reserve(field_count<S>);
    for_each_field(value, [&](std::string_view name, const auto& field) {
        m.insert_or_assign(std::string(name), value_to_literal(field));
    });
    return m;
}

/// A prepared call of a task whose inputs are a Hana struct (or no_values).
template <class In>
struct struct_call {
    In args;
    literal_map inputs;
};

template <class T>
constexpr auto value_names() {
    if constexpr (std::is_same_v<T, no_values>) {
        return std::array<std::string_view, 0>{};
    } else {
        static_assert(is_struct<T>, "flytecache: a typed task interface is a Hana struct "
                                    "(BOOST_HANA_DEFINE_STRUCT) or flytecache::no_values");
        return field_names<T>();
    }
}

} // namespace detail

FLYTECACHE_NAMESPACE_END
