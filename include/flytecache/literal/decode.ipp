// flytecache — decoding of protobuf-encoded literals, literal maps and literal types (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/literal/decode.hpp>

FLYTECACHE_NAMESPACE_BEGIN

namespace detail {

FLYTECACHE_INLINE void literal_decoder::literal_map_body(proto_reader& r, literal_map& out) {
    // Entries already there (a map field that occurs twice merges, as protobuf merges) and
    // the new ones; the map's constructor sorts them, the last of a repeated name winning.
    std::vector<std::pair<std::string, literal>> entries(out.literals.begin(), out.literals.end());
    each_field(r, [&](const field& f) {
        if (f.number != 1) return false;
        message(f, "LiteralMap.literals", [&](proto_reader& e) {
            auto& entry = entries.emplace_back();
            map_entry(e, "LiteralMap.literals", entry.first, [&](const field& v) {
                message(v, "LiteralMap.literals value",
                        [&](proto_reader& m) { literal_body(m, entry.second); });
            });
        });
        return true;
    });
    out = literal_map(std::move(entries));
}

FLYTECACHE_INLINE void literal_decoder::literal_body(proto_reader& r, literal& out) {
    each_field(r, [&](const field& f) {
        switch (f.number) {
        case 1:
            message(f, "Literal.scalar",
                    [&](proto_reader& m) { scalar_body(m, member<scalar>(out.value)); });
            return true;
        case 2:
            message(f, "Literal.collection", [&](proto_reader& m) {
                auto& c = member<literal_collection>(out.value);
                each_field(m, [&](const field& g) {
                    if (g.number != 1) return false;
                    message(g, "LiteralCollection.literals", [&](proto_reader& item) {
                        literal_body(item, c.literals.emplace_back());
                    });
                    return true;
                });
            });
            return true;
        case 3:
            message(f, "Literal.map", [&](proto_reader& m) {
                literal_map_body(m, *member<box<literal_map>>(out.value));
            });
            return true;
        case 4: {
            // flytekit reads an empty hash as None (`hash if hash else None`), and the encoder
            // never writes one, so "" on the wire is no hash: that keeps decode∘encode a
            // fixed point.
            std::string h = string_value(f, "Literal.hash");
            if (h.empty()) {
                out.hash.reset();
            } else {
                out.hash = std::move(h);
            }
            return true;
        }
        case 5:
            message(f, "Literal.metadata", [&](proto_reader& e) {
                auto& entry = out.metadata.emplace_back();
                map_entry(e, "Literal.metadata", entry.first, [&](const field& v) {
                    entry.second = string_value(v, "Literal.metadata value");
                });
            });
            return true;
        case 8:
            message(f, "Literal.offloaded_metadata", [&](proto_reader& m) {
                offloaded_body(m, member<offloaded_metadata>(out.value));
            });
            return true;
        default: return false;
        }
    });
    sort_unique_by_key(out.metadata);
}

FLYTECACHE_INLINE void literal_decoder::literal_type_body(proto_reader& r, literal_type& out) {
    each_field(r, [&](const field& f) {
        switch (f.number) {
        case 1:
            out.type.emplace<simple_type>(
                static_cast<simple_type>(enum_value(f, "LiteralType.simple")));
            return true;
        case 2:
            message(f, "LiteralType.schema",
                    [&](proto_reader& m) { schema_type_body(m, member<schema_type>(out.type)); });
            return true;
        case 3:
            message(f, "LiteralType.collection_type", [&](proto_reader& m) {
                literal_type_body(m, *member<collection_type>(out.type).element);
            });
            return true;
        case 4:
            message(f, "LiteralType.map_value_type", [&](proto_reader& m) {
                literal_type_body(m, *member<map_value_type>(out.type).value);
            });
            return true;
        case 5:
            message(f, "LiteralType.blob",
                    [&](proto_reader& m) { blob_type_body(m, member<blob_type>(out.type)); });
            return true;
        case 6:
            message(f, "LiteralType.metadata",
                    [&](proto_reader& m) { struct_body(m, present(out.metadata)); });
            return true;
        case 7:
            message(f, "LiteralType.enum_type", [&](proto_reader& m) {
                auto& e = member<enum_type>(out.type);
                each_field(m, [&](const field& g) {
                    if (g.number != 1) return false;
                    e.values.push_back(string_value(g, "EnumType.values"));
                    return true;
                });
            });
            return true;
        case 8:
            message(f, "LiteralType.structured_dataset_type", [&](proto_reader& m) {
                dataset_type_body(m, member<structured_dataset_type>(out.type));
            });
            return true;
        case 9:
            message(f, "LiteralType.annotation", [&](proto_reader& m) {
                auto& a = present(out.annotation);
                each_field(m, [&](const field& g) {
                    if (g.number != 1) return false;
                    message(g, "TypeAnnotation.annotations",
                            [&](proto_reader& s) { struct_body(s, present(a.annotations)); });
                    return true;
                });
            });
            return true;
        case 10:
            message(f, "LiteralType.union_type", [&](proto_reader& m) {
                auto& u = member<union_type>(out.type);
                each_field(m, [&](const field& g) {
                    if (g.number != 1) return false;
                    message(g, "UnionType.variants", [&](proto_reader& v) {
                        literal_type_body(v, u.variants.emplace_back());
                    });
                    return true;
                });
            });
            return true;
        case 11:
            message(f, "LiteralType.structure",
                    [&](proto_reader& m) { type_structure_body(m, present(out.structure)); });
            return true;
        case 12:
            message(f, "LiteralType.offloaded_type", [&](proto_reader& m) {
                auto& o = member<offloaded_type>(out.type);
                each_field(m, [&](const field& g) {
                    if (g.number != 1) return false;
                    message(g, "OffloadedType.actual_literal_type", [&](proto_reader& t) {
                        literal_type_body(t, present(o.actual_literal_type));
                    });
                    return true;
                });
            });
            return true;
        default: return false;
        }
    });
}

FLYTECACHE_INLINE void literal_decoder::expect(const field& f, wire_type want,
                                               std::string_view name) {
    if (f.type == want) return;
    std::string what = "field ";
    what += name;
    what += " (";
    what += std::to_string(f.number);
    what += ") has wire type ";
    what += std::to_string(static_cast<unsigned>(f.type));
    what += ", expected ";
    what += std::to_string(static_cast<unsigned>(want));
    decode_fail(f.start, what);
}

FLYTECACHE_INLINE std::string literal_decoder::string_value(const field& f, std::string_view name) {
    expect(f, wire_type::length_delimited, name);
    const std::string_view s = f.r.length_delimited();
    if (const std::size_t bad = find_invalid_utf8(s); bad != std::string_view::npos) {
        decode_fail(f.r.offset() - s.size() + bad, "invalid UTF-8 in string field " +
                                                       std::string(name) +
                                                       " (proto3 strings must be UTF-8)");
    }
    return std::string(s);
}

FLYTECACHE_INLINE void literal_decoder::scalar_body(proto_reader& r, scalar& out) {
    each_field(r, [&](const field& f) {
        switch (f.number) {
        case 1:
            message(f, "Scalar.primitive",
                    [&](proto_reader& m) { primitive_body(m, member<primitive>(out.value)); });
            return true;
        case 2:
            message(f, "Scalar.blob",
                    [&](proto_reader& m) { blob_body(m, member<blob>(out.value)); });
            return true;
        case 3:
            message(f, "Scalar.binary", [&](proto_reader& m) {
                auto& b = member<binary>(out.value);
                each_field(m, [&](const field& g) {
                    if (g.number == 1) {
                        b.value = bytes_value(g, "Binary.value");
                    } else if (g.number == 2) {
                        b.tag = string_value(g, "Binary.tag");
                    } else {
                        return false;
                    }
                    return true;
                });
            });
            return true;
        case 4:
            message(f, "Scalar.schema", [&](proto_reader& m) {
                auto& s = member<schema>(out.value);
                each_field(m, [&](const field& g) {
                    if (g.number == 1) {
                        s.uri = string_value(g, "Schema.uri");
                    } else if (g.number == 3) {
                        message(g, "Schema.type",
                                [&](proto_reader& t) { schema_type_body(t, present(s.type)); });
                    } else {
                        return false;
                    }
                    return true;
                });
            });
            return true;
        case 5:
            message(f, "Scalar.none_type", [&](proto_reader& m) {
                (void)member<void_value>(out.value);
                each_field(m, [](const field&) { return false; });
            });
            return true;
        case 6:
            message(f, "Scalar.error", [&](proto_reader& m) {
                auto& e = member<error_value>(out.value);
                each_field(m, [&](const field& g) {
                    if (g.number == 1) {
                        e.failed_node_id = string_value(g, "Error.failed_node_id");
                    } else if (g.number == 2) {
                        e.message = string_value(g, "Error.message");
                    } else {
                        return false;
                    }
                    return true;
                });
            });
            return true;
        case 7:
            message(f, "Scalar.generic",
                    [&](proto_reader& m) { struct_body(m, member<protobuf_struct>(out.value)); });
            return true;
        case 8:
            message(f, "Scalar.structured_dataset", [&](proto_reader& m) {
                structured_dataset_body(m, member<structured_dataset>(out.value));
            });
            return true;
        case 9:
            message(f, "Scalar.union", [&](proto_reader& m) {
                auto& u = member<union_value>(out.value);
                each_field(m, [&](const field& g) {
                    if (g.number == 1) {
                        message(g, "Union.value",
                                [&](proto_reader& l) { literal_body(l, present(u.value)); });
                    } else if (g.number == 2) {
                        message(g, "Union.type",
                                [&](proto_reader& t) { literal_type_body(t, present(u.type)); });
                    } else {
                        return false;
                    }
                    return true;
                });
            });
            return true;
        case 10:
            message(f, "Scalar.json", [&](proto_reader& m) {
                auto& j = member<json_bytes>(out.value);
                each_field(m, [&](const field& g) {
                    if (g.number != 1) return false;
                    j.value = bytes_value(g, "Json.value");
                    return true;
                });
            });
            return true;
        default: return false;
        }
    });
}

FLYTECACHE_INLINE void literal_decoder::primitive_body(proto_reader& r, primitive& out) {
    each_field(r, [&](const field& f) {
        switch (f.number) {
        case 1: out.value.emplace<std::int64_t>(int64_value(f, "Primitive.integer")); return true;
        case 2: out.value.emplace<double>(double_value(f, "Primitive.float_value")); return true;
        case 3:
            out.value.emplace<std::string>(string_value(f, "Primitive.string_value"));
            return true;
        case 4: out.value.emplace<bool>(bool_value(f, "Primitive.boolean")); return true;
        case 5:
            message(f, "Primitive.datetime", [&](proto_reader& m) {
                auto& t = member<timestamp>(out.value);
                seconds_nanos(m, "Timestamp.seconds", "Timestamp.nanos", t.seconds, t.nanos);
            });
            return true;
        case 6:
            message(f, "Primitive.duration", [&](proto_reader& m) {
                auto& d = member<duration>(out.value);
                seconds_nanos(m, "Duration.seconds", "Duration.nanos", d.seconds, d.nanos);
            });
            return true;
        default: return false;
        }
    });
}

FLYTECACHE_INLINE void literal_decoder::seconds_nanos(proto_reader& r,
                                                      std::string_view seconds_name,
                                                      std::string_view nanos_name,
                                                      std::int64_t& seconds, std::int32_t& nanos) {
    each_field(r, [&](const field& f) {
        if (f.number == 1) {
            seconds = int64_value(f, seconds_name);
        } else if (f.number == 2) {
            nanos = int32_value(f, nanos_name);
        } else {
            return false;
        }
        return true;
    });
}

FLYTECACHE_INLINE void literal_decoder::blob_body(proto_reader& r, blob& out) {
    each_field(r, [&](const field& f) {
        if (f.number == 1) {
            message(f, "Blob.metadata", [&](proto_reader& m) {
                auto& md = present(out.metadata);
                each_field(m, [&](const field& g) {
                    if (g.number != 1) return false;
                    message(g, "BlobMetadata.type",
                            [&](proto_reader& t) { blob_type_body(t, present(md.type)); });
                    return true;
                });
            });
        } else if (f.number == 3) {
            out.uri = string_value(f, "Blob.uri");
        } else {
            return false;
        }
        return true;
    });
}

FLYTECACHE_INLINE void literal_decoder::blob_type_body(proto_reader& r, blob_type& out) {
    each_field(r, [&](const field& f) {
        if (f.number == 1) {
            out.format = string_value(f, "BlobType.format");
        } else if (f.number == 2) {
            out.dimensionality =
                static_cast<blob_dimensionality>(enum_value(f, "BlobType.dimensionality"));
        } else {
            return false;
        }
        return true;
    });
}

FLYTECACHE_INLINE void literal_decoder::schema_type_body(proto_reader& r, schema_type& out) {
    each_field(r, [&](const field& f) {
        if (f.number != 3) return false;
        message(f, "SchemaType.columns", [&](proto_reader& m) {
            auto& c = out.columns.emplace_back();
            each_field(m, [&](const field& g) {
                if (g.number == 1) {
                    c.name = string_value(g, "SchemaColumn.name");
                } else if (g.number == 2) {
                    c.type = static_cast<schema_column_type>(enum_value(g, "SchemaColumn.type"));
                } else {
                    return false;
                }
                return true;
            });
        });
        return true;
    });
}

FLYTECACHE_INLINE void literal_decoder::structured_dataset_body(proto_reader& r,
                                                                structured_dataset& out) {
    each_field(r, [&](const field& f) {
        if (f.number == 1) {
            out.uri = string_value(f, "StructuredDataset.uri");
        } else if (f.number == 2) {
            message(f, "StructuredDataset.metadata", [&](proto_reader& m) {
                auto& md = present(out.metadata);
                each_field(m, [&](const field& g) {
                    if (g.number != 1) return false;
                    message(g, "StructuredDatasetMetadata.structured_dataset_type",
                            [&](proto_reader& t) {
                                dataset_type_body(t, present(md.structured_dataset_type));
                            });
                    return true;
                });
            });
        } else {
            return false;
        }
        return true;
    });
}

FLYTECACHE_INLINE void literal_decoder::dataset_type_body(proto_reader& r,
                                                          structured_dataset_type& out) {
    each_field(r, [&](const field& f) {
        switch (f.number) {
        case 1:
            message(f, "StructuredDatasetType.columns", [&](proto_reader& m) {
                auto& c = out.columns.emplace_back();
                each_field(m, [&](const field& g) {
                    if (g.number == 1) {
                        c.name = string_value(g, "DatasetColumn.name");
                    } else if (g.number == 2) {
                        message(g, "DatasetColumn.literal_type", [&](proto_reader& t) {
                            literal_type_body(t, present(c.literal_type));
                        });
                    } else {
                        return false;
                    }
                    return true;
                });
            });
            return true;
        case 2: out.format = string_value(f, "StructuredDatasetType.format"); return true;
        case 3:
            out.external_schema_type =
                string_value(f, "StructuredDatasetType.external_schema_type");
            return true;
        case 4:
            out.external_schema_bytes =
                bytes_value(f, "StructuredDatasetType.external_schema_bytes");
            return true;
        default: return false;
        }
    });
}

FLYTECACHE_INLINE void literal_decoder::offloaded_body(proto_reader& r, offloaded_metadata& out) {
    each_field(r, [&](const field& f) {
        switch (f.number) {
        case 1: out.uri = string_value(f, "LiteralOffloadedMetadata.uri"); return true;
        case 2:
            expect(f, wire_type::varint, "LiteralOffloadedMetadata.size_bytes");
            out.size_bytes = f.r.uint64_value();
            return true;
        case 3:
            message(f, "LiteralOffloadedMetadata.inferred_type",
                    [&](proto_reader& t) { literal_type_body(t, present(out.inferred_type)); });
            return true;
        default: return false;
        }
    });
}

FLYTECACHE_INLINE void literal_decoder::type_structure_body(proto_reader& r, type_structure& out) {
    each_field(r, [&](const field& f) {
        if (f.number == 1) {
            out.tag = string_value(f, "TypeStructure.tag");
        } else if (f.number == 2) {
            message(f, "TypeStructure.dataclass_type", [&](proto_reader& e) {
                auto& entry = out.dataclass_type.emplace_back();
                map_entry(e, "TypeStructure.dataclass_type", entry.first, [&](const field& v) {
                    message(v, "TypeStructure.dataclass_type value",
                            [&](proto_reader& t) { literal_type_body(t, *entry.second); });
                });
            });
        } else {
            return false;
        }
        return true;
    });
    sort_unique_by_key(out.dataclass_type);
}

FLYTECACHE_INLINE void literal_decoder::struct_body(proto_reader& r, protobuf_struct& out) {
    each_field(r, [&](const field& f) {
        if (f.number != 1) return false;
        message(f, "Struct.fields", [&](proto_reader& e) {
            auto& entry = out.fields.emplace_back();
            map_entry(e, "Struct.fields", entry.first, [&](const field& v) {
                message(v, "Struct.fields value",
                        [&](proto_reader& m) { value_body(m, entry.second); });
            });
        });
        return true;
    });
    sort_unique_by_key(out.fields);
}

FLYTECACHE_INLINE void literal_decoder::value_body(proto_reader& r, protobuf_value& out) {
    each_field(r, [&](const field& f) {
        switch (f.number) {
        case 1: {
            // NullValue has the single value 0. Protobuf keeps any other number (enums are
            // open) and writes it back, which the model, holding no number, cannot: so it is
            // refused rather than silently re-encoded as another message.
            const std::size_t at = f.r.offset();
            if (const std::int32_t n = enum_value(f, "Value.null_value"); n != 0) {
                decode_fail(at, "Value.null_value " + std::to_string(n) +
                                    " is not NULL_VALUE (0), the only NullValue");
            }
            out.kind.emplace<protobuf_null>();
            return true;
        }
        case 2: out.kind.emplace<double>(double_value(f, "Value.number_value")); return true;
        case 3: out.kind.emplace<std::string>(string_value(f, "Value.string_value")); return true;
        case 4: out.kind.emplace<bool>(bool_value(f, "Value.bool_value")); return true;
        case 5:
            message(f, "Value.struct_value", [&](proto_reader& m) {
                struct_body(m, *member<box<protobuf_struct>>(out.kind));
            });
            return true;
        case 6:
            message(f, "Value.list_value", [&](proto_reader& m) {
                auto& list = member<protobuf_list>(out.kind);
                each_field(m, [&](const field& g) {
                    if (g.number != 1) return false;
                    message(g, "ListValue.values",
                            [&](proto_reader& v) { value_body(v, list.values.emplace_back()); });
                    return true;
                });
            });
            return true;
        default: return false;
        }
    });
}

} // namespace detail

FLYTECACHE_INLINE literal_map decode_literal_map(std::string_view bytes) {
    literal_map out;
    detail::proto_reader r(bytes);
    detail::literal_decoder().literal_map_body(r, out);
    return out;
}

FLYTECACHE_INLINE literal decode_literal(std::string_view bytes) {
    literal out;
    detail::proto_reader r(bytes);
    detail::literal_decoder().literal_body(r, out);
    return out;
}

FLYTECACHE_INLINE literal_type decode_literal_type(std::string_view bytes) {
    literal_type out;
    detail::proto_reader r(bytes);
    detail::literal_decoder().literal_type_body(r, out);
    return out;
}

FLYTECACHE_NAMESPACE_END
