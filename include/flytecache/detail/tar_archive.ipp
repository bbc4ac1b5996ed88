// flytecache — a small, deterministic tar and gzip writer for registration archives (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/detail/tar_archive.hpp>

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

FLYTECACHE_INLINE std::uint32_t crc32(std::string_view data) noexcept {
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

FLYTECACHE_INLINE void tar_octal(char* field, std::size_t width, std::uint64_t value) {
    field[width - 1] = '\0';
    for (std::size_t i = width - 1; i-- > 0;) {
        field[i] = static_cast<char>('0' + (value & 7U));
        value >>= 3;
    }
}

FLYTECACHE_INLINE std::string tar_header(std::string_view name, std::uint64_t size, char type) {
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

FLYTECACHE_INLINE void tar_append_padded(std::string& out, std::string_view content) {
    out += content;
    out.append((512 - content.size() % 512) % 512, '\0');
}

FLYTECACHE_INLINE std::string pax_record(std::string_view key, std::string_view value) {
    const std::size_t body = 1 + key.size() + 1 + value.size() + 1; // " key=value\n"
    std::size_t length = body + 1;
    while (std::to_string(length).size() + body != length)
        length = std::to_string(length).size() + body;
    return std::to_string(length) + " " + std::string(key) + "=" + std::string(value) + "\n";
}

FLYTECACHE_INLINE std::string tar_archive(const std::vector<archive_file>& files) {
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

FLYTECACHE_INLINE std::string gzip_stored(std::string_view data) {
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
