// flytecache — local_task_cache: flytekit's LocalTaskCache (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/task/local_task_cache.hpp>

#include <flytecache/error.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/store/blob_area.hpp>

#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

FLYTECACHE_INLINE local_cache_config local_cache_config::from_environment() {
    local_cache_config c;
    c.enabled = read_flag("FLYTE_LOCAL_CACHE_ENABLED", c.enabled);
    c.overwrite = read_flag("FLYTE_LOCAL_CACHE_OVERWRITE", c.overwrite);
    return c;
}

FLYTECACHE_INLINE bool local_cache_config::parse_flag(std::string_view text) noexcept {
    std::string lower(text);
    for (auto& ch : lower) {
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    return !(lower.empty() || lower == "false" || lower == "0" || lower == "off" || lower == "no");
}

FLYTECACHE_INLINE bool local_cache_config::read_flag(const char* name, bool fallback) {
    const char* v = std::getenv(name); // NOLINT(concurrency-mt-unsafe): read once, at setup
    return v == nullptr ? fallback : parse_flag(v);
}

FLYTECACHE_INLINE std::filesystem::path default_local_cache_location() {
    const char* home = std::getenv("HOME"); // NOLINT(concurrency-mt-unsafe)
    if (home != nullptr && *home != '\0') {
        return std::filesystem::path(home) / ".flyte" / "local-cache";
    }
    long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : std::size_t{16384});
    passwd entry{};
    passwd* found = nullptr;
    while (::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &found) == ERANGE &&
           buffer.size() < (std::size_t{1} << 20)) {
        buffer.resize(buffer.size() * 2);
    }
    if (found == nullptr || found->pw_dir == nullptr || *found->pw_dir == '\0') {
        throw configuration_error(
            "flytecache: HOME is not set and the password database has no home directory for "
            "user id " +
            std::to_string(::getuid()) +
            ", so flytekit's local cache location ~/.flyte/local-cache is unknown; give the "
            "location explicitly");
    }
    return std::filesystem::path(found->pw_dir) / ".flyte" / "local-cache";
}

FLYTECACHE_INLINE std::optional<output_file_problem>
first_output_file_problem(const literal_map& m, const blob_area& area) {
    return first_output_file_problem(m, [&] { return &area; });
}

FLYTECACHE_NAMESPACE_END
