// flytecache — blob_area: where a cache keeps the files and directories its entries point at,
// content-addressed, written atomically, read-only, and swept when no entry needs them
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/file_io.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/sha256.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// What `blob_area::sweep` did.
struct blob_sweep_report {
    std::size_t removed = 0;         ///< blobs (files or directories) removed
    std::uint64_t removed_bytes = 0; ///< their size
    std::size_t kept = 0;            ///< blobs left: referenced, or placed within the grace period
    std::size_t temporaries = 0;     ///< half-written copies left by crashed writers, removed
};

/// A directory of immutable copies of task output files, named by their content.
///
/// flytekit never caches a path that its task may overwrite later: a local execution copies every
/// output file to a fresh raw-output location, and the cached literal points there. A blob area
/// does the same for flytecache, with three differences that suit a cache shared by many runs: a
/// copy is named by the SHA-256 of its content (equal outputs share one copy), it is written under
/// a temporary name and renamed into place (a crash leaves no half file under a final name), and it
/// is read-only.
///
/// Layout under `root()`: `<hh>/<sha256>/<name>`, where `<sha256>` is the content hash (for a
/// directory, a hash over its relative paths and its files' hashes), `<hh>` its first two digits,
/// and `<name>` the file or directory name the task gave its output (tools that look at extensions
/// keep working). `.tmp/` holds copies being written. The area never holds anything else.
///
/// A copy is a reflink (a copy-on-write clone) where the filesystem offers one and a byte copy
/// otherwise, never a hard link: the task may later change its own file in place, and a hard link
/// would change the cached copy with it. Files are made read-only (0444) and directories 0555.
///
/// Thread and process safety: any number of threads and processes may place, verify and sweep
/// concurrently. Two writers placing equal content both end with the same final path. A sweep
/// spares every blob placed or re-placed within its grace period, so a writer that has placed a
/// blob and is about to store the entry that points at it never loses it; a blob a sweep removes
/// anyway is caught by `problem()` on the next hit, which then counts as a miss.
class blob_area {
public:
    /// An area rooted at `root` (created on the first placement).
    explicit blob_area(const std::filesystem::path& root) : root_(root.lexically_normal()) {
        if (root_.empty()) throw invalid_argument("flytecache: a blob area needs a directory");
        if (root_.is_relative()) root_ = std::filesystem::absolute(root_).lexically_normal();
        // A trailing separator would make owns() and the paths it returns differ in spelling.
        if (!root_.has_filename()) root_ = root_.parent_path();
    }

    /// The directory the blobs live in (absolute).
    [[nodiscard]] const std::filesystem::path& root() const noexcept { return root_; }

    /// Copies the regular file or directory at `source` (symbolic links followed) into the area
    /// and returns the copy's path (absolute). Placing equal content again returns the same path
    /// and counts as a new placement for `sweep`'s grace period.
    /// @throws invalid_argument when `source` does not exist or is neither a regular file nor a
    ///         directory (a directory with such an entry too); store_error on an I/O failure.
    [[nodiscard]] std::filesystem::path place(const std::filesystem::path& source) {
        std::error_code ec;
        const auto status = std::filesystem::status(source, ec);
        if (ec || !std::filesystem::exists(status)) {
            throw invalid_argument("flytecache: '" + source.string() + "' does not exist");
        }
        const bool is_dir = std::filesystem::is_directory(status);
        if (!is_dir && !std::filesystem::is_regular_file(status)) {
            throw invalid_argument("flytecache: '" + source.string() +
                                   "' is neither a regular file nor a directory");
        }
        const std::filesystem::path tmp_dir = root_ / temp_dir_name;
        create_dirs(tmp_dir);
        const std::filesystem::path tmp = tmp_dir / detail::unique_name("");
        std::string hash;
        try {
            hash = is_dir ? copy_tree(source, tmp) : copy_file(source, tmp);
        } catch (...) {
            remove_tree(tmp);
            throw;
        }
        const std::filesystem::path hash_dir = root_ / hash.substr(0, 2) / hash;
        const std::filesystem::path target = hash_dir / output_name(source, is_dir);
        create_dirs(hash_dir);
        if (::rename(tmp.c_str(), target.c_str()) != 0) {
            const int err = errno;
            // A directory already there (another writer placed equal content) stays; ours goes.
            // A file is replaced atomically by rename, so only directories end up here.
            remove_tree(tmp);
            std::error_code exists_ec;
            if (!((err == EEXIST || err == ENOTEMPTY) &&
                  std::filesystem::is_directory(target, exists_ec))) {
                throw store_error("flytecache: cannot move a copy of '" + source.string() +
                                  "' into place at " + target.string() + ": " +
                                  detail::errno_text(err));
            }
        } else if (is_dir) {
            seal_tree(target);
        }
        detail::fsync_directory(hash_dir);
        detail::fsync_directory(hash_dir.parent_path());
        touch(hash_dir);
        return target;
    }

