// flytecache — unit tests for detail/protobuf.hpp: writer encodings
// SPDX-License-Identifier: MIT
// Unit tests for detail/protobuf.hpp: writer encodings, reader round trips and rejections.
#include <flytecache/flytecache.hpp>

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace fc = flytecache;
using fc::detail::proto_reader;
using fc::detail::proto_writer;
using fc::detail::wire_type;
using namespace std::string_literals;
using namespace std::string_view_literals;

namespace {

std::string to_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out += digits[b >> 4];
        out += digits[b & 0xFu];
    }
    return out;
}

std::string from_hex(std::string_view hex) {
    std::string out;
    const auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out += static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1]));
    return out;
}

std::string varint_hex(std::uint64_t v) {
    proto_writer w;
    w.varint(v);
    return to_hex(w.bytes());
}

// The message of the decode_error that `f` throws on a reader over `bytes`; fails the test when
// nothing or something else is thrown.
template <class F>
std::string decode_failure(std::string_view bytes, F f) {
    proto_reader r(bytes);
    try {
        f(r);
    } catch (const fc::decode_error& e) {
        return e.what();
    } catch (...) {
        FAIL("threw something other than decode_error");
    }
    FAIL("did not throw");
    return {};
}

// Walks every field of `r`, reading scalars with every applicable accessor and recursing into
// length-delimited fields as if they were messages, up to depth 16. A length-delimited payload that
// is not a message is fine: its decode_error is swallowed at that level.
void walk(proto_reader r, int depth) {
    while (!r.at_end()) {
        const auto [field, type] = r.tag();
        CHECK(field >= 1);
        switch (type) {
        case wire_type::varint: {
            proto_reader probe = r;
            try {
                (void)probe.int32_value();
            } catch (const fc::decode_error&) {}
            probe = r;
            try {
                (void)probe.bool_value();
            } catch (const fc::decode_error&) {}
            (void)r.int64_value();
            break;
        }
        case wire_type::fixed64: (void)r.double_value(); break;
        case wire_type::fixed32: (void)r.fixed32(); break;
        case wire_type::length_delimited:
            if (depth < 16) {
                proto_reader sub = r.message();
                try {
                    walk(sub, depth + 1);
                } catch (const fc::decode_error&) {}
            } else {
                r.skip(type, field, 16);
            }
            break;
        case wire_type::start_group:
        case wire_type::end_group: r.skip(type, field, 16); break;
        }
    }
}

} // namespace

TEST_CASE("varint encodings") {
    CHECK(varint_hex(0) == "00");
    CHECK(varint_hex(1) == "01");
    CHECK(varint_hex(127) == "7f");
    CHECK(varint_hex(128) == "8001");
    CHECK(varint_hex(300) == "ac02");
    CHECK(varint_hex(16383) == "ff7f");
    CHECK(varint_hex(16384) == "808001");
    CHECK(varint_hex(std::uint64_t{1} << 63) == "80808080808080808001");
    CHECK(varint_hex(std::numeric_limits<std::uint64_t>::max()) == "ffffffffffffffffff01");

    for (unsigned bits = 0; bits <= 64; ++bits) {
        const std::uint64_t v = bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
        proto_writer w;
        w.varint(v);
        CHECK(w.size() == fc::detail::varint_size(v));
        proto_reader r(w.bytes());
        CHECK(r.varint() == v);
        CHECK(r.at_end());
    }
}

