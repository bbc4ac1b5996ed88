// flytecache — decoding of protobuf-encoded literals, literal maps and literal types
// SPDX-License-Identifier: MIT
#pragma once

// Decoding of protobuf-encoded literals, literal maps and literal types (the inverse of
// encode.hpp).

#include <flytecache/config.hpp>
#include <flytecache/detail/box.hpp>
#include <flytecache/detail/protobuf.hpp>
#include <flytecache/error.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/literal/literal_type.hpp>
#include <flytecache/literal/protobuf_struct.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// Deepest message nesting the decoders accept: the top-level message is depth 0 and every
/// embedded message (map entries included) one level more, as in libprotobuf, whose default
/// recursion limit this is. Deeper input is refused with a decode_error.
inline constexpr std::size_t max_decode_depth = 100;

namespace detail {

// The bytes come from stores and users, so they are untrusted: everything is bounds-checked by
// proto_reader, recursion is bounded by max_decode_depth (checked before descending, so hostile
// nesting cannot exhaust the stack), and the result is always a value that encode() writes in
// canonical form. Protobuf's parsing semantics are followed wherever they decide a value:
//  - unknown fields are skipped, so newer flyteidl messages still decode;
//  - a singular message field (oneof member or not) seen twice is merged, as protobuf does; a
//    different member of the same oneof replaces the previous one (the last one wins);
//  - repeated fields append; map entries with a missing key or value get the default, and a
//    repeated key keeps the last entry;
//  - proto3 `string` fields must be valid UTF-8 (libprotobuf refuses them otherwise), `bytes`
//    fields may hold anything.
// Where this decoder is stricter than libprotobuf, it is so that two different byte strings
// cannot silently decode to the same value by accident of leniency: a known field with the wrong
// wire type is an error (libprotobuf would file it under unknown fields), and proto_reader
// refuses out-of-range int32 values and non-0/1 booleans.

/// Offset of the first byte of `s` that breaks UTF-8 well-formedness (overlong forms, surrogates
/// and code points past U+10FFFF included), or npos when `s` is valid.
constexpr std::size_t find_invalid_utf8(std::string_view s) noexcept {
    const auto at = [&](std::size_t k) -> unsigned {
        return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u;
    };
    std::size_t i = 0;
    while (i < s.size()) {
        const unsigned b0 = at(i);
        if (b0 < 0x80u) {
            ++i;
            continue;
        }
        // The allowed range of the second byte depends on the first; it is what excludes
        // overlong forms (E0, F0), surrogates (ED) and values past U+10FFFF (F4).
        std::size_t n = 0;
        unsigned lo = 0x80u;
        unsigned hi = 0xBFu;
        if (b0 >= 0xC2u && b0 <= 0xDFu) {
            n = 2;
        } else if (b0 >= 0xE0u && b0 <= 0xEFu) {
            n = 3;
            if (b0 == 0xE0u) lo = 0xA0u;
            if (b0 == 0xEDu) hi = 0x9Fu;
        } else if (b0 >= 0xF0u && b0 <= 0xF4u) {
            n = 4;
            if (b0 == 0xF0u) lo = 0x90u;
            if (b0 == 0xF4u) hi = 0x8Fu;
        } else {
            return i;
        }
        if (i + n > s.size()) return i;
        if (at(i + 1) < lo || at(i + 1) > hi) return i;
        for (std::size_t k = 2; k < n; ++k) {
            if (at(i + k) < 0x80u || at(i + k) > 0xBFu) return i;
        }
        i += n;
    }
    return std::string_view::npos;
}

/// Throws the decode_error for a problem at absolute offset `offset` of the input.
[[noreturn]] inline void decode_fail(std::size_t offset, std::string_view what) {
    // A reader over nothing, based at 0: its fail() formats exactly like every other decode error.
    proto_reader(std::string_view{}, 0).fail(offset, what);
}

class literal_decoder {
public:
    void literal_map_body(proto_reader& r, literal_map& out);

    void literal_body(proto_reader& r, literal& out);

    void literal_type_body(proto_reader& r, literal_type& out);

private:
    /// One field of the message being read: its number and wire type, and where its tag starts
    /// (absolute offset), for error messages.
    struct field {
        proto_reader& r;
        std::uint32_t number;
        wire_type type;
        std::size_t start;
    };

    // Calls on_field for every field of the message in `r`; fields it does not know (it returns
    // false) are skipped.
    // Groups (wire types 3 and 4) are never known fields: a start_group is skipped with its body,
    // and counts against the depth limit as an embedded message does; a stray end_group is an
    // error, as in protobuf.
    template <class OnField>
    void each_field(proto_reader& r, OnField&& on_field) {
        while (!r.at_end()) {
            const std::size_t start = r.offset();
            const auto [number, type] = r.tag();
            if (!on_field(field{r, number, type, start}))
                r.skip(type, number, max_decode_depth - depth_);
        }
    }

