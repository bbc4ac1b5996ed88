// flytecache — blob_area: the content-addressed files and directories a cache's entries use
// SPDX-License-Identifier: MIT
#pragma once

// blob_area: where a cache keeps the files and directories its entries point at, content-addressed,
// written atomically, read-only, and swept when no entry needs them.

#include <flytecache/config.hpp>
#include <flytecache/detail/file_io.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/sha256.hpp>

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
/// a temporary name and renamed into place (a crash leaves no half file under a final name), and
/// its files are read-only.
///
/// Layout under `root()`: `<hh>/<sha256>/<name>`, where `<sha256>` is the content hash (for a
/// directory, a hash over its relative paths and its files' hashes), `<hh>` its first two digits,
/// and `<name>` the file or directory name the task gave its output (tools that look at extensions
/// keep working). A directory has a manifest beside it, `<hh>/<sha256>/.flytecache-manifest`
/// (its relative paths and sizes), against which a hit checks it without reading its files.
/// `.tmp/` holds copies being written. The area never holds anything else.
///
/// A copy is a reflink (a copy-on-write clone) where the filesystem offers one and a byte copy
/// otherwise, never a hard link: the task may later change its own file in place, and a hard link
/// would change the cached copy with it. Files are made read-only (0444); directories stay
/// writable, so that other tools (Python diskcache's `check(fix=True)` among them) can clean up.
/// Symbolic links inside an output directory are followed to the files they name (a link to a
/// directory is refused, so no loop or escape is possible).
///
/// Paths are compared after resolving links (`weakly_canonical`), so one area reached through two
/// spellings (a symlinked home directory) is one area.
///
/// Thread and process safety: any number of threads and processes may place, check and sweep
/// concurrently. Two writers placing equal content both end with the same final path. A sweep
/// spares every blob placed or re-placed within its grace period, so a writer that has placed a
/// blob and is about to store the entry that points at it never loses it; a blob a sweep removes
/// anyway is caught by `problem()` on the next hit, which then counts as a miss.
class blob_area {
public:
    /// The name of the manifest beside a directory blob.
    static constexpr std::string_view manifest_name = ".flytecache-manifest";

    /// An area rooted at `root` (created on the first placement).
    explicit blob_area(const std::filesystem::path& root);

    /// The directory the blobs live in (absolute, links resolved).
    [[nodiscard]] const std::filesystem::path& root() const noexcept { return root_; }

    /// Copies the regular file or directory at `source` (symbolic links followed) into the area
    /// and returns the copy's path (absolute). Placing equal content again returns the same path
    /// and counts as a new placement for `sweep`'s grace period.
    /// @throws invalid_argument when `source` does not exist, is neither a regular file nor a
    ///         directory, holds something else (a device, a link to a directory), or contains the
    ///         area itself; store_error on an I/O failure.
    [[nodiscard]] std::filesystem::path place(const std::filesystem::path& source);

    /// Whether `path` names something inside this area (links resolved; nothing else is read).
    [[nodiscard]] bool owns(const std::filesystem::path& path) const {
        return contains(root_, canonical(path));
    }

    /// The blob `path` is or lies inside — `<root>/<hh>/<sha256>/<name>`, as `place` returned it —
    /// or empty when `path` is not in a blob of this area. What sweeps count as referenced.
    [[nodiscard]] std::optional<std::filesystem::path>
    blob_of(const std::filesystem::path& path) const;

    /// Whether `path` is itself a blob of this area (as `place` returned it), rather than
    /// something inside one or outside the area.
    [[nodiscard]] bool is_blob(const std::filesystem::path& path) const {
        const std::optional<std::filesystem::path> blob = blob_of(path);
        return blob && *blob == canonical(path);
    }

    /// Why the blob at `path` (as `place` returned it, or a file inside a directory blob) cannot be
    /// used any more, or empty when it can: it is gone, is no longer a file or directory, a
    /// directory no longer has the files (and sizes) it was placed with, or — with
    /// `verify_content`, for a file blob — its bytes no longer hash to the name it was placed
    /// under (it was changed in place). Only sizes and names are checked otherwise: bytes are
    /// read only with `verify_content`.
    [[nodiscard]] std::optional<std::string> problem(const std::filesystem::path& path,
                                                     bool verify_content = false) const;

    /// Removes every blob not named in `referenced` (as `blob_of` names them) and not placed
    /// within `grace`, and every temporary copy older than `grace`.
    blob_sweep_report sweep(const std::set<std::string>& referenced,
                            std::chrono::duration<double> grace);

    /// Removes every blob and temporary copy; returns how many blobs went.
    std::size_t clear();

    /// The name `place` would give the content at `path`: SHA-256 hex of a file's bytes, or of a
    /// directory's listing (relative paths, sizes and file hashes). Reads every byte; a blob of
    /// this area answers from its name instead.
    /// @throws invalid_argument / store_error as `place`.
    [[nodiscard]] std::string content_hash(const std::filesystem::path& path) const {
        if (is_blob(path)) return canonical(path).parent_path().filename().string();
        return hash_content(path);
    }

