// flytecache — literal: Flyte's values as C++ value types (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/literal/literal.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

FLYTECACHE_NAMESPACE_BEGIN

FLYTECACHE_INLINE void
literal::set_metadata(std::vector<std::pair<std::string, std::string>> entries) {
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    metadata.clear();
    for (auto& e : entries) {
        if (!metadata.empty() && metadata.back().first == e.first) {
            metadata.back().second = std::move(e.second);
        } else {
            metadata.push_back(std::move(e));
        }
    }
}

namespace detail {

FLYTECACHE_INLINE std::string literal_printer::number(double d) {
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, static_cast<std::size_t>(r.ptr - buf));
}

FLYTECACHE_INLINE void literal_printer::quoted(std::string& out, std::string_view s) {
    out += '"';
    for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
}

FLYTECACHE_INLINE void literal_printer::value_into(std::string& out, const protobuf_value& v) {
    std::visit(
        [&](const auto& x) {
            using X = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<X, std::monostate> || std::is_same_v<X, protobuf_null>) {
                out += "null";
            } else if constexpr (std::is_same_v<X, double>) {
                out += number(x);
            } else if constexpr (std::is_same_v<X, std::string>) {
                quoted(out, x);
            } else if constexpr (std::is_same_v<X, bool>) {
                out += x ? "true" : "false";
            } else if constexpr (std::is_same_v<X, box<protobuf_struct>>) {
                struct_into(out, *x);
            } else {
                out += '[';
                for (std::size_t i = 0; i != x.values.size(); ++i) {
                    if (i != 0) out += ", ";
                    value_into(out, x.values[i]);
                }
                out += ']';
            }
        },
        v.kind);
}

FLYTECACHE_INLINE void literal_printer::struct_into(std::string& out, const protobuf_struct& s) {
    out += '{';
    for (std::size_t i = 0; i != s.fields.size(); ++i) {
        if (i != 0) out += ", ";
        quoted(out, s.fields[i].first);
        out += ": ";
        value_into(out, s.fields[i].second);
    }
    out += '}';
}

FLYTECACHE_INLINE void literal_printer::scalar_into(std::string& out, const scalar& s) {
    std::visit(
        [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, primitive>) {
                std::visit(
                    [&](const auto& p) {
                        using P = std::decay_t<decltype(p)>;
                        if constexpr (std::is_same_v<P, std::int64_t>)
                            out += std::to_string(p);
                        else if constexpr (std::is_same_v<P, double>)
                            out += number(p);
                        else if constexpr (std::is_same_v<P, std::string>)
                            quoted(out, p);
                        else if constexpr (std::is_same_v<P, bool>)
                            out += p ? "true" : "false";
                        else if constexpr (std::is_same_v<P, timestamp>)
                            out += rfc3339_text(p.seconds, p.nanos);
                        else if constexpr (std::is_same_v<P, duration>)
                            out += display_duration_text(p.seconds, p.nanos);
                        else
                            out += "<unset primitive>";
                    },
                    v.value);
            } else if constexpr (std::is_same_v<V, blob>) {
                out += "blob(" + v.uri + ")";
            } else if constexpr (std::is_same_v<V, binary>) {
                out += "binary(" + std::to_string(v.value.size()) + " bytes" +
                       (v.tag.empty() ? "" : ", " + v.tag) + ")";
            } else if constexpr (std::is_same_v<V, schema>) {
                out += "schema(" + v.uri + ")";
            } else if constexpr (std::is_same_v<V, void_value>) {
                out += "None";
            } else if constexpr (std::is_same_v<V, error_value>) {
                out += "error(" + v.failed_node_id + ": " + v.message + ")";
            } else if constexpr (std::is_same_v<V, protobuf_struct>) {
                struct_into(out, v);
            } else if constexpr (std::is_same_v<V, structured_dataset>) {
                out += "structured_dataset(" + v.uri + ")";
            } else if constexpr (std::is_same_v<V, union_value>) {
                if (v.value)
                    short_into(out, **v.value);
                else
                    out += "union()";
            } else if constexpr (std::is_same_v<V, json_bytes>) {
                out += "json(" + std::to_string(v.value.size()) + " bytes)";
            } else {
                out += "<unset scalar>";
            }
        },
        s.value);
}

