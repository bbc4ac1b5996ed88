// flytecache — POSIX file plumbing for the files the library keeps
// SPDX-License-Identifier: MIT
#pragma once

// POSIX file plumbing for files the library keeps: descriptors that close themselves, copies that
// clone where the filesystem can, fsync of files and directories, unique names.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#    include <linux/fs.h> // FICLONE
#endif

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <random>
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
[[nodiscard]] inline unique_fd open_file(const std::filesystem::path& p, int flags,
                                         mode_t mode = 0644) {
    int fd = -1;
    do {
        fd =
            ::open(p.c_str(), flags | O_CLOEXEC, mode); // NOLINT(cppcoreguidelines-pro-type-vararg)
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        const int err = errno;
        throw store_error("flytecache: cannot open " + p.string() + ": " + errno_text(err));
    }
    return unique_fd(fd);
}

/// Writes all of `bytes`, retrying short writes. @throws store_error naming `what`.
inline void write_all(int fd, std::string_view bytes, const std::filesystem::path& what) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            const std::string message =
                "flytecache: cannot write " + what.string() + ": " + errno_text(err);
            if (err == ENOSPC || err == EDQUOT) throw disk_full_error(message);
            throw store_error(message);
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

/// Reads up to `buffer.size()` bytes; 0 at end of file. @throws store_error naming `what`.
[[nodiscard]] inline std::size_t read_some(int fd, std::span<char> buffer,
                                           const std::filesystem::path& what) {
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EINTR) continue;
        const int err = errno;
        throw store_error("flytecache: cannot read " + what.string() + ": " + errno_text(err));
    }
}

/// Makes the data of an open file durable. @throws store_error naming `what`.
inline void fsync_fd(int fd, const std::filesystem::path& what) {
    if (::fsync(fd) != 0) {
        const int err = errno;
        throw store_error("flytecache: cannot flush " + what.string() +
                          " to disk: " + errno_text(err));
    }
}

/// Makes a directory's entries (a rename or a new file in it) durable. Best effort on
/// filesystems that cannot sync directories (EINVAL): those order their metadata themselves.
inline void fsync_directory(const std::filesystem::path& dir) {
    unique_fd fd = open_file(dir, O_RDONLY | O_DIRECTORY);
    if (::fsync(fd.get()) != 0 && errno != EINVAL) {
        const int err = errno;
        throw store_error("flytecache: cannot flush the directory " + dir.string() +
                          " to disk: " + errno_text(err));
    }
}

/// Asks the filesystem for a copy-on-write clone of `src` into the empty file `dst` (Btrfs, XFS,
/// bcachefs …). `false` when it cannot: the caller copies the bytes instead.
[[nodiscard]] inline bool try_clone_file(int dst, int src) noexcept {
#if defined(__linux__) && defined(FICLONE)
    return ::ioctl(dst, FICLONE, src) == 0; // NOLINT(cppcoreguidelines-pro-type-vararg)
#else
    (void)dst;
    (void)src;
    return false;
#endif
}

/// A name no other thread or process picks: the process id and a random part, so that forked
/// children, which inherit the generator's state, still differ.
[[nodiscard]] inline std::string unique_name(std::string_view prefix) {
    static std::atomic<std::uint64_t> counter{0};
    thread_local std::mt19937_64 rng{std::random_device{}()};
    thread_local pid_t seeded_for = ::getpid();
    if (seeded_for != ::getpid()) {
        rng.seed(std::random_device{}());
        seeded_for = ::getpid();
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(prefix);
    out += std::to_string(::getpid());
    out += '-';
    std::uint64_t r = rng() ^ counter.fetch_add(1, std::memory_order_relaxed);
    for (int i = 0; i < 16; ++i, r >>= 4U) out += digits[r & 0xFU];
    return out;
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
