// flytecache — protobuf decoding of literals
// SPDX-License-Identifier: MIT
// Protobuf decoding of literals: round trips against the golden vectors and a random literal
// generator, protobuf parsing semantics, and rejection of malformed input.
#include <flytecache/flytecache.hpp>

#include "../support/literal_schema.hpp"
#include "../support/vectors.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fc = flytecache;
using flytecache_test::bytes_from_hex;

namespace {

// ----- hand-built wire bytes ---------------------------------------------------------------------

std::string varint_bytes(std::uint64_t v) {
    fc::detail::proto_writer w;
    w.varint(v);
    return w.take();
}

std::string tag_bytes(std::uint32_t field, fc::detail::wire_type type) {
    fc::detail::proto_writer w;
    w.tag(field, type);
    return w.take();
}

/// A length-delimited field: tag, length, body.
std::string ld(std::uint32_t field, std::string_view body) {
    return tag_bytes(field, fc::detail::wire_type::length_delimited) + varint_bytes(body.size()) +
           std::string(body);
}

std::string varint_field(std::uint32_t field, std::uint64_t v) {
    return tag_bytes(field, fc::detail::wire_type::varint) + varint_bytes(v);
}

/// One unknown field of every wire type, numbered where flyteidl has nothing.
std::string unknown_fields() {
    std::string out = varint_field(1000, 12345);
    out += tag_bytes(1001, fc::detail::wire_type::fixed64) + std::string(8, '\x7f');
    out += ld(1002, "some \xff bytes");
    out += tag_bytes(1003, fc::detail::wire_type::fixed32) + std::string(4, '\x01');
    out += ld(15, ld(1, "nested unknown message"));
    out += tag_bytes(1004, fc::detail::wire_type::start_group) + varint_field(1, 7) +
           tag_bytes(1004, fc::detail::wire_type::end_group);
    return out;
}

std::string reencode_map(std::string_view bytes) {
    return fc::encode(fc::decode_literal_map(bytes));
}

// Literal bytes with `k` >= 1 nested collections, the innermost one empty: the innermost
// LiteralCollection sits at message depth 2k - 1.
std::string nested_collections(std::size_t k) {
    std::string lit = ld(2, "");
    for (std::size_t i = 1; i < k; ++i) lit = ld(2, ld(1, lit));
    return lit;
}

template <class F>
std::string thrown_message(F&& f) {
    try {
        f();
    } catch (const fc::decode_error& e) {
        return e.what();
    }
    return "<no decode_error>";
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// ----- a seeded random literal generator -------------------------------------------------------

// Uses the engine's raw output only (distributions are implementation-defined), so every standard
// library generates the same literals for a seed.
class literal_generator {
public:
    explicit literal_generator(std::uint64_t seed) : rng_(seed) {}

    bool made_nan = false;

    fc::literal_map map(int depth) {
        fc::literal_map out;
        const std::size_t n = below(4);
        for (std::size_t i = 0; i < n; ++i) out.insert_or_assign(text(), literal(depth));
        return out;
    }

    fc::literal literal(int depth) {
        fc::literal out;
        const std::size_t kind = depth <= 0 ? below(2) : below(6);
        switch (kind) {
        case 0: out.value = scalar(depth); break;
        case 1: break; // no value at all
        case 2:
        case 3: {
            fc::literal_collection c;
            const std::size_t n = below(4);
            for (std::size_t i = 0; i < n; ++i) c.literals.push_back(literal(depth - 1));
            out.value = std::move(c);
            break;
        }
        case 4: out.value = map(depth - 1); break;
        default: {
            fc::offloaded_metadata off;
            off.uri = text();
            off.size_bytes = coin(50) ? 0 : rng_();
            if (coin(50)) off.inferred_type = type(depth - 1);
            out.value = std::move(off);
            break;
        }
        }
        if (coin(30)) out.hash = "h" + text();
        if (coin(20)) {
            std::map<std::string, std::string> md;
            const std::size_t n = 1 + below(3);
            for (std::size_t i = 0; i < n; ++i) md[text()] = text();
            out.metadata.assign(md.begin(), md.end());
        }
        return out;
    }

    fc::literal_type type(int depth) {
        fc::literal_type out;
        const std::size_t kind = depth <= 0 ? below(3) : below(10);
        switch (kind) {
        case 0: break;
        case 1: {
            // Proto3 enums are open: numbers flyteidl does not name must survive too.
            static constexpr int simple[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 42, -1};
            out.type = static_cast<fc::simple_type>(simple[below(std::size(simple))]);
            break;
        }
        case 2: out.type = blob_type(); break;
        case 3: out.type = fc::collection_type{type(depth - 1)}; break;
        case 4: out.type = fc::map_value_type{type(depth - 1)}; break;
        case 5: out.type = schema_type(); break;
        case 6: {
            fc::enum_type e;
            const std::size_t n = below(4);
            for (std::size_t i = 0; i < n; ++i) e.values.push_back(text());
            out.type = std::move(e);
            break;
        }
        case 7: out.type = dataset_type(depth - 1); break;
        case 8: {
            fc::union_type u;
            const std::size_t n = below(4);
            for (std::size_t i = 0; i < n; ++i) u.variants.push_back(type(depth - 1));
            out.type = std::move(u);
            break;
        }
        default: {
            fc::offloaded_type o;
            if (coin(70))
                o.actual_literal_type = fc::detail::box<fc::literal_type>(type(depth - 1));
            out.type = std::move(o);
            break;
        }
        }
        if (coin(15)) out.metadata = structure(2);
        if (coin(15)) {
            fc::type_annotation a;
            if (coin(70)) a.annotations = structure(2);
            out.annotation = std::move(a);
        }
        if (coin(15)) {
            fc::type_structure s;
            s.tag = coin(50) ? "" : text();
            if (depth > 0) {
                std::map<std::string, fc::literal_type> fields;
                const std::size_t n = below(3);
                for (std::size_t i = 0; i < n; ++i)
                    fields.insert_or_assign(text(), type(depth - 1));
                s.dataclass_type.assign(fields.begin(), fields.end());
            }
            out.structure = std::move(s);
        }
        return out;
    }

private:
    std::uint64_t below(std::size_t n) { return rng_() % n; }
    bool coin(unsigned percent) { return below(100) < percent; }

    std::string text() {
        // Pieces chosen to stress byte-order sorting and multi-byte lengths: ASCII around '_',
        // 2-, 3- and 4-byte UTF-8, an embedded NUL, and now and then a string past 127 bytes.
        static constexpr std::string_view pieces[] = {
            "",    "a",  "B", "_", "k1", "k10", "k2", "é", "中", "😀", std::string_view("\0", 1),
            "Ω≈ç", "x y"};
        std::string out;
        const std::size_t n = below(4);
        for (std::size_t i = 0; i < n; ++i) out += pieces[below(std::size(pieces))];
        if (coin(3)) out += std::string(130 + below(200), 'z');
        return out;
    }

    std::string raw_bytes() {
        std::string out;
        const std::size_t n = below(12);
        for (std::size_t i = 0; i < n; ++i) out += static_cast<char>(rng_() & 0xFFu);
        return out;
    }

    std::int64_t integer() {
        static constexpr std::int64_t edges[] = {0,
                                                 1,
                                                 -1,
                                                 127,
                                                 128,
                                                 -128,
                                                 std::numeric_limits<std::int64_t>::min(),
                                                 std::numeric_limits<std::int64_t>::max()};
        if (coin(50)) return edges[below(std::size(edges))];
        return static_cast<std::int64_t>(rng_());
    }

    double number() {
        double d = 0;
        switch (below(9)) {
        case 0: d = 0.0; break;
        case 1: d = -0.0; break;
        case 2: d = std::numeric_limits<double>::quiet_NaN(); break;
        case 3:
            d = std::bit_cast<double>(std::uint64_t{0xFFF8000000000123u});
            break; // NaN with payload
        case 4: d = std::numeric_limits<double>::infinity(); break;
        case 5: d = -std::numeric_limits<double>::denorm_min(); break;
        case 6: d = 1.5; break;
        default: d = std::bit_cast<double>(rng_()); break;
        }
        if (std::isnan(d)) made_nan = true;
        return d;
    }

    std::int32_t nanos() {
        return static_cast<std::int32_t>(static_cast<std::int64_t>(below(2'000'000'000)) -
                                         1'000'000'000);
    }

    fc::protobuf_value value(int depth) {
        fc::protobuf_value out;
        switch (depth <= 0 ? below(5) : below(7)) {
        case 0: break;
        case 1: out.kind = fc::protobuf_null{}; break;
        case 2: out.kind = number(); break;
        case 3: out.kind = text(); break;
        case 4: out.kind = coin(50); break;
        case 5: out.kind = fc::detail::box<fc::protobuf_struct>(structure(depth - 1)); break;
        default: {
            fc::protobuf_list l;
            const std::size_t n = below(4);
            for (std::size_t i = 0; i < n; ++i) l.values.push_back(value(depth - 1));
            out.kind = std::move(l);
            break;
        }
        }
        return out;
    }

    fc::protobuf_struct structure(int depth) {
        std::map<std::string, fc::protobuf_value> fields;
        const std::size_t n = below(4);
        for (std::size_t i = 0; i < n; ++i) fields.insert_or_assign(text(), value(depth));
        fc::protobuf_struct out;
        out.fields.assign(fields.begin(), fields.end());
        return out;
    }

    fc::blob_type blob_type() {
        return fc::blob_type{coin(50) ? "" : text(),
                             static_cast<fc::blob_dimensionality>(below(3))};
    }

    fc::schema_type schema_type() {
        fc::schema_type out;
        const std::size_t n = below(3);
        for (std::size_t i = 0; i < n; ++i) {
            out.columns.push_back(
                fc::schema_column{text(), static_cast<fc::schema_column_type>(below(7))});
        }
        return out;
    }

    fc::structured_dataset_type dataset_type(int depth) {
        fc::structured_dataset_type out;
        const std::size_t n = below(3);
        for (std::size_t i = 0; i < n; ++i) {
            fc::dataset_column c;
            c.name = text();
            if (coin(60)) c.literal_type = fc::detail::box<fc::literal_type>(type(depth));
            out.columns.push_back(std::move(c));
        }
        out.format = coin(50) ? "" : text();
        out.external_schema_type = coin(70) ? "" : text();
        out.external_schema_bytes = raw_bytes();
        return out;
    }

    fc::scalar scalar(int depth) {
        fc::scalar out;
        switch (below(depth <= 0 ? 10 : 12)) {
        case 0:
        case 1: {
            fc::primitive p;
            switch (below(7)) {
            case 0: p.value = integer(); break;
            case 1: p.value = number(); break;
            case 2: p.value = text(); break;
            case 3: p.value = coin(50); break;
            case 4: p.value = fc::timestamp{integer(), nanos()}; break;
            case 5: p.value = fc::duration{integer(), nanos()}; break;
            default: break; // a Primitive with nothing set
            }
            out.value = std::move(p);
            break;
        }
        case 2: {
            fc::blob b;
            if (coin(60)) {
                fc::blob_metadata md;
                if (coin(70)) md.type = blob_type();
                b.metadata = std::move(md);
            }
            b.uri = text();
            out.value = std::move(b);
            break;
        }
        case 3: out.value = fc::binary{raw_bytes(), text()}; break;
        case 4: {
            fc::schema s;
            s.uri = text();
            if (coin(60)) s.type = schema_type();
            out.value = std::move(s);
            break;
        }
        case 5: out.value = fc::void_value{}; break;
        case 6: out.value = fc::error_value{text(), text()}; break;
        case 7: out.value = structure(3); break;
        case 8: {
            fc::structured_dataset ds;
            ds.uri = text();
            if (coin(70)) {
                fc::structured_dataset_metadata md;
                if (coin(70)) md.structured_dataset_type = dataset_type(depth - 1);
                ds.metadata = std::move(md);
            }
            out.value = std::move(ds);
            break;
        }
        case 9: out.value = fc::json_bytes{raw_bytes()}; break;
        default: {
            fc::union_value u;
            if (coin(80)) u.value = fc::detail::box<fc::literal>(literal(depth - 1));
            if (coin(80)) u.type = type(depth - 1);
            out.value = std::move(u);
            break;
        }
        }
        return out;
    }

    std::mt19937_64 rng_;
};

// encode→decode→encode is the identity, and (NaN aside, which == never equates) so is
// decode∘encode.
void check_round_trip(const fc::literal_map& m, bool compare_values) {
    const std::string bytes = fc::encode(m);
    const fc::literal_map back = fc::decode_literal_map(bytes);
    REQUIRE(fc::encode(back) == bytes);
    if (compare_values) CHECK(back == m);
}

} // namespace

// ----- (a) golden vectors
// -------------------------------------------------------------------------

TEST_CASE("decode: every cache_keys.json vector round-trips, and its serialized bytes re-encode "
          "exactly") {
    const auto doc = flytecache_test::load_vectors("cache_keys.json");
    const auto& vectors = doc.at("vectors").as_array();
    REQUIRE(vectors.size() >= 50);
    std::size_t with_hex = 0;
    for (const auto& v : vectors) {
        const std::string id = v.at("id").as_string();
        CAPTURE(id);
        for (const char* which : {"inputs", "effective_inputs"}) {
            CAPTURE(which);
            const fc::literal_map m = flytecache_test::literal_map_from(v.at(which));
            const std::string bytes = fc::encode(m);
            CHECK(reencode_map(bytes) == bytes);
        }
        if (const auto* hex = v.at("serialized").find("hex")) {
            ++with_hex;
            const std::string bytes = bytes_from_hex(hex->as_string());
            CHECK(reencode_map(bytes) == bytes);
            // The effective map is what was serialized: decoding gives it back (through bytes,
            // since == follows IEEE and NaN vectors exist).
            const fc::literal_map effective =
                flytecache_test::literal_map_from(v.at("effective_inputs"));
            CHECK(fc::encode(fc::decode_literal_map(bytes)) == fc::encode(effective));
        }
    }
    CHECK(with_hex > 0);
}

// ----- (b) generated literals
// ---------------------------------------------------------------------

TEST_CASE("decode: 2000 generated literal maps round-trip (encode→decode→encode is the identity)") {
    literal_generator gen(0x5eedf17ecac4eULL);
    std::size_t compared = 0;
    std::size_t total_bytes = 0;
    for (int i = 0; i < 2000; ++i) {
        CAPTURE(i);
        gen.made_nan = false;
        const fc::literal_map m = gen.map(6);
        check_round_trip(m, !gen.made_nan);
        if (!gen.made_nan) ++compared;
        total_bytes += fc::encode(m).size();
    }
    CHECK(compared > 500); // the value comparison is not vacuous
    CHECK(total_bytes > 100'000);
}

TEST_CASE("decode: generated literals and literal types round-trip on their own") {
    literal_generator gen(42);
    for (int i = 0; i < 300; ++i) {
        CAPTURE(i);
        gen.made_nan = false;
        const fc::literal l = gen.literal(5);
        const std::string lb = fc::encode(l);
        const fc::literal lback = fc::decode_literal(lb);
        REQUIRE(fc::encode(lback) == lb);
        if (!gen.made_nan) CHECK(lback == l);

        const fc::literal_type t = gen.type(5);
        const std::string tb = fc::encode(t);
        const fc::literal_type tback = fc::decode_literal_type(tb);
        REQUIRE(fc::encode(tback) == tb);
        if (!gen.made_nan) CHECK(tback == t);
    }
}

TEST_CASE("decode: empty input is the empty message") {
    CHECK(fc::decode_literal_map("").empty());
    CHECK(fc::decode_literal("") == fc::literal{});
    CHECK(fc::decode_literal_type("") == fc::literal_type{});
}

// ----- protobuf parsing semantics
// -----------------------------------------------------------------

TEST_CASE("decode: protobuf semantics for maps, oneofs, merges and the hash") {
    const std::string int5 =
        ld(1, ld(1, varint_field(1, 5)));               // Literal{scalar{primitive{integer 5}}}
    const std::string str_x = ld(1, ld(1, ld(3, "x"))); // Literal{scalar{primitive{string "x"}}}
    const std::string coll = ld(2, ld(1, int5));        // Literal{collection{[int5]}}

    SUBCASE("map entries come out sorted; a repeated key keeps the last entry") {
        const std::string bytes = ld(1, ld(1, "b") + ld(2, int5)) +
                                  ld(1, ld(1, "a") + ld(2, int5)) +
                                  ld(1, ld(1, "b") + ld(2, str_x));
        const fc::literal_map m = fc::decode_literal_map(bytes);
        REQUIRE(m.size() == 2);
        CHECK(m.literals[0].first == "a");
        CHECK(m.literals[1].first == "b");
        CHECK(fc::encode(m.literals[1].second) == str_x);
        CHECK(reencode_map(reencode_map(bytes)) == reencode_map(bytes));
    }
    SUBCASE("a map entry without key or value gets the defaults") {
        const fc::literal_map m = fc::decode_literal_map(ld(1, ld(2, int5)) + ld(1, ld(1, "v")));
        REQUIRE(m.size() == 2);
        CHECK(m.literals[0].first.empty());
        CHECK(fc::encode(m.literals[0].second) == int5);
        CHECK(m.literals[1].first == "v");
        CHECK(m.literals[1].second == fc::literal{});
    }
    SUBCASE("a different oneof member replaces the previous one") {
        const fc::literal l = fc::decode_literal(int5 + coll);
        CHECK(std::holds_alternative<fc::literal_collection>(l.value));
        const fc::literal l2 = fc::decode_literal(coll + int5);
        CHECK(fc::encode(l2) == int5);
    }
    SUBCASE("the same message member seen twice is merged") {
        // Two collections concatenate, as protobuf merges repeated fields.
        const fc::literal l = fc::decode_literal(coll + coll);
        REQUIRE(std::holds_alternative<fc::literal_collection>(l.value));
        CHECK(std::get<fc::literal_collection>(l.value).literals.size() == 2);
        // Scalar.primitive twice: the inner oneof's last member wins.
        const fc::literal s = fc::decode_literal(int5 + str_x);
        CHECK(fc::encode(s) == str_x);
        // Blob.metadata then Blob.uri in two pieces: both survive.
        const std::string blob1 = ld(1, ld(2, ld(1, ld(1, ld(1, "csv")))));
        const std::string blob2 = ld(1, ld(2, ld(3, "s3://b")));
        const fc::literal b = fc::decode_literal(blob1 + blob2);
        const auto& bl = std::get<fc::blob>(std::get<fc::scalar>(b.value).value);
        CHECK(bl.uri == "s3://b");
        REQUIRE(bl.metadata);
        REQUIRE(bl.metadata->type);
        CHECK(bl.metadata->type->format == "csv");
    }
    SUBCASE("hash on the wire is kept; an empty one means no hash, as in flytekit") {
        CHECK(fc::decode_literal(int5 + ld(4, "abc")).hash == std::optional<std::string>("abc"));
        CHECK_FALSE(fc::decode_literal(int5).hash.has_value());
        CHECK_FALSE(fc::decode_literal(int5 + ld(4, "")).hash.has_value());
        CHECK_FALSE(fc::decode_literal(ld(4, "abc") + ld(4, "")).hash.has_value());
    }
    SUBCASE("metadata is sorted and unique") {
        const fc::literal l =
            fc::decode_literal(ld(5, ld(1, "z") + ld(2, "1")) + ld(5, ld(1, "a") + ld(2, "2")) +
                               ld(5, ld(1, "z") + ld(2, "3")));
        const std::vector<std::pair<std::string, std::string>> want{{"a", "2"}, {"z", "3"}};
        CHECK(l.metadata == want);
    }
    SUBCASE("Struct fields and dataclass_type are sorted and unique") {
        // Scalar.generic = Struct{fields: b=1.0 (as null here), a="s", b=true}
        const std::string s = ld(1, ld(1, "b") + ld(2, varint_field(1, 0))) +
                              ld(1, ld(1, "a") + ld(2, ld(3, "s"))) +
                              ld(1, ld(1, "b") + ld(2, varint_field(4, 1)));
        const fc::literal l = fc::decode_literal(ld(1, ld(7, s)));
        const auto& st = std::get<fc::protobuf_struct>(std::get<fc::scalar>(l.value).value);
        REQUIRE(st.fields.size() == 2);
        CHECK(st.fields[0].first == "a");
        CHECK(st.fields[1].second.kind == decltype(st.fields[1].second.kind){true});

        const std::string structure = ld(2, ld(1, "y") + ld(2, varint_field(1, 1))) +
                                      ld(2, ld(1, "x") + ld(2, varint_field(1, 3))) + ld(1, "tag");
        const fc::literal_type t = fc::decode_literal_type(ld(11, structure));
        REQUIRE(t.structure);
        CHECK(t.structure->tag == "tag");
        REQUIRE(t.structure->dataclass_type.size() == 2);
        CHECK(t.structure->dataclass_type[0].first == "x");
    }
    SUBCASE("open enums and NullValue") {
        const fc::literal_type t = fc::decode_literal_type(varint_field(1, 77));
        CHECK(t.type == decltype(t.type){static_cast<fc::simple_type>(77)});
        // A null_value other than 0 is refused: protobuf would keep and re-encode the number,
        // which the model cannot hold (found by the idl.mutation test).
        const std::string v = ld(1, ld(7, ld(1, ld(1, "n") + ld(2, varint_field(1, 3)))));
        CHECK(contains(thrown_message([&] { (void)fc::decode_literal(v); }),
                       "Value.null_value 3 is not NULL_VALUE (0)"));
        const std::string zero = ld(1, ld(7, ld(1, ld(1, "n") + ld(2, varint_field(1, 0)))));
        CHECK(fc::encode(fc::decode_literal(zero)) == zero);
    }
    SUBCASE("bytes fields accept any bytes") {
        const std::string junk = "\xff\xfe\xc0\x80\xed\xa0\x80";
        const fc::literal bin = fc::decode_literal(ld(1, ld(3, ld(1, junk) + ld(2, "tag"))));
        CHECK(std::get<fc::binary>(std::get<fc::scalar>(bin.value).value).value == junk);
        const fc::literal js = fc::decode_literal(ld(1, ld(10, ld(1, junk))));
        CHECK(std::get<fc::json_bytes>(std::get<fc::scalar>(js.value).value).value == junk);
        const fc::literal_type sd = fc::decode_literal_type(ld(8, ld(4, junk)));
        CHECK(std::get<fc::structured_dataset_type>(sd.type).external_schema_bytes == junk);
    }
}

TEST_CASE("decode: unknown fields are skipped at every level") {
    const std::string junk = unknown_fields();
    // LiteralMap{ "k": Literal{scalar{primitive{integer 5}}, hash "h"} }, with unknown fields
    // inserted into each message.
    const std::string prim = junk + varint_field(1, 5) + junk;
    const std::string scalar = ld(1, prim) + junk;
    const std::string literal = junk + ld(1, scalar) + ld(4, "h") + junk;
    const std::string entry = ld(1, "k") + junk + ld(2, literal);
    const std::string with_junk = junk + ld(1, entry) + junk;
    const std::string clean =
        ld(1, ld(1, "k") + ld(2, ld(1, ld(1, varint_field(1, 5))) + ld(4, "h")));
    CHECK(fc::decode_literal_map(with_junk) == fc::decode_literal_map(clean));
    CHECK(reencode_map(with_junk) == clean);

    // Inside a literal type (Void and Union included).
    const std::string type = junk + varint_field(1, 3) + ld(11, junk + ld(1, "t"));
    const std::string union_ = ld(1, ld(9, junk + ld(2, type)));
    const std::string none = ld(1, ld(5, junk));
    CHECK(fc::encode(fc::decode_literal(union_)) ==
          ld(1, ld(9, ld(2, varint_field(1, 3) + ld(11, ld(1, "t"))))));
    CHECK(fc::encode(fc::decode_literal(none)) == ld(1, ld(5, "")));
}

// ----- (c) rejections
// -----------------------------------------------------------------------------

TEST_CASE("decode: every truncation either decodes or throws decode_error") {
    literal_generator gen(2024);
    std::vector<std::string> samples;
    const auto doc = flytecache_test::load_vectors("cache_keys.json");
    for (const auto& v : doc.at("vectors").as_array()) {
        const auto* hex = v.at("serialized").find("hex");
        if (hex != nullptr && samples.size() < 4 && hex->as_string().size() > 60) {
            samples.push_back(bytes_from_hex(hex->as_string()));
        }
    }
    while (samples.size() < 10) {
        std::string b = fc::encode(gen.map(4));
        if (b.size() > 40 && b.size() < 3000) samples.push_back(std::move(b));
    }
    std::size_t decoded = 0;
    std::size_t rejected = 0;
    for (const auto& bytes : samples) {
        for (std::size_t n = 0; n <= bytes.size(); ++n) {
            const std::string_view prefix(bytes.data(), n);
            try {
                const std::string once = fc::encode(fc::decode_literal_map(prefix));
                CHECK(reencode_map(once) == once);
                ++decoded;
            } catch (const fc::decode_error& e) {
                CHECK(contains(e.what(), "malformed protobuf at offset"));
                ++rejected;
            }
            // The same bytes as a Literal and as a LiteralType: must not crash either.
            try {
                (void)fc::decode_literal(prefix);
            } catch (const fc::decode_error&) {}
            try {
                (void)fc::decode_literal_type(prefix);
            } catch (const fc::decode_error&) {}
        }
    }
    CHECK(decoded > 0);
    CHECK(rejected > 0);
}

TEST_CASE("decode: a known field with the wrong wire type is refused") {
    // LiteralMap.literals as a varint.
    std::string msg = thrown_message([] { (void)fc::decode_literal_map(varint_field(1, 1)); });
    CHECK(contains(msg, "LiteralMap.literals"));
    CHECK(contains(msg, "wire type 0, expected 2"));
    CHECK(contains(msg, "offset 0"));
    // Primitive.integer as a length-delimited field, at a known offset (2 + 2 + 2 bytes of
    // headers).
    msg = thrown_message([] { (void)fc::decode_literal(ld(1, ld(1, ld(1, "5")))); });
    CHECK(contains(msg, "Primitive.integer"));
    CHECK(contains(msg, "offset 4"));
    // Literal.hash as a varint, a double as a varint, LiteralType.simple as fixed32.
    CHECK(contains(thrown_message([] { (void)fc::decode_literal(varint_field(4, 1)); }),
                   "Literal.hash"));
    CHECK(
        contains(thrown_message([] { (void)fc::decode_literal(ld(1, ld(1, varint_field(2, 1)))); }),
                 "Primitive.float_value"));
    CHECK(contains(thrown_message([] {
                       (void)fc::decode_literal_type(tag_bytes(1, fc::detail::wire_type::fixed32) +
                                                     "abcd");
                   }),
                   "LiteralType.simple"));
    // A known field with a group wire type is refused like any other wrong wire type (protobuf
    // would file it under unknown fields; see the test of unknown groups below).
    CHECK(contains(thrown_message([] { (void)fc::decode_literal_map("\x0b\x0c"); }),
                   "LiteralMap.literals (1) has wire type 3, expected 2"));
    // Wire types 6 and 7 do not exist.
    CHECK(contains(thrown_message([] { (void)fc::decode_literal_map("\x16"); }),
                   "invalid wire type 6 for field 2"));
}

// Issue 18, item 2: protobuf skips unknown fields of the group wire types (3 = start, 4 = end),
// and so must the decoder, as the README promises for every unknown field.
TEST_CASE("decode: unknown groups are skipped as protobuf skips them (issue 18 reproduction)") {
    // The issue's input: LiteralMap{a: Literal{<group 15 {1: 1}>, scalar{primitive{integer 5}}}}.
    const std::string issue = bytes_from_hex("0a0f0a0161120a7b08017c0a040a020805");
    const fc::literal_map expected = fc::make_literal_map("a", std::int64_t{5});
    CHECK(fc::decode_literal_map(issue) == expected);
    CHECK(reencode_map(issue) == fc::encode(expected));

    using fc::detail::wire_type;
    const std::string five = ld(1, ld(1, varint_field(1, 5))); // Literal{scalar{integer 5}}
    const auto group = [](std::uint32_t field, const std::string& body) {
        return tag_bytes(field, wire_type::start_group) + body +
               tag_bytes(field, wire_type::end_group);
    };
    // Nested groups, groups holding every wire type, groups at every level, a group with a field
    // number above the known ones, an empty group.
    const std::string inner =
        varint_field(1, 300) + ld(2, "text") + tag_bytes(3, wire_type::fixed32) + "abcd" +
        tag_bytes(4, wire_type::fixed64) + "abcdefgh" + group(5, group(6, varint_field(7, 1)));
    const std::string literal = group(99, inner) + five + group(1000, "");
    const std::string m = group(7, inner) + ld(1, ld(1, "k") + group(3, "") + ld(2, literal));
    CHECK(fc::decode_literal_map(m) == fc::make_literal_map("k", std::int64_t{5}));
    CHECK(fc::decode_literal_type(group(20, inner) + varint_field(1, 3)).type ==
          fc::decode_literal_type(varint_field(1, 3)).type);

    // What protobuf refuses, the decoder refuses too.
    const auto refused = [](const std::string& bytes, std::string_view why) {
        const std::string msg = thrown_message([&] { (void)fc::decode_literal_map(bytes); });
        CHECK_MESSAGE(contains(msg, why), msg);
    };
    refused(tag_bytes(9, wire_type::start_group) + varint_field(1, 1),
            "group of field 9 is not closed");
    refused(tag_bytes(9, wire_type::start_group) + tag_bytes(8, wire_type::end_group),
            "end-group tag for field 8 inside the group of field 9");
    refused(tag_bytes(9, wire_type::end_group), "end-group tag for field 9 closes no open group");
    refused(group(9, tag_bytes(2, wire_type::length_delimited) + std::string("\x05"
                                                                             "ab")),
            "exceeds the");
    // A group counts as a level of nesting, as in protobuf.
    std::string deep;
    for (int i = 0; i < 100; ++i) deep += tag_bytes(9, wire_type::start_group);
    for (int i = 0; i < 100; ++i) deep += tag_bytes(9, wire_type::end_group);
    CHECK(fc::decode_literal_map(deep).empty());
    refused(tag_bytes(9, wire_type::start_group) + deep + tag_bytes(9, wire_type::end_group),
            "nested deeper than the decoder's depth limit");
}

TEST_CASE("decode: nesting is limited to max_decode_depth") {
    static_assert(fc::max_decode_depth == 100);
    // 50 nested collections: the innermost message is at depth 99; 51: depth 101.
    CHECK_NOTHROW((void)fc::decode_literal(nested_collections(50)));
    CHECK(fc::encode(fc::decode_literal(nested_collections(50))) == nested_collections(50));
    for (const std::size_t k : {std::size_t{51}, std::size_t{101}}) {
        CAPTURE(k);
        CHECK(contains(thrown_message([&] { (void)fc::decode_literal(nested_collections(k)); }),
                       "nesting deeper than 100"));
    }
    // In a map, the entry and the value add two levels.
    CHECK_NOTHROW((void)fc::decode_literal_map(ld(1, ld(2, nested_collections(49)))));
    CHECK_THROWS_AS((void)fc::decode_literal_map(ld(1, ld(2, nested_collections(50)))),
                    fc::decode_error);

    // Exactly 100 levels of Struct values are fine, 101 are not (Value.list_value nesting:
    // Literal→Scalar→Struct→entry→Value→ListValue→Value→...).
    const auto nested_lists = [](std::size_t k) {
        std::string v; // innermost Value, empty
        for (std::size_t i = 0; i < k; ++i) v = ld(6, ld(1, v));
        return ld(1, ld(7, ld(1, ld(1, "k") + ld(2, v))));
    };
    // Depth of the innermost Value: 4 + 2k; 48 → 100, 49 → 102 (the ListValue at 101 fails).
    CHECK_NOTHROW((void)fc::decode_literal(nested_lists(48)));
    CHECK_THROWS_AS((void)fc::decode_literal(nested_lists(49)), fc::decode_error);

    // Hostile depth far past the limit: refused without exhausting the stack.
    std::string deep;
    for (int i = 0; i < 5000; ++i) deep = ld(3, deep); // LiteralType.collection_type
    CHECK(contains(thrown_message([&] { (void)fc::decode_literal_type(deep); }),
                   "nesting deeper than 100"));
}

TEST_CASE("decode: invalid UTF-8 in a string field is refused, naming the field") {
    const std::string int5 = ld(1, ld(1, varint_field(1, 5)));
    const auto map_key = [&](std::string_view key) { return ld(1, ld(1, key) + ld(2, int5)); };
    // Lone bytes, an overlong NUL, a surrogate, past U+10FFFF, and truncated sequences.
    for (const char* bad : {"\xff", "a\x80", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                            "\xe4\xb8", "\xf0\x9f\x98"}) {
        CAPTURE(std::string(bad));
        const std::string msg = thrown_message([&] { (void)fc::decode_literal_map(map_key(bad)); });
        CHECK(contains(msg, "invalid UTF-8"));
        CHECK(contains(msg, "LiteralMap.literals"));
    }
    // The offset is the bad byte's: tag, length, entry tag, length, then "a" → 5.
    CHECK(contains(thrown_message([&] { (void)fc::decode_literal_map(map_key("a\xff")); }),
                   "offset 5"));
    // Valid multi-byte text is accepted.
    CHECK(fc::decode_literal_map(map_key("é中😀\xf4\x8f\xbf\xbf")).size() == 1);

    CHECK(contains(thrown_message([] { (void)fc::decode_literal(ld(1, ld(1, ld(3, "\xfe")))); }),
                   "Primitive.string_value"));
    CHECK(
        contains(thrown_message([] { (void)fc::decode_literal(ld(4, "\xfe")); }), "Literal.hash"));
    CHECK(contains(thrown_message([] { (void)fc::decode_literal(ld(5, ld(2, "\xfe"))); }),
                   "Literal.metadata"));
    CHECK(contains(thrown_message([] { (void)fc::decode_literal(ld(1, ld(3, ld(2, "\xfe")))); }),
                   "Binary.tag"));
    CHECK(contains(thrown_message([] { (void)fc::decode_literal_type(ld(7, ld(1, "\xfe"))); }),
                   "EnumType.values"));
}

TEST_CASE("decode: out-of-range and malformed scalars are refused") {
    // Timestamp.nanos beyond int32, a bool of 2, a length past the end, a truncated fixed64.
    CHECK_THROWS_AS((void)fc::decode_literal(ld(1, ld(1, ld(5, varint_field(2, 1ULL << 40))))),
                    fc::decode_error);
    CHECK_THROWS_AS((void)fc::decode_literal(ld(1, ld(1, varint_field(4, 2)))), fc::decode_error);
    CHECK_THROWS_AS((void)fc::decode_literal_map("\x0a\x05\x0a"), fc::decode_error);
    CHECK_THROWS_AS((void)fc::decode_literal(
                        ld(1, ld(1, tag_bytes(2, fc::detail::wire_type::fixed64) + "1234"))),
                    fc::decode_error);
}
