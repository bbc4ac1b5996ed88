// flytecache — flyteidl literals and literal types in protobuf's JSON mapping (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/literal/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

FLYTECACHE_NAMESPACE_BEGIN

namespace detail {

FLYTECACHE_INLINE std::string proto_json_name(std::string_view proto_name) {
    std::string out;
    out.reserve(proto_name.size());
    bool upper_next = false;
    for (char c : proto_name) {
        if (c == '_') {
            upper_next = true;
            continue;
        }
        if (upper_next && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        upper_next = false;
        out += c;
    }
    return out;
}

FLYTECACHE_INLINE json_value protobuf_json_double(double d) {
    if (std::isnan(d)) return json_value::make_string("NaN");
    if (std::isinf(d)) return json_value::make_string(d > 0 ? "Infinity" : "-Infinity");
    char buf[32];
    const auto result = std::to_chars(buf, buf + sizeof buf, d);
    return json_value::make_number(
        std::string_view(buf, static_cast<std::size_t>(result.ptr - buf)));
}

FLYTECACHE_INLINE json_value protobuf_json_struct(const protobuf_struct& s) {
    json_value::object_type o;
    for (const auto& [k, v] : s.fields) o.emplace_back(k, protobuf_json_value(v));
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE json_value protobuf_json_value(const protobuf_value& v) {
    return std::visit(
        [](const auto& x) -> json_value {
            using X = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<X, std::monostate> || std::is_same_v<X, protobuf_null>) {
                return json_value::make_null();
            } else if constexpr (std::is_same_v<X, double>) {
                return protobuf_json_double(x);
            } else if constexpr (std::is_same_v<X, std::string>) {
                return json_value::make_string(x);
            } else if constexpr (std::is_same_v<X, bool>) {
                return json_value::make_bool(x);
            } else if constexpr (std::is_same_v<X, box<protobuf_struct>>) {
                return protobuf_json_struct(*x);
            } else {
                json_value::array_type items;
                for (const auto& item : x.values) items.push_back(protobuf_json_value(item));
                return json_value::make_array(std::move(items));
            }
        },
        v.kind);
}

FLYTECACHE_INLINE json_value literal_type_json::value(const literal_type& t) const {
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

FLYTECACHE_INLINE json_value literal_type_json::blob(const blob_type& b) const {
    object o;
    if (!b.format.empty()) add(o, "format", str(b.format));
    if (b.dimensionality == blob_dimensionality::multipart)
        add(o, "dimensionality", str("MULTIPART"));
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE json_value literal_type_json::schema(const schema_type& s) const {
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
                                       "' has no SchemaColumnType numbered " + std::to_string(t));
            }
            if (t != 0) add(col, "type", named ? str(names[t]) : protobuf_json_double(t));
            cols.push_back(json_value::make_object(std::move(col)));
        }
        add(o, "columns", json_value::make_array(std::move(cols)));
    }
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE json_value literal_type_json::dataset(const structured_dataset_type& d) const {
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

FLYTECACHE_INLINE json_value literal_json::literal_value(const literal& l) {
    object o;
    std::visit(
        [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, scalar>) {
                o.emplace_back("scalar", scalar_value(v));
            } else if constexpr (std::is_same_v<V, literal_collection>) {
                object c;
                if (!v.literals.empty()) {
                    json_value::array_type items;
                    for (const auto& item : v.literals) items.push_back(literal_value(item));
                    c.emplace_back("literals", json_value::make_array(std::move(items)));
                }
                o.emplace_back("collection", json_value::make_object(std::move(c)));
            } else if constexpr (std::is_same_v<V, literal_map_box>) {
                o.emplace_back("map", literal_map_value(*v));
            } else if constexpr (std::is_same_v<V, offloaded_metadata>) {
                object off;
                if (!v.uri.empty()) off.emplace_back("uri", str(v.uri));
                if (v.size_bytes != 0)
                    off.emplace_back("sizeBytes", str(std::to_string(v.size_bytes)));
                if (v.inferred_type)
                    off.emplace_back("inferredType", literal_type_value(*v.inferred_type));
                o.emplace_back("offloadedMetadata", json_value::make_object(std::move(off)));
            }
        },
        l.value);
    if (l.hash && !l.hash->empty()) o.emplace_back("hash", str(*l.hash));
    if (!l.metadata.empty()) {
        object md;
        for (const auto& [k, v] : l.metadata) md.emplace_back(k, str(v));
        o.emplace_back("metadata", json_value::make_object(std::move(md)));
    }
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE json_value literal_json::scalar_value(const scalar& s) {
    object o;
    std::visit(
        [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, primitive>) {
                o.emplace_back("primitive", primitive_value(v));
            } else if constexpr (std::is_same_v<V, blob>) {
                object b;
                if (v.metadata) {
                    object md;
                    if (v.metadata->type)
                        md.emplace_back("type", blob_type_value(*v.metadata->type));
                    b.emplace_back("metadata", json_value::make_object(std::move(md)));
                }
                if (!v.uri.empty()) b.emplace_back("uri", str(v.uri));
                o.emplace_back("blob", json_value::make_object(std::move(b)));
            } else if constexpr (std::is_same_v<V, binary>) {
                object b;
                if (!v.value.empty()) b.emplace_back("value", str(to_base64(v.value)));
                if (!v.tag.empty()) b.emplace_back("tag", str(v.tag));
                o.emplace_back("binary", json_value::make_object(std::move(b)));
            } else if constexpr (std::is_same_v<V, schema>) {
                object sc;
                if (!v.uri.empty()) sc.emplace_back("uri", str(v.uri));
                if (v.type) sc.emplace_back("type", schema_type_value(*v.type));
                o.emplace_back("schema", json_value::make_object(std::move(sc)));
            } else if constexpr (std::is_same_v<V, void_value>) {
                o.emplace_back("noneType", json_value::make_object({}));
            } else if constexpr (std::is_same_v<V, error_value>) {
                object e;
                if (!v.failed_node_id.empty())
                    e.emplace_back("failedNodeId", str(v.failed_node_id));
                if (!v.message.empty()) e.emplace_back("message", str(v.message));
                o.emplace_back("error", json_value::make_object(std::move(e)));
            } else if constexpr (std::is_same_v<V, protobuf_struct>) {
                o.emplace_back("generic", detail::protobuf_json_struct(v));
            } else if constexpr (std::is_same_v<V, structured_dataset>) {
                object ds;
                if (!v.uri.empty()) ds.emplace_back("uri", str(v.uri));
                if (v.metadata) {
                    object md;
                    if (v.metadata->structured_dataset_type) {
                        md.emplace_back("structuredDatasetType",
                                        dataset_type_value(*v.metadata->structured_dataset_type));
                    }
                    ds.emplace_back("metadata", json_value::make_object(std::move(md)));
                }
                o.emplace_back("structuredDataset", json_value::make_object(std::move(ds)));
            } else if constexpr (std::is_same_v<V, union_value>) {
                object u;
                if (v.value) u.emplace_back("value", literal_value(**v.value));
                if (v.type) u.emplace_back("type", literal_type_value(*v.type));
                o.emplace_back("union", json_value::make_object(std::move(u)));
            } else if constexpr (std::is_same_v<V, json_bytes>) {
                object j;
                if (!v.value.empty()) j.emplace_back("value", str(to_base64(v.value)));
                o.emplace_back("json", json_value::make_object(std::move(j)));
            }
        },
        s.value);
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE json_value literal_json::primitive_value(const primitive& p) {
    object o;
    std::visit(
        [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::int64_t>) {
                o.emplace_back("integer", str(std::to_string(v)));
            } else if constexpr (std::is_same_v<V, double>) {
                o.emplace_back("floatValue", detail::protobuf_json_double(v));
            } else if constexpr (std::is_same_v<V, std::string>) {
                o.emplace_back("stringValue", str(v));
            } else if constexpr (std::is_same_v<V, bool>) {
                o.emplace_back("boolean", json_value::make_bool(v));
            } else if constexpr (std::is_same_v<V, timestamp>) {
                o.emplace_back("datetime", str(checked_rfc3339_text(v.seconds, v.nanos)));
            } else if constexpr (std::is_same_v<V, duration>) {
                o.emplace_back("duration", str(checked_duration_text(v.seconds, v.nanos)));
            }
        },
        p.value);
    return json_value::make_object(std::move(o));
}

} // namespace detail

FLYTECACHE_NAMESPACE_END
