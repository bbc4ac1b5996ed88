// flytecache — the .val files of an SQLite cache (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/store/sqlite/value_files.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::sqlite_files {

FLYTECACHE_INLINE fd_istream::fd_buf::int_type fd_istream::fd_buf::underflow() {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    for (;;) {
        const ssize_t n = ::read(fd_.get(), buffer_.data(), buffer_.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return traits_type::eof(); // an error reads as the end, then failbit
        setg(buffer_.data(), buffer_.data(), buffer_.data() + n);
        return traits_type::to_int_type(*gptr());
    }
}

FLYTECACHE_INLINE read_result value_files::read(std::string_view relative,
                                                std::int64_t recorded_size) const {
    read_result out;
    if (!is_value_file_name(relative)) {
        out.state = read_result::status::damaged;
        out.problem = "a filename that is not a value file of this cache ('" +
                      std::string(relative) + "'), which is never followed";
        return out;
    }
    int err = 0;
    unique_fd fd = open_value(relative, O_RDONLY | O_NONBLOCK, err);
    if (!fd) {
        if (err == ENOENT) {
            out.state = read_result::status::missing;
        } else {
            out.state = read_result::status::damaged;
            out.problem = "a value file '" + std::string(relative) +
                          "' that cannot be opened without following a link: " + errno_text(err);
        }
        return out;
    }
    struct ::stat st{};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        out.state = read_result::status::damaged;
        out.problem = "a value file '" + std::string(relative) + "' that is not a regular file";
        return out;
    }
    if (recorded_size < 0 || static_cast<std::int64_t>(st.st_size) != recorded_size) {
        out.state = read_result::status::damaged;
        out.problem = "a value file '" + std::string(relative) + "' of " +
                      std::to_string(st.st_size) + " bytes where its row records " +
                      std::to_string(recorded_size) + " (truncated or replaced)";
        return out;
    }
    const std::filesystem::path path = dir_ / relative;
    out.bytes.resize(static_cast<std::size_t>(recorded_size));
    std::size_t done = 0;
    while (done < out.bytes.size()) {
        const std::size_t n = read_some(
            fd.get(), std::span<char>(out.bytes.data() + done, out.bytes.size() - done), path);
        if (n == 0) break;
        done += n;
    }
    if (done != out.bytes.size()) {
        out.state = read_result::status::damaged;
        out.bytes.clear();
        out.problem = "a value file '" + std::string(relative) + "' that ended after " +
                      std::to_string(done) + " of its " + std::to_string(recorded_size) + " bytes";
        return out;
    }
    out.state = read_result::status::ok;
    return out;
}

FLYTECACHE_INLINE std::unique_ptr<std::istream>
value_files::open_stream(std::string_view relative, std::int64_t recorded_size,
                         std::string& problem) const {
    if (!is_value_file_name(relative)) {
        problem = "a filename that is not a value file of this cache ('" + std::string(relative) +
                  "'), which is never followed";
        return nullptr;
    }
    int err = 0;
    unique_fd fd = open_value(relative, O_RDONLY | O_NONBLOCK, err);
    if (!fd) {
        if (err != ENOENT) {
            problem = "a value file '" + std::string(relative) +
                      "' that cannot be opened without following a link: " + errno_text(err);
        }
        return nullptr;
    }
    struct ::stat st{};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
        static_cast<std::int64_t>(st.st_size) != recorded_size) {
        problem = "a value file '" + std::string(relative) +
                  "' that is not a regular file of the size its row records";
        return nullptr;
    }
    // Reads block from here on: the descriptor was opened non-blocking only so that a FIFO
    // could not hang the open.
    const int flags = ::fcntl(fd.get(), F_GETFL); // NOLINT(cppcoreguidelines-pro-type-vararg)
    if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK); // NOLINT
    return std::make_unique<fd_istream>(std::move(fd));
}

FLYTECACHE_INLINE file_status value_files::status(std::string_view relative) const {
    file_status out;
    if (!is_value_file_name(relative)) {
        out.state = file_status::kind::foreign;
        return out;
    }
    int err = 0;
    unique_fd fd = open_value(relative, O_RDONLY | O_NONBLOCK, err);
    if (!fd) {
        out.state = err == ENOENT ? file_status::kind::missing : file_status::kind::foreign;
        return out;
    }
    struct ::stat st{};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        out.state = file_status::kind::foreign;
        return out;
    }
    out.state = file_status::kind::regular;
    out.size = static_cast<std::uint64_t>(st.st_size);
    return out;
}

