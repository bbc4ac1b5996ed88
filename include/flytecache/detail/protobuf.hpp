// flytecache — protobuf wire format: a fast deterministic writer and a bounds-checked reader
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>

#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// Flyte's cache keys hash `Literal` messages as protobuf serializes them with deterministic=True.
// Rather than depend on libprotobuf, the literal code writes those bytes by hand with
// proto_writer, and reads untrusted bytes (a store's values, user-supplied literals) with
// proto_reader. Only the wire format lives here; which fields a message writes, in which order
// (ascending field number, map entries sorted by key) and which it omits is the caller's job.

/// The protobuf wire types. flytecache writes only 0, 1, 2 and 5; the reader also accepts the
/// deprecated group delimiters (3 and 4), which it skips as unknown fields the way protobuf does.
/// The unassigned 6 and 7 are rejected by proto_reader::tag().
enum class wire_type : std::uint8_t {
    varint = 0,
    fixed64 = 1,
    length_delimited = 2,
    start_group = 3,
    end_group = 4,
    fixed32 = 5
};

/// Largest field number protobuf allows (2^29 - 1).
inline constexpr std::uint32_t proto_max_field_number = (std::uint32_t{1} << 29) - 1;

/// Number of bytes the base-128 varint encoding of `v` takes (1 to 10).
[[nodiscard]] constexpr std::size_t varint_size(std::uint64_t v) noexcept {
    // 1 + floor(bit_width / 7), with v | 1 so that zero still takes one byte.
    return (static_cast<std::size_t>(std::bit_width(v | 1u)) + 6u) / 7u;
}

/// Appends protobuf wire-format fields to a string it owns.
///
/// Every `*_field` function ALWAYS writes its field, default values included: proto3 presence is
/// the caller's decision (members of a oneof are always written, plain scalar fields equal to
/// their default are omitted, as protobuf itself does). Negative `int32`/`enum` values are
/// sign-extended to 64 bits and take ten bytes, exactly as protobuf encodes them.
///
/// Nested messages need no temporary buffer: begin_message() writes the tag and reserves one
/// length byte, end_message() patches the length in, moving the body right in the rare case the
/// length needs more than one byte (bodies of 128 bytes or more).
///
/// Not thread-safe; a writer is meant to be a short-lived local (or reused via clear()).
class proto_writer {
public:
    proto_writer() = default;

    /// Starts with `buffer`'s contents (new bytes are appended after them), reusing its capacity.
    explicit proto_writer(std::string buffer) noexcept
        : buf_(std::move(buffer)), len_(buf_.size()) {}

    /// The bytes written so far, as a string the caller may also append to directly.
    [[nodiscard]] std::string& bytes() {
        sync();
        buf_.resize(len_);
        exposed_ = true;
        return buf_;
    }
    /// The bytes written so far.
    [[nodiscard]] std::string_view bytes() const noexcept {
        return std::string_view(buf_.data(), exposed_ ? buf_.size() : len_);
    }

    /// Moves the bytes out, leaving the writer empty.
    [[nodiscard]] std::string take() {
        sync();
        buf_.resize(len_);
        len_ = 0;
        return std::exchange(buf_, std::string{});
    }

    /// Drops the bytes but keeps the capacity, for reuse on a hot path.
    void clear() noexcept {
        exposed_ = false;
        len_ = 0;
    }
    /// Frees the buffer when it has grown beyond `limit` bytes (for long-lived, reused writers).
    void release_if_larger_than(std::size_t limit) noexcept {
        if (buf_.size() > limit) {
            buf_ = std::string();
            len_ = 0;
            exposed_ = false;
        }
    }
    void reserve(std::size_t n) {
        sync();
        if (buf_.size() < n) buf_.resize(n);
    }
    [[nodiscard]] std::size_t size() const noexcept { return exposed_ ? buf_.size() : len_; }

    // ----- raw encodings ------------------------------------------------------------------------

    /// Base-128 varint, least significant group first.
    FLYTECACHE_ALWAYS_INLINE void varint(std::uint64_t v) {
        if (v < 0x80u) {
            *grow(1) = static_cast<char>(v);
            return;
        }
        char* out = grow(varint_size(v));
        while (v >= 0x80u) {
            *out++ = static_cast<char>((v & 0x7Fu) | 0x80u);
            v >>= 7;
        }
        *out = static_cast<char>(v);
    }

