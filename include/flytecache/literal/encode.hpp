// flytecache — deterministic protobuf encoding of literals (SerializeToString, deterministic)
// SPDX-License-Identifier: MIT
#pragma once

// Deterministic protobuf encoding of literals, identical to protobuf's
// SerializeToString(deterministic=True).

#include <flytecache/config.hpp>
#include <flytecache/detail/protobuf.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/literal/literal_type.hpp>
#include <flytecache/literal/protobuf_struct.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// Rules (see tests/vectors/README.md): fields in increasing field-number order, oneof members at
// their own number and always written once set, plain fields only when not default, present
// sub-messages always (even empty), map entries sorted by key bytes with key and value both
// written. The field numbers are flyteidl's core/literals.proto and core/types.proto.

class literal_encoder {
public:
    explicit literal_encoder(proto_writer& w) noexcept : w_(w) {}

    /// The encoding of flytekit_effective_inputs(m, ignored), computed without building that map:
    /// names in `ignored` are skipped and hashes are placed while encoding.
    template <class Ignored>
    void flytekit_key_body(const literal_map& m, const Ignored& ignored) {
        for (const auto& [name, value] : m.literals) { // sorted: literal_map's invariant
            if (std::find(ignored.begin(), ignored.end(), name) != ignored.end()) continue;
            map_entry(1, name, value, true);
        }
    }

    // flytekit's hash placement applied on the fly: the rule is key/hash_placement.hpp's
    // place_hash (hash_rule::flytekit), whose flytekit_effective_inputs is the reference this
    // encoding is tested against on every golden vector (tests/unit/keys.cpp).
    void placed_literal_body(const literal& l);

    void literal_map_body(const literal_map& m) {
        for (const auto& [name, value] : m.literals) map_entry(1, name, value, false);
    }

    // A LiteralMap entry {1: name, 2: value} in field `field`, written in one piece when the
    // value is a bare primitive (see element()).
    void map_entry(std::uint32_t field, const std::string& name, const literal& value, bool placed);

    void literal_body(const literal& l);

    // The overwhelmingly common literal — a bare primitive — has a length computable up front, so
    // its enclosing messages are written with their lengths directly instead of being patched.
    static const primitive* bare_primitive(const literal& l) noexcept {
        if (l.hash || !l.metadata.empty()) return nullptr;
        const auto* s = std::get_if<scalar>(&l.value);
        return s == nullptr ? nullptr : std::get_if<primitive>(&s->value);
    }

    void write_bare_primitive(const primitive& p, std::size_t body);

    bool write_primitive_literal(const literal& l);

    // A collection element (or other embedded Literal) in field `field`; `placed` applies
    // flytekit's hash placement. Bare primitives are written in one piece: their size is known,
    // so one capacity check covers all the element's bytes and no length needs patching.
    void element(std::uint32_t field, const literal& item, bool placed);

    // Primitive's fields into exactly primitive_size(p) bytes at `out`.
    // std::visit throws only on a valueless variant, and a primitive never is one.
    // NOLINTNEXTLINE(bugprone-exception-escape)
    static void put_primitive(char* out, const primitive& p) noexcept;

    static std::size_t time_body_size(std::int64_t seconds, std::int32_t nanos) noexcept {
        return (seconds != 0 ? 1 + varint_size(static_cast<std::uint64_t>(seconds)) : 0) +
               (nanos != 0 ? 1 + varint_size(static_cast<std::uint64_t>(std::int64_t{nanos})) : 0);
    }

    // std::visit throws only on a valueless variant, and a primitive never is one.
    // NOLINTNEXTLINE(bugprone-exception-escape)
    static std::size_t primitive_size(const primitive& p) noexcept;

    void scalar_body(const scalar& s);

    void primitive_body(const primitive& p);

    void literal_type_body(const literal_type& t);

    void struct_body(const protobuf_struct& s);

private:
    void value_body(const protobuf_value& v);

    void blob_type_body(const blob_type& b);

    void schema_type_body(const schema_type& s);

    void dataset_type_body(const structured_dataset_type& d);

    void string_map(std::uint32_t field,
                    const std::vector<std::pair<std::string, std::string>>& entries);

    void plain_string(std::uint32_t field, std::string_view s) {
        if (!s.empty()) w_.string_field(field, s);
    }

    template <class Body>
    void message(std::uint32_t field, Body&& body) {
        const auto marker = w_.begin_message(field);
        body();
        w_.end_message(marker);
    }

    // Map entries are written sorted by key; the model keeps them sorted already, so sorting (of
    // pointers, never of the values) happens only for hand-built unsorted input.
    template <class K, class V, class F>
    static void for_each_sorted(const std::vector<std::pair<K, V>>& entries, F&& f) {
        const bool sorted =
            std::is_sorted(entries.begin(), entries.end(),
                           [](const auto& a, const auto& b) { return a.first < b.first; });
        if (sorted) {
            for (const auto& [k, v] : entries) f(k, v);
            return;
        }
        std::vector<const std::pair<K, V>*> order;
        order.reserve(entries.size());
        for (const auto& e : entries) order.push_back(&e);
        std::sort(order.begin(), order.end(),
                  [](const auto* a, const auto* b) { return a->first < b->first; });
        for (const auto* e : order) f(e->first, e->second);
    }

    proto_writer& w_;
};

} // namespace detail

/// The deterministic protobuf encoding of a LiteralMap: the bytes flytekit hashes for a local cache
/// key, and what flytecache stores.
[[nodiscard]] std::string encode(const literal_map& m);

/// The deterministic protobuf encoding of a Literal.
[[nodiscard]] std::string encode(const literal& l);

/// The deterministic protobuf encoding of a LiteralType.
[[nodiscard]] std::string encode(const literal_type& t);

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/literal/encode.ipp>
#endif
