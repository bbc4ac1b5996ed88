// flytecache — blob_area: content-addressed files and directories (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/store/blob_area.hpp>

#include <sys/file.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <fstream>
#include <iterator>

FLYTECACHE_NAMESPACE_BEGIN

FLYTECACHE_INLINE blob_area::blob_area(const std::filesystem::path& root) {
    if (root.empty()) throw invalid_argument("flytecache: a blob area needs a directory");
    std::error_code ec;
    root_ = std::filesystem::weakly_canonical(std::filesystem::absolute(root), ec);
    if (ec) root_ = std::filesystem::absolute(root).lexically_normal();
    // A trailing separator would make owns() and the paths it returns differ in spelling.
    if (!root_.has_filename()) root_ = root_.parent_path();
}

FLYTECACHE_INLINE std::filesystem::path blob_area::place(const std::filesystem::path& source) {
    std::error_code ec;
    if (source.empty()) throw invalid_argument("flytecache: an empty path names nothing");
    const auto status = std::filesystem::status(source, ec);
    if (ec || !std::filesystem::exists(status)) {
        throw invalid_argument("flytecache: '" + source.string() + "' does not exist");
    }
    const bool is_dir = std::filesystem::is_directory(status);
    if (!is_dir && !std::filesystem::is_regular_file(status)) {
        throw invalid_argument("flytecache: '" + source.string() +
                               "' is neither a regular file nor a directory");
    }
    if (is_dir && contains(canonical(source), root_)) {
        throw invalid_argument("flytecache: the directory '" + source.string() +
                               "' contains the cache's blob area; copying it would copy the "
                               "cache into itself");
    }
    const std::string name = output_name(source, is_dir);
    // A concurrent sweep may remove a hash directory between our creating it and renaming
    // into it: try again (a few times; sweeps spare what was placed within their grace).
    for (int attempt = 0;; ++attempt) {
        try {
            return place_once(source, is_dir, name);
        } catch (const store_error&) {
            if (attempt >= 4) throw;
        }
    }
}

FLYTECACHE_INLINE std::optional<std::filesystem::path>
blob_area::blob_of(const std::filesystem::path& path) const {
    const std::filesystem::path p = canonical(path);
    if (!contains(root_, p)) return std::nullopt;
    const std::filesystem::path rel = p.lexically_relative(root_);
    auto it = rel.begin();
    std::filesystem::path blob = root_;
    for (int level = 0; level < 3; ++level, ++it) {
        if (it == rel.end()) return std::nullopt;
        if (level == 0 && *it == temp_dir_name) return std::nullopt;
        if (level == 2 && *it == manifest_name) return std::nullopt;
        blob /= *it;
    }
    return blob;
}

FLYTECACHE_INLINE std::optional<std::string> blob_area::problem(const std::filesystem::path& path,
                                                                bool verify_content) const {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) {
        return "its output '" + path.string() + "' is gone";
    }
    if (!std::filesystem::is_regular_file(status) && !std::filesystem::is_directory(status)) {
        return "its output '" + path.string() + "' is no longer a file or directory";
    }
    const std::optional<std::filesystem::path> blob = blob_of(path);
    if (!blob) return std::nullopt;
    if (std::filesystem::is_directory(*blob, ec)) {
        const std::optional<std::string> manifest = read_manifest(blob->parent_path());
        if (!manifest) {
            return "its output directory '" + blob->string() + "' lost its manifest";
        }
        std::string actual;
        try {
            actual = listing(*blob);
        } catch (const error& e) {
            return "its output directory '" + blob->string() + "' cannot be read: " + e.what();
        }
        if (actual != *manifest) {
            return "its output directory '" + blob->string() +
                   "' no longer holds the files it was stored with";
        }
        return std::nullopt;
    }
    if (verify_content && canonical(path) == *blob) {
        const std::string placed_as = blob->parent_path().filename().string();
        std::string digest;
        try {
            digest = hash_file(*blob);
        } catch (const error& e) {
            return "its output '" + blob->string() + "' cannot be read: " + e.what();
        }
        if (digest != placed_as) {
            return "its output '" + blob->string() + "' was changed (its content hash is " +
                   digest + ")";
        }
    }
    return std::nullopt;
}

