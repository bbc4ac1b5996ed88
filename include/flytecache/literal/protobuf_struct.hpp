// flytecache — google.protobuf.Struct / Value / ListValue: the generic (JSON-like) scalar of Flyte
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/box.hpp>

#include <string>
#include <utility>
#include <variant>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

struct protobuf_value;

/// google.protobuf.ListValue.
struct protobuf_list {
    std::vector<protobuf_value> values;
    friend bool operator==(const protobuf_list&, const protobuf_list&) = default;
};

/// google.protobuf.Struct: named values. Kept sorted by name (UTF-8 byte order), names unique:
/// the order protobuf's deterministic serialization writes them in.
struct protobuf_struct {
    std::vector<std::pair<std::string, protobuf_value>> fields;
    // Defaulted below, once protobuf_value is complete (clang checks an in-class defaulted
    // comparison at the end of the class, which needs the pair's value type).
    friend bool operator==(const protobuf_struct&, const protobuf_struct&);
};

/// The `null_value` member of google.protobuf.Value (the enum NullValue has one value, 0).
struct protobuf_null {
    friend constexpr bool operator==(protobuf_null, protobuf_null) noexcept = default;
};

/// google.protobuf.Value: one of null, number, string, bool, struct or list; `std::monostate` is
/// the (unusual) Value with no member set.
struct protobuf_value {
    std::variant<std::monostate, protobuf_null, double, std::string, bool,
                 detail::box<protobuf_struct>, protobuf_list>
        kind;
    friend bool operator==(const protobuf_value&, const protobuf_value&) = default;
};

inline bool operator==(const protobuf_struct&, const protobuf_struct&) = default;

FLYTECACHE_NAMESPACE_END
