// flytecache — literal_traits: the type engine, converting C++ values to and from Flyte literals
// SPDX-License-Identifier: MIT
#pragma once

// How a type T finds its conversion (first match wins):
//
//   1. A specialization of flytecache::literal_traits<T> — the user's own, or one of the built-ins
//      below. It provides
//          static literal      to_literal(const T&);
//          static T            from_literal(const literal&);   // throws type_error
//          static literal_type type();
//      and optionally `static constexpr std::string_view tag`, flytekit's transformer name, which
//      is written as TypeStructure.tag when T is a variant of a union (std::optional<T>).
//   2. Otherwise the primary template, which looks in T's namespaces (ADL) for
//          literal      to_literal(const T&);
//          void         from_literal(const flytecache::literal&, T&);   // T default-initializable
//          literal_type literal_type_of(std::type_identity<T>);
//      as nlohmann's adl_serializer does with to_json/from_json. Each is optional on its own:
//      a type with only to_literal can be part of a cache key but cannot be read back.
//   3. Otherwise using T is a compile error: "flytecache: no literal_traits for this type; …",
//      followed by an error naming detail::no_literal_traits_for<T>.
//
// Built-in mapping (flytekit's TypeEngine):
//   integers (not bool or char types)   Primitive.integer (int64)      SimpleType INTEGER
//   float, double, long double          Primitive.float_value          SimpleType FLOAT
//   bool                                Primitive.boolean              SimpleType BOOLEAN
//   std::string (+ string_view, C strings, to_literal only)
//                                       Primitive.string_value         SimpleType STRING
//   system_clock time points            Primitive.datetime             SimpleType DATETIME
//   std::chrono::duration               Primitive.duration             SimpleType DURATION
//   std::optional<T>                    Scalar.union {T's literal or none}, UnionType {T, NONE}
//   std::vector<T>                      LiteralCollection              collection_type
//   std::map / std::unordered_map with std::string keys
//                                       LiteralMap                     map_value_type
//   std::vector<std::byte / uint8_t>    Binary (tag "")                SimpleType BINARY
//   flytecache::file / directory        Blob SINGLE / MULTIPART        BlobType
//   Boost.Hana structs                  LiteralMap of field literals   SimpleType STRUCT with
//                                                                      structure.dataclass_type
//   flytecache::literal                 itself                         (no kind)
//
// See docs/concepts.md, "literal_traits".

#include <flytecache/config.hpp>
#include <flytecache/detail/struct_fields.hpp>
#include <flytecache/detail/type_name.hpp>
#include <flytecache/error.hpp>
#include <flytecache/literal/file.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/literal/literal_type.hpp>
#include <flytecache/literal/type_error.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <map>
#include <optional>
#include <ratio>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// The conversion between a C++ type and Flyte literals (flytekit's TypeTransformer), found at
/// compile time. See the top of this header for the lookup order and the built-in mapping.
///
/// `Enable` is for users who prefer `std::enable_if_t<…>` partial specializations; the built-ins
/// use constrained partial specializations and leave it `void`.
/// Thread safety: every member is a static function over its arguments; built-ins are safe to call
/// concurrently (user specializations should be too).
template <class T, class Enable = void>
struct literal_traits;

namespace detail {

/// Intentionally undefined: an error that mentions it names the type without literal_traits.
template <class T>
struct no_literal_traits_for;

// A false that depends on T, so the static_assert fires only when the member is instantiated.
// (policy/cache.hpp has a variadic dependent_false of its own; a second definition would clash.)
template <class T>
inline constexpr bool literal_traits_missing = false;

/// The one diagnostic for a type with neither a literal_traits specialization nor ADL functions,
/// whichever of to_literal, from_literal and type was asked for: a `flytecache:` message, then an
/// error naming `no_literal_traits_for<T>` with the offending type.
template <class T>
[[noreturn]] void missing_literal_traits() {
    static_assert(literal_traits_missing<T>,
                  "flytecache: no literal_traits for this type; specialize "
                  "flytecache::literal_traits<T> (to_literal, from_literal, literal_type) or give "
                  "the type ADL functions to_literal/from_literal");
    [[maybe_unused]] no_literal_traits_for<T> unsupported_type;
    std::terminate();
}

// Finds only what argument-dependent lookup finds. These declarations hide flytecache's own
// to_literal/from_literal/literal_type_of from ordinary lookup in this namespace, so a call below
// reaches a user's function in T's namespace or nothing. (The generic flytecache::to_literal is
// also invisible to ADL: it lives behind a using-directive, see namespace type_engine.)
namespace literal_adl {

void to_literal() = delete;
void from_literal() = delete;
void literal_type_of() = delete;

template <class T>
concept has_to = requires(const T& value) {
    { to_literal(value) } -> std::same_as<literal>;
};
template <class T>
concept has_from =
    std::default_initializable<T> && requires(const literal& l, T& out) { from_literal(l, out); };
template <class T>
concept has_type = requires {
    { literal_type_of(std::type_identity<T>{}) } -> std::same_as<literal_type>;
};

template <class T>
literal call_to(const T& value) {
    return to_literal(value);
}
template <class T>
T call_from(const literal& l) {
    T out{};
    from_literal(l, out);
    return out;
}
template <class T>
literal_type call_type() {
    return literal_type_of(std::type_identity<T>{});
}

} // namespace literal_adl

// Marks the primary template, so has_literal_traits can tell "specialized" from "defaulted".
struct primary_literal_traits_tag {};

} // namespace detail