    /// A field key: `(field << 3) | wire_type`.
    /// @pre 1 <= field <= 2^29 - 1
    FLYTECACHE_ALWAYS_INLINE void tag(std::uint32_t field, wire_type type) {
        assert(field >= 1 && field <= proto_max_field_number);
        const std::uint64_t key = (std::uint64_t{field} << 3) | static_cast<std::uint64_t>(type);
        if (key < 0x80u) {
            *grow(1) = static_cast<char>(key);
        } else {
            varint(key);
        }
    }

    /// Eight bytes, little-endian.
    void fixed64(std::uint64_t v) {
        char* out = grow(8);
        for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
    }

    /// Four bytes, little-endian.
    void fixed32(std::uint32_t v) {
        char* out = grow(4);
        for (std::size_t i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
    }

    // ----- fields (always written; see the class comment) ----------------------------------------

    /// `int64`: negative values are the ten-byte varint of their two's complement.
    void int64_field(std::uint32_t field, std::int64_t v) {
        tag(field, wire_type::varint);
        varint(static_cast<std::uint64_t>(v));
    }

    /// `int32`: negative values are sign-extended to 64 bits (ten bytes), as protobuf does.
    void int32_field(std::uint32_t field, std::int32_t v) { int64_field(field, std::int64_t{v}); }

    void uint64_field(std::uint32_t field, std::uint64_t v) {
        tag(field, wire_type::varint);
        varint(v);
    }

    void uint32_field(std::uint32_t field, std::uint32_t v) { uint64_field(field, v); }

    void bool_field(std::uint32_t field, bool v) {
        tag(field, wire_type::varint);
        *grow(1) = v ? '\1' : '\0';
    }

    /// An enum is encoded as an `int32` (negative values take ten bytes).
    void enum_field(std::uint32_t field, std::int32_t v) { int32_field(field, v); }

    /// `double`: the IEEE-754 bits, little-endian; NaN payloads and -0.0 are kept as they are.
    void double_field(std::uint32_t field, double v) {
        tag(field, wire_type::fixed64);
        fixed64(std::bit_cast<std::uint64_t>(v));
    }

    /// `float`: the IEEE-754 single-precision bits, little-endian. (No flyteidl field the library
    /// writes is a float; kept so that the writer covers protobuf's scalar types, for the tests.)
    void float_field(std::uint32_t field, float v) {
        tag(field, wire_type::fixed32);
        fixed32(std::bit_cast<std::uint32_t>(v));
    }

    /// `string`: tag, length, bytes. The caller guarantees UTF-8 if the schema requires it.
    void string_field(std::uint32_t field, std::string_view v) {
        tag(field, wire_type::length_delimited);
        varint(v.size());
        if (!v.empty()) std::memcpy(grow(v.size()), v.data(), v.size());
    }

    /// `bytes`: tag, length, bytes. (The library writes bytes with string_field, which has the
    /// same encoding; this spelling is for the tests, which follow the schema's types.)
    void bytes_field(std::uint32_t field, std::string_view v) { string_field(field, v); }

    // ----- raw access, for callers that know a run of bytes' exact size in advance ---------------

    /// Appends `n` bytes and returns where they start; the caller must write exactly `n` bytes
    /// there before the next call on this writer.
    [[nodiscard]] FLYTECACHE_ALWAYS_INLINE char* append_raw(std::size_t n) { return grow(n); }

    /// Writes the varint of `v` at `out` and returns the end; `out` must have varint_size(v) bytes.
    static FLYTECACHE_ALWAYS_INLINE char* put_varint(char* out, std::uint64_t v) noexcept {
        while (v >= 0x80u) {
            *out++ = static_cast<char>((v & 0x7Fu) | 0x80u);
            v >>= 7;
        }
        *out++ = static_cast<char>(v);
        return out;
    }

    /// Writes eight little-endian bytes at `out` and returns the end.
    static FLYTECACHE_ALWAYS_INLINE char* put_fixed64(char* out, std::uint64_t v) noexcept {
        for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
        return out + 8;
    }

    // ----- nested messages
    // ------------------------------------------------------------------------

    /// Opens an embedded message: writes its tag and reserves one length byte. Returns the marker
    /// to hand to end_message(). Nested begin/end pairs must be properly bracketed.
    [[nodiscard]] FLYTECACHE_ALWAYS_INLINE std::size_t begin_message(std::uint32_t field) {
        tag(field, wire_type::length_delimited);
        *grow(1) = '\0';
        return len_;
    }

    /// Closes the message opened by begin_message(): writes its length in the reserved byte,
    /// shifting the body right when the length takes more than one byte.
    FLYTECACHE_ALWAYS_INLINE void end_message(std::size_t marker) {
        sync();
        assert(marker >= 1 && marker <= len_);
        const std::size_t length = len_ - marker;
        if (length < 0x80u) { // the common case: one byte, already reserved
            buf_[marker - 1] = static_cast<char>(length);
            return;
        }
        end_long_message(marker, length);
    }

private:
    void end_long_message(std::size_t marker, std::size_t length);

    // buf_ holds len_ meaningful bytes followed by spare room, so writes are plain stores behind
    // one capacity check (std::string::push_back is an out-of-line call in libstdc++, and was the
    // encoder's largest cost). After bytes() hands out the string, its size is the truth again.
    void sync() noexcept {
        if (exposed_) {
            len_ = buf_.size();
            exposed_ = false;
        }
    }

    FLYTECACHE_ALWAYS_INLINE char* grow(std::size_t n) {
        sync();
        if (buf_.size() - len_ < n) grow_slow(n);
        char* out = buf_.data() + len_;
        len_ += n;
        return out;
    }

    void grow_slow(std::size_t n);

    std::string buf_;
    std::size_t len_ = 0;
    bool exposed_ = false;
};

/// Runs `f(writer)` with an empty per-thread writer that is reused across calls: once it has held
/// the largest input a thread encodes, key computations neither allocate nor zero-fill. A buffer
/// above 1 MiB is freed afterwards, so a one-off huge input does not stay resident. Not reentrant
/// (f must not call it again), which the key schemes that use it guarantee.
template <class F>
decltype(auto) with_scratch_writer(F&& f) {
    thread_local proto_writer writer;
    struct reset_on_exit {
        proto_writer& w;
        ~reset_on_exit() {
            w.clear();
            w.release_if_larger_than(std::size_t{1} << 20);
        }
    } reset{writer};
    return std::forward<F>(f)(writer);
}

/// Reads protobuf wire format from a non-owning view of untrusted bytes.
///
/// Every read is bounds-checked: a truncated or malformed input throws flytecache::decode_error
/// ("flytecache: malformed protobuf at offset N: ..."), never reads past the end of the view and
/// has no undefined behaviour. The reader is stricter than libprotobuf where leniency would let
/// two byte strings decode to one value (and so re-encode differently): overlong varints past
/// ten bytes, overflowing tenth bytes, out-of-range int32 values and booleans other than 0/1 are
/// all refused.
///
/// The viewed bytes must outlive the reader and every string_view it returns.
class proto_reader {
public:
    /// Reads `data`. `base_offset` is added to every offset reported (in offset() and in error
    /// messages), so that a reader over an embedded message reports positions in the outer buffer.
    explicit proto_reader(std::string_view data, std::size_t base_offset = 0) noexcept
        : data_(data), base_(base_offset) {}