    static void expect(const field& f, wire_type want, std::string_view name);

    // An embedded message: the depth is checked before `body` recurses into it.
    template <class Body>
    void message(const field& f, std::string_view name, Body&& body) {
        expect(f, wire_type::length_delimited, name);
        if (depth_ >= max_decode_depth) {
            decode_fail(f.start, "nesting deeper than " + std::to_string(max_decode_depth) +
                                     " at " + std::string(name));
        }
        proto_reader m = f.r.message();
        ++depth_;
        body(m);
        --depth_;
    }

    // A map entry {1: key, 2: value}. Both may be missing (protobuf then uses the defaults); a
    // repeated key field keeps the last, a repeated value message merges, as for any message.
    template <class Value>
    void map_entry(proto_reader& e, std::string_view name, std::string& key, Value&& value) {
        each_field(e, [&](const field& f) {
            if (f.number == 1) {
                key = string_value(f, name);
                return true;
            }
            if (f.number == 2) {
                value(f);
                return true;
            }
            return false;
        });
    }

    static std::string string_value(const field& f, std::string_view name);

    static std::string bytes_value(const field& f, std::string_view name) {
        expect(f, wire_type::length_delimited, name);
        return std::string(f.r.length_delimited());
    }

    static std::int64_t int64_value(const field& f, std::string_view name) {
        expect(f, wire_type::varint, name);
        return f.r.int64_value();
    }

    static std::int32_t int32_value(const field& f, std::string_view name) {
        expect(f, wire_type::varint, name);
        return f.r.int32_value();
    }

    static std::int32_t enum_value(const field& f, std::string_view name) {
        // Proto3 enums are open: a number flytecache does not name is kept, and written back.
        expect(f, wire_type::varint, name);
        return f.r.enum_value();
    }

    static double double_value(const field& f, std::string_view name) {
        expect(f, wire_type::fixed64, name);
        return f.r.double_value();
    }

    static bool bool_value(const field& f, std::string_view name) {
        expect(f, wire_type::varint, name);
        return f.r.bool_value();
    }

    // The oneof member `T` of `v`, merged into when already set, else newly (default) set.
    template <class T, class Variant>
    static T& member(Variant& v) {
        if (auto* p = std::get_if<T>(&v)) return *p;
        return v.template emplace<T>();
    }

    template <class T>
    static T& present(std::optional<T>& o) {
        if (!o) o.emplace();
        return *o;
    }

    template <class T>
    static T& present(std::optional<box<T>>& o) {
        if (!o) o.emplace();
        return **o;
    }

    void scalar_body(proto_reader& r, scalar& out);

    void primitive_body(proto_reader& r, primitive& out);

    // google.protobuf.Timestamp and Duration share their layout: int64 seconds = 1, int32 nanos
    // = 2.
    void seconds_nanos(proto_reader& r, std::string_view seconds_name, std::string_view nanos_name,
                       std::int64_t& seconds, std::int32_t& nanos);

    void blob_body(proto_reader& r, blob& out);

    void blob_type_body(proto_reader& r, blob_type& out);

    void schema_type_body(proto_reader& r, schema_type& out);

    void structured_dataset_body(proto_reader& r, structured_dataset& out);

    void dataset_type_body(proto_reader& r, structured_dataset_type& out);

    void offloaded_body(proto_reader& r, offloaded_metadata& out);

    void type_structure_body(proto_reader& r, type_structure& out);

    void struct_body(proto_reader& r, protobuf_struct& out);

    void value_body(proto_reader& r, protobuf_value& out);

    std::size_t depth_ = 0;
};

} // namespace detail

/// Decodes a protobuf-encoded flyteidl LiteralMap (for example bytes written by encode()).
///
/// Unknown fields are skipped; the entries come out sorted by name with unique names (a repeated
/// name keeps its last entry). A Literal whose `hash` field is absent or empty gets no hash.
/// `encode(decode_literal_map(b))` is canonical: decoding it again gives an equal value, and for
/// bytes that encode() wrote it is `b` itself.
/// @throws decode_error for truncated or malformed input, a known field with the wrong wire type,
///         invalid UTF-8 in a `string` field, or nesting deeper than max_decode_depth.
[[nodiscard]] literal_map decode_literal_map(std::string_view bytes);

/// Decodes a protobuf-encoded flyteidl Literal. See decode_literal_map for the rules.
/// @throws decode_error as decode_literal_map does.
[[nodiscard]] literal decode_literal(std::string_view bytes);

/// Decodes a protobuf-encoded flyteidl LiteralType. See decode_literal_map for the rules.
/// @throws decode_error as decode_literal_map does.
[[nodiscard]] literal_type decode_literal_type(std::string_view bytes);

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/literal/decode.ipp>
#endif