TEST_CASE("scalar fields") {
    SUBCASE("tags") {
        proto_writer w;
        w.tag(1, wire_type::varint);
        w.tag(2, wire_type::length_delimited);
        w.tag(16, wire_type::fixed64);
        w.tag(fc::detail::proto_max_field_number, wire_type::fixed32);
        CHECK(to_hex(w.bytes()) == "08128101fdffffff0f");
    }
    SUBCASE("int64 and int32") {
        proto_writer w;
        w.int64_field(1, -1);
        CHECK(to_hex(w.take()) == "08ffffffffffffffffff01");
        w.int64_field(1, 150);
        CHECK(to_hex(w.take()) == "089601");
        w.int64_field(1, std::numeric_limits<std::int64_t>::min());
        CHECK(to_hex(w.take()) == "0880808080808080808001");
        w.int32_field(2, -500000000);
        CHECK(to_hex(w.bytes()) == "1080b6ca91feffffffff01");
        CHECK(w.size() == 11); // tag + 10 bytes
        w.clear();
        w.int32_field(2, -1);
        CHECK(to_hex(w.take()) == "10ffffffffffffffffff01");
        w.enum_field(3, 2);
        CHECK(to_hex(w.take()) == "1802");
        w.enum_field(3, -2);
        CHECK(to_hex(w.take()) == "18feffffffffffffffff01");
    }
    SUBCASE("unsigned and bool") {
        proto_writer w;
        w.uint64_field(1, 0);
        w.uint32_field(2, 0xFFFFFFFFu);
        w.bool_field(3, true);
        w.bool_field(4, false);
        CHECK(to_hex(w.bytes()) == "080010ffffffff0f18012000");
    }
    SUBCASE("double") {
        proto_writer w;
        w.double_field(1, 1.5);
        CHECK(to_hex(w.take()) == "09000000000000f83f");
        w.double_field(1, -0.0);
        CHECK(to_hex(w.take()) == "090000000000000080");
        const double nan = std::bit_cast<double>(std::uint64_t{0x7FF8000000ABCDEFu});
        w.double_field(1, nan);
        CHECK(to_hex(w.bytes()) == "09efcdab000000f87f");
        proto_reader r(w.bytes());
        CHECK(r.tag() == std::pair{1u, wire_type::fixed64});
        const double back = r.double_value();
        CHECK(std::isnan(back));
        CHECK(std::bit_cast<std::uint64_t>(back) == 0x7FF8000000ABCDEFu);
    }
    SUBCASE("float") {
        proto_writer w;
        w.float_field(2, 1.5f);
        CHECK(to_hex(w.bytes()) == "150000c03f");
        proto_reader r(w.bytes());
        (void)r.tag();
        CHECK(r.float_value() == 1.5f);
    }
    SUBCASE("string and bytes") {
        proto_writer w;
        w.string_field(1, "testing");
        CHECK(to_hex(w.take()) == "0a0774657374696e67");
        w.string_field(2, "");
        CHECK(to_hex(w.take()) == "1200");
        w.bytes_field(3, "\x00\xff"sv);
        CHECK(to_hex(w.take()) == "1a0200ff");
        const std::string big(300, 'x');
        w.string_field(1, big);
        CHECK(w.size() == 1 + 2 + 300);
        CHECK(to_hex(w.bytes().substr(0, 3)) == "0aac02");
    }
    SUBCASE("appends after an initial buffer") {
        proto_writer w("pre"s);
        w.int64_field(1, 5);
        CHECK(w.bytes() == "pre\x08\x05"s);
    }
}

TEST_CASE("nested messages") {
    SUBCASE("Flyte LiteralMap {\"a\": 5}") {
        // LiteralMap.literals=1 (map entry key=1, value=2); Literal.scalar=1; Scalar.primitive=1;
        // Primitive.integer=1.
        proto_writer w;
        const auto entry = w.begin_message(1);
        w.string_field(1, "a");
        const auto literal = w.begin_message(2);
        const auto scalar = w.begin_message(1);
        const auto primitive = w.begin_message(1);
        w.int64_field(1, 5);
        w.end_message(primitive);
        w.end_message(scalar);
        w.end_message(literal);
        w.end_message(entry);
        CHECK(to_hex(w.bytes()) == "0a0b0a016112060a040a020805");
    }
    SUBCASE("empty message") {
        proto_writer w;
        w.end_message(w.begin_message(7));
        CHECK(to_hex(w.bytes()) == "3a00");
    }
    for (const std::size_t body :
         {std::size_t{0}, std::size_t{1}, std::size_t{127}, std::size_t{128}, std::size_t{300},
          std::size_t{16383}, std::size_t{16384}, std::size_t{70000}, std::size_t{2100000}}) {
        CAPTURE(body);
        // Reference: the body written standalone, then tag + length + body.
        std::string payload;
        for (std::size_t i = 0; i < body; ++i) payload += static_cast<char>('a' + i % 26);
        proto_writer expected;
        expected.bytes_field(5, payload);

        proto_writer w;
        w.int64_field(1, 42);
        const auto m = w.begin_message(5);
        w.bytes() += payload;
        w.end_message(m);
        w.int64_field(2, 7);
        CHECK(w.bytes() == "\x08\x2a"s + expected.bytes() + "\x10\x07"s);

        proto_reader r(w.bytes());
        CHECK(r.tag() == std::pair{1u, wire_type::varint});
        CHECK(r.int64_value() == 42);
        CHECK(r.tag() == std::pair{5u, wire_type::length_delimited});
        CHECK(r.length_delimited() == payload);
        CHECK(r.tag() == std::pair{2u, wire_type::varint});
        CHECK(r.int64_value() == 7);
        CHECK(r.at_end());
    }
    SUBCASE("nested in nested, inner and outer both needing multi-byte lengths") {
        const std::string inner_payload(20000, 'z');
        // Reference built bottom-up from standalone buffers.
        proto_writer inner;
        inner.string_field(1, inner_payload);
        proto_writer middle;
        middle.int64_field(1, -3);
        middle.bytes_field(2, inner.bytes());
        middle.string_field(3, std::string(200, 'm'));
        proto_writer outer;
        outer.bytes_field(4, middle.bytes());
        outer.bool_field(5, true);

        proto_writer w;
        const auto a = w.begin_message(4);
        w.int64_field(1, -3);
        const auto b = w.begin_message(2);
        w.string_field(1, inner_payload);
        w.end_message(b);
        w.string_field(3, std::string(200, 'm'));
        w.end_message(a);
        w.bool_field(5, true);
        CHECK(w.bytes() == outer.bytes());

        proto_reader r(w.bytes());
        CHECK(r.tag() == std::pair{4u, wire_type::length_delimited});
        proto_reader m = r.message();
        CHECK(m.offset() == 4); // tag + 3-byte length
        CHECK(m.tag() == std::pair{1u, wire_type::varint});
        CHECK(m.int64_value() == -3);
        CHECK(m.tag() == std::pair{2u, wire_type::length_delimited});
        proto_reader i = m.message();
        CHECK(i.tag() == std::pair{1u, wire_type::length_delimited});
        CHECK(i.length_delimited() == inner_payload);
        CHECK(i.at_end());
        CHECK(m.tag() == std::pair{3u, wire_type::length_delimited});
        CHECK(m.length_delimited().size() == 200);
        CHECK(m.at_end());
        CHECK(r.tag() == std::pair{5u, wire_type::varint});
        CHECK(r.bool_value());
        CHECK(r.at_end());
    }
}

