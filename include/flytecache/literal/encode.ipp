// flytecache — deterministic protobuf encoding of literals (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/literal/encode.hpp>

#include <bit>
#include <cstring>

FLYTECACHE_NAMESPACE_BEGIN

namespace detail {

FLYTECACHE_INLINE void literal_encoder::placed_literal_body(const literal& l) {
    if (l.hash) {
        if (!l.hash->empty()) w_.string_field(4, *l.hash);
        return;
    }
    if (const auto* c = std::get_if<literal_collection>(&l.value)) {
        message(2, [&] {
            for (const auto& item : c->literals) element(1, item, true);
        });
        return;
    }
    if (const auto* m = std::get_if<literal_map_box>(&l.value)) {
        message(3, [&] {
            for (const auto& [name, value] : (*m)->literals) map_entry(1, name, value, true);
        });
        return;
    }
    literal_body(l);
}

FLYTECACHE_INLINE void literal_encoder::map_entry(std::uint32_t field, const std::string& name,
                                                  const literal& value, bool placed) {
    if (const primitive* p = bare_primitive(value); p != nullptr && field < 16) {
        const std::size_t body = primitive_size(*p);
        const std::size_t scalar_body = 1 + varint_size(body) + body;
        const std::size_t literal_size = 1 + varint_size(scalar_body) + scalar_body;
        const std::size_t entry_size = 1 + varint_size(name.size()) + name.size() + 1 +
                                       varint_size(literal_size) + literal_size;
        char* out = w_.append_raw(1 + varint_size(entry_size) + entry_size);
        *out++ = static_cast<char>((field << 3) | 2U);
        out = proto_writer::put_varint(out, entry_size);
        *out++ = '\x0a'; // entry key
        out = proto_writer::put_varint(out, name.size());
        // Protobuf bytes, not a C string: no terminator belongs here.
        // NOLINTNEXTLINE(*-not-null-terminated-result)
        if (!name.empty()) std::memcpy(out, name.data(), name.size());
        out += name.size();
        *out++ = '\x12'; // entry value: a Literal
        out = proto_writer::put_varint(out, literal_size);
        *out++ = '\x0a';
        out = proto_writer::put_varint(out, scalar_body);
        *out++ = '\x0a';
        out = proto_writer::put_varint(out, body);
        put_primitive(out, *p);
        return;
    }
    const auto entry = w_.begin_message(field);
    w_.string_field(1, name);
    const auto v = w_.begin_message(2);
    if (placed) {
        placed_literal_body(value);
    } else {
        literal_body(value);
    }
    w_.end_message(v);
    w_.end_message(entry);
}

FLYTECACHE_INLINE void literal_encoder::literal_body(const literal& l) {
    if (write_primitive_literal(l)) return;
    std::visit(
        [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, scalar>) {
                message(1, [&] { scalar_body(v); });
            } else if constexpr (std::is_same_v<V, literal_collection>) {
                message(2, [&] {
                    for (const auto& item : v.literals) element(1, item, false);
                });
            } else if constexpr (std::is_same_v<V, literal_map_box>) {
                message(3, [&] { literal_map_body(*v); });
            }
        },
        l.value);
    if (l.hash && !l.hash->empty()) w_.string_field(4, *l.hash);
    string_map(5, l.metadata);
    if (const auto* off = std::get_if<offloaded_metadata>(&l.value)) {
        message(8, [&] {
            plain_string(1, off->uri);
            if (off->size_bytes != 0) w_.uint64_field(2, off->size_bytes);
            if (off->inferred_type) message(3, [&] { literal_type_body(*off->inferred_type); });
        });
    }
}

FLYTECACHE_INLINE void literal_encoder::write_bare_primitive(const primitive& p, std::size_t body) {
    w_.tag(1, wire_type::length_delimited);
    w_.varint(1 + varint_size(body) + body);
    w_.tag(1, wire_type::length_delimited);
    w_.varint(body);
    primitive_body(p);
}

