// flytecache — protobuf wire format (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/detail/protobuf.hpp>

#include <array>
#include <cstring>
#include <string>

FLYTECACHE_NAMESPACE_BEGIN

namespace detail {

FLYTECACHE_INLINE void proto_writer::end_long_message(std::size_t marker, std::size_t length) {
    const std::size_t n = varint_size(length);
    grow(n - 1);
    char* body = buf_.data() + marker;
    std::memmove(body + (n - 1), body, length);
    std::uint64_t v = length;
    char* out = buf_.data() + (marker - 1);
    for (std::size_t i = 0; i + 1 < n; ++i) {
        out[i] = static_cast<char>((v & 0x7Fu) | 0x80u);
        v >>= 7;
    }
    out[n - 1] = static_cast<char>(v);
}

FLYTECACHE_INLINE void proto_writer::grow_slow(std::size_t n) {
    std::size_t want = buf_.size() < 64 ? 64 : buf_.size() * 2;
    if (want < len_ + n) want = len_ + n;
    buf_.resize(want);
}

FLYTECACHE_INLINE void proto_reader::skip(wire_type type, std::uint32_t field, std::size_t levels) {
    switch (type) {
    case wire_type::varint: (void)varint(); return;
    case wire_type::fixed64: (void)take(8, "truncated fixed64"); return;
    case wire_type::length_delimited: (void)length_delimited(); return;
    case wire_type::fixed32: (void)take(4, "truncated fixed32"); return;
    case wire_type::start_group: skip_group(field, levels); return;
    case wire_type::end_group: break;
    }
    fail(pos_, "end-group tag for field " + std::to_string(field) + " closes no open group");
}

FLYTECACHE_INLINE void proto_reader::fail(std::size_t pos, std::string_view what) const {
    std::string msg = "flytecache: malformed protobuf at offset ";
    msg += std::to_string(base_ + pos);
    msg += ": ";
    msg += what;
    throw decode_error(msg);
}

FLYTECACHE_INLINE void proto_reader::skip_group(std::uint32_t field, std::size_t levels) {
    std::array<std::uint32_t, 128> open{};
    std::size_t depth = 0;
    const auto enter = [&](std::uint32_t number) {
        if (depth >= levels || depth == open.size())
            fail(pos_, "groups nested deeper than the decoder's depth limit");
        open[depth++] = number;
    };
    enter(field);
    while (depth != 0) {
        if (at_end())
            fail(pos_, "group of field " + std::to_string(open[depth - 1]) + " is not closed");
        const std::size_t start = pos_;
        const auto [number, type] = tag();
        if (type == wire_type::start_group) {
            enter(number);
        } else if (type == wire_type::end_group) {
            if (number != open[depth - 1])
                fail(start, "end-group tag for field " + std::to_string(number) +
                                " inside the group of field " + std::to_string(open[depth - 1]));
            --depth;
        } else {
            skip(type, number, 0);
        }
    }
}

} // namespace detail

FLYTECACHE_NAMESPACE_END