    /// True when every byte has been consumed.
    [[nodiscard]] bool at_end() const noexcept { return pos_ == data_.size(); }

    /// Position of the next byte to read (plus the base offset given at construction).
    [[nodiscard]] std::size_t offset() const noexcept { return base_ + pos_; }

    /// Bytes not yet read.
    [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }

    /// A base-128 varint of at most ten bytes whose value fits in 64 bits.
    /// @throws decode_error when truncated, longer than ten bytes or overflowing.
    std::uint64_t varint() {
        const std::size_t start = pos_;
        std::uint64_t result = 0;
        for (unsigned i = 0; i < 10; ++i) {
            if (pos_ == data_.size()) fail(start, "truncated varint");
            const auto b = static_cast<unsigned char>(data_[pos_++]);
            if (i == 9) {
                if (b & 0x80u) fail(start, "varint longer than 10 bytes");
                if (b > 1u) fail(start, "varint overflows 64 bits");
            }
            result |= std::uint64_t{b & 0x7Fu} << (7 * i);
            if (!(b & 0x80u)) return result;
        }
        // Unreachable: the tenth byte either returns or fails above.
        fail(start, "varint longer than 10 bytes");
    }

    /// A field key: its field number and wire type.
    /// @throws decode_error for field number 0 or above 2^29 - 1, and for wire types 6 and 7.
    std::pair<std::uint32_t, wire_type> tag() {
        const std::size_t start = pos_;
        const std::uint64_t key = varint();
        const std::uint64_t field = key >> 3;
        if (field == 0) fail(start, "field number 0");
        if (field > proto_max_field_number)
            fail(start, "field number " + std::to_string(field) + " exceeds 2^29-1");
        const auto type = static_cast<unsigned>(key & 7u);
        if (type > 5)
            fail(start, "invalid wire type " + std::to_string(type) + " for field " +
                            std::to_string(field));
        return {static_cast<std::uint32_t>(field), static_cast<wire_type>(type)};
    }