    /// Whether `path` names something inside this area (lexically; nothing is read).
    [[nodiscard]] bool owns(const std::filesystem::path& path) const {
        const std::filesystem::path p = path.lexically_normal();
        auto r = root_.begin();
        auto q = p.begin();
        for (; r != root_.end(); ++r, ++q) {
            if (q == p.end() || *q != *r) return false;
        }
        return q != p.end();
    }

    /// Why the blob at `path` (as `place` returned it) cannot be used any more, or empty when it
    /// can: it is gone, or is no longer a file or directory, or — with `verify_content`, for a
    /// file — its bytes no longer hash to the name it was placed under (it was changed in place).
    [[nodiscard]] std::optional<std::string> problem(const std::filesystem::path& path,
                                                     bool verify_content = false) const {
        std::error_code ec;
        const auto status = std::filesystem::status(path, ec);
        if (ec || !std::filesystem::exists(status)) {
            return "its output '" + path.string() + "' is gone";
        }
        if (!std::filesystem::is_regular_file(status) && !std::filesystem::is_directory(status)) {
            return "its output '" + path.string() + "' is no longer a file or directory";
        }
        if (verify_content && std::filesystem::is_regular_file(status)) {
            const std::string placed_as = path.parent_path().filename().string();
            std::string actual;
            try {
                actual = hash_file(path);
            } catch (const error& e) {
                return "its output '" + path.string() + "' cannot be read: " + e.what();
            }
            if (actual != placed_as) {
                return "its output '" + path.string() + "' was changed (its content hash is " +
                       actual + ")";
            }
        }
        return std::nullopt;
    }

    /// Removes every blob not named in `referenced` (absolute, lexically normal paths as `place`
    /// returned them) and not placed within `grace`, and every temporary copy older than `grace`.
    /// @throws store_error when the area cannot be listed.
    blob_sweep_report sweep(const std::set<std::string>& referenced,
                            std::chrono::duration<double> grace) {
        blob_sweep_report report;
        const auto now = std::filesystem::file_time_type::clock::now();
        const auto cutoff =
            now - std::chrono::duration_cast<std::filesystem::file_time_type::duration>(grace);
        std::error_code ec;
        if (!std::filesystem::is_directory(root_, ec)) return report;
        for (const auto& prefix : list(root_)) {
            const std::string prefix_name = prefix.filename().string();
            if (prefix_name == temp_dir_name) {
                for (const auto& t : list(prefix)) {
                    if (older_than(t, cutoff)) {
                        remove_tree(t);
                        ++report.temporaries;
                    }
                }
                continue;
            }
            for (const auto& hash_dir : list(prefix)) {
                const bool old = older_than(hash_dir, cutoff);
                for (const auto& blob : list(hash_dir)) {
                    if (!old || referenced.count(blob.lexically_normal().string()) != 0) {
                        ++report.kept;
                        continue;
                    }
                    report.removed_bytes += tree_size(blob);
                    remove_tree(blob);
                    ++report.removed;
                }
                remove_if_empty(hash_dir);
            }
            remove_if_empty(prefix);
        }
        return report;
    }

    /// Removes every blob and temporary copy; returns how many blobs went.
    std::size_t clear() {
        std::size_t removed = 0;
        std::error_code ec;
        if (!std::filesystem::is_directory(root_, ec)) return 0;
        for (const auto& prefix : list(root_)) {
            if (prefix.filename() != temp_dir_name) {
                for (const auto& hash_dir : list(prefix)) removed += list(hash_dir).size();
            }
            remove_tree(prefix);
        }
        return removed;
    }

    /// SHA-256 (lowercase hex) of a file's bytes, read in 64 KiB chunks.
    /// @throws store_error when it cannot be read.
    [[nodiscard]] static std::string hash_file(const std::filesystem::path& path) {
        detail::unique_fd in = detail::open_file(path, O_RDONLY);
        sha256 h;
        std::array<char, chunk_size> buffer{};
        while (const std::size_t n = detail::read_some(in.get(), buffer, path)) {
            h.update(std::string_view(buffer.data(), n));
        }
        return h.hex_digest();
    }

private:
    static constexpr std::size_t chunk_size = std::size_t{64} * 1024;
    static constexpr const char* temp_dir_name = ".tmp";

    static std::string output_name(const std::filesystem::path& source, bool is_dir) {
        std::filesystem::path p = source.lexically_normal();
        if (!p.has_filename()) p = p.parent_path(); // "dir/" names "dir"
        std::string name = p.filename().string();
        if (name.empty() || name == "." || name == "..") {
            name = std::filesystem::absolute(source).lexically_normal().filename().string();
        }
        if (name.empty() || name == "." || name == "..") name = is_dir ? "directory" : "file";
        return name;
    }

