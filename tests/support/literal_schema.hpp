// flytecache — test support: builds literals from the language-neutral schema of the golden vectors
// SPDX-License-Identifier: MIT
#pragma once

// Test support: builds literals from the language-neutral schema of the golden vectors
// (tests/vectors/README.md, "Literal schema").

#include <flytecache/flytecache.hpp>

#include <bit>
#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace flytecache_test {

namespace fc = flytecache;
using fc::detail::json_value;

inline std::int64_t int64_from(const json_value& v) {
    const std::string& text = v.as_string();
    std::int64_t out = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc{} || end != text.data() + text.size())
        throw std::runtime_error("bad int64 " + text);
    return out;
}

inline std::uint64_t uint64_from(const json_value& v) {
    const std::string& text = v.as_string();
    std::uint64_t out = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc{} || end != text.data() + text.size())
        throw std::runtime_error("bad uint64 " + text);
    return out;
}

// F64: always from the bits, which keep -0.0 and NaN payloads.
inline double f64_from(const json_value& v) {
    const std::string& bits = v.at("bits").as_string();
    std::uint64_t u = 0;
    const auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), u, 16);
    if (ec != std::errc{} || bits.size() != 16) throw std::runtime_error("bad F64 bits " + bits);
    return std::bit_cast<double>(u);
}

// Str: a string, or {"repeat": unit, "count": n}.
inline std::string str_from(const json_value& v) {
    if (v.is_string()) return v.as_string();
    std::string out;
    const std::string& unit = v.at("repeat").as_string();
    const auto count = v.at("count").as_int64();
    out.reserve(unit.size() * static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i) out += unit;
    return out;
}

inline std::string bytes_from_hex(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    }
    return out;
}

fc::literal literal_from(const json_value& v);
fc::literal_type literal_type_from(const json_value& v);

inline fc::protobuf_struct struct_from(const json_value& v);

inline fc::protobuf_value value_from(const json_value& v) {
    fc::protobuf_value out;
    if (v.contains("null_value"))
        out.kind = fc::protobuf_null{};
    else if (const auto* n = v.find("number_value"))
        out.kind = f64_from(*n);
    else if (const auto* s = v.find("string_value"))
        out.kind = str_from(*s);
    else if (const auto* b = v.find("bool_value"))
        out.kind = b->as_bool();
    else if (const auto* st = v.find("struct_value"))
        out.kind = fc::detail::box<fc::protobuf_struct>(struct_from(*st));
    else if (const auto* l = v.find("list_value")) {
        fc::protobuf_list list;
        for (const auto& item : l->at("values").as_array()) list.values.push_back(value_from(item));
        out.kind = std::move(list);
    }
    return out;
}

