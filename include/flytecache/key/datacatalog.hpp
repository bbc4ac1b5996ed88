// flytecache — the Flyte backend's datacatalog artifact tag for a task's inputs
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/detail/json.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/base64url.hpp>
#include <flytecache/hash/objecthash.hpp>
#include <flytecache/hash/sha256.hpp>
#include <flytecache/key/hash_placement.hpp>
#include <flytecache/literal/json.hpp>
#include <flytecache/literal/literal.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

/// The Flyte datacatalog artifact tag for an input JSON document (the jsonpb form of the hashified
/// LiteralMap): "flyte_cached-" followed by the objecthash as unpadded base64url (43 characters).
inline std::string datacatalog_tag_from_json(const json_value& value) {
    const sha256_digest digest = objecthash(value);
    return "flyte_cached-" + to_base64url(std::span<const std::uint8_t>(digest));
}

} // namespace detail

/// The JSON value the Flyte backend hashes for these inputs (its jsonpb mapping of the hashified
/// LiteralMap).
/// @throws invalid_argument as keys::datacatalog::make_key.
[[nodiscard]] inline detail::json_value
datacatalog_json_value(const literal_map& inputs, std::span<const std::string> ignored = {}) {
    return detail::literal_json::literal_map_value(datacatalog_hashified_inputs(inputs, ignored));
}

namespace keys {

/// The Flyte backend's datacatalog artifact tag (flytepropeller `GenerateArtifactTagName`):
/// `flyte_cached-` + unpadded base64url of the objecthash of the jsonpb form of the hashified
/// inputs. Task name and version are not part of the tag (the backend keys the dataset by them);
/// `make_key` prefixes neither. Stateless; safe to use from any thread.
/// @throws invalid_argument for inputs the backend's marshaler refuses: a Timestamp whose nanos are
///         outside [0, 10⁹), a Duration whose nanos exceed ±999999999 or differ in sign from its
///         seconds (protobuf's wire format carries them, its JSON mapping does not).
struct datacatalog {
    [[nodiscard]] std::string make_key(std::string_view /*task_name*/,
                                       std::string_view /*cache_version*/,
                                       const literal_map& inputs,
                                       std::span<const std::string> ignored_inputs = {}) const {
        return detail::datacatalog_tag_from_json(datacatalog_json_value(inputs, ignored_inputs));
    }
};

} // namespace keys
FLYTECACHE_NAMESPACE_END
