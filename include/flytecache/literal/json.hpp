// flytecache — flyteidl literals and literal types in protobuf's JSON mapping (jsonpb)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/json.hpp>
#include <flytecache/detail/time_text.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/base64url.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/literal/literal_type.hpp>
#include <flytecache/literal/protobuf_struct.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

// One writer for everything flytecache prints in protobuf's JSON mapping: the datacatalog tag's
// input document (key/datacatalog.hpp), container tasks' inputs.json, the TaskTemplate export's
// literal types, and the command-line tool. The public face is `to_json(const literal_map&)`.

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// ---- doubles and google.protobuf.Struct ---------------------------------------------------------

/// protobuf's default json_name: each underscore dropped and the character after it upper-cased
/// ("k8s_pod" → "k8sPod", "oauth2_client" → "oauth2Client").
[[nodiscard]] std::string proto_json_name(std::string_view proto_name);

// A double as protobuf's JSON mapping (and Go's encoder) writes it: NaN and the infinities as
// strings, every other value as the shortest number that reads back the same.
json_value protobuf_json_double(double d);

// google.protobuf.Struct prints as the plain JSON object it stands for: its keys are data, not
// field names, so they are never renamed.
json_value protobuf_json_struct(const protobuf_struct& s);

json_value protobuf_json_value(const protobuf_value& v);

// ---- LiteralType
// ---------------------------------------------------------------------------------

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

    [[nodiscard]] json_value value(const literal_type& t) const;

    [[nodiscard]] json_value blob(const blob_type& b) const;

    [[nodiscard]] json_value schema(const schema_type& s) const;

    [[nodiscard]] json_value dataset(const structured_dataset_type& d) const;

private:
    void add(object& o, std::string_view proto_name, json_value v) const {
        o.emplace_back(proto_names ? std::string(proto_name) : proto_json_name(proto_name),
                       std::move(v));
    }
    static json_value str(std::string s) { return json_value::make_string(std::move(s)); }
};

// ---- Literal and LiteralMap
// ----------------------------------------------------------------------

// The value golang/protobuf's jsonpb.Marshaler{} produces for these messages, as a JSON value
// (objecthash reads the parsed value, not the text): camelCase names, default plain fields
// omitted, set oneof members always present, int64/uint64 as strings, enums as names, bytes as
// padded standard base64, Timestamp and Duration as strings, Struct as a plain JSON object.
class literal_json {
public:
    using object = json_value::object_type;

    static json_value literal_map_value(const literal_map& m) {
        object o;
        if (!m.literals.empty()) o.emplace_back("literals", literals_object(m.literals));
        return json_value::make_object(std::move(o));
    }

    static json_value literal_value(const literal& l);

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

    static json_value literals_object(const literal_entries& entries) {
        object o;
        for (const auto& [name, value] : entries) o.emplace_back(name, literal_value(value));
        return json_value::make_object(std::move(o));
    }

    static json_value scalar_value(const scalar& s);

    static json_value primitive_value(const primitive& p);
};

} // namespace detail

/// A literal map as jsonpb text, the way golang/protobuf's `jsonpb.Marshaler{}` writes it (the
/// form the Flyte backend hashes for datacatalog tags, and the one container tasks read as
/// `inputs.json`): camelCase names, default fields omitted, int64 as strings, bytes as base64,
/// Timestamp and Duration as strings; members in a canonical order, no whitespace.
/// @throws invalid_argument for a Timestamp or Duration protobuf's JSON mapping refuses.
[[nodiscard]] inline std::string to_json(const literal_map& m) {
    return detail::canonical_json(detail::literal_json::literal_map_value(m));
}

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/literal/json.ipp>
#endif