    static void create_dirs(const std::filesystem::path& dir) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec) {
            throw store_error("flytecache: cannot create the blob directory " + dir.string() +
                              ": " + ec.message());
        }
    }

    // Copies `src` to the new file `dst` and returns the hash of what was written: the bytes are
    // hashed as they are copied (or, after a clone, read back), never read from `src` twice, so a
    // file that changes meanwhile cannot get a name that does not match its copy.
    static std::string copy_file(const std::filesystem::path& src,
                                 const std::filesystem::path& dst) {
        detail::unique_fd in = detail::open_file(src, O_RDONLY);
        detail::unique_fd out = detail::open_file(dst, O_WRONLY | O_CREAT | O_EXCL, 0600);
        std::string hash;
        if (detail::try_clone_file(out.get(), in.get())) {
            hash = hash_file(dst);
        } else {
            sha256 h;
            std::array<char, chunk_size> buffer{};
            while (const std::size_t n = detail::read_some(in.get(), buffer, src)) {
                const std::string_view bytes(buffer.data(), n);
                h.update(bytes);
                detail::write_all(out.get(), bytes, dst);
            }
            hash = h.hex_digest();
        }
        if (::fchmod(out.get(), 0444) != 0) {
            const int err = errno;
            throw store_error("flytecache: cannot make " + dst.string() +
                              " read-only: " + detail::errno_text(err));
        }
        detail::fsync_fd(out.get(), dst);
        return hash;
    }

    // Copies a directory tree and returns a hash over it: every entry's relative path (sorted,
    // generic form), kind, and for files the size and content hash.
    static std::string copy_tree(const std::filesystem::path& src,
                                 const std::filesystem::path& dst) {
        std::vector<std::filesystem::path> entries;
        std::error_code ec;
        for (auto it = std::filesystem::recursive_directory_iterator(src, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
            entries.push_back(std::filesystem::relative(it->path(), src, ec));
            if (ec) break;
        }
        if (ec) {
            throw store_error("flytecache: cannot list the directory " + src.string() + ": " +
                              ec.message());
        }
        std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
            return a.generic_string() < b.generic_string();
        });
        create_dirs(dst);
        sha256 h;
        h.update(std::string_view("flytecache-directory-v1\n"));
        for (const auto& rel : entries) {
            const std::filesystem::path from = src / rel;
            const auto status = std::filesystem::status(from, ec);
            const std::string name = rel.generic_string();
            if (!ec && std::filesystem::is_directory(status)) {
                create_dirs(dst / rel);
                h.update(std::string_view("d "))
                    .update(std::string_view(name))
                    .update(std::string_view("\n"));
            } else if (!ec && std::filesystem::is_regular_file(status)) {
                const std::string file_hash = copy_file(from, dst / rel);
                const std::string size = std::to_string(std::filesystem::file_size(dst / rel));
                h.update(std::string_view("f ")).update(std::string_view(name));
                h.update(std::string_view(" ")).update(std::string_view(size));
                h.update(std::string_view(" ")).update(std::string_view(file_hash));
                h.update(std::string_view("\n"));
            } else {
                throw invalid_argument("flytecache: '" + from.string() +
                                       "' in an output directory is neither a regular file nor a "
                                       "directory");
            }
        }
        return h.hex_digest();
    }

    // Directories become read-only once in place (a directory cannot be moved to another parent
    // while it is not writable).
    static void seal_tree(const std::filesystem::path& dir) {
        std::error_code ec;
        std::vector<std::filesystem::path> dirs{dir};
        for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_directory(ec)) dirs.push_back(it->path());
        }
        for (const auto& d : dirs) ::chmod(d.c_str(), 0555);
    }

    static void unseal_tree(const std::filesystem::path& p) {
        std::error_code ec;
        if (!std::filesystem::is_directory(std::filesystem::symlink_status(p, ec))) return;
        ::chmod(p.c_str(), 0755);
        for (auto it = std::filesystem::recursive_directory_iterator(p, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0755);
        }
    }

    static void remove_tree(const std::filesystem::path& p) {
        unseal_tree(p);
        std::error_code ec;
        std::filesystem::remove_all(p, ec);
    }

    static void remove_if_empty(const std::filesystem::path& dir) {
        std::error_code ec;
        if (std::filesystem::is_empty(dir, ec) && !ec) std::filesystem::remove(dir, ec);
    }

    static std::vector<std::filesystem::path> list(const std::filesystem::path& dir) {
        std::vector<std::filesystem::path> out;
        std::error_code ec;
        for (auto it = std::filesystem::directory_iterator(dir, ec);
             !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
            out.push_back(it->path());
        }
        return out;
    }

    static bool older_than(const std::filesystem::path& p, std::filesystem::file_time_type cutoff) {
        std::error_code ec;
        const auto t = std::filesystem::last_write_time(p, ec);
        return !ec && t < cutoff;
    }

    static std::uint64_t tree_size(const std::filesystem::path& p) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(p, ec)) return std::filesystem::file_size(p, ec);
        std::uint64_t total = 0;
        for (auto it = std::filesystem::recursive_directory_iterator(p, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_regular_file(ec)) total += it->file_size(ec);
        }
        return total;
    }

    // The hash directory's time is the blob's last placement: sweep spares recent ones.
    static void touch(const std::filesystem::path& dir) {
        std::error_code ec;
        std::filesystem::last_write_time(dir, std::filesystem::file_time_type::clock::now(), ec);
    }

    std::filesystem::path root_;
};

FLYTECACHE_NAMESPACE_END