FLYTECACHE_INLINE bool literal_encoder::write_primitive_literal(const literal& l) {
    const primitive* p = bare_primitive(l);
    if (p == nullptr) return false;
    write_bare_primitive(*p, primitive_size(*p));
    return true;
}

FLYTECACHE_INLINE void literal_encoder::element(std::uint32_t field, const literal& item,
                                                bool placed) {
    if (const primitive* p = bare_primitive(item); p != nullptr && field < 16) {
        const std::size_t body = primitive_size(*p);
        const std::size_t scalar_body = 1 + varint_size(body) + body;
        const std::size_t literal_body_size = 1 + varint_size(scalar_body) + scalar_body;
        char* out = w_.append_raw(1 + varint_size(literal_body_size) + literal_body_size);
        *out++ = static_cast<char>((field << 3) | 2U);
        out = proto_writer::put_varint(out, literal_body_size);
        *out++ = '\x0a'; // Literal.scalar
        out = proto_writer::put_varint(out, scalar_body);
        *out++ = '\x0a'; // Scalar.primitive
        out = proto_writer::put_varint(out, body);
        put_primitive(out, *p);
        return;
    }
    message(field, [&] {
        if (placed) {
            placed_literal_body(item);
        } else {
            literal_body(item);
        }
    });
}

// std::visit throws only on a valueless variant, and a primitive never is one.
// NOLINTNEXTLINE(bugprone-exception-escape)
FLYTECACHE_INLINE void literal_encoder::put_primitive(char* out, const primitive& p) noexcept {
    std::visit(
        [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::int64_t>) {
                *out++ = '\x08';
                proto_writer::put_varint(out, static_cast<std::uint64_t>(v));
            } else if constexpr (std::is_same_v<V, double>) {
                *out++ = '\x11';
                proto_writer::put_fixed64(out, std::bit_cast<std::uint64_t>(v));
            } else if constexpr (std::is_same_v<V, std::string>) {
                *out++ = '\x1a';
                out = proto_writer::put_varint(out, v.size());
                // NOLINTNEXTLINE(*-not-null-terminated-result): protobuf bytes
                if (!v.empty()) std::memcpy(out, v.data(), v.size());
            } else if constexpr (std::is_same_v<V, bool>) {
                *out++ = '\x20';
                *out = v ? '\1' : '\0';
            } else if constexpr (std::is_same_v<V, timestamp> || std::is_same_v<V, duration>) {
                *out++ = std::is_same_v<V, timestamp> ? '\x2a' : '\x32';
                out = proto_writer::put_varint(out, time_body_size(v.seconds, v.nanos));
                if (v.seconds != 0) {
                    *out++ = '\x08';
                    out = proto_writer::put_varint(out, static_cast<std::uint64_t>(v.seconds));
                }
                if (v.nanos != 0) {
                    *out++ = '\x10';
                    proto_writer::put_varint(out,
                                             static_cast<std::uint64_t>(std::int64_t{v.nanos}));
                }
            }
        },
        p.value);
}

// std::visit throws only on a valueless variant, and a primitive never is one.
// NOLINTNEXTLINE(bugprone-exception-escape)
FLYTECACHE_INLINE std::size_t literal_encoder::primitive_size(const primitive& p) noexcept {
    return std::visit(
        [](const auto& v) -> std::size_t {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::int64_t>) {
                return 1 + varint_size(static_cast<std::uint64_t>(v));
            } else if constexpr (std::is_same_v<V, double>) {
                return 9;
            } else if constexpr (std::is_same_v<V, std::string>) {
                return 1 + varint_size(v.size()) + v.size();
            } else if constexpr (std::is_same_v<V, bool>) {
                return 2;
            } else if constexpr (std::is_same_v<V, timestamp> || std::is_same_v<V, duration>) {
                const std::size_t body = time_body_size(v.seconds, v.nanos);
                return 1 + varint_size(body) + body;
            } else {
                return 0;
            }
        },
        p.value);
}