/// The primary template: forwards to ADL functions in T's namespace when they exist, otherwise
/// fails to compile with a message that says how to add support for T.
template <class T, class Enable>
struct literal_traits {
    using flytecache_primary_tag = detail::primary_literal_traits_tag;

    static literal to_literal(const T& value) {
        if constexpr (detail::literal_adl::has_to<T>) {
            return detail::literal_adl::call_to(value);
        } else {
            detail::missing_literal_traits<T>();
        }
    }

    static T from_literal(const literal& l) {
        if constexpr (detail::literal_adl::has_from<T>) {
            return detail::literal_adl::call_from<T>(l);
        } else if constexpr (detail::literal_adl::has_to<T>) {
            static_assert(
                detail::literal_traits_missing<T>,
                "flytecache: this type has an ADL to_literal but no 'void "
                "from_literal(const flytecache::literal&, T&)' in its namespace (and must "
                "be default-initializable); add one to read it back from a literal");
            std::terminate();
        } else {
            detail::missing_literal_traits<T>();
        }
    }

    static literal_type type() {
        if constexpr (detail::literal_adl::has_type<T>) {
            return detail::literal_adl::call_type<T>();
        } else if constexpr (detail::literal_adl::has_to<T>) {
            static_assert(
                detail::literal_traits_missing<T>,
                "flytecache: this type has an ADL to_literal but no 'flytecache::literal_type "
                "literal_type_of(std::type_identity<T>)' in its namespace; add one to "
                "describe its Flyte type");
            std::terminate();
        } else {
            detail::missing_literal_traits<T>();
        }
    }
};

namespace detail {

template <class T>
concept uses_primary_literal_traits =
    requires { typename literal_traits<T>::flytecache_primary_tag; };

} // namespace detail

/// T converts both ways and has a Flyte type: `literal_traits<T>` is specialized with all three
/// members, or T's namespace provides all three ADL functions.
template <class T>
concept has_literal_traits =
    (detail::uses_primary_literal_traits<T> && detail::literal_adl::has_to<T> &&
     detail::literal_adl::has_from<T> && detail::literal_adl::has_type<T>) ||
    (!detail::uses_primary_literal_traits<T> && requires(const T& value, const literal& l) {
        { literal_traits<T>::to_literal(value) } -> std::same_as<literal>;
        { literal_traits<T>::from_literal(l) } -> std::same_as<T>;
        { literal_traits<T>::type() } -> std::same_as<literal_type>;
    });

// The generic entry points live in their own namespace, made visible in flytecache by a
// using-directive: qualified calls (flytecache::to_literal) and `using namespace flytecache` find
// them, but argument-dependent lookup ignores using-directives, so an unqualified to_literal(x) for
// a type related to flytecache (std::array<flytecache::file, 2>) never picks the generic template
// as if it were the type's own ADL customization, which would recurse forever.
namespace type_engine {

/// The Flyte literal of `value`, via `literal_traits<T>`.
/// @throws type_error when the value has no Flyte representation (an unsigned integer above
/// INT64_MAX); whatever a user's traits throw.
/// Thread safety: as safe as reading `value`.
template <class T>
[[nodiscard]] literal to_literal(const T& value) {
    return literal_traits<T>::to_literal(value);
}

/// The value of type T that `l` holds, via `literal_traits<T>`.
/// @throws type_error when `l` holds another kind of value or one out of T's range.
template <class T>
[[nodiscard]] T from_literal(const literal& l) {
    static_assert(!std::is_reference_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T>,
                  "flytecache: from_literal<T> needs a plain object type T (no reference or cv)");
    if constexpr (requires(const literal& x) { literal_traits<T>::from_literal(x); }) {
        return literal_traits<T>::from_literal(l);
    } else {
        static_assert(detail::literal_traits_missing<T>,
                      "flytecache: this type converts to a literal only (a view such as "
                      "std::string_view or const char* would dangle); read the value as its owning "
                      "type, e.g. std::string");
        std::terminate();
    }
}

/// The Flyte type (LiteralType) of T, via `literal_traits<T>`; cv-qualifiers and references on T
/// are ignored, so `literal_type_of<decltype(x)>()` works for a const `x`.
template <class T>
[[nodiscard]] literal_type literal_type_of() {
    return literal_traits<std::remove_cvref_t<T>>::type();
}

} // namespace type_engine

