// flytecache — the one argument rule of every task kind, with a message for each refusal
// SPDX-License-Identifier: MIT
#pragma once

// The one argument rule of every task kind: which argument types each input accepts, a compile-time
// message for each refusal, and the conversion of the accepted arguments.

#include <flytecache/config.hpp>
#include <flytecache/detail/fixed_string.hpp>
#include <flytecache/detail/struct_fields.hpp>
#include <flytecache/task/task_interface.hpp>

#include <array>
#include <cstddef>
#include <exception>
#include <functional>
#include <limits>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// Why exact: a call's key is computed from its arguments converted to the input types, so an
// argument that changes value on the way (2.7 to an integer input becomes 2) would silently hit
// the entry of a different call. An argument is accepted when every value of its type is exactly
// a value of the input's type; anything else is a compile error naming the input and both types.

/// How an argument type fits a task input type.
enum class argument_fit {
    accepted,       ///< the same type, or a conversion that keeps every value
    narrows,        ///< converts, but some values would change (2.7 -> 2, -1 -> 2^64 - 1)
    not_convertible ///< no implicit conversion, or one the rule refuses (bool <-> number)
};

template <class T>
struct is_reference_wrapper : std::false_type {};
template <class U>
struct is_reference_wrapper<std::reference_wrapper<U>> : std::true_type {};

template <class T>
struct is_std_optional : std::false_type {};
template <class U>
struct is_std_optional<std::optional<U>> : std::true_type {};

/// Every value of the arithmetic type A is exactly a value of the arithmetic type T (neither is
/// bool). For integers this is C++'s narrowing rule; integer to floating-point is allowed when
/// the integer's digits fit the mantissa (int32 -> double yes, int64 -> double no).
template <class T, class A>
constexpr bool holds_every_value() {
    using to = std::numeric_limits<T>;
    using from = std::numeric_limits<A>;
    if constexpr (std::is_integral_v<T> && std::is_integral_v<A>) {
        // `digits` counts the value bits without the sign, so unsigned -> wider signed fits.
        return (to::is_signed || !from::is_signed) && from::digits <= to::digits;
    } else if constexpr (std::is_floating_point_v<T> && std::is_integral_v<A>) {
        return from::digits <= to::digits;
    } else if constexpr (std::is_floating_point_v<T> && std::is_floating_point_v<A>) {
        return from::digits <= to::digits && from::max_exponent <= to::max_exponent &&
               from::min_exponent >= to::min_exponent;
    } else {
        return false; // floating-point -> integer
    }
}