TEST_CASE("reader round trips") {
    proto_writer w;
    w.int64_field(1, std::numeric_limits<std::int64_t>::min());
    w.int32_field(2, std::numeric_limits<std::int32_t>::min());
    w.int32_field(3, std::numeric_limits<std::int32_t>::max());
    w.uint64_field(4, std::numeric_limits<std::uint64_t>::max());
    w.uint32_field(5, 123456789u);
    w.bool_field(6, true);
    w.enum_field(7, -7);
    w.double_field(8, -2.25);
    w.string_field(9, "héllo");
    w.bytes_field(10, "\x00\x01"sv);
    w.tag(11, wire_type::fixed64);
    w.fixed64(0x0102030405060708u);
    w.tag(12, wire_type::fixed32);
    w.fixed32(0xA1B2C3D4u);

    proto_reader r(w.bytes());
    CHECK(r.offset() == 0);
    CHECK(r.tag() == std::pair{1u, wire_type::varint});
    CHECK(r.int64_value() == std::numeric_limits<std::int64_t>::min());
    CHECK(r.tag() == std::pair{2u, wire_type::varint});
    CHECK(r.int32_value() == std::numeric_limits<std::int32_t>::min());
    CHECK(r.tag() == std::pair{3u, wire_type::varint});
    CHECK(r.int32_value() == std::numeric_limits<std::int32_t>::max());
    CHECK(r.tag() == std::pair{4u, wire_type::varint});
    CHECK(r.uint64_value() == std::numeric_limits<std::uint64_t>::max());
    CHECK(r.tag() == std::pair{5u, wire_type::varint});
    CHECK(r.uint32_value() == 123456789u);
    CHECK(r.tag() == std::pair{6u, wire_type::varint});
    CHECK(r.bool_value());
    CHECK(r.tag() == std::pair{7u, wire_type::varint});
    CHECK(r.enum_value() == -7);
    CHECK(r.tag() == std::pair{8u, wire_type::fixed64});
    CHECK(r.double_value() == -2.25);
    CHECK(r.tag() == std::pair{9u, wire_type::length_delimited});
    CHECK(r.length_delimited() == "héllo");
    CHECK(r.tag() == std::pair{10u, wire_type::length_delimited});
    CHECK(r.length_delimited() == "\x00\x01"sv);
    CHECK(r.tag() == std::pair{11u, wire_type::fixed64});
    CHECK(r.fixed64() == 0x0102030405060708u);
    CHECK(r.tag() == std::pair{12u, wire_type::fixed32});
    CHECK(r.fixed32() == 0xA1B2C3D4u);
    CHECK(r.at_end());
    CHECK(r.offset() == w.size());

    SUBCASE("skipping every field") {
        proto_reader s(w.bytes());
        int fields = 0;
        while (!s.at_end()) {
            const auto [field, type] = s.tag();
            s.skip(type, field, 100);
            ++fields;
            CHECK(field == static_cast<std::uint32_t>(fields));
        }
        CHECK(fields == 12);
    }
    SUBCASE("int32 accepts the short and the sign-extended forms") {
        const std::string long_form = from_hex("ffffffffffffffffff01");
        proto_reader a(long_form);
        CHECK(a.int32_value() == -1);
        const std::string short_form = from_hex("ffffffff07");
        proto_reader b(short_form);
        CHECK(b.int32_value() == std::numeric_limits<std::int32_t>::max());
    }
}