    /// `content_hash` without an area: always reads every byte.
    [[nodiscard]] static std::string hash_content(const std::filesystem::path& path);

    /// SHA-256 (lowercase hex) of a file's bytes, read in 64 KiB chunks.
    /// @throws store_error when it cannot be read.
    [[nodiscard]] static std::string hash_file(const std::filesystem::path& path);

private:
    static constexpr std::size_t chunk_size = std::size_t{64} * 1024;
    static constexpr std::string_view temp_dir_name = ".tmp";

    [[nodiscard]] static std::filesystem::path canonical(const std::filesystem::path& p);

    // Whether `inner` lies strictly below `outer` (both absolute and normal).
    static bool contains(const std::filesystem::path& outer, const std::filesystem::path& inner);

    std::filesystem::path place_once(const std::filesystem::path& source, bool is_dir,
                                     const std::string& name);

    // An advisory lock on a hash directory (flock): shared for a placement, exclusive for a
    // sweep, which only tries (a busy directory is kept this round). Released on destruction.
    class hash_dir_lock {
    public:
        hash_dir_lock(const std::filesystem::path& dir, bool exclusive);
        hash_dir_lock(const hash_dir_lock&) = delete;
        hash_dir_lock& operator=(const hash_dir_lock&) = delete;
        ~hash_dir_lock() = default; // closing the descriptor releases the lock
        [[nodiscard]] bool held() const noexcept { return held_; }

    private:
        detail::unique_fd fd_;
        bool held_ = false;
    };

    static std::string output_name(const std::filesystem::path& source, bool is_dir);

    static void create_dirs(const std::filesystem::path& dir);

    // Copies `src` to the new file `dst` and returns the hash of what was written: the bytes are
    // hashed as they are copied (or, after a clone, read back), never read from `src` twice, so a
    // file that changes meanwhile cannot get a name that does not match its copy.
    static std::string copy_file(const std::filesystem::path& src,
                                 const std::filesystem::path& dst);

    // The entries below `dir`, recursively, as relative paths in generic form (sorted), with
    // links to files followed and links to directories refused.
    struct tree_entry {
        std::string relative;
        bool directory = false;
    };
    static void walk(const std::filesystem::path& dir, const std::string& prefix,
                     std::vector<tree_entry>& out);
    static std::vector<tree_entry> tree(const std::filesystem::path& dir);

    // The hash that names a directory: over every entry's relative path (sorted, generic form),
    // kind, and for files the size and content hash.
    class tree_hasher {
    public:
        tree_hasher() { h_.update(std::string_view("flytecache-directory-v1\n")); }
        void directory(std::string_view relative) {
            h_.update(std::string_view("d ")).update(relative).update(std::string_view("\n"));
        }
        void file(std::string_view relative, std::uint64_t size, std::string_view file_hash) {
            const std::string size_text = std::to_string(size);
            h_.update(std::string_view("f ")).update(relative).update(std::string_view(" "));
            h_.update(std::string_view(size_text)).update(std::string_view(" "));
            h_.update(file_hash).update(std::string_view("\n"));
        }
        [[nodiscard]] std::string finish() { return h_.hex_digest(); }

    private:
        sha256 h_;
    };

    // Copies a directory tree and returns its hash (tree_hasher over what was copied).
    static std::string copy_tree(const std::filesystem::path& src,
                                 const std::filesystem::path& dst);

    // What a directory holds, as the manifest records it: a line per entry, "d <path>" or
    // "f <path> <size>". Cheap to recompute on a hit (no file is read).
    static std::string listing(const std::filesystem::path& dir);

    static std::optional<std::string> read_manifest(const std::filesystem::path& hash_dir);

    static void write_manifest(const std::filesystem::path& hash_dir, const std::string& text);

    // Older copies of the library sealed directory blobs (0555); make them removable.
    static void unseal_tree(const std::filesystem::path& p);

    static void remove_tree(const std::filesystem::path& p) {
        unseal_tree(p);
        std::error_code ec;
        std::filesystem::remove_all(p, ec);
    }

    static void remove_if_empty(const std::filesystem::path& dir) {
        std::error_code ec;
        if (std::filesystem::is_empty(dir, ec) && !ec) std::filesystem::remove(dir, ec);
    }

    static std::vector<std::filesystem::path> list(const std::filesystem::path& dir);

    static bool older_than(const std::filesystem::path& p, std::filesystem::file_time_type cutoff) {
        std::error_code ec;
        const auto t = std::filesystem::last_write_time(p, ec);
        return !ec && t < cutoff;
    }

    static std::uint64_t tree_size(const std::filesystem::path& p);

    // The hash directory's time is the blob's last placement: sweep spares recent ones.
    static void touch(const std::filesystem::path& dir) {
        std::error_code ec;
        std::filesystem::last_write_time(dir, std::filesystem::file_time_type::clock::now(), ec);
    }

    std::filesystem::path root_;
};

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/blob_area.ipp>
#endif
