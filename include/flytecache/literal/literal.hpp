// flytecache — literal: Flyte's values (flyteidl core/literals.proto) as C++ value types
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/box.hpp>
#include <flytecache/detail/time_text.hpp>
#include <flytecache/error.hpp>
#include <flytecache/literal/literal_type.hpp>
#include <flytecache/literal/protobuf_struct.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

// The model mirrors the protobuf messages field for field, with protobuf's presence rules made
// explicit, because the cache key is computed over their deterministic encoding: a oneof member
// that is set is written even when it holds its default, and a message field that is present is
// written even when empty. Oneofs are std::variant (std::monostate = nothing set), message fields
// that can be absent are std::optional, and protobuf maps are vectors of pairs kept sorted by key
// (UTF-8 byte order, the order deterministic serialization writes).

/// google.protobuf.Timestamp: seconds since the Unix epoch and nanoseconds.
struct timestamp {
    std::int64_t seconds = 0;
    std::int32_t nanos = 0;
    friend constexpr bool operator==(const timestamp&, const timestamp&) = default;
};

/// google.protobuf.Duration: seconds and nanoseconds of the same sign.
struct duration {
    std::int64_t seconds = 0;
    std::int32_t nanos = 0;
    friend constexpr bool operator==(const duration&, const duration&) = default;
};

/// Primitive: one of integer, float_value, string_value, boolean, datetime, duration.
struct primitive {
    std::variant<std::monostate, std::int64_t, double, std::string, bool, timestamp, duration>
        value;
    friend bool operator==(const primitive&, const primitive&) = default;
};

/// Void: the value of a none_type scalar.
struct void_value {
    friend constexpr bool operator==(void_value, void_value) noexcept = default;
};

struct blob_metadata {
    std::optional<blob_type> type;
    friend bool operator==(const blob_metadata&, const blob_metadata&) = default;
};

/// Blob: a file or directory at `uri`.
struct blob {
    std::optional<blob_metadata> metadata;
    std::string uri;
    friend bool operator==(const blob&, const blob&) = default;
};

/// Binary: opaque bytes with a tag saying what they are.
struct binary {
    std::string value; ///< bytes
    std::string tag;
    friend bool operator==(const binary&, const binary&) = default;
};

/// Schema: a typed table at `uri`.
struct schema {
    std::string uri;
    std::optional<schema_type> type;
    friend bool operator==(const schema&, const schema&) = default;
};

/// Error: a failure of an upstream node.
struct error_value {
    std::string failed_node_id;
    std::string message;
    friend bool operator==(const error_value&, const error_value&) = default;
};

struct structured_dataset_metadata {
    std::optional<::flytecache::structured_dataset_type> structured_dataset_type;
    friend bool operator==(const structured_dataset_metadata&,
                           const structured_dataset_metadata&) = default;
};

/// StructuredDataset: a dataframe-like dataset at `uri`.
struct structured_dataset {
    std::string uri;
    std::optional<structured_dataset_metadata> metadata;
    friend bool operator==(const structured_dataset&, const structured_dataset&) = default;
};

/// Json: a JSON document as bytes (Scalar.json).
struct json_bytes {
    std::string value;
    friend bool operator==(const json_bytes&, const json_bytes&) = default;
};

struct literal;

/// Union: a value of one variant of a union type.
struct union_value {
    std::optional<detail::box<literal>> value;
    std::optional<literal_type> type;
    friend bool operator==(const union_value&, const union_value&) = default;
};

/// Scalar: one of its ten kinds (`std::monostate` = none set).
struct scalar {
    std::variant<std::monostate, primitive, blob, binary, schema, void_value, error_value,
                 protobuf_struct, structured_dataset, union_value, json_bytes>
        value;
    friend bool operator==(const scalar&, const scalar&) = default;
};

/// LiteralCollection: an ordered list of literals.
struct literal_collection {
    std::vector<literal> literals;
    friend bool operator==(const literal_collection&, const literal_collection&) = default;
};