/// The rule, for an input type T and a decayed argument type A.
template <class T, class A>
constexpr argument_fit task_argument_fit() {
    if constexpr (std::is_same_v<T, A>) {
        return argument_fit::accepted;
    } else if constexpr (is_reference_wrapper<A>::value) {
        // std::cref(x) is x: the rule applies to what it refers to (std::cref(2.7) to an integer
        // input narrows as 2.7 does).
        return task_argument_fit<T, std::remove_cv_t<typename A::type>>();
    } else if constexpr (std::is_same_v<A, std::nullptr_t> ||
                         (std::is_arithmetic_v<T> && std::is_same_v<A, bool>) ||
                         (std::is_arithmetic_v<T> && std::is_class_v<A> &&
                          !is_std_optional<T>::value)) {
        // nullptr converts to std::string (and std::optional<std::string>) through const char*,
        // which is undefined behaviour; no input is a pointer. True converts to 1, but a bool
        // flag given to a number input is a mistake, not a value. And a class that converts to a
        // number (a user type's operator double, std::atomic<double>,
        // std::vector<bool>::reference) may give any value of it: 2.9 degrees to an integer input
        // would be 2; converting explicitly shows what is meant.
        return argument_fit::not_convertible;
    } else if constexpr (is_std_optional<T>::value) {
        using value_type = typename T::value_type;
        if constexpr (std::is_same_v<A, std::nullopt_t>) {
            return argument_fit::accepted;
        } else if constexpr (is_std_optional<A>::value) {
            return task_argument_fit<value_type, typename A::value_type>();
        } else {
            // The value inside is held to the same rule: 2.7 to std::optional<int> narrows.
            constexpr argument_fit inner = task_argument_fit<value_type, A>();
            if constexpr (inner == argument_fit::not_convertible && std::is_class_v<A> &&
                          !std::is_convertible_v<A, value_type>) {
                // A class type of the user's that converts to the optional itself (not through
                // its value type, which the rule just refused).
                return std::is_convertible_v<A, T> ? argument_fit::accepted : inner;
            } else {
                return inner;
            }
        }
    } else if constexpr (std::is_same_v<T, bool> && !std::is_class_v<A>) {
        // A number, pointer or enum as a bool loses everything but "non-zero".
        return std::is_convertible_v<A, bool> ? argument_fit::narrows
                                              : argument_fit::not_convertible;
    } else if constexpr (std::is_arithmetic_v<T> && std::is_arithmetic_v<A>) {
        return holds_every_value<T, A>() ? argument_fit::accepted : argument_fit::narrows;
    } else if constexpr (std::is_arithmetic_v<T> && std::is_enum_v<A>) {
        // Only unscoped enums convert; their values are their underlying type's.
        if constexpr (std::is_convertible_v<A, T>) {
            return task_argument_fit<T, std::underlying_type_t<A>>();
        } else {
            return argument_fit::not_convertible;
        }
    } else {
        // Class types and the rest: what the input type itself accepts implicitly (a string
        // literal or const char* to std::string; not std::string_view, whose conversion is
        // explicit).
        return std::is_convertible_v<A, T> ? argument_fit::accepted : argument_fit::not_convertible;
    }
}

/// `task_argument_fit` as a variable; `Argument` is decayed here.
template <class Input, class Argument>
inline constexpr argument_fit task_argument_fit_v =
    task_argument_fit<Input, std::decay_t<Argument>>();

/// Checks one argument. A class template so that the compiler's instantiation context names the
/// input, its type and the argument's type next to the message
/// (`task_argument_check<"x", long int, double>`).
template <fixed_string Input, class InputType, class ArgumentType>
struct task_argument_check {
    static constexpr argument_fit fit = task_argument_fit<InputType, ArgumentType>();
    static_assert(fit != argument_fit::narrows,
                  "flytecache: a task argument would be narrowed to its input's type "
                  "(floating-point to integer, to a smaller type, signed to unsigned, a number to "
                  "bool), so it could hit the cache entry of a different value; pass a value of "
                  "the input's type (task_argument_check<input, input type, argument type> names "
                  "them)");
    static_assert(fit != argument_fit::not_convertible,
                  "flytecache: a task argument does not convert to its input's type (bool "
                  "converts only to bool); pass a value of the input's type "
                  "(task_argument_check<input, input type, argument type> names them)");
    static constexpr bool ok = fit == argument_fit::accepted;
};

// A static_assert message is a string literal, so each count up to 8 has its own: the first line
// of the error then says how many arguments the task takes. Past 8 the instantiation context
// (task_argument_count_check<takes, given>) names both numbers.
template <std::size_t Takes, std::size_t Given>
struct task_argument_count_check {
    static constexpr bool ok = Takes == Given;
    static_assert(ok || Takes != 0, "flytecache: wrong number of arguments: this task takes none");
    static_assert(ok || Takes != 1,
                  "flytecache: wrong number of arguments: this task takes 1 (one per input)");
    static_assert(ok || Takes != 2,
                  "flytecache: wrong number of arguments: this task takes 2 (one per input)");
    static_assert(ok || Takes != 3,
                  "flytecache: wrong number of arguments: this task takes 3 (one per input)");
    static_assert(ok || Takes != 4,
                  "flytecache: wrong number of arguments: this task takes 4 (one per input)");
    static_assert(ok || Takes != 5,
                  "flytecache: wrong number of arguments: this task takes 5 (one per input)");
    static_assert(ok || Takes != 6,
                  "flytecache: wrong number of arguments: this task takes 6 (one per input)");
    static_assert(ok || Takes != 7,
                  "flytecache: wrong number of arguments: this task takes 7 (one per input)");
    static_assert(ok || Takes != 8,
                  "flytecache: wrong number of arguments: this task takes 8 (one per input)");
    static_assert(ok || Takes <= 8,
                  "flytecache: wrong number of arguments: this task takes one per input "
                  "(task_argument_count_check<takes, given> names both numbers)");
};

