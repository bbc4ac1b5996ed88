// flytecache — the Flyte backend's datacatalog artifact tag for a task's inputs
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/json.hpp>
#include <flytecache/detail/literal_type_json.hpp>
#include <flytecache/detail/objecthash.hpp>
#include <flytecache/detail/protobuf_json.hpp>
#include <flytecache/detail/time_text.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/base64url.hpp>
#include <flytecache/key/hash_placement.hpp>
#include <flytecache/literal/literal.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

FLYTECACHE_NAMESPACE_BEGIN

namespace detail {

// The value golang/protobuf's jsonpb.Marshaler{} produces for these messages, as a JSON value
// (objecthash reads the parsed value, not the text): camelCase names, default plain fields
// omitted, set oneof members always present, int64/uint64 as strings, enums as names, bytes as
// padded standard base64, Timestamp and Duration as strings, Struct as a plain JSON object.
class datacatalog_json {
public:
    using object = json_value::object_type;

    static json_value literal_map_value(const literal_map& m) {
        object o;
        if (!m.literals.empty()) o.emplace_back("literals", literals_object(m.literals));
        return json_value::make_object(std::move(o));
    }

    static json_value literal_value(const literal& l) {
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
                } else if constexpr (std::is_same_v<V, detail::box<literal_map>>) {
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

    // LiteralTypes as the backend's jsonpb writes them; a schema column type with no name is
    // written as its number, as Go writes it.
    static json_value literal_type_value(const literal_type& t) {
        return literal_type_json{}.value(t);
    }
    static json_value blob_type_value(const blob_type& b) { return literal_type_json{}.blob(b); }
    static json_value schema_type_value(const schema_type& s) {
        return literal_type_json{}.schema(s);
    }
    static json_value dataset_type_value(const structured_dataset_type& d) {
        return literal_type_json{}.dataset(d);
    }

private:
    static json_value str(std::string s) { return json_value::make_string(std::move(s)); }

    static json_value literals_object(const std::vector<std::pair<std::string, literal>>& entries) {
        object o;
        for (const auto& [name, value] : entries) o.emplace_back(name, literal_value(value));
        return json_value::make_object(std::move(o));
    }

    static json_value scalar_value(const scalar& s) {
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
                            md.emplace_back(
                                "structuredDatasetType",
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

    static json_value primitive_value(const primitive& p) {
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
};

} // namespace detail

/// The JSON value the Flyte backend hashes for these inputs (its jsonpb mapping of the hashified
/// LiteralMap).
/// @throws invalid_argument as keys::datacatalog::make_key.
[[nodiscard]] inline detail::json_value
datacatalog_json_value(const literal_map& inputs, std::span<const std::string> ignored = {}) {
    return detail::datacatalog_json::literal_map_value(
        datacatalog_hashified_inputs(inputs, ignored));
}

namespace keys {

/// The Flyte backend's datacatalog artifact tag (flytepropeller `GenerateArtifactTagName`):
/// `flyte_cached-` + unpadded base64url of the objecthash of the jsonpb form of the hashified
/// inputs. Task name and version are not part of the tag (the backend keys the dataset by them);
/// `make_key` prefixes neither. Stateless; safe to use from any thread.
/// @throws invalid_argument for inputs the backend's marshaler refuses: a Timestamp whose nanos are
///         outside [0, 10⁹), a Duration whose nanos exceed ±999999999 or differ in sign from its
///         seconds (protobuf's wire format carries them, its JSON mapping does not).
struct datacatalog {
    [[nodiscard]] std::string make_key(std::string_view /*task_name*/,
                                       std::string_view /*cache_version*/,
                                       const literal_map& inputs,
                                       std::span<const std::string> ignored_inputs = {}) const {
        return detail::datacatalog_tag_from_json(datacatalog_json_value(inputs, ignored_inputs));
    }
};

} // namespace keys
FLYTECACHE_NAMESPACE_END
