// flytecache — POSIX file plumbing for the files the library keeps (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/detail/file_io.hpp>

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

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

FLYTECACHE_INLINE unique_fd open_file(const std::filesystem::path& p, int flags, mode_t mode) {
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

FLYTECACHE_INLINE void write_all(int fd, std::string_view bytes,
                                 const std::filesystem::path& what) {
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

FLYTECACHE_INLINE std::size_t read_some(int fd, std::span<char> buffer,
                                        const std::filesystem::path& what) {
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EINTR) continue;
        const int err = errno;
        throw store_error("flytecache: cannot read " + what.string() + ": " + errno_text(err));
    }
}

FLYTECACHE_INLINE void fsync_fd(int fd, const std::filesystem::path& what) {
    if (::fsync(fd) != 0) {
        const int err = errno;
        throw store_error("flytecache: cannot flush " + what.string() +
                          " to disk: " + errno_text(err));
    }
}

FLYTECACHE_INLINE void fsync_directory(const std::filesystem::path& dir) {
    unique_fd fd = open_file(dir, O_RDONLY | O_DIRECTORY);
    if (::fsync(fd.get()) != 0 && errno != EINVAL) {
        const int err = errno;
        throw store_error("flytecache: cannot flush the directory " + dir.string() +
                          " to disk: " + errno_text(err));
    }
}

FLYTECACHE_INLINE bool try_clone_file(int dst, int src) noexcept {
#if defined(__linux__) && defined(FICLONE)
    return ::ioctl(dst, FICLONE, src) == 0; // NOLINT(cppcoreguidelines-pro-type-vararg)
#else
    (void)dst;
    (void)src;
    return false;
#endif
}

FLYTECACHE_INLINE std::string unique_name(std::string_view prefix) {
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