using namespace type_engine; // NOLINT(google-build-using-namespace): the ADL barrier above

namespace detail {

[[nodiscard]] inline literal make_scalar_literal(scalar s) {
    literal l;
    l.value = std::move(s);
    return l;
}

template <class V>
[[nodiscard]] literal make_primitive_literal(V value) {
    return make_scalar_literal(scalar{primitive{std::move(value)}});
}

[[nodiscard]] inline literal_type make_simple_type(simple_type t) {
    literal_type lt;
    lt.type = t;
    return lt;
}

// The primitive alternative V of `l`, or nullptr when `l` is not a primitive of that kind.
template <class V>
[[nodiscard]] const V* get_primitive(const literal& l) noexcept {
    const auto* s = std::get_if<scalar>(&l.value);
    if (s == nullptr) return nullptr;
    const auto* p = std::get_if<primitive>(&s->value);
    if (p == nullptr) return nullptr;
    return std::get_if<V>(&p->value);
}

template <class V>
[[nodiscard]] const V* get_scalar(const literal& l) noexcept {
    const auto* s = std::get_if<scalar>(&l.value);
    return s == nullptr ? nullptr : std::get_if<V>(&s->value);
}

template <class V>
[[nodiscard]] const V& expect_primitive(const literal& l, std::string_view expected) {
    if (const V* v = get_primitive<V>(l)) return *v;
    throw type_error(expected, l);
}

// flytekit's transformer name for T: TypeStructure.tag of a union variant.
template <class T>
[[nodiscard]] constexpr std::string_view literal_tag() noexcept {
    if constexpr (requires {
                      { literal_traits<T>::tag } -> std::convertible_to<std::string_view>;
                  }) {
        return literal_traits<T>::tag;
    } else {
        return type_name<T>();
    }
}

// Integer types that are numbers: not bool, and not the character types (char, wchar_t,
// char8_t/16_t/32_t), which are text. signed/unsigned char are int8_t/uint8_t, so they count.
template <class T>
concept literal_integer = std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char> &&
                          !std::same_as<T, wchar_t> && !std::same_as<T, char8_t> &&
                          !std::same_as<T, char16_t> && !std::same_as<T, char32_t>;

template <class T>
concept literal_byte = std::same_as<T, std::byte> || std::same_as<T, std::uint8_t>;

// Range checks for time conversions go through long double seconds: exact for every integer
// duration up to int64 nanoseconds on x86 and wide enough for floating representations. A one
// second margin keeps the integer arithmetic afterwards clear of the limits.
template <class D>
[[nodiscard]] bool seconds_fit(long double seconds) noexcept {
    using ld = std::chrono::duration<long double>;
    const long double hi = ld(D::max()).count() - 1.0L;
    const long double lo = ld(D::min()).count() + 1.0L;
    return seconds <= hi && seconds >= lo;
}

template <class D>
void check_seconds_fit(long double seconds, std::string_view what) {
    using i64_seconds = std::chrono::duration<std::int64_t>;
    if (!seconds_fit<D>(seconds) || !seconds_fit<i64_seconds>(seconds)) {
        throw type_error("flytecache: " + std::string(what) + " of " + std::to_string(seconds) +
                         " s does not fit " + std::string(type_name<D>()));
    }
}

// seconds + nanos (a Timestamp's or Duration's fields) as D: rounded down for time points
// (Floor), toward zero for durations. The sum is formed without a type of narrower range than D:
// whole seconds convert exactly into any D whose unit divides a second (milliseconds, …), and
// nanoseconds cannot move the result in a D counting whole seconds (minutes, days), so
// sys_seconds and sys_days reach far beyond nanoseconds' ±292 years.
template <class D, bool Floor>
[[nodiscard]] D from_seconds_nanos(std::int64_t seconds, std::int32_t nanos,
                                   std::string_view what) {
    const long double total =
        static_cast<long double>(seconds) + static_cast<long double>(nanos) / 1e9L;
    check_seconds_fit<D>(total, what);
    const auto round = [](auto d) {
        if constexpr (Floor) {
            return std::chrono::floor<D>(d);
        } else {
            return std::chrono::duration_cast<D>(d);
        }
    };
    constexpr bool integral = !std::chrono::treat_as_floating_point_v<typename D::rep>;
    if constexpr (integral && D::period::num == 1) {
        return std::chrono::duration_cast<D>(std::chrono::seconds(seconds)) +
               round(std::chrono::nanoseconds(nanos));
    } else if constexpr (integral && D::period::den == 1) {
        return round(std::chrono::seconds(seconds));
    } else {
        using fine = std::common_type_t<D, std::chrono::nanoseconds>;
        check_seconds_fit<fine>(total, what);
        return round(fine(std::chrono::seconds(seconds)) + fine(std::chrono::nanoseconds(nanos)));
    }
}

} // namespace detail

