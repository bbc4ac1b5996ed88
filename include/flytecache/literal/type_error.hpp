// flytecache — type_error: a literal does not hold the kind of value a C++ type needs
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/literal/literal.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

FLYTECACHE_NAMESPACE_BEGIN

namespace detail {

// The kind of a literal as prose with its article ("an integer", "a map"), for messages that say
// what was found where something else was expected. Union scalars say so rather than describing
// their inner value, because that is where the mismatch is.
// std::visit throws only on a valueless variant, and a literal never is one.
// NOLINTNEXTLINE(bugprone-exception-escape)
[[nodiscard]] inline std::string_view literal_kind(const literal& l) noexcept {
    struct visitor {
        std::string_view operator()(std::monostate) const noexcept { return "an empty literal"; }
        std::string_view operator()(const literal_collection&) const noexcept {
            return "a collection";
        }
        std::string_view operator()(const box<literal_map>&) const noexcept { return "a map"; }
        std::string_view operator()(const offloaded_metadata&) const noexcept {
            return "an offloaded literal";
        }
        // By alternative type, not index, so the wording survives reordering of the variants.
        std::string_view operator()(const scalar& s) const noexcept {
            if (const auto* p = std::get_if<primitive>(&s.value)) return primitive_kind(*p);
            if (std::holds_alternative<blob>(s.value)) return "a blob";
            if (std::holds_alternative<binary>(s.value)) return "a binary";
            if (std::holds_alternative<schema>(s.value)) return "a schema";
            if (std::holds_alternative<void_value>(s.value)) return "a none value";
            if (std::holds_alternative<error_value>(s.value)) return "an error";
            if (std::holds_alternative<protobuf_struct>(s.value)) return "a generic struct";
            if (std::holds_alternative<structured_dataset>(s.value)) return "a structured dataset";
            if (std::holds_alternative<union_value>(s.value)) return "a union";
            if (std::holds_alternative<json_bytes>(s.value)) return "a json value";
            return "a scalar with no value";
        }
        static std::string_view primitive_kind(const primitive& p) noexcept {
            if (std::holds_alternative<std::int64_t>(p.value)) return "an integer";
            if (std::holds_alternative<double>(p.value)) return "a float";
            if (std::holds_alternative<std::string>(p.value)) return "a string";
            if (std::holds_alternative<bool>(p.value)) return "a boolean";
            if (std::holds_alternative<timestamp>(p.value)) return "a datetime";
            if (std::holds_alternative<duration>(p.value)) return "a duration";
            return "a primitive with no value";
        }
    };
    return std::visit(visitor{}, l.value);
}

} // namespace detail

/// Thrown when converting a literal to a C++ type (`from_literal`) finds a different kind of value
/// than the type needs, or a value that does not fit it (an integer out of the C++ type's range),
/// and when a C++ value has no Flyte representation (a `std::uint64_t` above INT64_MAX).
///
/// Why its own class: a wrong input type is a caller bug that is worth catching apart from I/O or
/// configuration failures, the way flytekit raises `TypeTransformerFailedError`.
/// Messages read "flytecache: expected a literal integer, got a string".
class type_error : public error {
public:
    using error::error;

    /// "flytecache: expected a literal <expected>, got <kind of got>".
    type_error(std::string_view expected, const literal& got)
        : error(mismatch_message(expected, got)) {}

private:
    static std::string mismatch_message(std::string_view expected, const literal& got) {
        std::string message = "flytecache: expected a literal ";
        message.append(expected).append(", got ").append(detail::literal_kind(got));
        return message;
    }
};

FLYTECACHE_NAMESPACE_END
