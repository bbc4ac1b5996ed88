// flytecache — CLI: a flytekit local cache key taken apart into task name, version and input hash
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flytecache_cli {

/// One way to read the part of a key before its input hash.
struct key_split {
    std::string task;
    std::string version;
    /// Why this reading is the likely one (empty when it is not).
    std::string likely_because;
};

/// The parts of a key as `keys::flytekit_local` forms it: `{task}-{version}-{md5 hex}`.
///
/// The md5 of the inputs is always the last 32 characters, but task names and versions are free
/// text joined by '-', so when either contains '-' the key alone does not say where one ends: every
/// '-' before the hash is a possible boundary. The readings are kept as boundary positions and
/// built on demand, so a key with thousands of dashes costs time and memory linear in its length.
struct key_parts {
    std::string head; ///< the key without "-{input hash}"
    std::string input_hash;
    std::vector<std::size_t> boundaries; ///< each '-' in `head` that may end the task name
    std::optional<std::size_t> likely;   ///< index of the one reading that stands out, if any
    std::string likely_because;          ///< why (for `likely`)

    [[nodiscard]] bool ambiguous() const noexcept { return boundaries.size() > 1; }
    [[nodiscard]] std::size_t readings() const noexcept { return boundaries.size(); }
    /// Reading `i`, in order of the task name's length.
    [[nodiscard]] key_split reading(std::size_t i) const {
        const std::size_t dash = boundaries.at(i);
        return {head.substr(0, dash), head.substr(dash + 1),
                likely == i ? likely_because : std::string()};
    }
};

namespace util {

inline bool is_lower_hex(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

inline bool is_identifier(std::string_view s) {
    if (s.empty() || (s[0] >= '0' && s[0] <= '9')) {
        return false;
    }
    for (const char c : s) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_')) {
            return false;
        }
    }
    return true;
}

// flytekit names a task after its Python function, `module.path.function`.
inline bool is_dotted_name(std::string_view s) {
    bool dotted = false;
    for (std::size_t start = 0;;) {
        const std::size_t dot = s.find('.', start);
        if (!is_identifier(s.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
            return false;
        }
        if (dot == std::string_view::npos) {
            return dotted;
        }
        dotted = true;
        start = dot + 1;
    }
}

} // namespace util

/// Takes `key` apart, or says why it is not a flytekit local cache key. Linear in the key's length.
/// @returns the parts, or an empty optional with `why` set.
[[nodiscard]] inline std::optional<key_parts> parse_flytekit_key(std::string_view key,
                                                                 std::string& why) {
    constexpr std::size_t hash_size = 32; // md5 in hex
    if (key.size() < hash_size + 3 || key[key.size() - hash_size - 1] != '-' ||
        !util::is_lower_hex(key.substr(key.size() - hash_size))) {
        why = "it does not end in '-' and the 32 hex digits of the inputs' md5";
        return std::nullopt;
    }
    key_parts parts;
    parts.input_hash = std::string(key.substr(key.size() - hash_size));
    parts.head = std::string(key.substr(0, key.size() - hash_size - 1));
    const std::string_view head = parts.head;
    for (std::size_t dash = head.find('-'); dash != std::string_view::npos;
         dash = head.find('-', dash + 1)) {
        if (dash != 0) { // a task name is never empty
            parts.boundaries.push_back(dash);
        }
    }
    if (parts.boundaries.empty()) {
        why = "there is no '-' between a task name and a version before the input hash";
        return std::nullopt;
    }
    if (!parts.ambiguous()) {
        parts.likely = 0;
        return parts;
    }
    // The evidence flytekit's own naming gives: task names are dotted Python names, and versions
    // computed from cache policies are SHA-256 hex digests. A reading is picked only when it alone
    // has the most evidence. Only the first reading's task can be a dotted name (every later one
    // contains a '-'), and only the reading whose version is 64 characters long can be a digest,
    // so at most two readings are examined.
    std::vector<std::pair<std::size_t, int>> scored; // (reading, score)
    std::vector<std::string> because;
    const auto add = [&](std::size_t i, const std::string& why_likely) {
        for (std::size_t k = 0; k < scored.size(); ++k) {
            if (scored[k].first == i) {
                ++scored[k].second;
                because[k] += " and " + why_likely;
                return;
            }
        }
        scored.emplace_back(i, 1);
        because.push_back(why_likely);
    };
    if (util::is_dotted_name(head.substr(0, parts.boundaries.front()))) {
        add(0, "the task is a dotted Python name");
    }
    if (head.size() > 65 && head[head.size() - 65] == '-' &&
        util::is_lower_hex(head.substr(head.size() - 64))) {
        const auto it =
            std::find(parts.boundaries.begin(), parts.boundaries.end(), head.size() - 65);
        if (it != parts.boundaries.end()) {
            add(static_cast<std::size_t>(it - parts.boundaries.begin()),
                "the version is a SHA-256 digest, as cache policies compute");
        }
    }
    int best = 0;
    for (const auto& [i, score] : scored) best = std::max(best, score);
    std::size_t at_best = 0;
    for (std::size_t k = 0; k < scored.size(); ++k) {
        if (scored[k].second == best) {
            parts.likely = scored[k].first;
            parts.likely_because = because[k];
            ++at_best;
        }
    }
    // With no evidence, or the same evidence for two readings (each read differently), none
    // stands out.
    if (best == 0 || at_best != 1 || (scored.size() == 2 && scored[0].second == scored[1].second)) {
        parts.likely.reset();
        parts.likely_because.clear();
    }
    return parts;
}

/// The one reading of `key` that names its task and version: the only one, or the likely one
/// (see parse_flytekit_key); empty for keys that are not flytekit's or that read several ways with
/// none standing out. What prune groups by: it must not guess.
[[nodiscard]] inline std::optional<key_split> key_identity(std::string_view key) {
    std::string why;
    auto parts = parse_flytekit_key(key, why);
    if (!parts || !parts->likely) {
        return std::nullopt;
    }
    return parts->reading(*parts->likely);
}

/// `--task NAME` and `--version V`: which flytekit keys a command acts on.
struct key_filter {
    std::optional<std::string> task;
    std::optional<std::string> version;

    [[nodiscard]] bool empty() const noexcept { return !task && !version; }

    /// Whether `key` reads as `{task}-{version}-{input hash}` with the given task and version.
    /// A key whose task or version contains '-' reads several ways (see explain); it matches when
    /// any reading does, since the key alone cannot tell which one flytekit wrote. Keys that are
    /// not flytekit's never match a filter.
    [[nodiscard]] bool matches(std::string_view key) const {
        std::string why;
        const auto parts = parse_flytekit_key(key, why);
        if (!parts) {
            return false;
        }
        // At most one reading has a given task name (its length fixes the boundary), and at most
        // one a given version: no reading needs building.
        const std::string_view head = parts->head;
        const auto boundary_ok = [&](std::size_t dash) {
            return std::binary_search(parts->boundaries.begin(), parts->boundaries.end(), dash);
        };
        if (task) {
            const std::size_t dash = task->size();
            return dash < head.size() && head.substr(0, dash) == *task && boundary_ok(dash) &&
                   (!version || head.substr(dash + 1) == *version);
        }
        if (version) {
            if (version->size() + 1 >= head.size()) return false;
            const std::size_t dash = head.size() - version->size() - 1;
            return head.substr(dash + 1) == *version && boundary_ok(dash);
        }
        return true;
    }

    /// "task 'a', version '1'", for messages.
    [[nodiscard]] std::string describe() const {
        std::string out;
        if (task) {
            out += "task '" + *task + "'";
        }
        if (version) {
            out += std::string(out.empty() ? "" : ", ") + "version '" + *version + "'";
        }
        return out;
    }
};

} // namespace flytecache_cli
