// flytecache — hash placement: a literal's hash standing for its value in a key
// SPDX-License-Identifier: MIT
#pragma once

// Hash placement: how flytekit and the Flyte backend let a literal's hash stand for its value
// before inputs are hashed into a key.

#include <flytecache/config.hpp>
#include <flytecache/literal/literal.hpp>

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>

FLYTECACHE_NAMESPACE_BEGIN

/// Which hashes count: flytekit treats any hash that is not None as one (even ""), the backend
/// only a non-empty one. That is the only difference between their placements.
enum class hash_rule { flytekit, datacatalog };

/// Hash placement (flytekit `_recursive_hash_placement`, flyteplugins `catalog.HashLiteralMap`):
/// a literal whose hash counts stands for its value and becomes a literal carrying only that hash;
/// collections and maps are rebuilt from their placed elements and lose their own metadata;
/// everything else (scalars, including union scalars, whose value is not descended into, and
/// offloaded literals) is kept as it is.
[[nodiscard]] literal place_hash(const literal& l, hash_rule rule);

/// The map a key is computed over: inputs named in `ignored` dropped (names that are not inputs
/// have no effect), hashes placed by `rule`.
[[nodiscard]] literal_map place_hashes(const literal_map& inputs,
                                       std::span<const std::string> ignored, hash_rule rule);

// The rule has one definition: place_hash above. The datacatalog key materializes it
// (datacatalog_hashified_inputs, below). flytekit's local key does not build the placed map: its
// hot path, literal_encoder::flytekit_key_body (literal/encode.hpp), writes the encoding of
// flytekit_effective_inputs directly. The two flytekit helpers below are therefore the *reference*
// for that encoder — tests/unit/keys.cpp checks on every golden vector that both give the same
// bytes — and a convenience for custom key schemes (docs/key_schemes.md).

/// flytekit's placement of one literal (reference; see above).
[[nodiscard]] inline literal flytekit_place_hash(const literal& l) {
    return place_hash(l, hash_rule::flytekit);
}

/// The map flytekit serializes for a local cache key (reference for
/// literal_encoder::flytekit_key_body, which encodes this map without building it).
[[nodiscard]] inline literal_map flytekit_effective_inputs(const literal_map& inputs,
                                                           std::span<const std::string> ignored) {
    return place_hashes(inputs, ignored, hash_rule::flytekit);
}

/// The backend's placement of one literal.
[[nodiscard]] inline literal datacatalog_place_hash(const literal& l) {
    return place_hash(l, hash_rule::datacatalog);
}

/// The map the backend hashes for a datacatalog tag.
[[nodiscard]] inline literal_map
datacatalog_hashified_inputs(const literal_map& inputs, std::span<const std::string> ignored) {
    return place_hashes(inputs, ignored, hash_rule::datacatalog);
}

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/key/hash_placement.ipp>
#endif