FLYTECACHE_INLINE void literal_printer::short_into(std::string& out, const literal& l) {
    std::visit(
        [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, scalar>) {
                scalar_into(out, v);
            } else if constexpr (std::is_same_v<V, literal_collection>) {
                out += '[';
                for (std::size_t i = 0; i != v.literals.size(); ++i) {
                    if (i != 0) out += ", ";
                    short_into(out, v.literals[i]);
                }
                out += ']';
            } else if constexpr (std::is_same_v<V, box<literal_map>>) {
                out += '{';
                for (std::size_t i = 0; i != v->literals.size(); ++i) {
                    if (i != 0) out += ", ";
                    out += v->literals[i].first + ": ";
                    short_into(out, v->literals[i].second);
                }
                out += '}';
            } else if constexpr (std::is_same_v<V, offloaded_metadata>) {
                out += "offloaded(" + v.uri + ", " + std::to_string(v.size_bytes) + " bytes)";
            } else if (l.hash) {
                out += "hash(" + *l.hash + ")";
            } else {
                out += "<empty>";
            }
        },
        l.value);
}

FLYTECACHE_INLINE void literal_printer::verbose_into(std::string& out, const literal& l,
                                                     std::size_t indent) {
    const std::string pad(indent, ' ');
    std::visit(
        [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, literal_collection>) {
                out += pad + "collection (" + std::to_string(v.literals.size()) + " items)\n";
                for (const auto& item : v.literals) verbose_into(out, item, indent + 2);
            } else if constexpr (std::is_same_v<V, box<literal_map>>) {
                out += pad + "map (" + std::to_string(v->literals.size()) + " entries)\n";
                for (const auto& [name, item] : v->literals) {
                    out += pad + "  " + name + ":\n";
                    verbose_into(out, item, indent + 4);
                }
            } else if constexpr (std::is_same_v<V, std::monostate>) {
                out += pad + "(no value)\n";
            } else {
                out += pad + (std::is_same_v<V, scalar> ? "scalar " : "");
                short_into(out, literal{v, std::nullopt, {}});
                out += '\n';
            }
        },
        l.value);
    if (l.hash) out += pad + "hash: \"" + *l.hash + "\"\n";
    for (const auto& [k, val] : l.metadata) out += pad + "metadata " + k + " = " + val + "\n";
}

} // namespace detail

FLYTECACHE_INLINE
literal_map::literal_map(std::initializer_list<std::pair<std::string, literal>> entries) {
    for (const auto& [name, value] : entries) insert_or_assign(name, value);
}

FLYTECACHE_INLINE literal_map::literal_map(std::vector<std::pair<std::string, literal>> entries) {
    detail::sort_unique_by_key(entries); // for a name given twice the last one wins
    literals.entries_ = std::move(entries);
}

FLYTECACHE_INLINE literal& literal_map::append_sorted(std::string name, literal value) {
    // Checked in every build (one comparison): an entry out of order would make find() and the
    // key silently wrong.
    if (!literals.entries_.empty() && !(literals.entries_.back().first < name)) {
        throw invalid_argument("flytecache: literal_map::append_sorted(\"" + name + "\") after \"" +
                               literals.entries_.back().first +
                               "\": names must be appended in increasing order; use "
                               "insert_or_assign");
    }
    return literals.entries_.emplace_back(std::move(name), std::move(value)).second;
}

FLYTECACHE_INLINE literal& literal_map::insert_or_assign(std::string name, literal value) {
    auto& entries = literals.entries_;
    auto it =
        std::lower_bound(entries.begin(), entries.end(), name,
                         [](const auto& entry, const std::string& n) { return entry.first < n; });
    if (it != entries.end() && it->first == name) {
        it->second = std::move(value);
        return it->second;
    }
    return entries.emplace(it, std::move(name), std::move(value))->second;
}

FLYTECACHE_INLINE const literal* literal_map::find(std::string_view name) const noexcept {
    auto it =
        std::lower_bound(literals.begin(), literals.end(), name,
                         [](const auto& entry, std::string_view n) { return entry.first < n; });
    return it != literals.end() && it->first == name ? &it->second : nullptr;
}

FLYTECACHE_NAMESPACE_END