FLYTECACHE_INLINE void literal_encoder::scalar_body(const scalar& s) {
    std::visit(
        [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, primitive>) {
                message(1, [&] { primitive_body(v); });
            } else if constexpr (std::is_same_v<V, blob>) {
                message(2, [&] {
                    if (v.metadata) {
                        message(1, [&] {
                            if (v.metadata->type)
                                message(1, [&] { blob_type_body(*v.metadata->type); });
                        });
                    }
                    plain_string(3, v.uri);
                });
            } else if constexpr (std::is_same_v<V, binary>) {
                message(3, [&] {
                    plain_string(1, v.value);
                    plain_string(2, v.tag);
                });
            } else if constexpr (std::is_same_v<V, schema>) {
                message(4, [&] {
                    plain_string(1, v.uri);
                    if (v.type) message(3, [&] { schema_type_body(*v.type); });
                });
            } else if constexpr (std::is_same_v<V, void_value>) {
                message(5, [] {});
            } else if constexpr (std::is_same_v<V, error_value>) {
                message(6, [&] {
                    plain_string(1, v.failed_node_id);
                    plain_string(2, v.message);
                });
            } else if constexpr (std::is_same_v<V, protobuf_struct>) {
                message(7, [&] { struct_body(v); });
            } else if constexpr (std::is_same_v<V, structured_dataset>) {
                message(8, [&] {
                    plain_string(1, v.uri);
                    if (v.metadata) {
                        message(2, [&] {
                            if (v.metadata->structured_dataset_type) {
                                message(1, [&] {
                                    dataset_type_body(*v.metadata->structured_dataset_type);
                                });
                            }
                        });
                    }
                });
            } else if constexpr (std::is_same_v<V, union_value>) {
                message(9, [&] {
                    if (v.value) message(1, [&] { literal_body(**v.value); });
                    if (v.type) message(2, [&] { literal_type_body(*v.type); });
                });
            } else if constexpr (std::is_same_v<V, json_bytes>) {
                message(10, [&] { plain_string(1, v.value); });
            }
        },
        s.value);
}

FLYTECACHE_INLINE void literal_encoder::primitive_body(const primitive& p) {
    std::visit(
        [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::int64_t>) {
                w_.int64_field(1, v);
            } else if constexpr (std::is_same_v<V, double>) {
                w_.double_field(2, v);
            } else if constexpr (std::is_same_v<V, std::string>) {
                w_.string_field(3, v);
            } else if constexpr (std::is_same_v<V, bool>) {
                w_.bool_field(4, v);
            } else if constexpr (std::is_same_v<V, timestamp> || std::is_same_v<V, duration>) {
                message(std::is_same_v<V, timestamp> ? 5U : 6U, [&] {
                    if (v.seconds != 0) w_.int64_field(1, v.seconds);
                    if (v.nanos != 0) w_.int32_field(2, v.nanos);
                });
            }
        },
        p.value);
}

FLYTECACHE_INLINE void literal_encoder::literal_type_body(const literal_type& t) {
    // Oneof members and plain fields interleave by field number: 1-5, metadata 6, 7-8,
    // annotation 9, 10, structure 11, 12.
    const auto& k = t.type;
    if (const auto* v = std::get_if<simple_type>(&k))
        w_.enum_field(1, static_cast<std::int32_t>(*v));
    if (const auto* v = std::get_if<schema_type>(&k)) message(2, [&] { schema_type_body(*v); });
    if (const auto* v = std::get_if<collection_type>(&k))
        message(3, [&] { literal_type_body(*v->element); });
    if (const auto* v = std::get_if<map_value_type>(&k))
        message(4, [&] { literal_type_body(*v->value); });
    if (const auto* v = std::get_if<blob_type>(&k)) message(5, [&] { blob_type_body(*v); });
    if (t.metadata) message(6, [&] { struct_body(*t.metadata); });
    if (const auto* v = std::get_if<enum_type>(&k)) {
        message(7, [&] {
            for (const auto& value : v->values) w_.string_field(1, value);
        });
    }
    if (const auto* v = std::get_if<structured_dataset_type>(&k))
        message(8, [&] { dataset_type_body(*v); });
    if (t.annotation) {
        message(9, [&] {
            if (t.annotation->annotations)
                message(1, [&] { struct_body(*t.annotation->annotations); });
        });
    }
    if (const auto* v = std::get_if<union_type>(&k)) {
        message(10, [&] {
            for (const auto& variant : v->variants) message(1, [&] { literal_type_body(variant); });
        });
    }
    if (t.structure) {
        message(11, [&] {
            plain_string(1, t.structure->tag);
            for_each_sorted(t.structure->dataclass_type,
                            [&](const std::string& name, const detail::box<literal_type>& type) {
                                message(2, [&] {
                                    w_.string_field(1, name);
                                    message(2, [&] { literal_type_body(*type); });
                                });
                            });
        });
    }
    if (const auto* v = std::get_if<offloaded_type>(&k)) {
        message(12, [&] {
            if (v->actual_literal_type)
                message(1, [&] { literal_type_body(**v->actual_literal_type); });
        });
    }
}