/// The same for a task whose inputs are the fields of a struct: it also takes the struct.
template <std::size_t Fields, std::size_t Given>
struct struct_argument_count_check {
    static constexpr bool ok = Fields == Given;
    static_assert(ok || Fields != 0,
                  "flytecache: wrong number of arguments: this task takes none (or its empty "
                  "input struct)");
    static_assert(ok || Fields != 1, "flytecache: wrong number of arguments: this task takes its "
                                     "input struct, or 1 argument (one per field)");
    static_assert(ok || Fields != 2, "flytecache: wrong number of arguments: this task takes its "
                                     "input struct, or 2 arguments (one per field)");
    static_assert(ok || Fields != 3, "flytecache: wrong number of arguments: this task takes its "
                                     "input struct, or 3 arguments (one per field)");
    static_assert(ok || Fields != 4, "flytecache: wrong number of arguments: this task takes its "
                                     "input struct, or 4 arguments (one per field)");
    static_assert(ok || Fields != 5, "flytecache: wrong number of arguments: this task takes its "
                                     "input struct, or 5 arguments (one per field)");
    static_assert(ok || Fields != 6, "flytecache: wrong number of arguments: this task takes its "
                                     "input struct, or 6 arguments (one per field)");
    static_assert(ok || Fields != 7, "flytecache: wrong number of arguments: this task takes its "
                                     "input struct, or 7 arguments (one per field)");
    static_assert(ok || Fields != 8, "flytecache: wrong number of arguments: this task takes its "
                                     "input struct, or 8 arguments (one per field)");
    static_assert(ok || Fields <= 8,
                  "flytecache: wrong number of arguments: this task takes its input struct, or "
                  "one argument per field (struct_argument_count_check<fields, given> names both "
                  "numbers)");
};

/// Names[I] as a template argument, so that it appears in task_argument_check's name.
template <const auto& Names, std::size_t I>
constexpr auto input_name() {
    if constexpr (I >= Names.size()) {
        // Fewer names than parameters: the task already failed its own static_assert.
        return fixed_string<0>{};
    } else {
        fixed_string<Names[I].size()> name;
        for (std::size_t i = 0; i != Names[I].size(); ++i) name.data[i] = Names[I][i];
        return name;
    }
}

/// Every argument is accepted, one per input (`Inputs`, a std::tuple of the input types). Decides
/// without the check classes: once one of their static_asserts has failed, Clang no longer treats
/// their members as constants, and `if constexpr` on them would add an error of its own.
template <class Inputs, class... Args>
constexpr bool task_arguments_accepted() {
    if constexpr (std::tuple_size_v<Inputs> != sizeof...(Args)) {
        return false;
    } else {
        return []<std::size_t... I>(std::index_sequence<I...>) {
            return (... &&
                    (task_argument_fit<std::tuple_element_t<I, Inputs>, std::decay_t<Args>>() ==
                     argument_fit::accepted));
        }(std::index_sequence_for<Args...>{});
    }
}

/// Instantiated only for refused arguments: reports them, through the checks' static_asserts.
/// The wrong number first, and then nothing else (per-argument checks would index past the
/// inputs); otherwise every refused argument, so that all are reported at once.
template <const auto& Names, class Inputs, class... Args>
[[noreturn]] void refuse_task_arguments() {
    if constexpr (std::tuple_size_v<Inputs> != sizeof...(Args)) {
        (void)task_argument_count_check<std::tuple_size_v<Inputs>, sizeof...(Args)>::ok;
    } else {
        []<std::size_t... I>(std::index_sequence<I...>) {
            ((void)task_argument_check<input_name<Names, I>(), std::tuple_element_t<I, Inputs>,
                                       std::decay_t<Args>>::ok,
             ...);
        }(std::index_sequence_for<Args...>{});
    }
    std::terminate(); // not compiled into any program: a static_assert above has failed
}

