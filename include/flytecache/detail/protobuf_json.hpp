// flytecache — protobuf's JSON mapping for doubles and google.protobuf.Struct, shared by writers
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/json.hpp>
#include <flytecache/literal/protobuf_struct.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

/// protobuf's default json_name: each underscore dropped and the character after it upper-cased
/// ("k8s_pod" → "k8sPod", "oauth2_client" → "oauth2Client").
[[nodiscard]] inline std::string proto_json_name(std::string_view proto_name) {
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

// A double as protobuf's JSON mapping (and Go's encoder) writes it: NaN and the infinities as
// strings, every other value as the shortest number that reads back the same.
inline json_value protobuf_json_double(double d) {
    if (std::isnan(d)) return json_value::make_string("NaN");
    if (std::isinf(d)) return json_value::make_string(d > 0 ? "Infinity" : "-Infinity");
    char buf[32];
    const auto result = std::to_chars(buf, buf + sizeof buf, d);
    return json_value::make_number(
        std::string_view(buf, static_cast<std::size_t>(result.ptr - buf)));
}

inline json_value protobuf_json_value(const protobuf_value& v);

// google.protobuf.Struct prints as the plain JSON object it stands for: its keys are data, not
// field names, so they are never renamed.
inline json_value protobuf_json_struct(const protobuf_struct& s) {
    json_value::object_type o;
    for (const auto& [k, v] : s.fields) o.emplace_back(k, protobuf_json_value(v));
    return json_value::make_object(std::move(o));
}

inline json_value protobuf_json_value(const protobuf_value& v) {
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

} // namespace detail
FLYTECACHE_NAMESPACE_END
