// flytecache — the flytekit local cache key: {task}-{version}-{joblib md5 of the inputs}
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/hash/joblib.hpp>
#include <flytecache/key/hash_placement.hpp>
#include <flytecache/literal/encode.hpp>
#include <flytecache/literal/literal.hpp>

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

FLYTECACHE_NAMESPACE_BEGIN

namespace keys {

/// flytekit's local cache key (`flytekit.core.local_cache._calculate_cache_key`), byte for byte:
/// `{task_name}-{cache_version}-{md5 hex of joblib's pickle framing of the deterministic protobuf
/// encoding of the effective inputs}`. The default scheme: C++ and Python tasks of the same name
/// and version share entries. Stateless; safe to use from any thread.
struct flytekit_local {
    [[nodiscard]] std::string make_key(std::string_view task_name, std::string_view cache_version,
                                       const literal_map& inputs,
                                       std::span<const std::string> ignored_inputs = {}) const {
        const std::string digest = detail::with_scratch_writer([&](detail::proto_writer& w) {
            detail::literal_encoder(w).flytekit_key_body(inputs, ignored_inputs);
            return joblib_hash(std::as_const(w).bytes());
        });
        std::string key;
        key.reserve(task_name.size() + cache_version.size() + 34);
        key.append(task_name).append("-").append(cache_version).append("-").append(digest);
        return key;
    }
};

} // namespace keys
FLYTECACHE_NAMESPACE_END
