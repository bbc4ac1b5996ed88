// flytecache — a small, deterministic tar and gzip writer for registration archives
// SPDX-License-Identifier: MIT
#pragma once

// A small, deterministic tar writer (POSIX ustar, pax headers for long names) and a gzip wrapper
// with stored deflate blocks, for the registration archives flytectl reads.

#include <flytecache/config.hpp>

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
[[nodiscard]] std::uint32_t crc32(std::string_view data) noexcept;

/// Writes `value` as `width - 1` octal digits and a NUL into `field`.
void tar_octal(char* field, std::size_t width, std::uint64_t value);

/// One 512-byte ustar header.
std::string tar_header(std::string_view name, std::uint64_t size, char type);

void tar_append_padded(std::string& out, std::string_view content);

/// A pax extended header record: "<length> <key>=<value>\n", the length counting itself.
std::string pax_record(std::string_view key, std::string_view value);

/// A tar archive of `files`, in the given order. Names longer than ustar's 100 bytes get a pax
/// `path` record, as GNU tar and Go's archive/tar write them.
/// @throws invalid_argument for an empty name or a file of 8 GiB or more.
[[nodiscard]] std::string tar_archive(const std::vector<archive_file>& files);

/// `data` as a gzip member (RFC 1952) whose deflate stream is made of stored blocks (RFC 1951,
/// BTYPE 00), at most 65535 bytes each.
[[nodiscard]] std::string gzip_stored(std::string_view data);

} // namespace detail
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/detail/tar_archive.ipp>
#endif