// ---- identity -----------------------------------------------------------------------------------

/// A literal is its own literal, so prebuilt literals can sit beside typed values in an input map.
/// Its type() is the empty LiteralType: the type of an arbitrary literal is not knowable.
template <>
struct literal_traits<literal> {
    static literal to_literal(const literal& l) { return l; }
    static literal from_literal(const literal& l) { return l; }
    static literal_type type() { return {}; }
};

// ---- numbers, booleans, text --------------------------------------------------------------------

/// Integers → Primitive.integer (int64). Reading back range-checks into T.
template <class T>
    requires detail::literal_integer<T>
struct literal_traits<T> {
    static constexpr std::string_view tag = "int";

    /// @throws type_error for an unsigned value above INT64_MAX (Flyte integers are int64).
    static literal to_literal(T value) {
        if (!std::in_range<std::int64_t>(value)) {
            throw type_error("flytecache: " + std::to_string(value) +
                             " does not fit a Flyte integer (int64)");
        }
        return detail::make_primitive_literal(static_cast<std::int64_t>(value));
    }

    /// @throws type_error when `l` is not an integer or its value is out of T's range.
    static T from_literal(const literal& l) {
        const std::int64_t v = detail::expect_primitive<std::int64_t>(l, "integer");
        if (!std::in_range<T>(v)) {
            throw type_error("flytecache: integer " + std::to_string(v) +
                             " is out of the range of " + std::string(detail::type_name<T>()) +
                             " [" + std::to_string(std::numeric_limits<T>::min()) + ", " +
                             std::to_string(std::numeric_limits<T>::max()) + "]");
        }
        return static_cast<T>(v);
    }

    static literal_type type() { return detail::make_simple_type(simple_type::integer); }
};

/// Floating point → Primitive.float_value (a double). Reading back also accepts an integer
/// literal, as flytekit's float transformer does; narrowing to float rounds.
template <std::floating_point T>
struct literal_traits<T> {
    static constexpr std::string_view tag = "float";

    static literal to_literal(T value) {
        return detail::make_primitive_literal(static_cast<double>(value));
    }

    static T from_literal(const literal& l) {
        if (const auto* d = detail::get_primitive<double>(l)) return static_cast<T>(*d);
        if (const auto* i = detail::get_primitive<std::int64_t>(l)) return static_cast<T>(*i);
        throw type_error("float", l);
    }

    static literal_type type() { return detail::make_simple_type(simple_type::float_); }
};

/// bool → Primitive.boolean.
template <>
struct literal_traits<bool> {
    static constexpr std::string_view tag = "bool";
    static literal to_literal(bool value) { return detail::make_primitive_literal(value); }
    static bool from_literal(const literal& l) {
        return detail::expect_primitive<bool>(l, "boolean");
    }
    static literal_type type() { return detail::make_simple_type(simple_type::boolean); }
};

/// std::string → Primitive.string_value.
template <>
struct literal_traits<std::string> {
    static constexpr std::string_view tag = "str";
    static literal to_literal(const std::string& value) {
        return detail::make_primitive_literal(value);
    }
    static std::string from_literal(const literal& l) {
        return detail::expect_primitive<std::string>(l, "string");
    }
    static literal_type type() { return detail::make_simple_type(simple_type::string); }
};

