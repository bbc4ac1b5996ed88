// flytecache — the .val files of an SQLite cache: names of diskcache's form only
// SPDX-License-Identifier: MIT
#pragma once

// The .val files of an SQLite cache: names of diskcache's form only, opened without following links
// out of the cache, read exactly to their recorded size, written durably on request, removed
// without ever touching anything else.

#include <flytecache/config.hpp>
#include <flytecache/detail/file_io.hpp>
#include <flytecache/error.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <memory>
#include <optional>
#include <random>
#include <span>
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
        int_type underflow() override {
            if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
            for (;;) {
                const ssize_t n = ::read(fd_.get(), buffer_.data(), buffer_.size());
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) return traits_type::eof(); // an error reads as the end, then failbit
                setg(buffer_.data(), buffer_.data(), buffer_.data() + n);
                return traits_type::to_int_type(*gptr());
            }
        }

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
    [[nodiscard]] read_result read(std::string_view relative, std::int64_t recorded_size) const {
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
                out.problem =
                    "a value file '" + std::string(relative) +
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
                          std::to_string(done) + " of its " + std::to_string(recorded_size) +
                          " bytes";
            return out;
        }
        out.state = read_result::status::ok;
        return out;
    }

    /// A stream over the file `relative` names, checked as `read` checks it (form of the name, no
    /// link, a regular file of `recorded_size` bytes), without reading it: empty when it is
    /// missing; `problem` says why when it is damaged.
    [[nodiscard]] std::unique_ptr<std::istream>
    open_stream(std::string_view relative, std::int64_t recorded_size, std::string& problem) const {
        if (!is_value_file_name(relative)) {
            problem = "a filename that is not a value file of this cache ('" +
                      std::string(relative) + "'), which is never followed";
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

    /// What the file `relative` names is (without following links).
    [[nodiscard]] file_status status(std::string_view relative) const {
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

    /// Writes `bytes` to a new value file and returns its name. With `durable`, the file and the
    /// directory entries leading to it are flushed to disk before this returns (so a row that
    /// commits after it never points at a file a power failure lost). On failure nothing is left:
    /// no file, and no directory the write created.
    /// @throws store_error naming the file.
    [[nodiscard]] std::string write(std::string_view bytes, bool durable) const {
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
                    throw store_error("flytecache: sqlite_store: writing value file '" +
                                      full.string() + "': " + errno_text(close_err));
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

    /// Removes the value file `relative` names and its two directory levels when they became
    /// empty. Names not of diskcache's form, and paths through a link, are never touched; errors
    /// are ignored, as diskcache ignores them (a file left over is an orphan for check(fix)).
    void remove(std::string_view relative) const noexcept {
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

private:
    // Opens dir_/xx/yy without following a link at any level below dir_.
    [[nodiscard]] unique_fd open_dirs(std::string_view relative, int& err) const {
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

    [[nodiscard]] unique_fd open_value(std::string_view relative, int flags, int& err) const {
        unique_fd second = open_dirs(relative, err);
        if (!second) return {};
        const std::string name(relative.substr(6));
        unique_fd fd(::openat(second.get(), name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) err = errno;
        return fd;
    }

    // Creates (where missing) and opens dir_/xx/yy without following a link below dir_.
    [[nodiscard]] unique_fd make_dirs(std::string_view relative, bool& made_first,
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

    // Removes dir_/xx/yy and then dir_/xx when they are empty, never through a link.
    void remove_empty_dirs(std::string_view relative) const noexcept {
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

    std::filesystem::path dir_;
};

} // namespace detail::sqlite_files
FLYTECACHE_NAMESPACE_END