FLYTECACHE_INLINE blob_sweep_report blob_area::sweep(const std::set<std::string>& referenced,
                                                     std::chrono::duration<double> grace) {
    blob_sweep_report report;
    const auto grace_ticks =
        std::chrono::duration_cast<std::filesystem::file_time_type::duration>(grace);
    const auto settled = [&](const std::filesystem::path& p) {
        return older_than(p, std::filesystem::file_time_type::clock::now() - grace_ticks);
    };
    std::error_code ec;
    if (!std::filesystem::is_directory(root_, ec)) return report;
    for (const auto& prefix : list(root_)) {
        if (prefix.filename() == temp_dir_name) {
            for (const auto& t : list(prefix)) {
                if (settled(t)) {
                    remove_tree(t);
                    ++report.temporaries;
                }
            }
            continue;
        }
        for (const auto& hash_dir : list(prefix)) {
            std::size_t left = 0;
            const hash_dir_lock lock(hash_dir, true);
            for (const auto& blob : list(hash_dir)) {
                if (blob.filename() == manifest_name) continue;
                // With the lock held no placement is under way here, and the time says
                // whether one happened within the grace period.
                if (!lock.held() || referenced.count(blob.string()) != 0 || !settled(hash_dir)) {
                    ++report.kept;
                    ++left;
                    continue;
                }
                report.removed_bytes += tree_size(blob);
                remove_tree(blob);
                ++report.removed;
            }
            if (left == 0 && lock.held() && settled(hash_dir)) {
                std::filesystem::remove(hash_dir / manifest_name, ec);
                remove_if_empty(hash_dir);
            }
        }
        remove_if_empty(prefix);
    }
    return report;
}

FLYTECACHE_INLINE std::size_t blob_area::clear() {
    std::size_t removed = 0;
    std::error_code ec;
    if (!std::filesystem::is_directory(root_, ec)) return 0;
    for (const auto& prefix : list(root_)) {
        if (prefix.filename() != temp_dir_name) {
            for (const auto& hash_dir : list(prefix)) {
                for (const auto& blob : list(hash_dir)) {
                    removed += blob.filename() == manifest_name ? 0U : 1U;
                }
            }
        }
        remove_tree(prefix);
    }
    return removed;
}

FLYTECACHE_INLINE std::string blob_area::hash_content(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        tree_hasher h;
        for (const auto& e : tree(path)) {
            if (e.directory) {
                h.directory(e.relative);
            } else {
                const std::filesystem::path file = path / e.relative;
                h.file(e.relative, std::filesystem::file_size(file, ec), hash_file(file));
            }
        }
        return h.finish();
    }
    return hash_file(path);
}

FLYTECACHE_INLINE std::string blob_area::hash_file(const std::filesystem::path& path) {
    detail::unique_fd in = detail::open_file(path, O_RDONLY);
    sha256 h;
    std::array<char, chunk_size> buffer{};
    while (const std::size_t n = detail::read_some(in.get(), buffer, path)) {
        h.update(std::string_view(buffer.data(), n));
    }
    return h.hex_digest();
}

FLYTECACHE_INLINE std::filesystem::path blob_area::canonical(const std::filesystem::path& p) {
    std::error_code ec;
    std::filesystem::path out = std::filesystem::weakly_canonical(p, ec);
    if (ec) out = std::filesystem::absolute(p, ec).lexically_normal();
    return out;
}

FLYTECACHE_INLINE bool blob_area::contains(const std::filesystem::path& outer,
                                           const std::filesystem::path& inner) {
    auto o = outer.begin();
    auto i = inner.begin();
    for (; o != outer.end(); ++o, ++i) {
        if (o->empty()) continue; // a trailing separator
        if (i == inner.end() || *i != *o) return false;
    }
    return i != inner.end();
}

