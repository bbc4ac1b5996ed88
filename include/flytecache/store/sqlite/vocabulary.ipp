// flytecache — the SQLite store's vocabulary (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/store/sqlite/vocabulary.hpp>

#include <string>
#include <string_view>
#include <variant>

FLYTECACHE_NAMESPACE_BEGIN

FLYTECACHE_INLINE eviction_policy parse_eviction_policy(std::string_view name) {
    for (auto p : {eviction_policy::none, eviction_policy::least_recently_stored,
                   eviction_policy::least_recently_used, eviction_policy::least_frequently_used}) {
        if (to_string(p) == name) {
            return p;
        }
    }
    throw invalid_argument("flytecache: unknown eviction policy '" + std::string(name) +
                           "'; expected one of none, least-recently-stored, least-recently-used, "
                           "least-frequently-used");
}

FLYTECACHE_INLINE std::string key_ref::describe() const {
    switch (kind_) {
    case kind::integer: return std::to_string(integer_);
    case kind::real: return std::to_string(real_);
    case kind::text: return "'" + std::string(bytes_.substr(0, 200)) + "'";
    case kind::blob: return "<" + std::to_string(bytes_.size()) + " bytes>";
    }
    return {};
}

FLYTECACHE_INLINE const std::string& db_key::raw_bytes() const {
    if (const auto* s = std::get_if<std::string>(&data_)) {
        return *s;
    }
    throw value_type_error("flytecache: key is a number, it has no bytes");
}

FLYTECACHE_INLINE key_ref db_key::ref() const {
    switch (kind_) {
    case kind::integer: return std::get<std::int64_t>(data_);
    case kind::real: return std::get<double>(data_);
    case kind::text: return std::string_view(std::get<std::string>(data_));
    case kind::blob: return blob_view{std::get<std::string>(data_)};
    case kind::pickle: break;
    }
    throw value_type_error("flytecache: a pickled key (Python tuple or object) cannot be used "
                           "as a key from C++");
}

FLYTECACHE_INLINE const std::string& stored_value::raw_bytes() const {
    if (const auto* s = std::get_if<std::string>(&data_)) {
        return *s;
    }
    throw value_type_error(std::string("flytecache: the value is ") + name(kind_) +
                           ", it has no raw bytes");
}

FLYTECACHE_INLINE void stored_value::check(kind wanted) const {
    if (kind_ == wanted) {
        return;
    }
    std::string message =
        std::string("flytecache: the stored value is ") + name(kind_) + ", not " + name(wanted);
    if (kind_ == kind::pickle) {
        message += "; flytecache does not unpickle — read its raw bytes with raw_bytes(), or "
                   "have Python store bytes";
    }
    throw value_type_error(message);
}

FLYTECACHE_NAMESPACE_END
