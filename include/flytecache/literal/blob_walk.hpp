// flytecache — every file and directory (Blob literal) inside a literal map, however nested
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/literal/literal.hpp>

#include <string_view>
#include <type_traits>
#include <variant>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// Calls f(blob, owner, top_level_name) for every blob scalar, where `owner` is the literal holding
// it (its `hash` is the content hash of a hashed file) and `top_level_name` the map entry it sits
// under (for messages). Lit is literal or const literal.
template <class Lit, class F>
void for_each_blob_in(Lit& l, std::string_view name, F& f) {
    if (auto* s = std::get_if<scalar>(&l.value)) {
        if (auto* b = std::get_if<blob>(&s->value)) {
            f(*b, l, name);
        } else if (auto* u = std::get_if<union_value>(&s->value)) {
            if (u->value) for_each_blob_in(**u->value, name, f);
        }
    } else if (auto* c = std::get_if<literal_collection>(&l.value)) {
        for (auto& item : c->literals) for_each_blob_in(item, name, f);
    } else if (auto* m = std::get_if<box<literal_map>>(&l.value)) {
        for (auto& [key, item] : (*m)->literals) for_each_blob_in(item, name, f);
    }
}

/// Calls `f(blob&, literal& owner, std::string_view output_name)` for every Blob in `m` (const or
/// not; with a non-const map, `f` may rewrite the blob's URI).
template <class Map, class F>
    requires std::is_same_v<std::remove_const_t<Map>, literal_map>
void for_each_blob(Map& m, F&& f) {
    for (auto& [name, l] : m.literals) for_each_blob_in(l, std::string_view(name), f);
}

/// Whether a Blob URI names a path on this machine (no scheme, or `file://`), which a local
/// execution must copy before caching it, rather than a remote object (`s3://…`, `gs://…`).
[[nodiscard]] inline bool is_local_uri(std::string_view uri) noexcept {
    if (uri.substr(0, 7) == "file://") return true;
    return uri.find("://") == std::string_view::npos && !uri.empty();
}

/// The path of a local URI (`file://` stripped).
[[nodiscard]] inline std::string_view local_path_of(std::string_view uri) noexcept {
    return uri.substr(0, 7) == "file://" ? uri.substr(7) : uri;
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