TEST_CASE("reader rejections") {
    const auto varint = [](proto_reader& r) { (void)r.varint(); };
    const auto tag = [](proto_reader& r) { (void)r.tag(); };

    CHECK(decode_failure(from_hex("8080"), varint) ==
          "flytecache: malformed protobuf at offset 0: truncated varint");
    CHECK(decode_failure("", varint) ==
          "flytecache: malformed protobuf at offset 0: truncated varint");
    CHECK(decode_failure(from_hex("8080808080808080808001"), varint) ==
          "flytecache: malformed protobuf at offset 0: varint longer than 10 bytes");
    CHECK(decode_failure(from_hex("ffffffffffffffffff02"), varint) ==
          "flytecache: malformed protobuf at offset 0: varint overflows 64 bits");
    CHECK(decode_failure(from_hex("ffffffffffffffffff7f"), varint) ==
          "flytecache: malformed protobuf at offset 0: varint overflows 64 bits");

    CHECK(
        decode_failure(from_hex("0a05616263"), [](proto_reader& r) {
            (void)r.tag();
            (void)r.length_delimited();
        }) == "flytecache: malformed protobuf at offset 1: length 5 exceeds the 3 remaining bytes");
    CHECK(decode_failure(from_hex("0a0a") + std::string(10, 'x') + from_hex("0aac02") + "xx",
                         [](proto_reader& r) {
                             (void)r.tag();
                             (void)r.length_delimited();
                             (void)r.tag();
                             (void)r.length_delimited();
                         }) ==
          "flytecache: malformed protobuf at offset 13: length 300 exceeds the 2 remaining bytes");
    CHECK(decode_failure(from_hex("ffffffffffffffff7f"),
                         [](proto_reader& r) { (void)r.length_delimited(); })
              .starts_with("flytecache: malformed protobuf at offset 0: length 9223372036854775807 "
                           "exceeds the 0 remaining bytes"));

    CHECK(decode_failure(from_hex("0001"), tag) ==
          "flytecache: malformed protobuf at offset 0: field number 0");
    CHECK(decode_failure(from_hex("0201"), tag) ==
          "flytecache: malformed protobuf at offset 0: field number 0");
    CHECK(decode_failure(from_hex("8080808010"), tag) ==
          "flytecache: malformed protobuf at offset 0: field number 536870912 exceeds 2^29-1");
    // Groups are wire types too (skipped, never read as values); 6 and 7 are not.
    const std::string groups = from_hex("0b0c");
    proto_reader group_tags(groups);
    CHECK(group_tags.tag() == std::pair{1u, wire_type::start_group});
    CHECK(group_tags.tag() == std::pair{1u, wire_type::end_group});
    CHECK(decode_failure(from_hex("0e"), tag) ==
          "flytecache: malformed protobuf at offset 0: invalid wire type 6 for field 1");
    CHECK(decode_failure(from_hex("1f"), tag) ==
          "flytecache: malformed protobuf at offset 0: invalid wire type 7 for field 3");

    CHECK(decode_failure(from_hex("0901020304050607"), [](proto_reader& r) {
              (void)r.tag();
              (void)r.fixed64();
          }) == "flytecache: malformed protobuf at offset 1: truncated fixed64");
    CHECK(decode_failure(from_hex("0901"), [](proto_reader& r) {
              (void)r.tag();
              r.skip(wire_type::fixed64, 1, 100);
          }) == "flytecache: malformed protobuf at offset 1: truncated fixed64");
    CHECK(decode_failure(from_hex("010203"), [](proto_reader& r) { (void)r.fixed32(); }) ==
          "flytecache: malformed protobuf at offset 0: truncated fixed32");
    CHECK(decode_failure(from_hex("01"), [](proto_reader& r) { (void)r.double_value(); }) ==
          "flytecache: malformed protobuf at offset 0: truncated fixed64");

    CHECK(decode_failure(from_hex("8080808008"), [](proto_reader& r) { (void)r.int32_value(); }) ==
          "flytecache: malformed protobuf at offset 0: int32 value 2147483648 out of range");
    CHECK(decode_failure(from_hex("ffffffff0f"), [](proto_reader& r) { (void)r.int32_value(); }) ==
          "flytecache: malformed protobuf at offset 0: int32 value 4294967295 out of range");
    CHECK(decode_failure(from_hex("8080808010"), [](proto_reader& r) { (void)r.uint32_value(); }) ==
          "flytecache: malformed protobuf at offset 0: uint32 value 4294967296 out of range");
    CHECK(decode_failure(from_hex("02"), [](proto_reader& r) { (void)r.bool_value(); }) ==
          "flytecache: malformed protobuf at offset 0: bool value 2 is neither 0 nor 1");

    SUBCASE("nested readers report offsets in the outer buffer") {
        // field 1 (message, 4 bytes) containing field 2 with a length running past its end.
        CHECK(decode_failure(from_hex("0a04120561620000"),
                             [](proto_reader& r) {
                                 (void)r.tag();
                                 proto_reader m = r.message();
                                 (void)m.tag();
                                 (void)m.length_delimited();
                             }) == "flytecache: malformed protobuf at offset 3: length 5 exceeds "
                                   "the 2 remaining bytes");
    }
    SUBCASE("decode_error is a flytecache::error") {
        proto_reader r(""sv);
        CHECK_THROWS_AS((void)r.varint(), fc::error);
    }
}