/// An accepted argument as its input's type, by implicit conversion (copy-initialization), so
/// that no explicit constructor is chosen behind the caller's back.
template <class T, class A>
T convert_argument(A&& argument) {
    return std::forward<A>(argument);
}

/// The inputs as a std::tuple (`Inputs`) from accepted arguments (task_arguments_accepted).
template <class Inputs, class... Args>
Inputs convert_task_arguments(Args&&... args) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return Inputs(
            convert_argument<std::tuple_element_t<I, Inputs>>(std::forward<Args>(args))...);
    }(std::index_sequence_for<Args...>{});
}

template <class S, class Indices>
struct struct_field_tuple;
template <class S, std::size_t... I>
struct struct_field_tuple<S, std::index_sequence<I...>> {
    using type = std::tuple<field_type_t<S, I>...>;
};

/// The types of the inputs of a struct-input task (a Hana struct or no_values), as a std::tuple.
template <class In>
struct struct_inputs_of {
    static constexpr auto names = std::array<std::string_view, 0>{};
    using types = std::tuple<>;
};
template <is_struct In>
struct struct_inputs_of<In> {
    static constexpr auto names = field_names<In>();
    using types = typename struct_field_tuple<In, std::make_index_sequence<names.size()>>::type;
};

/// The one argument is the input struct itself (of exactly that type, after decay).
template <class In, class... Args>
inline constexpr bool is_whole_struct_argument =
    sizeof...(Args) == 1 && (std::is_same_v<std::decay_t<Args>, In> && ...);

/// The arguments of a task whose inputs are the fields of `In` are accepted: the struct itself,
/// or one argument per field held to the same rule as a function task's arguments.
template <class In, class... Args>
constexpr bool struct_arguments_accepted() {
    return is_whole_struct_argument<In, Args...> ||
           task_arguments_accepted<typename struct_inputs_of<In>::types, Args...>();
}

/// refuse_task_arguments for a struct-input task, whose count message also offers the struct.
template <class In, class... Args>
[[noreturn]] void refuse_struct_arguments() {
    using fields = struct_inputs_of<In>;
    constexpr std::size_t count = std::tuple_size_v<typename fields::types>;
    if constexpr (count != sizeof...(Args)) {
        (void)struct_argument_count_check<count, sizeof...(Args)>::ok;
        std::terminate(); // as in refuse_task_arguments
    } else {
        refuse_task_arguments<fields::names, typename fields::types, Args...>();
    }
}

/// The input struct from accepted arguments (struct_arguments_accepted). Fields are converted to
/// their exact types first, so the braces cannot narrow.
template <class In, class... Args>
In convert_struct_arguments(Args&&... args) {
    if constexpr (is_whole_struct_argument<In, Args...>) {
        return In(std::forward<Args>(args)...);
    } else {
        using types = typename struct_inputs_of<In>::types;
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return In{
                convert_argument<std::tuple_element_t<I, types>>(std::forward<Args>(args))...};
        }(std::index_sequence_for<Args...>{});
    }
}

/// prepare() of a task whose inputs are the fields of `In` (a Hana struct or no_values): the
/// struct and its literal map. Refused arguments stop at their static_assert: the call below is
/// discarded, so no further errors follow.
template <class In, class... Args>
struct_call<In> prepare_struct_call(Args&&... args) {
    static_assert(std::is_same_v<In, no_values> || is_struct<In>,
                  "flytecache: this task's inputs must be a Hana struct (BOOST_HANA_DEFINE_STRUCT) "
                  "or flytecache::no_values");
    if constexpr (!struct_arguments_accepted<In, Args...>()) {
        refuse_struct_arguments<In, Args...>();
    } else {
        struct_call<In> call{convert_struct_arguments<In>(std::forward<Args>(args)...), {}};
        if constexpr (!std::is_same_v<In, no_values>) call.inputs = struct_to_inputs(call.args);
        return call;
    }
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
