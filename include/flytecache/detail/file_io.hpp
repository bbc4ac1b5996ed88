// flytecache — POSIX file plumbing for the files the library keeps
// SPDX-License-Identifier: MIT
#pragma once

// POSIX file plumbing for files the library keeps: descriptors that close themselves, copies that
// clone where the filesystem can, fsync of files and directories, unique names.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

/// An open file descriptor, closed on destruction.
class unique_fd {
public:
    unique_fd() = default;
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }

    [[nodiscard]] int get() const noexcept { return fd_; }
    /// Gives the descriptor up without closing it.
    [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
    [[nodiscard]] explicit operator bool() const noexcept { return fd_ >= 0; }
    // Linux releases the descriptor even when close() fails, so a retry could close another
    // thread's fresh descriptor.
    void reset() noexcept {
        if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    }

private:
    int fd_ = -1;
};

// std::strerror may share a buffer between threads; the error category's message does not.
[[nodiscard]] inline std::string errno_text(int err) {
    return std::generic_category().message(err);
}

/// Opens `p` with close-on-exec (a forked task runner must not inherit our descriptors).
/// @throws store_error naming the path.
[[nodiscard]] unique_fd open_file(const std::filesystem::path& p, int flags, mode_t mode = 0644);

/// Writes all of `bytes`, retrying short writes. @throws store_error naming `what`.
void write_all(int fd, std::string_view bytes, const std::filesystem::path& what);

/// Reads up to `buffer.size()` bytes; 0 at end of file. @throws store_error naming `what`.
[[nodiscard]] std::size_t read_some(int fd, std::span<char> buffer,
                                    const std::filesystem::path& what);

/// Makes the data of an open file durable. @throws store_error naming `what`.
void fsync_fd(int fd, const std::filesystem::path& what);

/// Makes a directory's entries (a rename or a new file in it) durable. Best effort on
/// filesystems that cannot sync directories (EINVAL): those order their metadata themselves.
void fsync_directory(const std::filesystem::path& dir);

/// Asks the filesystem for a copy-on-write clone of `src` into the empty file `dst` (Btrfs, XFS,
/// bcachefs …). `false` when it cannot: the caller copies the bytes instead.
[[nodiscard]] bool try_clone_file(int dst, int src) noexcept;

/// A name no other thread or process picks: the process id and a random part, so that forked
/// children, which inherit the generator's state, still differ.
[[nodiscard]] std::string unique_name(std::string_view prefix);

} // namespace detail
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/detail/file_io.ipp>
#endif
