// flytecache — image_spec: a container image described by its contents (flytekit's ImageSpec)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/base64url.hpp>
#include <flytecache/hash/field_hasher.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// A container image described by what goes into it, as flytekit's `ImageSpec` does.
///
/// `image_name()` gives `[registry/]name:tag`. The tag is `tag` when set; otherwise it is derived
/// from the spec's contents (`spec_hash()`), optionally shaped by `tag_format`, so that a change in
/// packages, commands, environment or base image gives a new name and therefore a new cache version
/// under the `image` policy.
///
/// The spec hash is flytecache's own (SHA-256 over a length-prefixed encoding of the content
/// fields, base64url): it is stable across releases of flytecache and platforms, but it is not the
/// string flytekit's Python ImageSpec computes, which hashes Python-specific fields. Give the same
/// explicit `tag` on both sides when a C++ and a Python task must agree on an image name.
///
/// A plain value type, usable in constant evaluation. Thread safety: like any value type,
/// concurrent reads are safe; writes need exclusive access.
struct image_spec {
    std::string name = "flytekit"; ///< repository name, flytekit's default
    std::string registry;          ///< e.g. "ghcr.io/acme"; empty for none
    std::string tag;               ///< explicit tag; empty: derived from the spec
    std::string tag_format; ///< derived tags only; "{spec_hash}" is replaced, empty = "{spec_hash}"
    std::string base_image; ///< image this one builds on; empty for the builder's default
    std::string platform = "linux/amd64";
    std::vector<std::string> packages;                    ///< installed in order
    std::vector<std::string> apt_packages;                ///< installed in order
    std::vector<std::pair<std::string, std::string>> env; ///< order does not matter
    std::vector<std::string> commands;                    ///< run in order while building

    /// Hash of the content fields: name, base image, platform, packages, apt packages, environment
    /// (sorted by name) and commands. Registry and tag fields are not content and do not count.
    /// 43 characters of base64url in which '-' is replaced by '_', so the hash can start a tag.
    /// @throws invalid_argument when an environment variable is given twice.
    [[nodiscard]] constexpr std::string spec_hash() const {
        detail::field_hasher h;
        h.field("name", name);
        h.field("base_image", base_image);
        h.field("platform", platform);
        h.list("packages", packages);
        h.list("apt_packages", apt_packages);
        h.mapping("env", env);
        h.list("commands", commands);
        std::string out = to_base64url(h.finish());
        std::replace(out.begin(), out.end(), '-', '_');
        return out;
    }

    /// The full image name with its tag, `[registry/]name:tag` (flytekit's `image_name()`).
    /// @throws invalid_argument when `name` is empty or an environment variable is given twice.
    [[nodiscard]] constexpr std::string image_name() const {
        if (name.empty()) {
            throw invalid_argument("flytecache: image_spec.name is empty; give the image a name");
        }
        std::string result;
        if (!registry.empty()) {
            result += registry;
            result += '/';
        }
        result += name;
        result += ':';
        result += resolved_tag();
        return result;
    }

    /// The tag `image_name()` uses.
    [[nodiscard]] constexpr std::string resolved_tag() const {
        if (!tag.empty()) return tag;
        std::string hash = spec_hash();
        if (tag_format.empty()) return hash;
        constexpr std::string_view placeholder = "{spec_hash}";
        std::string result = tag_format;
        for (auto pos = result.find(placeholder); pos != std::string::npos;
             pos = result.find(placeholder, pos + hash.size())) {
            result.replace(pos, placeholder.size(), hash);
        }
        return result;
    }

    friend constexpr bool operator==(const image_spec&, const image_spec&) = default;
};

FLYTECACHE_NAMESPACE_END
