// flytecache — a small, deterministic tar and gzip writer for registration archives
// SPDX-License-Identifier: MIT
#pragma once

// A small, deterministic tar writer (POSIX ustar, pax headers for long names) and a gzip wrapper
// with stored deflate blocks, for the registration archives flytectl reads.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// The archives hold a few small protobuf files, so compression would buy nothing worth a zlib
// dependency: gzip's format allows "stored" deflate blocks, which every reader (Go's
// compress/gzip in flytectl, Python's tarfile, GNU tar) accepts. Everything that could vary between
// runs is fixed (mtime 0, uid/gid 0, mode 0644, no user names), so equal inputs give equal bytes.

/// One regular file of an archive.
struct archive_file {
    std::string name;
    std::string content;
};

/// CRC-32 (IEEE 802.3, reflected, as gzip and zlib compute it).
[[nodiscard]] inline std::uint32_t crc32(std::string_view data) noexcept {
    static constexpr auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xFFFFFFFFU;
    for (const char ch : data) c = table[(c ^ static_cast<unsigned char>(ch)) & 0xFFU] ^ (c >> 8);
    return c ^ 0xFFFFFFFFU;
}

/// Writes `value` as `width - 1` octal digits and a NUL into `field`.
inline void tar_octal(char* field, std::size_t width, std::uint64_t value) {
    field[width - 1] = '\0';
    for (std::size_t i = width - 1; i-- > 0;) {
        field[i] = static_cast<char>('0' + (value & 7U));
        value >>= 3;
    }
}

/// One 512-byte ustar header.
inline std::string tar_header(std::string_view name, std::uint64_t size, char type) {
    std::string h(512, '\0');
    name.copy(h.data(), std::min<std::size_t>(name.size(), 100));
    tar_octal(&h[100], 8, 0644);     // mode
    tar_octal(&h[108], 8, 0);        // uid
    tar_octal(&h[116], 8, 0);        // gid
    tar_octal(&h[124], 12, size);    // size
    tar_octal(&h[136], 12, 0);       // mtime
    h.replace(148, 8, 8, ' ');       // checksum, counted as spaces
    h[156] = type;                   // typeflag
    h.replace(257, 6, "ustar\0", 6); // magic
    h.replace(263, 2, "00");         // version
    std::uint32_t sum = 0;
    for (const char c : h) sum += static_cast<unsigned char>(c);
    tar_octal(&h[148], 7, sum); // six digits and a NUL, then the space already there
    return h;
}

inline void tar_append_padded(std::string& out, std::string_view content) {
    out += content;
    out.append((512 - content.size() % 512) % 512, '\0');
}

/// A pax extended header record: "<length> <key>=<value>\n", the length counting itself.
inline std::string pax_record(std::string_view key, std::string_view value) {
    const std::size_t body = 1 + key.size() + 1 + value.size() + 1; // " key=value\n"
    std::size_t length = body + 1;
    while (std::to_string(length).size() + body != length)
        length = std::to_string(length).size() + body;
    return std::to_string(length) + " " + std::string(key) + "=" + std::string(value) + "\n";
}

/// A tar archive of `files`, in the given order. Names longer than ustar's 100 bytes get a pax
/// `path` record, as GNU tar and Go's archive/tar write them.
/// @throws invalid_argument for an empty name or a file of 8 GiB or more.
[[nodiscard]] inline std::string tar_archive(const std::vector<archive_file>& files) {
    std::string out;
    for (const auto& f : files) {
        if (f.name.empty()) throw invalid_argument("flytecache: an archive member has no name");
        if (f.content.size() >= (std::uint64_t{1} << 33)) {
            throw invalid_argument("flytecache: archive member '" + f.name +
                                   "' is 8 GiB or larger, which a ustar header cannot hold");
        }
        if (f.name.size() > 100) {
            const std::string pax = pax_record("path", f.name);
            out += tar_header("PaxHeaders/" + f.name.substr(0, 80), pax.size(), 'x');
            tar_append_padded(out, pax);
        }
        out += tar_header(f.name, f.content.size(), '0');
        tar_append_padded(out, f.content);
    }
    out.append(1024, '\0'); // two zero blocks end the archive
    return out;
}

/// `data` as a gzip member (RFC 1952) whose deflate stream is made of stored blocks (RFC 1951,
/// BTYPE 00), at most 65535 bytes each.
[[nodiscard]] inline std::string gzip_stored(std::string_view data) {
    std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10); // no name, mtime 0, OS unknown
    const auto le16 = [&](std::uint32_t v) {
        out += static_cast<char>(v & 0xFFU);
        out += static_cast<char>((v >> 8) & 0xFFU);
    };
    const auto le32 = [&](std::uint32_t v) {
        le16(v & 0xFFFFU);
        le16(v >> 16);
    };
    std::size_t pos = 0;
    do {
        const std::size_t n = std::min<std::size_t>(data.size() - pos, 65535);
        const bool last = pos + n == data.size();
        out += static_cast<char>(last ? 1 : 0); // BFINAL, BTYPE 00; the rest of the byte is padding
        le16(static_cast<std::uint32_t>(n));
        le16(static_cast<std::uint32_t>(~n & 0xFFFFU));
        out.append(data.substr(pos, n));
        pos += n;
    } while (pos < data.size());
    le32(crc32(data));
    le32(static_cast<std::uint32_t>(data.size() & 0xFFFFFFFFU));
    return out;
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
