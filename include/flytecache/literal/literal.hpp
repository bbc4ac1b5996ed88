// flytecache — literal: Flyte's values (flyteidl core/literals.proto) as C++ value types
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/box.hpp>
#include <flytecache/error.hpp>
#include <flytecache/literal/literal_type.hpp>
#include <flytecache/literal/protobuf_struct.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

// The model mirrors the protobuf messages field for field, with protobuf's presence rules made
// explicit, because the cache key is computed over their deterministic encoding: a oneof member
// that is set is written even when it holds its default, and a message field that is present is
// written even when empty. Oneofs are std::variant (std::monostate = nothing set), message fields
// that can be absent are std::optional, and protobuf maps are vectors of pairs kept sorted by key
// (UTF-8 byte order, the order deterministic serialization writes).

/// google.protobuf.Timestamp: seconds since the Unix epoch and nanoseconds.
struct timestamp {
    std::int64_t seconds = 0;
    std::int32_t nanos = 0;
    friend constexpr bool operator==(const timestamp&, const timestamp&) = default;
};

/// google.protobuf.Duration: seconds and nanoseconds of the same sign.
struct duration {
    std::int64_t seconds = 0;
    std::int32_t nanos = 0;
    friend constexpr bool operator==(const duration&, const duration&) = default;
};

/// Primitive: one of integer, float_value, string_value, boolean, datetime, duration.
struct primitive {
    std::variant<std::monostate, std::int64_t, double, std::string, bool, timestamp, duration> value;
    friend bool operator==(const primitive&, const primitive&) = default;
};

/// Void: the value of a none_type scalar.
struct void_value {
    friend constexpr bool operator==(void_value, void_value) noexcept = default;
};

struct blob_metadata {
    std::optional<blob_type> type;
    friend bool operator==(const blob_metadata&, const blob_metadata&) = default;
};

/// Blob: a file or directory at `uri`.
struct blob {
    std::optional<blob_metadata> metadata;
    std::string uri;
    friend bool operator==(const blob&, const blob&) = default;
};

/// Binary: opaque bytes with a tag saying what they are.
struct binary {
    std::string value; ///< bytes
    std::string tag;
    friend bool operator==(const binary&, const binary&) = default;
};

/// Schema: a typed table at `uri`.
struct schema {
    std::string uri;
    std::optional<schema_type> type;
    friend bool operator==(const schema&, const schema&) = default;
};

/// Error: a failure of an upstream node.
struct error_value {
    std::string failed_node_id;
    std::string message;
    friend bool operator==(const error_value&, const error_value&) = default;
};

struct structured_dataset_metadata {
    std::optional<::flytecache::structured_dataset_type> structured_dataset_type;
    friend bool operator==(const structured_dataset_metadata&, const structured_dataset_metadata&) = default;
};

/// StructuredDataset: a dataframe-like dataset at `uri`.
struct structured_dataset {
    std::string uri;
    std::optional<structured_dataset_metadata> metadata;
    friend bool operator==(const structured_dataset&, const structured_dataset&) = default;
};

/// Json: a JSON document as bytes (Scalar.json).
struct json_bytes {
    std::string value;
    friend bool operator==(const json_bytes&, const json_bytes&) = default;
};

struct literal;

/// Union: a value of one variant of a union type.
struct union_value {
    std::optional<detail::box<literal>> value;
    std::optional<literal_type> type;
    friend bool operator==(const union_value&, const union_value&) = default;
};

/// Scalar: one of its ten kinds (`std::monostate` = none set).
struct scalar {
    std::variant<std::monostate, primitive, blob, binary, schema, void_value, error_value,
                 protobuf_struct, structured_dataset, union_value, json_bytes>
        value;
    friend bool operator==(const scalar&, const scalar&) = default;
};

/// LiteralCollection: an ordered list of literals.
struct literal_collection {
    std::vector<literal> literals;
    friend bool operator==(const literal_collection&, const literal_collection&) = default;
};

/// LiteralMap: literals by name, kept sorted by name (UTF-8 byte order), names unique.
///
/// Use `insert_or_assign` (or the initializer-list constructor) to keep the order; `literals` is
/// public for reading and for code that builds it already sorted.
struct literal_map {
    std::vector<std::pair<std::string, literal>> literals;

    literal_map() = default;
    literal_map(std::initializer_list<std::pair<std::string, literal>> entries);

    /// Sets `name` to `value`, keeping the order.
    literal& insert_or_assign(std::string name, literal value);
    /// The literal named `name`, or nullptr.
    [[nodiscard]] const literal* find(std::string_view name) const noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return literals.size(); }
    [[nodiscard]] bool empty() const noexcept { return literals.empty(); }

    friend bool operator==(const literal_map&, const literal_map&) = default;
};

/// LiteralOffloadedMetadata: where a literal too large to pass inline was stored.
struct offloaded_metadata {
    std::string uri;
    std::uint64_t size_bytes = 0;
    std::optional<literal_type> inferred_type;
    friend bool operator==(const offloaded_metadata&, const offloaded_metadata&) = default;
};

/// A Flyte value (flyteidl Literal): a scalar, a collection, a map or an offloaded reference, with
/// an optional content `hash` and string `metadata`.
///
/// `hash` is optional rather than a plain string because flytekit distinguishes "no hash" (None)
/// from the empty hash "" when it builds local cache keys, although both encode to the same bytes.
/// Thread safety: a value type; concurrent reads are safe.
struct literal {
    std::variant<std::monostate, scalar, literal_collection, literal_map, offloaded_metadata> value;
    std::optional<std::string> hash;
    /// Sorted by key, keys unique (a protobuf map<string, string>).
    std::vector<std::pair<std::string, std::string>> metadata;

    friend bool operator==(const literal&, const literal&) = default;
};

inline literal_map::literal_map(std::initializer_list<std::pair<std::string, literal>> entries) {
    for (const auto& [name, value] : entries) insert_or_assign(name, value);
}

inline literal& literal_map::insert_or_assign(std::string name, literal value) {
    auto it = std::lower_bound(literals.begin(), literals.end(), name,
                               [](const auto& entry, const std::string& n) { return entry.first < n; });
    if (it != literals.end() && it->first == name) {
        it->second = std::move(value);
        return it->second;
    }
    return literals.emplace(it, std::move(name), std::move(value))->second;
}

inline const literal* literal_map::find(std::string_view name) const noexcept {
    auto it = std::lower_bound(literals.begin(), literals.end(), name,
                               [](const auto& entry, std::string_view n) { return entry.first < n; });
    return it != literals.end() && it->first == name ? &it->second : nullptr;
}

FLYTECACHE_NAMESPACE_END