/// std::string_view → Primitive.string_value; to_literal only (a view read back would dangle).
template <>
struct literal_traits<std::string_view> {
    static constexpr std::string_view tag = "str";
    static literal to_literal(std::string_view value) {
        return detail::make_primitive_literal(std::string(value));
    }
    static literal_type type() { return detail::make_simple_type(simple_type::string); }
};

/// C strings (`const char*`, `char*`) → Primitive.string_value; to_literal only.
template <class T>
    requires std::same_as<T, const char*> || std::same_as<T, char*>
struct literal_traits<T> {
    static constexpr std::string_view tag = "str";
    /// @throws invalid_argument for a null pointer.
    static literal to_literal(const char* value) {
        if (value == nullptr) throw invalid_argument("flytecache: to_literal of a null C string");
        return detail::make_primitive_literal(std::string(value));
    }
    static literal_type type() { return detail::make_simple_type(simple_type::string); }
};

/// Character arrays (string literals: `to_literal("abc")` deduces `char[4]`) → the text up to the
/// first NUL, or all N characters; to_literal only.
template <std::size_t N>
struct literal_traits<char[N]> {
    static constexpr std::string_view tag = "str";
    static literal to_literal(const char (&value)[N]) {
        std::size_t length = 0;
        while (length < N && value[length] != '\0') ++length;
        return detail::make_primitive_literal(std::string(value, length));
    }
    static literal_type type() { return detail::make_simple_type(simple_type::string); }
};

// ---- time ---------------------------------------------------------------------------------------

/// Time points of std::chrono::system_clock, any duration → Primitive.datetime (Timestamp).
///
/// The Timestamp is seconds and nanoseconds with nanos in [0, 1e9) also before 1970 (the
/// protobuf rule: 1969-12-31T23:59:59.5 is seconds -1, nanos 500000000). Durations finer than a
/// nanosecond are truncated. Reading back into a coarser duration rounds down (std::chrono::floor).
template <class D>
struct literal_traits<std::chrono::time_point<std::chrono::system_clock, D>> {
    using time_point = std::chrono::time_point<std::chrono::system_clock, D>;
    static constexpr std::string_view tag = "datetime";

    /// @throws type_error when the time is more than int64 seconds from the epoch.
    static literal to_literal(const time_point& value) {
        const D since_epoch = value.time_since_epoch();
        if constexpr (std::chrono::treat_as_floating_point_v<typename D::rep> ||
                      std::ratio_greater_v<typename D::period, std::ratio<1>>) {
            detail::check_seconds_fit<std::chrono::seconds>(
                std::chrono::duration<long double>(since_epoch).count(), "datetime");
        }
        const auto whole = std::chrono::floor<std::chrono::seconds>(since_epoch);
        const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
            since_epoch - whole); // in [0, 1 s)
        return detail::make_primitive_literal(timestamp{static_cast<std::int64_t>(whole.count()),
                                                        static_cast<std::int32_t>(nanos.count())});
    }

    /// @throws type_error when `l` is not a datetime or the time does not fit D.
    static time_point from_literal(const literal& l) {
        const auto& ts = detail::expect_primitive<timestamp>(l, "datetime");
        return time_point(detail::from_seconds_nanos<D, true>(ts.seconds, ts.nanos, "datetime"));
    }

    static literal_type type() { return detail::make_simple_type(simple_type::datetime); }
};

/// std::chrono::duration → Primitive.duration (protobuf Duration).
///
/// Seconds and nanoseconds carry the same sign, as protobuf and flytekit require: -1.5 s is
/// seconds -1, nanos -500000000. Reading back into a coarser duration truncates toward zero
/// (std::chrono::duration_cast).
template <class Rep, class Period>
struct literal_traits<std::chrono::duration<Rep, Period>> {
    using duration_type = std::chrono::duration<Rep, Period>;
    static constexpr std::string_view tag = "timedelta";

    /// @throws type_error when the duration exceeds int64 seconds.
    static literal to_literal(const duration_type& value) {
        if constexpr (std::chrono::treat_as_floating_point_v<Rep> ||
                      std::ratio_greater_v<Period, std::ratio<1>>) {
            detail::check_seconds_fit<std::chrono::seconds>(
                std::chrono::duration<long double>(value).count(), "duration");
        }
        const auto whole = std::chrono::duration_cast<std::chrono::seconds>(value); // toward zero
        const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
            value - whole); // same sign, |nanos| < 1 s
        return detail::make_primitive_literal(::flytecache::duration{
            static_cast<std::int64_t>(whole.count()), static_cast<std::int32_t>(nanos.count())});
    }

    /// @throws type_error when `l` is not a duration or the duration does not fit the C++ type.
    static duration_type from_literal(const literal& l) {
        const auto& d = detail::expect_primitive<::flytecache::duration>(l, "duration");
        return detail::from_seconds_nanos<duration_type, false>(d.seconds, d.nanos, "duration");
    }

    static literal_type type() { return detail::make_simple_type(simple_type::duration); }
};