FLYTECACHE_INLINE std::filesystem::path
blob_area::place_once(const std::filesystem::path& source, bool is_dir, const std::string& name) {
    const std::filesystem::path tmp_dir = root_ / temp_dir_name;
    create_dirs(tmp_dir);
    const std::filesystem::path tmp = tmp_dir / detail::unique_name("");
    std::string hash;
    std::string manifest;
    try {
        if (is_dir) {
            hash = copy_tree(source, tmp);
            manifest = listing(tmp);
        } else {
            hash = copy_file(source, tmp);
        }
    } catch (...) {
        remove_tree(tmp);
        throw;
    }
    const std::filesystem::path hash_dir = root_ / hash.substr(0, 2) / hash;
    const std::filesystem::path target = hash_dir / name;
    try {
        create_dirs(hash_dir);
        // Shared with other placements, exclusive with a sweep of this hash directory: once
        // held, no sweep removes this blob, and the time set here spares it afterwards.
        const hash_dir_lock lock(hash_dir, false);
        touch(hash_dir);
        if (is_dir) {
            const std::optional<std::string> existing = read_manifest(hash_dir);
            std::error_code ec;
            if (std::filesystem::exists(target, ec) &&
                !(existing && *existing == manifest && listing(target) == manifest)) {
                remove_tree(target); // damaged (another tool removed files from it)
            }
            write_manifest(hash_dir, manifest);
        }
        if (::rename(tmp.c_str(), target.c_str()) != 0) {
            const int err = errno;
            std::error_code exists_ec;
            // A directory already there (another writer placed equal content) stays; ours
            // goes. A file is replaced atomically by rename, so only directories end up here.
            if (!((err == EEXIST || err == ENOTEMPTY) &&
                  std::filesystem::is_directory(target, exists_ec))) {
                throw store_error("flytecache: cannot move a copy of '" + source.string() +
                                  "' into place at " + target.string() + ": " +
                                  detail::errno_text(err));
            }
            remove_tree(tmp);
        }
        detail::fsync_directory(hash_dir);
        detail::fsync_directory(hash_dir.parent_path());
        std::error_code ec;
        if (!std::filesystem::exists(target, ec)) {
            throw store_error("flytecache: a copy placed at " + target.string() +
                              " was removed at once (a concurrent sweep)");
        }
    } catch (...) {
        remove_tree(tmp);
        throw;
    }
    return target;
}

FLYTECACHE_INLINE blob_area::hash_dir_lock::hash_dir_lock(const std::filesystem::path& dir,
                                                          bool exclusive)
    : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (!fd_) {
        // The directory went (a sweep removed it): the caller's next step fails and
        // retries; a sweep has nothing to remove there.
        return;
    }
    int rc = 0;
    do {
        rc = ::flock(fd_.get(), exclusive ? (LOCK_EX | LOCK_NB) : LOCK_SH);
    } while (rc != 0 && errno == EINTR);
    held_ = rc == 0;
}

FLYTECACHE_INLINE std::string blob_area::output_name(const std::filesystem::path& source,
                                                     bool is_dir) {
    std::filesystem::path p = source.lexically_normal();
    if (!p.has_filename()) p = p.parent_path(); // "dir/" names "dir"
    std::string name = p.filename().string();
    if (name.empty() || name == "." || name == "..") {
        name = canonical(source).filename().string();
    }
    if (name.empty() || name == "." || name == ".." || name == manifest_name) {
        name = is_dir ? "directory" : "file";
    }
    return name;
}

FLYTECACHE_INLINE void blob_area::create_dirs(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        throw store_error("flytecache: cannot create the blob directory " + dir.string() + ": " +
                          ec.message());
    }
}

