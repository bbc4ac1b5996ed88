// flytecache — SHA-256 over labelled, length-prefixed fields: deterministic hashes of value types
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/sha256.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

constexpr std::string decimal_string(std::size_t value) {
    std::string digits;
    do {
        digits.insert(digits.begin(), static_cast<char>('0' + value % 10));
        value /= 10;
    } while (value != 0);
    return digits;
}

// Every field is written as "label:length:value\n", so no two different field sequences can feed
// the same bytes ("ab"+"c" and "a"+"bc" stay apart). The format is part of the stable hashes of
// image_spec and pod_template: changing it changes users' cache versions.
class field_hasher {
public:
    constexpr void field(std::string_view label, std::string_view value) {
        h_.update(label);
        h_.update(":");
        h_.update(decimal_string(value.size()));
        h_.update(":");
        h_.update(value);
        h_.update("\n");
    }

    /// An ordered list: its length, then each element.
    constexpr void list(std::string_view label, const std::vector<std::string>& values) {
        field(label, decimal_string(values.size()));
        for (const auto& v : values) field(label, v);
    }

    /// A name → value mapping whose order carries no meaning: hashed sorted by name.
    /// @throws invalid_argument when a name appears twice (which value counts would be ambiguous,
    ///         and sorting would hide the difference between two orders of the duplicates).
    constexpr void mapping(std::string_view label,
                           std::vector<std::pair<std::string, std::string>> entries) {
        std::sort(entries.begin(), entries.end());
        for (std::size_t i = 1; i < entries.size(); ++i) {
            if (entries[i].first == entries[i - 1].first) {
                throw invalid_argument("flytecache: the name '" + entries[i].first +
                                       "' appears twice in " + std::string(label) +
                                       "; give each name once");
            }
        }
        field(label, decimal_string(entries.size()));
        for (const auto& [k, v] : entries) {
            field(label, k);
            field(label, v);
        }
    }

    [[nodiscard]] constexpr sha256_digest finish() { return h_.finish(); }

private:
    sha256 h_;
};

} // namespace detail
FLYTECACHE_NAMESPACE_END