// ---- optional -----------------------------------------------------------------------------------

namespace detail {

// flytekit's _add_tag_to_type: the type with its structure replaced by one holding only the tag.
[[nodiscard]] inline literal_type tagged_type(literal_type t, std::string_view tag) {
    t.structure = type_structure{std::string(tag), {}};
    return t;
}

} // namespace detail

/// std::optional<T> → a union scalar, as flytekit converts `Optional[T]` (a `Union[T, None]`):
/// the value's literal, or the none literal (Scalar.none_type), wrapped in Scalar.union whose
/// stored type is the chosen variant's type tagged with flytekit's transformer name ("int",
/// "none", …). Matching flytekit here matters: the union wrapper is part of the cache key.
///
/// Type: UnionType{[type(T) tagged, NONE tagged "none"]}. Reading back accepts the union form and,
/// leniently, a bare none literal (→ nullopt) or a bare value of T.
template <class T>
struct literal_traits<std::optional<T>> {
    static constexpr std::string_view tag = "Typed Union";

    static literal to_literal(const std::optional<T>& value) {
        union_value u;
        if (value) {
            u.value = detail::box<literal>(literal_traits<T>::to_literal(*value));
            u.type = detail::tagged_type(literal_traits<T>::type(), detail::literal_tag<T>());
        } else {
            u.value = detail::box<literal>(none_literal());
            u.type = none_type();
        }
        return detail::make_scalar_literal(scalar{std::move(u)});
    }

    static std::optional<T> from_literal(const literal& l) {
        if (const auto* u = detail::get_scalar<union_value>(l)) {
            if (!u->value)
                throw type_error("flytecache: a literal union with no value for std::optional");
            return from_literal(**u->value);
        }
        if (detail::get_scalar<void_value>(l) != nullptr) return std::nullopt;
        return literal_traits<T>::from_literal(l);
    }

    static literal_type type() {
        literal_type t;
        t.type =
            union_type{{detail::tagged_type(literal_traits<T>::type(), detail::literal_tag<T>()),
                        none_type()}};
        return t;
    }

private:
    static literal none_literal() { return detail::make_scalar_literal(scalar{void_value{}}); }
    static literal_type none_type() {
        return detail::tagged_type(detail::make_simple_type(simple_type::none), "none");
    }
};

// ---- bytes, collections, maps -------------------------------------------------------------------

/// Byte buffers (`std::vector<std::byte>`, `std::vector<std::uint8_t>`) → Binary with tag "".
/// More specialized than the std::vector<T> specialization below, so a vector of uint8_t is bytes,
/// not a collection of integers (use std::vector<int> for that).
template <class B, class A>
    requires detail::literal_byte<B>
struct literal_traits<std::vector<B, A>> {
    static constexpr std::string_view tag = "bytes";

    static literal to_literal(const std::vector<B, A>& value) {
        std::string bytes(value.size(), '\0');
        std::transform(value.begin(), value.end(), bytes.begin(),
                       [](B b) { return static_cast<char>(static_cast<unsigned char>(b)); });
        return detail::make_scalar_literal(scalar{binary{std::move(bytes), {}}});
    }

    static std::vector<B, A> from_literal(const literal& l) {
        const auto* b = detail::get_scalar<binary>(l);
        if (b == nullptr) throw type_error("binary", l);
        std::vector<B, A> out(b->value.size());
        std::transform(b->value.begin(), b->value.end(), out.begin(),
                       [](char c) { return static_cast<B>(static_cast<unsigned char>(c)); });
        return out;
    }

    static literal_type type() { return detail::make_simple_type(simple_type::binary); }
};

/// std::vector<T> → LiteralCollection of T's literals; type collection_type{type(T)}.
template <class T, class A>
struct literal_traits<std::vector<T, A>> {
    static constexpr std::string_view tag = "Typed List";

    static literal to_literal(const std::vector<T, A>& value) {
        literal_collection c;
        c.literals.reserve(value.size());
        for (const auto& item : value) c.literals.push_back(literal_traits<T>::to_literal(item));
        literal l;
        l.value = std::move(c);
        return l;
    }