TEST_CASE("robustness: random and mutated buffers only ever throw decode_error") {
    std::mt19937_64 rng(0x5eed'f17e);
    const auto rand_below = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };

    // Seeds: well-formed messages for the mutator to damage.
    std::vector<std::string> seeds;
    {
        proto_writer w;
        const auto e = w.begin_message(1);
        w.string_field(1, "a");
        const auto l = w.begin_message(2);
        const auto s = w.begin_message(1);
        const auto p = w.begin_message(1);
        w.int64_field(1, 5);
        w.end_message(p);
        w.end_message(s);
        w.end_message(l);
        w.end_message(e);
        seeds.push_back(w.take());

        std::size_t markers[20];
        for (auto& m : markers) m = w.begin_message(static_cast<std::uint32_t>(1 + rand_below(30)));
        w.double_field(2, 3.25);
        w.int32_field(3, -9);
        w.string_field(4, std::string(150, 'q'));
        for (std::size_t i = 20; i-- > 0;) w.end_message(markers[i]);
        seeds.push_back(w.take());

        w.uint64_field(9, ~std::uint64_t{0});
        w.tag(10, wire_type::fixed32);
        w.fixed32(7);
        w.bool_field(11, true);
        seeds.push_back(w.take());
    }
    for (const auto& s : seeds) CHECK_NOTHROW(walk(proto_reader(s), 0));

    int rejected = 0;
    int accepted = 0;
    for (int iter = 0; iter < 20000; ++iter) {
        std::string buf;
        if (iter % 2 == 0) {
            const std::size_t n = rand_below(64);
            for (std::size_t i = 0; i < n; ++i) buf += static_cast<char>(rng() & 0xFFu);
        } else {
            buf = seeds[rand_below(seeds.size())];
            const std::size_t edits = 1 + rand_below(4);
            for (std::size_t k = 0; k < edits && !buf.empty(); ++k) {
                switch (rand_below(4)) {
                case 0: buf[rand_below(buf.size())] = static_cast<char>(rng() & 0xFFu); break;
                case 1: buf.resize(rand_below(buf.size())); break;
                case 2: buf.insert(rand_below(buf.size() + 1), 1, static_cast<char>(rng())); break;
                default:
                    buf[rand_below(buf.size())] ^= static_cast<char>(1u << rand_below(8));
                    break;
                }
            }
        }
        // Exact-size heap copy, so ASan catches any read past the end.
        const std::vector<char> exact(buf.begin(), buf.end());
        const std::string_view view(exact.data(), exact.size());
        try {
            walk(proto_reader(view), 0);
            ++accepted;
        } catch (const fc::decode_error& e) {
            CHECK(std::string_view(e.what()).starts_with(
                "flytecache: malformed protobuf at offset "));
            ++rejected;
        } catch (...) {
            FAIL("an exception other than decode_error escaped");
        }
    }
    CHECK(accepted + rejected == 20000);
    CHECK(rejected > 0);
    CHECK(accepted > 0);
}