FLYTECACHE_INLINE std::string value_files::write(std::string_view bytes, bool durable) const {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    thread_local pid_t seeded_for = ::getpid();
    if (seeded_for != ::getpid()) {
        rng.seed(std::random_device{}()); // a forked child must not repeat its parent's names
        seeded_for = ::getpid();
    }
    static constexpr char digits[] = "0123456789abcdef";
    for (int attempt = 0;; ++attempt) {
        std::string hex(32, '0');
        for (std::size_t half = 0; half < 2; ++half) {
            std::uint64_t r = rng();
            for (std::size_t i = 0; i < 16; ++i, r >>= 4U) {
                hex[(half * 16) + i] = digits[r & 0xFU];
            }
        }
        const std::string relative =
            hex.substr(0, 2) + "/" + hex.substr(2, 2) + "/" + hex.substr(4) + ".val";
        const std::filesystem::path full = dir_ / relative;
        int err = 0;
        bool made_first = false;
        bool made_second = false;
        unique_fd second = make_dirs(relative, made_first, made_second, err);
        unique_fd file;
        if (second) {
            const std::string name = relative.substr(6);
            file = unique_fd(::openat(second.get(), name.c_str(),
                                      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                      0666)); // NOLINT(cppcoreguidelines-pro-type-vararg)
            if (!file) err = errno;
        }
        if (!file) {
            second.reset();
            remove_empty_dirs(relative);
            // A name collision, or a concurrent cleanup removed a directory: a new name.
            if (attempt < 10 && (err == EEXIST || err == ENOENT)) continue;
            if (err == ENOSPC || err == EDQUOT) {
                throw disk_full_error("flytecache: sqlite_store: cannot create value file '" +
                                      full.string() + "': " + errno_text(err));
            }
            throw store_error("flytecache: sqlite_store: cannot create value file '" +
                              full.string() + "': " + errno_text(err));
        }
        try {
            write_all(file.get(), bytes, full);
            if (durable) {
                fsync_fd(file.get(), full);
                fsync_fd(second.get(), full.parent_path());
                if (made_second) fsync_directory(full.parent_path().parent_path());
                if (made_first) fsync_directory(dir_);
            }
            const int fd = file.release();
            if (::close(fd) != 0 && errno != EINTR) {
                const int close_err = errno;
                throw store_error("flytecache: sqlite_store: writing value file '" + full.string() +
                                  "': " + errno_text(close_err));
            }
        } catch (...) {
            file.reset();
            const std::string name = relative.substr(6);
            ::unlinkat(second.get(), name.c_str(), 0);
            second.reset();
            remove_empty_dirs(relative);
            throw;
        }
        return relative;
    }
}

FLYTECACHE_INLINE void value_files::remove(std::string_view relative) const noexcept {
    if (!is_value_file_name(relative)) return;
    try {
        int err = 0;
        unique_fd second = open_dirs(relative, err);
        if (!second) return;
        const std::string name(relative.substr(6));
        ::unlinkat(second.get(), name.c_str(), 0);
        second.reset();
        remove_empty_dirs(relative);
    } catch (...) { // NOLINT(bugprone-empty-catch): removal is best effort by contract
    }
}

FLYTECACHE_INLINE unique_fd value_files::open_dirs(std::string_view relative, int& err) const {
    unique_fd root(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root) {
        err = errno;
        return {};
    }
    const std::string first(relative.substr(0, 2));
    unique_fd one(
        ::openat(root.get(), first.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!one) {
        err = errno;
        return {};
    }
    const std::string second(relative.substr(3, 2));
    unique_fd two(
        ::openat(one.get(), second.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!two) err = errno;
    return two;
}

FLYTECACHE_INLINE unique_fd value_files::open_value(std::string_view relative, int flags,
                                                    int& err) const {
    unique_fd second = open_dirs(relative, err);
    if (!second) return {};
    const std::string name(relative.substr(6));
    unique_fd fd(::openat(second.get(), name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) err = errno;
    return fd;
}

FLYTECACHE_INLINE unique_fd value_files::make_dirs(std::string_view relative, bool& made_first,
                                                   bool& made_second, int& err) const {
    unique_fd root(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root) {
        err = errno;
        return {};
    }
    const std::string first(relative.substr(0, 2));
    made_first = ::mkdirat(root.get(), first.c_str(), 0777) == 0;
    unique_fd one(
        ::openat(root.get(), first.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!one) {
        err = errno;
        return {};
    }
    const std::string second(relative.substr(3, 2));
    made_second = ::mkdirat(one.get(), second.c_str(), 0777) == 0;
    unique_fd two(
        ::openat(one.get(), second.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!two) err = errno;
    return two;
}

FLYTECACHE_INLINE void value_files::remove_empty_dirs(std::string_view relative) const noexcept {
    unique_fd root(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root) return;
    const std::string first(relative.substr(0, 2));
    unique_fd one(
        ::openat(root.get(), first.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!one) return;
    const std::string second(relative.substr(3, 2));
    if (::unlinkat(one.get(), second.c_str(), AT_REMOVEDIR) == 0) {
        one.reset();
        ::unlinkat(root.get(), first.c_str(), AT_REMOVEDIR);
    }
}

} // namespace detail::sqlite_files
FLYTECACHE_NAMESPACE_END
