// flytecache — the .val files of an SQLite cache: names of diskcache's form only
// SPDX-License-Identifier: MIT
#pragma once

// The .val files of an SQLite cache: names of diskcache's form only, opened without following links
// out of the cache, read exactly to their recorded size, written durably on request, removed
// without ever touching anything else.

#include <flytecache/config.hpp>
#include <flytecache/detail/file_io.hpp>
#include <flytecache/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <memory>
#include <optional>
#include <streambuf>
#include <string>
#include <string_view>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::sqlite_files {

// diskcache names a value file after 16 random bytes in hex: "xx/yy/<28 hex digits>.val", the
// first four digits making two directory levels. A row's `filename` of any other form (absolute,
// with "..", another name) was not written by a cache, and following it could read or delete a
// file outside the cache directory: such a row is damaged, and its file is never touched.
inline constexpr std::size_t name_length = 2 + 1 + 2 + 1 + 28 + 4;

[[nodiscard]] constexpr bool is_hex_digit(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/// Whether `relative` is a value file name of diskcache's form.
[[nodiscard]] constexpr bool is_value_file_name(std::string_view relative) noexcept {
    if (relative.size() != name_length || relative[2] != '/' || relative[5] != '/' ||
        relative.substr(name_length - 4) != ".val") {
        return false;
    }
    for (std::size_t i = 0; i < name_length - 4; ++i) {
        if (i == 2 || i == 5) continue;
        if (!is_hex_digit(relative[i])) return false;
    }
    return true;
}

/// What reading a value file found.
struct read_result {
    enum class status { ok, missing, damaged } state = status::missing;
    std::string bytes;   ///< the value, for `ok`
    std::string problem; ///< why, for `damaged`
};

/// An input stream over an open file descriptor, which it owns: a value file opened safely (no
/// link followed) is read through the very descriptor that was checked. Read errors set badbit
/// (the stream does not throw unless asked to).
class fd_istream : public std::istream {
public:
    explicit fd_istream(unique_fd fd) : std::istream(nullptr), buf_(std::move(fd)) { rdbuf(&buf_); }

private:
    class fd_buf : public std::streambuf {
    public:
        explicit fd_buf(unique_fd fd) : fd_(std::move(fd)) {}

    protected:
        int_type underflow() override;

    private:
        unique_fd fd_;
        std::array<char, 65536> buffer_{};
    };
    fd_buf buf_;
};

/// What a value file is, for check: missing, not one of the cache's (a link, a directory, a
/// device …), or a regular file of `size` bytes.
struct file_status {
    enum class kind { missing, foreign, regular } state = kind::missing;
    std::uint64_t size = 0;
};

/// The value files below one cache directory. Stateless apart from the directory: safe to use from
/// any number of threads and processes at once.
class value_files {
public:
    explicit value_files(std::filesystem::path dir) : dir_(std::move(dir)) {}

    [[nodiscard]] const std::filesystem::path& directory() const noexcept { return dir_; }

    /// Reads the file `relative` names, which its row says is `recorded_size` bytes long. Missing
    /// (the file or a directory of its path is gone): `missing`. A name not of diskcache's form, a
    /// link anywhere on the path, something that is not a regular file, or a size other than the
    /// recorded one: `damaged`, with the reason; nothing more than `recorded_size` bytes is read.
    /// @throws store_error for an I/O failure while reading an existing regular file.
    [[nodiscard]] read_result read(std::string_view relative, std::int64_t recorded_size) const;

    /// A stream over the file `relative` names, checked as `read` checks it (form of the name, no
    /// link, a regular file of `recorded_size` bytes), without reading it: empty when it is
    /// missing; `problem` says why when it is damaged.
    [[nodiscard]] std::unique_ptr<std::istream>
    open_stream(std::string_view relative, std::int64_t recorded_size, std::string& problem) const;

    /// What the file `relative` names is (without following links).
    [[nodiscard]] file_status status(std::string_view relative) const;

    /// Writes `bytes` to a new value file and returns its name. With `durable`, the file and the
    /// directory entries leading to it are flushed to disk before this returns (so a row that
    /// commits after it never points at a file a power failure lost). On failure nothing is left:
    /// no file, and no directory the write created.
    /// @throws store_error naming the file.
    [[nodiscard]] std::string write(std::string_view bytes, bool durable) const;

    /// Removes the value file `relative` names and its two directory levels when they became
    /// empty. Names not of diskcache's form, and paths through a link, are never touched; errors
    /// are ignored, as diskcache ignores them (a file left over is an orphan for check(fix)).
    void remove(std::string_view relative) const noexcept;

private:
    // Opens dir_/xx/yy without following a link at any level below dir_.
    [[nodiscard]] unique_fd open_dirs(std::string_view relative, int& err) const;

    [[nodiscard]] unique_fd open_value(std::string_view relative, int flags, int& err) const;

    // Creates (where missing) and opens dir_/xx/yy without following a link below dir_.
    [[nodiscard]] unique_fd make_dirs(std::string_view relative, bool& made_first,
                                      bool& made_second, int& err) const;

    // Removes dir_/xx/yy and then dir_/xx when they are empty, never through a link.
    void remove_empty_dirs(std::string_view relative) const noexcept;

    std::filesystem::path dir_;
};

} // namespace detail::sqlite_files
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/sqlite/value_files.ipp>
#endif