inline fc::protobuf_struct struct_from(const json_value& v) {
    fc::protobuf_struct out;
    if (const auto* fields = v.find("fields")) {
        for (const auto& [name, value] : fields->as_object())
            out.fields.emplace_back(name, value_from(value));
    }
    std::sort(out.fields.begin(), out.fields.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
}

inline fc::simple_type simple_from(const std::string& name) {
    constexpr std::pair<std::string_view, fc::simple_type> names[] = {
        {"NONE", fc::simple_type::none},         {"INTEGER", fc::simple_type::integer},
        {"FLOAT", fc::simple_type::float_},      {"STRING", fc::simple_type::string},
        {"BOOLEAN", fc::simple_type::boolean},   {"DATETIME", fc::simple_type::datetime},
        {"DURATION", fc::simple_type::duration}, {"BINARY", fc::simple_type::binary},
        {"ERROR", fc::simple_type::error},       {"STRUCT", fc::simple_type::struct_}};
    for (const auto& [n, t] : names) {
        if (n == name) return t;
    }
    throw std::runtime_error("unknown simple type " + name);
}

inline fc::blob_type blob_type_from(const json_value& v) {
    fc::blob_type out;
    if (const auto* f = v.find("format")) out.format = f->as_string();
    if (const auto* d = v.find("dimensionality")) {
        out.dimensionality = d->as_string() == "MULTIPART" ? fc::blob_dimensionality::multipart
                                                           : fc::blob_dimensionality::single;
    }
    return out;
}

inline fc::schema_type schema_type_from(const json_value& v) {
    constexpr std::string_view names[] = {"INTEGER", "FLOAT",    "STRING",
                                          "BOOLEAN", "DATETIME", "DURATION"};
    fc::schema_type out;
    if (const auto* cols = v.find("columns")) {
        for (const auto& c : cols->as_array()) {
            fc::schema_column col;
            if (const auto* n = c.find("name")) col.name = n->as_string();
            if (const auto* t = c.find("type")) {
                for (int i = 0; i != 6; ++i) {
                    if (names[i] == t->as_string())
                        col.type = static_cast<fc::schema_column_type>(i);
                }
            }
            out.columns.push_back(std::move(col));
        }
    }
    return out;
}

inline fc::structured_dataset_type dataset_type_from(const json_value& v) {
    fc::structured_dataset_type out;
    if (const auto* cols = v.find("columns")) {
        for (const auto& c : cols->as_array()) {
            fc::dataset_column col;
            if (const auto* n = c.find("name")) col.name = n->as_string();
            if (const auto* t = c.find("literal_type"))
                col.literal_type = fc::detail::box<fc::literal_type>(literal_type_from(*t));
            out.columns.push_back(std::move(col));
        }
    }
    if (const auto* f = v.find("format")) out.format = f->as_string();
    if (const auto* f = v.find("external_schema_type")) out.external_schema_type = f->as_string();
    return out;
}

inline fc::literal_type literal_type_from(const json_value& v) {
    fc::literal_type out;
    if (const auto* s = v.find("simple"))
        out.type = simple_from(s->as_string());
    else if (const auto* c = v.find("collection_type"))
        out.type = fc::collection_type{literal_type_from(*c)};
    else if (const auto* m = v.find("map_value_type"))
        out.type = fc::map_value_type{literal_type_from(*m)};
    else if (const auto* b = v.find("blob"))
        out.type = blob_type_from(*b);
    else if (const auto* u = v.find("union_type")) {
        fc::union_type ut;
        if (const auto* vs = u->find("variants")) {
            for (const auto& x : vs->as_array()) ut.variants.push_back(literal_type_from(x));
        }
        out.type = std::move(ut);
    } else if (const auto* sd = v.find("structured_dataset_type"))
        out.type = dataset_type_from(*sd);
    else if (const auto* sc = v.find("schema"))
        out.type = schema_type_from(*sc);
    else if (const auto* e = v.find("enum_type")) {
        fc::enum_type et;
        if (const auto* vs = e->find("values")) {
            for (const auto& x : vs->as_array()) et.values.push_back(x.as_string());
        }
        out.type = std::move(et);
    }
    if (const auto* st = v.find("structure")) {
        fc::type_structure ts;
        if (const auto* t = st->find("tag")) ts.tag = t->as_string();
        out.structure = std::move(ts);
    }
    if (const auto* md = v.find("metadata")) out.metadata = struct_from(*md);
    return out;
}

inline fc::scalar scalar_from(const json_value& v) {
    fc::scalar out;
    if (const auto* p = v.find("primitive")) {
        fc::primitive prim;
        if (const auto* i = p->find("integer"))
            prim.value = int64_from(*i);
        else if (const auto* f = p->find("float_value"))
            prim.value = f64_from(*f);
        else if (const auto* s = p->find("string_value"))
            prim.value = str_from(*s);
        else if (const auto* b = p->find("boolean"))
            prim.value = b->as_bool();
        else if (const auto* d = p->find("datetime")) {
            prim.value = fc::timestamp{int64_from(d->at("seconds")),
                                       static_cast<std::int32_t>(d->at("nanos").as_int64())};
        } else if (const auto* du = p->find("duration")) {
            prim.value = fc::duration{int64_from(du->at("seconds")),
                                      static_cast<std::int32_t>(du->at("nanos").as_int64())};
        }
        out.value = std::move(prim);
    } else if (v.contains("none_type")) {
        out.value = fc::void_value{};
    } else if (const auto* b = v.find("binary")) {
        fc::binary bin;
        if (const auto* x = b->find("value_hex")) bin.value = bytes_from_hex(x->as_string());
        if (const auto* t = b->find("tag")) bin.tag = t->as_string();
        out.value = std::move(bin);
    } else if (const auto* bl = v.find("blob")) {
        fc::blob blob;
        if (const auto* md = bl->find("metadata")) {
            fc::blob_metadata meta;
            if (const auto* t = md->find("type")) meta.type = blob_type_from(*t);
            blob.metadata = std::move(meta);
        }
        if (const auto* u = bl->find("uri")) blob.uri = u->as_string();
        out.value = std::move(blob);
    } else if (const auto* sc = v.find("schema")) {
        fc::schema s;
        if (const auto* u = sc->find("uri")) s.uri = u->as_string();
        if (const auto* t = sc->find("type")) s.type = schema_type_from(*t);
        out.value = std::move(s);
    } else if (const auto* e = v.find("error")) {
        fc::error_value err;
        if (const auto* n = e->find("failed_node_id")) err.failed_node_id = n->as_string();
        if (const auto* m = e->find("message")) err.message = m->as_string();
        out.value = std::move(err);
    } else if (const auto* g = v.find("generic")) {
        out.value = struct_from(*g);
    } else if (const auto* sd = v.find("structured_dataset")) {
        fc::structured_dataset ds;
        if (const auto* u = sd->find("uri")) ds.uri = u->as_string();
        if (const auto* md = sd->find("metadata")) {
            fc::structured_dataset_metadata meta;
            if (const auto* t = md->find("structured_dataset_type"))
                meta.structured_dataset_type = dataset_type_from(*t);
            ds.metadata = std::move(meta);
        }
        out.value = std::move(ds);
    } else if (const auto* u = v.find("union")) {
        fc::union_value uv;
        if (const auto* val = u->find("value"))
            uv.value = fc::detail::box<fc::literal>(literal_from(*val));
        if (const auto* t = u->find("type")) uv.type = literal_type_from(*t);
        out.value = std::move(uv);
    } else {
        throw std::runtime_error("unknown scalar kind in vector");
    }
    return out;
}

inline fc::literal_map literal_map_from(const json_value& literals) {
    fc::literal_map out;
    for (const auto& [name, value] : literals.as_object())
        out.insert_or_assign(name, literal_from(value));
    return out;
}

inline fc::literal literal_from(const json_value& v) {
    fc::literal out;
    if (const auto* s = v.find("scalar")) {
        out.value = scalar_from(*s);
    } else if (const auto* c = v.find("collection")) {
        fc::literal_collection col;
        for (const auto& item : c->at("literals").as_array())
            col.literals.push_back(literal_from(item));
        out.value = std::move(col);
    } else if (const auto* m = v.find("map")) {
        out.value = literal_map_from(m->at("literals"));
    } else if (const auto* o = v.find("offloaded_metadata")) {
        fc::offloaded_metadata off;
        if (const auto* u = o->find("uri")) off.uri = u->as_string();
        if (const auto* sz = o->find("size_bytes")) off.size_bytes = uint64_from(*sz);
        if (const auto* t = o->find("inferred_type")) off.inferred_type = literal_type_from(*t);
        out.value = std::move(off);
    }
    if (const auto* h = v.find("hash")) out.hash = h->as_string();
    if (const auto* md = v.find("metadata")) {
        for (const auto& [k, val] : md->as_object()) out.metadata.emplace_back(k, val.as_string());
        std::sort(out.metadata.begin(), out.metadata.end());
    }
    return out;
}

} // namespace flytecache_test
