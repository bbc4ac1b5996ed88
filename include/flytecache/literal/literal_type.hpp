// flytecache — literal_type: Flyte's type descriptions (flyteidl core/types.proto)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/box.hpp>
#include <flytecache/literal/protobuf_struct.hpp>

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// flyteidl SimpleType; the numeric values are the wire values.
enum class simple_type : int {
    none = 0,
    integer = 1,
    float_ = 2,
    string = 3,
    boolean = 4,
    datetime = 5,
    duration = 6,
    binary = 7,
    error = 8,
    struct_ = 9,
};

/// The flyteidl name of a simple type ("INTEGER", "FLOAT", ...), or its number when unknown.
[[nodiscard]] inline std::string to_string(simple_type t) {
    static constexpr const char* names[] = {"NONE",     "INTEGER",  "FLOAT",  "STRING", "BOOLEAN",
                                            "DATETIME", "DURATION", "BINARY", "ERROR",  "STRUCT"};
    const auto i = static_cast<int>(t);
    return i >= 0 && i < 10 ? names[i] : std::to_string(i);
}

/// SchemaType.SchemaColumn.SchemaColumnType.
enum class schema_column_type : int {
    integer = 0,
    float_ = 1,
    string = 2,
    boolean = 3,
    datetime = 4,
    duration = 5
};

struct schema_column {
    std::string name;
    schema_column_type type = schema_column_type::integer;
    friend bool operator==(const schema_column&, const schema_column&) = default;
};

/// SchemaType: ordered columns.
struct schema_type {
    std::vector<schema_column> columns;
    friend bool operator==(const schema_type&, const schema_type&) = default;
};

/// BlobType.BlobDimensionality.
enum class blob_dimensionality : int { single = 0, multipart = 1 };

/// BlobType: a file (single) or a directory (multipart) in some format.
struct blob_type {
    std::string format;
    blob_dimensionality dimensionality = blob_dimensionality::single;
    friend bool operator==(const blob_type&, const blob_type&) = default;
};

/// EnumType: the allowed string values.
struct enum_type {
    std::vector<std::string> values;
    friend bool operator==(const enum_type&, const enum_type&) = default;
};

struct literal_type;

/// StructuredDatasetType.DatasetColumn.
struct dataset_column {
    std::string name;
    std::optional<detail::box<::flytecache::literal_type>> literal_type;
    friend bool operator==(const dataset_column&, const dataset_column&) = default;
};

/// StructuredDatasetType.
struct structured_dataset_type {
    std::vector<dataset_column> columns;
    std::string format;
    std::string external_schema_type;
    std::string external_schema_bytes;
    friend bool operator==(const structured_dataset_type&,
                           const structured_dataset_type&) = default;
};

/// UnionType: the variants a union value may take.
struct union_type {
    std::vector<literal_type> variants;
    friend bool operator==(const union_type&, const union_type&) = default;
};

/// LiteralType.collection_type: the element type of a homogeneous collection.
struct collection_type {
    detail::box<literal_type> element;
    friend bool operator==(const collection_type&, const collection_type&) = default;
};

/// LiteralType.map_value_type: the value type of a string-keyed map.
struct map_value_type {
    detail::box<literal_type> value;
    friend bool operator==(const map_value_type&, const map_value_type&) = default;
};

/// OffloadedType: the type of a literal stored elsewhere.
struct offloaded_type {
    std::optional<detail::box<literal_type>> actual_literal_type;
    friend bool operator==(const offloaded_type&, const offloaded_type&) = default;
};

/// TypeStructure: hints for type matching.
struct type_structure {
    std::string tag;
    /// Kept sorted by field name, names unique (a protobuf map). Boxed: literal_type holds an
    /// optional type_structure, and a pair holding literal_type itself cannot be instantiated
    /// while that cycle is incomplete (clang rejects it; GCC happens to accept it).
    std::vector<std::pair<std::string, detail::box<literal_type>>> dataclass_type;
    friend bool operator==(const type_structure&, const type_structure&) = default;
};

/// TypeAnnotation.
struct type_annotation {
    std::optional<protobuf_struct> annotations;
    friend bool operator==(const type_annotation&, const type_annotation&) = default;
};

/// A Flyte type (flyteidl LiteralType): one of the kinds in `type`, plus optional descriptive
/// metadata. `std::monostate` is a LiteralType with no kind set.
///
/// A value type; equality compares every field. Thread safety: concurrent reads are safe.
struct literal_type {
    std::variant<std::monostate, simple_type, schema_type, collection_type, map_value_type,
                 blob_type, enum_type, structured_dataset_type, union_type, offloaded_type>
        type;
    std::optional<protobuf_struct> metadata;
    std::optional<type_annotation> annotation;
    std::optional<type_structure> structure;

    friend bool operator==(const literal_type&, const literal_type&) = default;
};

FLYTECACHE_NAMESPACE_END