    /// Eight little-endian bytes.
    std::uint64_t fixed64() {
        const unsigned char* p = take(8, "truncated fixed64");
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < 8; ++i) v |= std::uint64_t{p[i]} << (8 * i);
        return v;
    }

    /// Four little-endian bytes.
    std::uint32_t fixed32() {
        const unsigned char* p = take(4, "truncated fixed32");
        std::uint32_t v = 0;
        for (std::size_t i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
        return v;
    }

    /// A `double` (fixed64 IEEE-754 bits; NaN payloads preserved).
    double double_value() { return std::bit_cast<double>(fixed64()); }

    /// A `float` (fixed32 IEEE-754 bits).
    float float_value() { return std::bit_cast<float>(fixed32()); }

    /// An `int64` varint (two's complement).
    std::int64_t int64_value() { return static_cast<std::int64_t>(varint()); }

    /// An `uint64` varint.
    std::uint64_t uint64_value() { return varint(); }

    /// An `int32` varint. Negative values arrive sign-extended (ten bytes), which is accepted;
    /// a value outside the int32 range is refused rather than truncated.
    std::int32_t int32_value() {
        const std::size_t start = pos_;
        const auto v = static_cast<std::int64_t>(varint());
        if (v < std::numeric_limits<std::int32_t>::min() ||
            v > std::numeric_limits<std::int32_t>::max())
            fail(start, "int32 value " + std::to_string(v) + " out of range");
        return static_cast<std::int32_t>(v);
    }

    /// A `uint32` varint; values above 2^32 - 1 are refused.
    std::uint32_t uint32_value() {
        const std::size_t start = pos_;
        const std::uint64_t v = varint();
        if (v > std::numeric_limits<std::uint32_t>::max())
            fail(start, "uint32 value " + std::to_string(v) + " out of range");
        return static_cast<std::uint32_t>(v);
    }

    /// A `bool` varint; only 0 and 1 are accepted.
    bool bool_value() {
        const std::size_t start = pos_;
        const std::uint64_t v = varint();
        if (v > 1u) fail(start, "bool value " + std::to_string(v) + " is neither 0 nor 1");
        return v == 1u;
    }

    /// An enum value (encoded like `int32`).
    std::int32_t enum_value() { return int32_value(); }

    /// The payload of a length-delimited field (string, bytes or embedded message), as a view
    /// into the input.
    /// @throws decode_error when the length exceeds the bytes that remain.
    std::string_view length_delimited() {
        const std::size_t start = pos_;
        const std::uint64_t length = varint();
        const std::size_t left = data_.size() - pos_;
        if (length > left)
            fail(start, "length " + std::to_string(length) + " exceeds the " +
                            std::to_string(left) + " remaining bytes");
        const auto n = static_cast<std::size_t>(length);
        const std::string_view out = data_.substr(pos_, n);
        pos_ += n;
        return out;
    }

    /// Reads a length-delimited field and returns a reader over it whose offsets (and error
    /// messages) are positions in this reader's input.
    proto_reader message() {
        const std::string_view body = length_delimited();
        return proto_reader(body, base_ + pos_ - body.size());
    }

    /// Skips the value of field `field`, whose tag (just read) has wire type `type`, as protobuf
    /// skips an unknown field. A group (start_group) is skipped up to the end_group tag of the
    /// same field number, nested groups included; a group counts as one level of nesting, and at
    /// most `levels` more levels are allowed (the caller's remaining depth budget).
    /// @throws decode_error for truncated input, an end_group tag that closes no open group (or
    ///         another field's group), a group left open at the end of the input, or groups nested
    ///         deeper than `levels`.
    void skip(wire_type type, std::uint32_t field, std::size_t levels);

    /// Throws the decode_error for a problem found at `pos` (relative to this reader's view).
    [[noreturn]] void fail(std::size_t pos, std::string_view what) const;

private:
    // The body of a group whose start_group tag (field `field`) was just read: fields up to the
    // matching end_group tag. Iterative, so hostile nesting cannot exhaust the stack.
    void skip_group(std::uint32_t field, std::size_t levels);

    const unsigned char* take(std::size_t n, std::string_view what) {
        if (data_.size() - pos_ < n) fail(pos_, what);
        const auto* p = reinterpret_cast<const unsigned char*>(data_.data() + pos_);
        pos_ += n;
        return p;
    }

    std::string_view data_;
    std::size_t base_ = 0;
    std::size_t pos_ = 0;
};

} // namespace detail
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/detail/protobuf.ipp>
#endif
