// flytecache — CLI: a LiteralMap as indented text, one output per line, nested values below
// SPDX-License-Identifier: MIT
#pragma once

#include "text.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace flytecache_cli {

namespace util {

// A scalar's one-line text is the library's short_string; control characters are escaped so a
// string holding newlines cannot break the one-value-per-line layout.
inline std::string one_line(const fc::literal& l) {
    std::string out;
    for (const char ch : l.short_string()) {
        switch (ch) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(ch) < 0x20) {
                out += fmt::format("\\x{:02x}", static_cast<unsigned char>(ch));
            } else {
                out += ch;
            }
        }
    }
    return out;
}

inline std::string annotations(const fc::literal& l) {
    std::string out;
    if (l.hash && !l.hash->empty()) {
        out += "  (hash " + *l.hash + ")";
    }
    for (const auto& [k, v] : l.metadata) {
        out += "  (" + k + "=" + v + ")";
    }
    return out;
}

// `head` is what starts the line ("name:" or "-"); collections and maps continue on the lines
// below, two spaces deeper, so the shape of nested outputs is visible at a glance.
inline void literal_lines(std::string& out, const std::string& head, const fc::literal& l,
                          std::size_t indent) {
    const std::string pad(indent, ' ');
    if (const auto* c = std::get_if<fc::literal_collection>(&l.value)) {
        if (c->literals.empty()) {
            out += pad + head + " []" + annotations(l) + "\n";
            return;
        }
        out += pad + head + annotations(l) + "\n";
        for (const auto& item : c->literals) {
            literal_lines(out, "-", item, indent + 2);
        }
        return;
    }
    if (const fc::literal_map* m = l.as_map()) {
        if (m->literals.empty()) {
            out += pad + head + " {}" + annotations(l) + "\n";
            return;
        }
        out += pad + head + annotations(l) + "\n";
        for (const auto& [name, item] : m->literals) {
            literal_lines(out, name + ":", item, indent + 2);
        }
        return;
    }
    out += pad + head + " " + one_line(l) + annotations(l) + "\n";
}

} // namespace util

/// The outputs of a LiteralMap, `name: value` per line, collections and maps indented below their
/// name. Meant for people; `--json` is the form for programs.
[[nodiscard]] inline std::string literal_map_text(const fc::literal_map& m) {
    if (m.literals.empty()) {
        return "(no outputs)\n";
    }
    std::string out;
    for (const auto& [name, value] : m.literals) {
        util::literal_lines(out, name + ":", value, 0);
    }
    return out;
}

/// The protobuf JSON mapping of a LiteralMap (camelCase fields, int64 as strings), as the library
/// writes it for container tasks' inputs.json.
[[nodiscard]] inline std::string literal_map_json(const fc::literal_map& m) {
    return fc::to_json(m);
}

} // namespace flytecache_cli
