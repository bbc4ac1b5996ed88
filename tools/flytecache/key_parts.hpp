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
/// '-' before the hash is a possible boundary, and all of them are listed.
struct key_parts {
    std::string input_hash;
    std::vector<key_split> candidates; ///< in order of the task's length; at least one
    std::optional<std::size_t> likely; ///< index of the one reading that stands out, if any

    [[nodiscard]] bool ambiguous() const noexcept { return candidates.size() > 1; }
};

namespace detail {

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

} // namespace detail

/// Takes `key` apart, or says why it is not a flytekit local cache key.
/// @returns the parts, or an empty optional with `why` set.
[[nodiscard]] inline std::optional<key_parts> parse_flytekit_key(std::string_view key,
                                                                 std::string& why) {
    constexpr std::size_t hash_size = 32; // md5 in hex
    if (key.size() < hash_size + 3 || key[key.size() - hash_size - 1] != '-' ||
        !detail::is_lower_hex(key.substr(key.size() - hash_size))) {
        why = "it does not end in '-' and the 32 hex digits of the inputs' md5";
        return std::nullopt;
    }
    key_parts parts;
    parts.input_hash = std::string(key.substr(key.size() - hash_size));
    const std::string_view head = key.substr(0, key.size() - hash_size - 1);
    for (std::size_t dash = head.find('-'); dash != std::string_view::npos;
         dash = head.find('-', dash + 1)) {
        if (dash == 0) {
            continue; // a task name is never empty
        }
        parts.candidates.push_back(
            {std::string(head.substr(0, dash)), std::string(head.substr(dash + 1)), {}});
    }
    if (parts.candidates.empty()) {
        why = "there is no '-' between a task name and a version before the input hash";
        return std::nullopt;
    }
    if (!parts.ambiguous()) {
        parts.likely = 0;
        return parts;
    }
    // The evidence flytekit's own naming gives: task names are dotted Python names, and versions
    // computed from cache policies are SHA-256 hex digests. A reading is picked only when it alone
    // has the most evidence.
    std::vector<int> score(parts.candidates.size(), 0);
    int best = 0;
    for (std::size_t i = 0; i < parts.candidates.size(); ++i) {
        auto& c = parts.candidates[i];
        if (detail::is_dotted_name(c.task)) {
            score[i] += 1;
            c.likely_because = "the task is a dotted Python name";
        }
        if (c.version.size() == 64 && detail::is_lower_hex(c.version)) {
            score[i] += 1;
            c.likely_because += std::string(c.likely_because.empty() ? "" : " and ") +
                                "the version is a SHA-256 digest, as cache policies compute";
        }
        best = std::max(best, score[i]);
    }
    std::size_t at_best = 0;
    for (std::size_t i = 0; i < parts.candidates.size(); ++i) {
        if (best > 0 && score[i] == best) {
            parts.likely = i;
            ++at_best;
        }
    }
    if (at_best != 1) {
        parts.likely.reset();
    }
    for (std::size_t i = 0; i < parts.candidates.size(); ++i) {
        if (!parts.likely || *parts.likely != i) {
            parts.candidates[i].likely_because.clear();
        }
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
    return std::move(parts->candidates[*parts->likely]);
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
        return std::any_of(
            parts->candidates.begin(), parts->candidates.end(), [&](const key_split& c) {
                return (!task || c.task == *task) && (!version || c.version == *version);
            });
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
