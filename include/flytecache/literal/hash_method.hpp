// flytecache — hashed<T, HashFn>: a value with a user-computed hash (flytekit's HashMethod)
// SPDX-License-Identifier: MIT
#pragma once

// hashed<T, HashFn>: a value whose literal carries a user-computed hash (flytekit's HashMethod).

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/sha256.hpp>
#include <flytecache/literal/file.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/literal/literal_traits.hpp>

#include <array>
#include <cerrno>
#include <concepts>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN

// flytekit's `Annotated[T, HashMethod(fn)]` sets `literal.hash = fn(value)` when it converts the
// value. Cache keys then use the hash instead of the value (flytekit's hash placement, see
// key/flytekit_local.hpp): two values with equal hashes share cache entries, whatever else differs.
// The typical use is a file: hash its bytes, and a moved or re-uploaded copy still hits the cache,
// while an edited one misses.

/// A value together with the function that computes its content hash.
///
/// Converting it to a literal gives T's literal with `hash = hash_fn(value)`. `HashFn` is called
/// as `std::invoke(hash_fn, value)` and must return something convertible to std::string; it runs
/// on every conversion, never earlier, so the hash always describes the value as it is then.
/// Its Flyte type is T's. Reading it back (`from_literal`) needs a default-constructible HashFn.
/// Thread safety: as safe as calling `hash_fn` concurrently (a pure function is fine).
template <class T, class HashFn>
struct hashed {
    T value;
    HashFn hash_fn;
};

template <class T, class HashFn>
hashed(T, HashFn) -> hashed<T, HashFn>;

/// `hashed{value, hash_fn}` with the types decayed: `with_hash(df, [](const frame& f) { … })`.
template <class T, class HashFn>
    requires std::invocable<const std::decay_t<HashFn>&, const std::decay_t<T>&>
[[nodiscard]] hashed<std::decay_t<T>, std::decay_t<HashFn>> with_hash(T&& value, HashFn&& hash_fn) {
    return {std::forward<T>(value), std::forward<HashFn>(hash_fn)};
}

/// The literal of the inner value, with `hash` set by the hash function.
template <class T, class HashFn>
struct literal_traits<hashed<T, HashFn>> {
    static constexpr std::string_view tag = detail::literal_tag<T>();

    static literal to_literal(const hashed<T, HashFn>& value) {
        static_assert(
            std::convertible_to<std::invoke_result_t<const HashFn&, const T&>, std::string>,
            "flytecache: a hash function must be callable as 'hash_fn(const T&)' and "
            "return something convertible to std::string");
        literal l = literal_traits<T>::to_literal(value.value);
        l.hash = std::string(std::invoke(value.hash_fn, value.value));
        return l;
    }

    static hashed<T, HashFn> from_literal(const literal& l)
        requires std::default_initializable<HashFn>
    {
        return {literal_traits<T>::from_literal(l), HashFn{}};
    }

    static literal_type type() { return literal_traits<T>::type(); }
};

/// SHA-256 (lowercase hex) of a local file's bytes: the content hash for `flytecache::file`.
///
/// The file is streamed in 64 KiB chunks, never loaded whole. Equal bytes give equal hashes
/// whatever the file's path or name, so a cache key over `hashed_file(p)` survives moving and
/// renaming the file and changes when one byte changes.
/// @throws invalid_argument naming the path when it is not a readable regular file (a remote URI
/// cannot be hashed locally) or a read fails.
/// Thread safety: stateless; concurrent calls are safe (on files nobody is writing).
struct file_content_hash {
    [[nodiscard]] std::string operator()(const file& f) const { return of(f.path()); }

    /// The content hash of the file at `path`.
    [[nodiscard]] static std::string of(const std::filesystem::path& path) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec)) {
            throw invalid_argument("flytecache: cannot hash the content of '" + path.string() +
                                   "': " + (ec ? ec.message() : std::string("not a regular file")));
        }
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            throw invalid_argument("flytecache: cannot open '" + path.string() +
                                   "' to hash its content: " + std::strerror(errno));
        }
        sha256 hasher;
        std::array<char, std::size_t{64} * 1024> chunk{};
        while (in) {
            in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
            const std::streamsize got = in.gcount();
            if (got > 0)
                hasher.update(std::string_view(chunk.data(), static_cast<std::size_t>(got)));
        }
        if (in.bad()) {
            throw invalid_argument("flytecache: reading '" + path.string() +
                                   "' to hash its content failed");
        }
        return hasher.hex_digest();
    }
};

/// `f` with its content hash attached: its literal is the Blob literal with `hash` = SHA-256 hex
/// of the file's bytes, computed when the literal is made.
[[nodiscard]] inline hashed<file, file_content_hash> with_content_hash(file f) {
    return {std::move(f), file_content_hash{}};
}

/// `with_content_hash(file{path, format})`: the input to pass for a file whose content, not
/// location, should decide cache hits.
[[nodiscard]] inline hashed<file, file_content_hash> hashed_file(const std::filesystem::path& path,
                                                                 std::string format = {}) {
    return with_content_hash(file(path, std::move(format)));
}

/// A file whose content, not its path, is its identity in cache keys: the type to declare a task
/// parameter with when the task reads the file.
///
/// Its literal is the file's Blob literal with `hash` = SHA-256 hex of the bytes, computed each
/// time the call's key is made, so a call hits exactly when the bytes are equal — moving or
/// renaming the file keeps the hit, changing one byte misses, and a file rewritten in place with
/// new data is never mistaken for the old one (a plain `file` parameter is keyed by its path, so
/// it would be). Arguments: `hashed_file(path)`, a `file` (such as an upstream task's output), or
/// another `content_file`. The Flyte type is `file`'s (a Blob), as flytekit's
/// `Annotated[FlyteFile, HashMethod(...)]`.
/// Thread safety: a value type; converting it reads the file, so nobody may be writing it then.
struct content_file : hashed<file, file_content_hash> {
    content_file() = default;
    content_file(file f) // NOLINT(google-explicit-constructor): a file is what it wraps
        : hashed<file, file_content_hash>{std::move(f), {}} {}
    content_file(hashed<file, file_content_hash> h) // NOLINT(google-explicit-constructor)
        : hashed<file, file_content_hash>(std::move(h)) {}

    /// The file's path.
    [[nodiscard]] std::filesystem::path path() const { return value.path(); }
    friend bool operator==(const content_file& a, const content_file& b) {
        return a.value == b.value;
    }
};

/// A content_file's literal is its hashed file's.
template <>
struct literal_traits<content_file> {
    static constexpr std::string_view tag = literal_traits<file>::tag;
    static literal to_literal(const content_file& f) {
        return literal_traits<hashed<file, file_content_hash>>::to_literal(f);
    }
    static content_file from_literal(const literal& l) {
        return content_file(literal_traits<file>::from_literal(l));
    }
    static literal_type type() { return literal_traits<file>::type(); }
};

FLYTECACHE_NAMESPACE_END
