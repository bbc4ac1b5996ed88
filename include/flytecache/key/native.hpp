// flytecache — the native cache-key scheme: the fastest stable key, for C++-only caches
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/protobuf.hpp>
#include <flytecache/hash/base64url.hpp>
#include <flytecache/hash/sha256.hpp>
#include <flytecache/literal/encode.hpp>
#include <flytecache/literal/literal.hpp>

#include <span>
#include <string>
#include <string_view>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace keys {

/// The fastest stable key flytecache makes, for caches that only C++ reads:
/// `{task_name}-{cache_version}-{43 characters of base64url}`.
///
/// Format: the suffix is unpadded base64url of SHA-256 over a protobuf-framed record — field 1 the
/// task name, field 2 the cache version, field 3 the deterministic encoding of the inputs with
/// flytekit's ignore and hash-placement rules applied. So it treats inputs exactly as
/// `flytekit_local` does (an input's hash stands for its value, ignored inputs never count), but
/// skips joblib's pickle framing and uses SHA-256 (hardware-accelerated where the CPU has SHA
/// extensions) instead of MD5; and because the name and version are hashed with their lengths, a
/// task "a-b" at version "c" and a task "a" at version "b-c" cannot collide, which the readable
/// prefix alone could.
///
/// Stability: the same inputs give the same key on every platform and in every release of this
/// major version (ABI namespace `flytecache::v0`); a change to the format would come with a new
/// ABI namespace, never silently. Stateless; safe to use from any thread.
struct native {
    [[nodiscard]] std::string make_key(std::string_view task_name, std::string_view cache_version,
                                       const literal_map& inputs,
                                       std::span<const std::string> ignored_inputs = {}) const {
        const sha256_digest digest = detail::with_scratch_writer([&](detail::proto_writer& w) {
            w.string_field(1, task_name);
            w.string_field(2, cache_version);
            const auto body = w.begin_message(3);
            detail::literal_encoder(w).flytekit_key_body(inputs, ignored_inputs);
            w.end_message(body);
            return sha256_of(std::as_const(w).bytes());
        });
        std::string key;
        key.reserve(task_name.size() + cache_version.size() + 45);
        key.append(task_name).append("-").append(cache_version).append("-");
        key.append(to_base64url(digest));
        return key;
    }
};

} // namespace keys
FLYTECACHE_NAMESPACE_END
