// flytecache — container runtimes for local container tasks: the host, docker or podman
// SPDX-License-Identifier: MIT
#pragma once

// Container runtimes for local execution of container tasks: the host (a child process, data dirs
// mapped to temporary directories) and a docker/podman command line.

#include <flytecache/config.hpp>
#include <flytecache/detail/subprocess.hpp>
#include <flytecache/error.hpp>
#include <flytecache/task/task_concepts.hpp>

#include <chrono>
#include <concepts>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// Runs the command directly on the host, without a container: each volume's container path is
/// replaced by its host directory wherever it appears in an argument (so `/var/outputs/area`
/// becomes `<tmp>/outputs/area`), and the image is ignored. For tests, CI and machines without a
/// container engine; the command must exist on the host. Stateless; thread-safe.
struct host_runtime {
    /// The argv the host runs: container paths replaced by host paths (longest path first, and
    /// only where a whole path component starts).
    [[nodiscard]] static std::vector<std::string> host_argv(const container_run& run);

    detail::process_result run(const container_run& run) const;

private:
    // Characters that end a path inside a shell command or an option ("--out=/var/outputs").
    static bool separates_paths(char c) noexcept {
        return c == ' ' || c == '\t' || c == '\n' || c == '"' || c == '\'' || c == '=' ||
               c == ':' || c == ';' || c == '>' || c == '<' || c == '|' || c == '&' || c == '(' ||
               c == ')' || c == ',';
    }
    // Replaces `from` where it is a whole path prefix: at the start or after a separator, and
    // followed by '/', a separator or the end. "/var/outputs2" and "/data/var/outputs" are left
    // alone for "/var/outputs".
    static std::string replace_path(const std::string& arg, const std::string& from,
                                    const std::string& to);
};

/// Runs the container with a docker-compatible command line (`docker`, `podman`, `nerdctl`):
/// `<cli> run --rm [-v host:container[:ro|:rw]]… [-e NAME=VALUE]… <image> <argv>…`.
/// Thread-safe (each run is its own process).
struct docker_cli_runtime {
    std::string cli = "docker";
    /// Extra options placed after `run` (e.g. "--network=none", "--user=1000").
    std::vector<std::string> extra_options{};

    /// The full command line for `run` (what `run` executes; exposed for inspection and tests).
    [[nodiscard]] std::vector<std::string> argv(const container_run& run) const;

    detail::process_result run(const container_run& run) const;
};

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/task/container_runtime.ipp>
#endif