    static std::vector<T, A> from_literal(const literal& l) {
        const auto* c = std::get_if<literal_collection>(&l.value);
        if (c == nullptr) throw type_error("collection", l);
        std::vector<T, A> out;
        out.reserve(c->literals.size());
        for (const auto& item : c->literals) out.push_back(literal_traits<T>::from_literal(item));
        return out;
    }

    static literal_type type() {
        literal_type t;
        t.type = collection_type{literal_traits<T>::type()};
        return t;
    }
};

namespace detail {

// String-keyed maps → LiteralMap, sorted by key as deterministic encoding requires.
template <class Map>
struct string_map_literal_traits {
    using mapped = typename Map::mapped_type;
    static constexpr std::string_view tag = "Typed Dict";

    static literal to_literal(const Map& value) {
        std::vector<std::pair<std::string, literal>> entries;
        entries.reserve(value.size());
        for (const auto& [key, item] : value)
            entries.emplace_back(key, literal_traits<mapped>::to_literal(item));
        literal_map m(std::move(entries)); // sorted by name
        literal l;
        l.value = std::move(m);
        return l;
    }

    static Map from_literal(const literal& l) {
        const auto* boxed = std::get_if<literal_map_box>(&l.value);
        if (boxed == nullptr) throw type_error("map", l);
        const literal_map* m = &**boxed;
        Map out;
        for (const auto& [key, item] : m->literals)
            out.emplace(key, literal_traits<mapped>::from_literal(item));
        return out;
    }

    static literal_type type() {
        literal_type t;
        t.type = map_value_type{literal_traits<mapped>::type()};
        return t;
    }
};

} // namespace detail

/// std::map<std::string, T> → LiteralMap; type map_value_type{type(T)}.
template <class T, class Compare, class A>
struct literal_traits<std::map<std::string, T, Compare, A>>
    : detail::string_map_literal_traits<std::map<std::string, T, Compare, A>> {};

/// std::unordered_map<std::string, T> → LiteralMap (sorted by key); type map_value_type{type(T)}.
template <class T, class Hash, class Eq, class A>
struct literal_traits<std::unordered_map<std::string, T, Hash, Eq, A>>
    : detail::string_map_literal_traits<std::unordered_map<std::string, T, Hash, Eq, A>> {};

// ---- files --------------------------------------------------------------------------------------

namespace detail {

template <class F, blob_dimensionality Dim>
struct blob_literal_traits {
    static literal to_literal(const F& value) {
        blob b;
        b.metadata = blob_metadata{blob_type{value.format, Dim}};
        b.uri = value.uri;
        return make_scalar_literal(scalar{std::move(b)});
    }

    static F from_literal(const literal& l) {
        constexpr std::string_view expected = Dim == blob_dimensionality::single
                                                  ? "blob (single file)"
                                                  : "blob (multipart directory)";
        const auto* b = get_scalar<blob>(l);
        if (b == nullptr) throw type_error(expected, l);
        std::string format;
        if (b->metadata && b->metadata->type) {
            if (b->metadata->type->dimensionality != Dim) {
                throw type_error("flytecache: expected a literal " + std::string(expected) +
                                 ", got a " +
                                 (Dim == blob_dimensionality::single ? "multipart (directory) blob"
                                                                     : "single (file) blob"));
            }
            format = b->metadata->type->format;
        }
        return F(b->uri, std::move(format));
    }

    static literal_type type() {
        literal_type t;
        t.type = blob_type{"", Dim};
        return t;
    }
};

} // namespace detail

/// flytecache::file → Blob{uri, BlobType{format, SINGLE}}; type BlobType{"", SINGLE}.
template <>
struct literal_traits<file> : detail::blob_literal_traits<file, blob_dimensionality::single> {
    static constexpr std::string_view tag = "FlyteFilePath";
};

/// flytecache::directory → Blob{uri, BlobType{format, MULTIPART}}; type BlobType{"", MULTIPART}.
template <>
struct literal_traits<directory>
    : detail::blob_literal_traits<directory, blob_dimensionality::multipart> {
    static constexpr std::string_view tag = "FlyteDirectory";
};

// ---- Boost.Hana structs -------------------------------------------------------------------------

