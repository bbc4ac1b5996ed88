// flytecache — running a child process with captured output and a timeout (POSIX)
// SPDX-License-Identifier: MIT
#pragma once

// Running a child process: merged output captured line by line, a timeout that kills its whole
// process group, exec failures thrown as exceptions (POSIX).

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

struct process_options {
    /// argv[0] is looked up on the child's PATH (the merged environment's) when it has no '/'.
    std::vector<std::string> argv;
    /// Added to, or overriding, the parent's environment.
    std::vector<std::pair<std::string, std::string>> environment;
    /// Empty: the child inherits the parent's. A relative argv[0] resolves against this directory.
    std::string working_directory;
    /// When exceeded, the child's process group gets SIGTERM and, 2 s later, SIGKILL.
    std::optional<std::chrono::duration<double>> timeout;
    /// Each line of merged stdout+stderr as it arrives, without its '\n'. May be empty. If it
    /// throws, the process group is killed and reaped before the exception propagates.
    std::function<void(std::string_view line)> on_output;
    /// How much of the merged output to keep in process_result::output_tail.
    std::size_t keep_tail_bytes = std::size_t{64} * 1024;
};

struct process_result {
    int exit_code = 0; ///< Valid when !signaled.
    bool signaled = false;
    int signal = 0;
    bool timed_out = false;
    /// The limit that was exceeded, when timed_out (for describe()).
    std::chrono::duration<double> timeout{};
    /// The last keep_tail_bytes of merged stdout+stderr.
    std::string output_tail;

    [[nodiscard]] bool success() const noexcept {
        return !timed_out && !signaled && exit_code == 0;
    }

    /// "exited with status 3", "killed by signal 9 (SIGKILL)", "timed out after 1.5 s and was
    /// killed".
    [[nodiscard]] std::string describe() const;
};

/// Runs argv to completion and returns how it ended. Throws flytecache::invalid_argument for bad
/// options and flytecache::error when the program cannot be started (not found, not executable,
/// bad working directory) or a system call fails; never for a non-zero exit or a timeout.
///
/// Safe to call from many threads at once. It reaps its child with waitpid(pid), so it cannot work
/// in a process that ignores SIGCHLD or reaps with waitpid(-1) elsewhere.
process_result run_process(const process_options& options);

} // namespace detail
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/detail/subprocess.ipp>
#endif