namespace detail {

/// Sorts map entries by key (byte order) and drops all but the last entry of each key, keeping
/// the order they arrived in among equal keys. Linear when the input is already canonical.
template <class V>
void sort_unique_by_key(std::vector<std::pair<std::string, V>>& entries) {
    const auto less = [](const auto& a, const auto& b) { return a.first < b.first; };
    const bool canonical =
        std::adjacent_find(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
            return !(a.first < b.first);
        }) == entries.end();
    if (canonical) return;
    std::stable_sort(entries.begin(), entries.end(), less);
    std::size_t out = 0;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i + 1 < entries.size() && entries[i].first == entries[i + 1].first) continue;
        if (out != i) entries[out] = std::move(entries[i]);
        ++out;
    }
    entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(out), entries.end());
}

} // namespace detail

/// The entries of a literal_map: (name, literal) pairs sorted by name (UTF-8 byte order), names
/// unique. A sequence to read (iteration, `size`, `[i]`) that can only be changed in ways that
/// keep the order (`erase`, `clear`); new entries go through the map (`insert_or_assign`,
/// `append_sorted`). Values may be changed in place; names must not be.
class literal_entries {
public:
    using value_type = std::pair<std::string, literal>;
    using storage = std::vector<value_type>;
    using iterator = storage::iterator;
    using const_iterator = storage::const_iterator;
    using size_type = std::size_t;

    [[nodiscard]] const_iterator begin() const noexcept;
    [[nodiscard]] const_iterator end() const noexcept;
    [[nodiscard]] iterator begin() noexcept;
    [[nodiscard]] iterator end() noexcept;
    [[nodiscard]] size_type size() const noexcept;
    [[nodiscard]] bool empty() const noexcept;
    [[nodiscard]] const value_type& operator[](size_type i) const noexcept;
    /// The entries as a sorted vector.
    [[nodiscard]] const storage& sorted() const noexcept;

    iterator erase(const_iterator pos);
    iterator erase(const_iterator first, const_iterator last);
    void clear() noexcept;
    void reserve(size_type n);

    // Defined below, once literal is complete.
    friend bool operator==(const literal_entries&, const literal_entries&);

private:
    friend struct literal_map;
    storage entries_;
};

/// LiteralMap: literals by name, kept sorted by name (UTF-8 byte order), names unique.
///
/// The order is an invariant of the type: entries are added by `insert_or_assign` (or the
/// initializer-list and vector constructors, which sort), or by `append_sorted` when the caller
/// already has them in order, so `find` (binary search) and the encoder rely on it without
/// checking. `literals` is public for reading and for order-keeping edits.
struct literal_map {
    literal_entries literals;

    literal_map() = default;
    literal_map(std::initializer_list<std::pair<std::string, literal>> entries);
    /// The entries in any order, sorted by name; for a name given twice the last one wins.
    explicit literal_map(std::vector<std::pair<std::string, literal>> entries);

    /// Sets `name` to `value`, keeping the order.
    literal& insert_or_assign(std::string name, literal value);
    /// Appends an entry whose name sorts after every name in the map (O(1)).
    /// @throws invalid_argument unless `empty()` or `name` sorts after the last name.
    literal& append_sorted(std::string name, literal value);
    /// The literal named `name`, or nullptr.
    [[nodiscard]] const literal* find(std::string_view name) const noexcept;
    [[nodiscard]] std::size_t size() const noexcept;
    [[nodiscard]] bool empty() const noexcept;

    // Defaulted below, once literal is complete (see protobuf_struct).
    friend bool operator==(const literal_map&, const literal_map&);
};

/// The map alternative of `literal::value`: a literal_map behind a box (`*b` and `b->` reach the
/// map). Name it when visiting a literal: `std::get_if<literal_map_box>(&l.value)`.
using literal_map_box = detail::box<literal_map>;

/// LiteralOffloadedMetadata: where a literal too large to pass inline was stored.
struct offloaded_metadata {
    std::string uri;
    std::uint64_t size_bytes = 0;
    std::optional<literal_type> inferred_type;
    friend bool operator==(const offloaded_metadata&, const offloaded_metadata&) = default;
};