/// Structs adapted with BOOST_HANA_DEFINE_STRUCT / BOOST_HANA_ADAPT_STRUCT → a LiteralMap of field
/// name → field literal, recursively (a struct of vectors of structs works).
///
/// Type: simple STRUCT with structure.dataclass_type = field name → field type, which is how
/// flytekit describes a dataclass's fields (a map_value_type cannot, as fields differ in type);
/// structure.tag is "". Note that flytekit itself sends dataclass *values* as msgpack Binary, so
/// these literals (and keys over them) are not interchangeable with a Python dataclass's.
/// Reading back needs T default-initializable; every field must be present, extra names are
/// ignored.
template <class T>
    requires detail::is_struct<T>
struct literal_traits<T> {
    static constexpr std::string_view tag = "Object-Dataclass-Transformer";
    /// Marks this conversion (the literal is the fields' literals and nothing else), which the
    /// typed tier checks before it memoizes a struct by its fields' values: a specialization of
    /// your own for a struct may read more than its fields.
    using flytecache_fields_only_tag = void;

    static literal to_literal(const T& value) {
        literal_map m;
        detail::for_each_field(value, [&](std::string_view name, const auto& field) {
            using field_type = std::remove_cvref_t<decltype(field)>;
            m.insert_or_assign(std::string(name), literal_traits<field_type>::to_literal(field));
        });
        literal l;
        l.value = std::move(m);
        return l;
    }

    static T from_literal(const literal& l) {
        const auto* boxed = std::get_if<literal_map_box>(&l.value);
        if (boxed == nullptr) throw type_error("map (struct)", l);
        const literal_map* m = &**boxed;
        T out{};
        detail::for_each_field(out, [&](std::string_view name, auto& field) {
            using field_type = std::remove_cvref_t<decltype(field)>;
            const literal* item = m->find(name);
            if (item == nullptr) {
                throw type_error("flytecache: literal map has no field '" + std::string(name) +
                                 "' for " + std::string(detail::type_name<T>()));
            }
            field = literal_traits<field_type>::from_literal(*item);
        });
        return out;
    }

    static literal_type type() {
        type_structure structure;
        detail::for_each_field_type<T>([&]<class Field>(std::string_view name,
                                                        std::type_identity<Field>) {
            structure.dataclass_type.emplace_back(std::string(name), literal_traits<Field>::type());
        });
        std::sort(structure.dataclass_type.begin(), structure.dataclass_type.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        literal_type t = detail::make_simple_type(simple_type::struct_);
        t.structure = std::move(structure);
        return t;
    }
};

// ---- building input maps ------------------------------------------------------------------------

namespace detail {

inline void add_named_literals(literal_map&) {}

template <class Name, class Value, class... Rest>
void add_named_literals(literal_map& m, const Name& name, const Value& value, const Rest&... rest) {
    static_assert(std::is_convertible_v<const Name&, std::string_view>,
                  "flytecache: make_literal_map takes alternating names and values; every name "
                  "(arguments 1, 3, 5, …) must convert to std::string_view");
    const std::string_view key = name;
    if (m.find(key) != nullptr) {
        throw invalid_argument("flytecache: make_literal_map: input '" + std::string(key) +
                               "' is given twice");
    }
    m.insert_or_assign(std::string(key), literal_traits<Value>::to_literal(value));
    add_named_literals(m, rest...);
}

} // namespace detail

namespace type_engine {

/// A task's input map from alternating names and typed values:
/// `make_literal_map("a", 1, "b", std::vector<double>{0.5}, "f", file{"data.csv"})`.
///
/// Each value goes through `to_literal`; the map keeps names sorted, as the encoding needs.
/// @throws invalid_argument when a name repeats; whatever a value's to_literal throws.
template <class... Args>
[[nodiscard]] literal_map make_literal_map(const Args&... names_and_values) {
    literal_map m;
    if constexpr (sizeof...(Args) % 2 == 0) {
        m.literals.reserve(sizeof...(Args) / 2);
        detail::add_named_literals(m, names_and_values...);
    } else {
        static_assert(sizeof...(Args) % 2 == 0,
                      "flytecache: make_literal_map takes name, value pairs: "
                      "make_literal_map(\"a\", 1, \"b\", 2.5)");
    }
    return m;
}

/// The fields of a Boost.Hana struct as a task's input map (field name → field literal): a struct
/// can stand for a task's whole input signature.
template <class T>
    requires detail::is_struct<T>
[[nodiscard]] literal_map to_literal_map(const T& inputs) {
    return std::move(*std::get<literal_map_box>(literal_traits<T>::to_literal(inputs).value));
}

} // namespace type_engine

FLYTECACHE_NAMESPACE_END