FLYTECACHE_INLINE void literal_encoder::struct_body(const protobuf_struct& s) {
    for_each_sorted(s.fields, [&](const std::string& name, const protobuf_value& value) {
        message(1, [&] {
            w_.string_field(1, name);
            message(2, [&] { value_body(value); });
        });
    });
}

FLYTECACHE_INLINE void literal_encoder::value_body(const protobuf_value& v) {
    std::visit(
        [&](const auto& x) {
            using X = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<X, protobuf_null>) {
                w_.enum_field(1, 0);
            } else if constexpr (std::is_same_v<X, double>) {
                w_.double_field(2, x);
            } else if constexpr (std::is_same_v<X, std::string>) {
                w_.string_field(3, x);
            } else if constexpr (std::is_same_v<X, bool>) {
                w_.bool_field(4, x);
            } else if constexpr (std::is_same_v<X, box<protobuf_struct>>) {
                message(5, [&] { struct_body(*x); });
            } else if constexpr (std::is_same_v<X, protobuf_list>) {
                message(6, [&] {
                    for (const auto& item : x.values) message(1, [&] { value_body(item); });
                });
            }
        },
        v.kind);
}

FLYTECACHE_INLINE void literal_encoder::blob_type_body(const blob_type& b) {
    plain_string(1, b.format);
    if (b.dimensionality != blob_dimensionality::single) {
        w_.enum_field(2, static_cast<std::int32_t>(b.dimensionality));
    }
}

FLYTECACHE_INLINE void literal_encoder::schema_type_body(const schema_type& s) {
    for (const auto& c : s.columns) {
        message(3, [&] {
            plain_string(1, c.name);
            if (c.type != schema_column_type::integer)
                w_.enum_field(2, static_cast<std::int32_t>(c.type));
        });
    }
}

FLYTECACHE_INLINE void literal_encoder::dataset_type_body(const structured_dataset_type& d) {
    for (const auto& c : d.columns) {
        message(1, [&] {
            plain_string(1, c.name);
            if (c.literal_type) message(2, [&] { literal_type_body(**c.literal_type); });
        });
    }
    plain_string(2, d.format);
    plain_string(3, d.external_schema_type);
    plain_string(4, d.external_schema_bytes);
}

FLYTECACHE_INLINE void
literal_encoder::string_map(std::uint32_t field,
                            const std::vector<std::pair<std::string, std::string>>& entries) {
    for_each_sorted(entries, [&](const std::string& k, const std::string& v) {
        message(field, [&] {
            w_.string_field(1, k);
            w_.string_field(2, v);
        });
    });
}

} // namespace detail

FLYTECACHE_INLINE std::string encode(const literal_map& m) {
    detail::proto_writer w;
    detail::literal_encoder(w).literal_map_body(m);
    return w.take();
}

FLYTECACHE_INLINE std::string encode(const literal& l) {
    detail::proto_writer w;
    detail::literal_encoder(w).literal_body(l);
    return w.take();
}

FLYTECACHE_INLINE std::string encode(const literal_type& t) {
    detail::proto_writer w;
    detail::literal_encoder(w).literal_type_body(t);
    return w.take();
}

FLYTECACHE_NAMESPACE_END