FLYTECACHE_INLINE std::string blob_area::copy_file(const std::filesystem::path& src,
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

FLYTECACHE_INLINE void blob_area::walk(const std::filesystem::path& dir, const std::string& prefix,
                                       std::vector<tree_entry>& out) {
    std::error_code ec;
    std::vector<std::filesystem::directory_entry> entries;
    for (auto it = std::filesystem::directory_iterator(dir, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        entries.push_back(*it);
    }
    if (ec) {
        throw store_error("flytecache: cannot list the directory " + dir.string() + ": " +
                          ec.message());
    }
    for (const auto& e : entries) {
        const std::string rel = prefix + e.path().filename().string();
        const bool link = e.is_symlink(ec);
        const auto status = std::filesystem::status(e.path(), ec);
        if (!ec && std::filesystem::is_regular_file(status)) {
            out.push_back({rel, false});
        } else if (!ec && !link && std::filesystem::is_directory(status)) {
            out.push_back({rel, true});
            walk(e.path(), rel + "/", out);
        } else {
            throw invalid_argument(
                "flytecache: '" + e.path().string() + "' in an output directory is " +
                (link && !ec && std::filesystem::is_directory(status)
                     ? std::string("a link to a directory, which is not followed")
                     : std::string("neither a regular file nor a directory")));
        }
    }
}

FLYTECACHE_INLINE std::vector<blob_area::tree_entry>
blob_area::tree(const std::filesystem::path& dir) {
    std::vector<tree_entry> out;
    walk(dir, "", out);
    std::sort(out.begin(), out.end(),
              [](const tree_entry& a, const tree_entry& b) { return a.relative < b.relative; });
    return out;
}

FLYTECACHE_INLINE std::string blob_area::copy_tree(const std::filesystem::path& src,
                                                   const std::filesystem::path& dst) {
    const std::vector<tree_entry> entries = tree(src);
    create_dirs(dst);
    tree_hasher h;
    for (const auto& e : entries) {
        if (e.directory) {
            create_dirs(dst / e.relative);
            h.directory(e.relative);
        } else {
            const std::string file_hash = copy_file(src / e.relative, dst / e.relative);
            h.file(e.relative, std::filesystem::file_size(dst / e.relative), file_hash);
        }
    }
    return h.finish();
}

FLYTECACHE_INLINE std::string blob_area::listing(const std::filesystem::path& dir) {
    std::string out;
    for (const auto& e : tree(dir)) {
        if (e.directory) {
            out += "d " + e.relative + "\n";
        } else {
            std::error_code ec;
            const auto size = std::filesystem::file_size(dir / e.relative, ec);
            out += "f " + e.relative + " " + (ec ? std::string("?") : std::to_string(size)) + "\n";
        }
    }
    return out;
}

FLYTECACHE_INLINE std::optional<std::string>
blob_area::read_manifest(const std::filesystem::path& hash_dir) {
    std::ifstream in(hash_dir / manifest_name, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

FLYTECACHE_INLINE void blob_area::write_manifest(const std::filesystem::path& hash_dir,
                                                 const std::string& text) {
    const std::filesystem::path tmp = hash_dir / (std::string(manifest_name) + ".tmp");
    {
        detail::unique_fd out = detail::open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        detail::write_all(out.get(), text, tmp);
        detail::fsync_fd(out.get(), tmp);
    }
    if (::rename(tmp.c_str(), (hash_dir / manifest_name).c_str()) != 0) {
        const int err = errno;
        throw store_error("flytecache: cannot write the manifest in " + hash_dir.string() + ": " +
                          detail::errno_text(err));
    }
}

FLYTECACHE_INLINE void blob_area::unseal_tree(const std::filesystem::path& p) {
    std::error_code ec;
    if (!std::filesystem::is_directory(std::filesystem::symlink_status(p, ec))) return;
    ::chmod(p.c_str(), 0755);
    for (auto it = std::filesystem::recursive_directory_iterator(p, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0755);
    }
}

FLYTECACHE_INLINE std::vector<std::filesystem::path>
blob_area::list(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(dir, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        out.push_back(it->path());
    }
    return out;
}

FLYTECACHE_INLINE std::uint64_t blob_area::tree_size(const std::filesystem::path& p) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) return std::filesystem::file_size(p, ec);
    std::uint64_t total = 0;
    for (auto it = std::filesystem::recursive_directory_iterator(p, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) total += it->file_size(ec);
    }
    return total;
}

FLYTECACHE_NAMESPACE_END
