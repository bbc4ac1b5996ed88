// flytecache — flyteidl LiteralType in protobuf's JSON mapping, for datacatalog tags and templates
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/json.hpp>
#include <flytecache/detail/protobuf_json.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/base64url.hpp>
#include <flytecache/literal/literal_type.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// Writes a LiteralType the way protobuf's JSON printers do: fields in declaration order, defaults
// left out, maps sorted by key (as Go's jsonpb sorts them). Field names are the lowerCamelCase
// json names, or the .proto names when `proto_names`. A schema column type with no enum name is
// written as its number, as Go writes it, unless `reject_unknown_enums` (a template to register
// must be valid, where a datacatalog tag must reproduce whatever the backend would hash).
class literal_type_json {
public:
    using object = json_value::object_type;

    bool proto_names = false;
    bool reject_unknown_enums = false;

    [[nodiscard]] json_value value(const literal_type& t) const {
        object o;
        std::visit(
            [&](const auto& v) {
                using V = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<V, simple_type>) {
                    add(o, "simple", str(to_string(v)));
                } else if constexpr (std::is_same_v<V, schema_type>) {
                    add(o, "schema", schema(v));
                } else if constexpr (std::is_same_v<V, collection_type>) {
                    add(o, "collection_type", value(*v.element));
                } else if constexpr (std::is_same_v<V, map_value_type>) {
                    add(o, "map_value_type", value(*v.value));
                } else if constexpr (std::is_same_v<V, blob_type>) {
                    add(o, "blob", blob(v));
                } else if constexpr (std::is_same_v<V, enum_type>) {
                    object e;
                    if (!v.values.empty()) {
                        json_value::array_type values;
                        for (const auto& x : v.values) values.push_back(str(x));
                        add(e, "values", json_value::make_array(std::move(values)));
                    }
                    add(o, "enum_type", json_value::make_object(std::move(e)));
                } else if constexpr (std::is_same_v<V, structured_dataset_type>) {
                    add(o, "structured_dataset_type", dataset(v));
                } else if constexpr (std::is_same_v<V, union_type>) {
                    object u;
                    if (!v.variants.empty()) {
                        json_value::array_type variants;
                        for (const auto& x : v.variants) variants.push_back(value(x));
                        add(u, "variants", json_value::make_array(std::move(variants)));
                    }
                    add(o, "union_type", json_value::make_object(std::move(u)));
                } else if constexpr (std::is_same_v<V, offloaded_type>) {
                    object off;
                    if (v.actual_literal_type)
                        add(off, "actual_literal_type", value(**v.actual_literal_type));
                    add(o, "offloaded_type", json_value::make_object(std::move(off)));
                }
            },
            t.type);
        if (t.metadata) add(o, "metadata", protobuf_json_struct(*t.metadata));
        if (t.annotation) {
            object a;
            if (t.annotation->annotations)
                add(a, "annotations", protobuf_json_struct(*t.annotation->annotations));
            add(o, "annotation", json_value::make_object(std::move(a)));
        }
        if (t.structure) {
            object s;
            if (!t.structure->tag.empty()) add(s, "tag", str(t.structure->tag));
            if (!t.structure->dataclass_type.empty()) {
                object fields;
                for (const auto& [k, v] : t.structure->dataclass_type)
                    fields.emplace_back(k, value(*v));
                std::sort(fields.begin(), fields.end(),
                          [](const auto& a, const auto& b) { return a.first < b.first; });
                add(s, "dataclass_type", json_value::make_object(std::move(fields)));
            }
            add(o, "structure", json_value::make_object(std::move(s)));
        }
        return json_value::make_object(std::move(o));
    }

    [[nodiscard]] json_value blob(const blob_type& b) const {
        object o;
        if (!b.format.empty()) add(o, "format", str(b.format));
        if (b.dimensionality == blob_dimensionality::multipart)
            add(o, "dimensionality", str("MULTIPART"));
        return json_value::make_object(std::move(o));
    }

    [[nodiscard]] json_value schema(const schema_type& s) const {
        static constexpr const char* names[] = {"INTEGER", "FLOAT",    "STRING",
                                                "BOOLEAN", "DATETIME", "DURATION"};
        object o;
        if (!s.columns.empty()) {
            json_value::array_type cols;
            for (const auto& c : s.columns) {
                object col;
                if (!c.name.empty()) add(col, "name", str(c.name));
                const auto t = static_cast<int>(c.type);
                const bool named = t >= 0 && t <= 5;
                if (!named && reject_unknown_enums) {
                    throw invalid_argument("flytecache: schema column '" + c.name +
                                           "' has no SchemaColumnType numbered " +
                                           std::to_string(t));
                }
                if (t != 0) add(col, "type", named ? str(names[t]) : protobuf_json_double(t));
                cols.push_back(json_value::make_object(std::move(col)));
            }
            add(o, "columns", json_value::make_array(std::move(cols)));
        }
        return json_value::make_object(std::move(o));
    }

    [[nodiscard]] json_value dataset(const structured_dataset_type& d) const {
        object o;
        if (!d.columns.empty()) {
            json_value::array_type cols;
            for (const auto& c : d.columns) {
                object col;
                if (!c.name.empty()) add(col, "name", str(c.name));
                if (c.literal_type) add(col, "literal_type", value(**c.literal_type));
                cols.push_back(json_value::make_object(std::move(col)));
            }
            add(o, "columns", json_value::make_array(std::move(cols)));
        }
        if (!d.format.empty()) add(o, "format", str(d.format));
        if (!d.external_schema_type.empty())
            add(o, "external_schema_type", str(d.external_schema_type));
        if (!d.external_schema_bytes.empty())
            add(o, "external_schema_bytes", str(to_base64(d.external_schema_bytes)));
        return json_value::make_object(std::move(o));
    }

private:
    void add(object& o, std::string_view proto_name, json_value v) const {
        o.emplace_back(proto_names ? std::string(proto_name) : proto_json_name(proto_name),
                       std::move(v));
    }
    static json_value str(std::string s) { return json_value::make_string(std::move(s)); }
};

} // namespace detail
FLYTECACHE_NAMESPACE_END
