// flytecache — file and directory: the C++ counterparts of flytekit's FlyteFile and FlyteDirectory
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>

#include <filesystem>
#include <string>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN

// A task input that names data rather than holding it: flytekit passes files and directories as
// Blob literals carrying a URI, so a C++ value needs exactly that: where (a local path or a remote
// URI such as "s3://bucket/key") and in which format. The URI is kept as written, not as a
// std::filesystem::path, because remote URIs are not paths and the cache key hashes the string.

/// A single file (flytekit `FlyteFile`): converts to a Blob literal of dimensionality SINGLE.
///
/// `format` is the Blob's format ("" = any, flytekit's default; "csv", "jpeg", … otherwise).
/// The literal carries no content hash: moving the file changes a cache key, editing it does not.
/// Use `with_content_hash(file)` / `hashed_file(path)` (literal/hash_method.hpp) for the opposite.
/// Thread safety: a value type; concurrent reads are safe.
struct file {
    std::string uri;
    std::string format;

    file() = default;
    file(const char* uri_value, std::string format_value = {})
        : uri(uri_value), format(std::move(format_value)) {} // NOLINT: implicit by design
    file(std::string uri_value, std::string format_value = {})
        : uri(std::move(uri_value)), format(std::move(format_value)) {} // NOLINT
    /// A local path, stored as its generic (forward-slash) string.
    file(const std::filesystem::path& path,
         std::string format_value = {}) // NOLINT: implicit by design
        : uri(path.generic_string()), format(std::move(format_value)) {}

    /// The URI as a local filesystem path (meaningful only when it is one).
    [[nodiscard]] std::filesystem::path path() const { return std::filesystem::path(uri); }

    friend bool operator==(const file&, const file&) = default;
};

/// A directory (flytekit `FlyteDirectory`): converts to a Blob literal of dimensionality MULTIPART.
///
/// Same fields and guarantees as `file`. Thread safety: a value type; concurrent reads are safe.
struct directory {
    std::string uri;
    std::string format;

    directory() = default;
    directory(const char* uri_value, std::string format_value = {})
        : uri(uri_value), format(std::move(format_value)) {}        // NOLINT
    directory(std::string uri_value, std::string format_value = {}) // NOLINT: implicit by design
        : uri(std::move(uri_value)), format(std::move(format_value)) {}
    directory(const std::filesystem::path& path,
              std::string format_value = {}) // NOLINT: implicit by design
        : uri(path.generic_string()), format(std::move(format_value)) {}

    /// The URI as a local filesystem path (meaningful only when it is one).
    [[nodiscard]] std::filesystem::path path() const { return std::filesystem::path(uri); }

    friend bool operator==(const directory&, const directory&) = default;
};

FLYTECACHE_NAMESPACE_END