/// A Flyte value (flyteidl Literal): a scalar, a collection, a map or an offloaded reference, with
/// an optional content `hash` and string `metadata`.
///
/// `hash` is optional rather than a plain string because flytekit distinguishes "no hash" (None)
/// from the empty hash "" when it builds local cache keys, although both encode to the same bytes.
/// Thread safety: a value type; concurrent reads are safe.
struct literal {
    /// What the literal holds (flytekit's `Literal.value`); `std::monostate` when nothing is set.
    /// The map is boxed: it holds pairs of (name, literal), and clang cannot instantiate such a
    /// pair while literal holds the map by value (GCC happens to accept it).
    std::variant<std::monostate, scalar, literal_collection, literal_map_box, offloaded_metadata>
        value;
    std::optional<std::string> hash;
    /// Sorted by key, keys unique (a protobuf map<string, string>); use set_metadata to keep that.
    std::vector<std::pair<std::string, std::string>> metadata;

    /// True when no value is set (a hash-only literal, as flytekit's key placement makes, is
    /// empty in this sense).
    [[nodiscard]] bool is_empty() const noexcept {
        return std::holds_alternative<std::monostate>(value);
    }

    /// The map this literal holds, or nullptr when it holds something else.
    [[nodiscard]] const literal_map* as_map() const noexcept {
        const auto* boxed = std::get_if<literal_map_box>(&value);
        return boxed != nullptr ? &**boxed : nullptr;
    }

    /// Replaces the metadata, sorted by key; for a key given twice the last value wins.
    void set_metadata(std::vector<std::pair<std::string, std::string>> entries);

    /// One line for humans: `5`, `"text"`, `[1, 2]`, `{a: 1}`, `blob(s3://b/k)`, `hash(abc)`.
    [[nodiscard]] std::string short_string() const;
    /// An indented description of every field (kinds, types, hash, metadata), for debugging.
    [[nodiscard]] std::string verbose_string() const;

    friend bool operator==(const literal&, const literal&) = default;
};

// Spelled out rather than defaulted: clang 19 crashes on a defaulted out-of-class comparison here.
inline bool operator==(const literal_entries& a, const literal_entries& b) {
    return a.entries_ == b.entries_;
}
inline bool operator==(const literal_map&, const literal_map&) = default;

namespace detail {

// Human-readable text. Not a stable format: meant for logs, errors and the CLI, never for keys.
class literal_printer {
public:
    static std::string short_text(const literal& l) {
        std::string out;
        short_into(out, l);
        return out;
    }

    static std::string verbose_text(const literal& l) {
        std::string out;
        verbose_into(out, l, 0);
        return out;
    }

private:
    static std::string number(double d);

    static void quoted(std::string& out, std::string_view s);

    static void value_into(std::string& out, const protobuf_value& v);

    static void struct_into(std::string& out, const protobuf_struct& s);

    static void scalar_into(std::string& out, const scalar& s);

    static void short_into(std::string& out, const literal& l);

    static void verbose_into(std::string& out, const literal& l, std::size_t indent);
};

} // namespace detail

inline std::string literal::short_string() const {
    return detail::literal_printer::short_text(*this);
}
inline std::string literal::verbose_string() const {
    return detail::literal_printer::verbose_text(*this);
}

inline literal_entries::const_iterator literal_entries::begin() const noexcept {
    return entries_.begin();
}
inline literal_entries::const_iterator literal_entries::end() const noexcept {
    return entries_.end();
}
inline literal_entries::iterator literal_entries::begin() noexcept { return entries_.begin(); }
inline literal_entries::iterator literal_entries::end() noexcept { return entries_.end(); }
inline std::size_t literal_entries::size() const noexcept { return entries_.size(); }
inline bool literal_entries::empty() const noexcept { return entries_.empty(); }
inline const literal_entries::value_type& literal_entries::operator[](size_type i) const noexcept {
    return entries_[i];
}
inline const literal_entries::storage& literal_entries::sorted() const noexcept { return entries_; }
inline void literal_entries::clear() noexcept { entries_.clear(); }
inline void literal_entries::reserve(size_type n) { entries_.reserve(n); }
inline literal_entries::iterator literal_entries::erase(const_iterator pos) {
    return entries_.erase(pos);
}
inline literal_entries::iterator literal_entries::erase(const_iterator first, const_iterator last) {
    return entries_.erase(first, last);
}

inline std::size_t literal_map::size() const noexcept { return literals.size(); }
inline bool literal_map::empty() const noexcept { return literals.empty(); }

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/literal/literal.ipp>
#endif
