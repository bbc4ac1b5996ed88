// flytecache — CLI: what a command is (its options, operands and run function) and what it gets
// SPDX-License-Identifier: MIT
#pragma once

#include "key_parts.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace flytecache_cli {

/// A command line that does not parse: the message names what was wrong; main prints it with the
/// usage and exits 2.
class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct command_spec;

/// What every command gets: the resolved directory (for those that use one), the options and
/// the operands.
struct invocation {
    std::filesystem::path dir;
    bool json = false;
    bool yes = false;
    bool dry_run = false;
    /// How recently placed an output file must be for gc (and rm, prune) to spare it.
    std::chrono::duration<double> grace{600};
    key_filter filter; ///< --task and --version
    std::vector<std::string> operands;
    std::string project;                    ///< package: --project
    std::string domain;                     ///< package: --domain
    std::string registration_version;       ///< package: --version
    std::string output;                     ///< package: --output
    std::span<const command_spec> commands; ///< every command, for help
};

/// What each command takes; the table drives parsing, validation and the help text alike.
struct command_spec {
    std::string_view name;
    std::string_view synopsis; ///< operands and options, as the usage shows them
    std::string_view summary;
    std::size_t min_operands = 0;
    std::size_t max_operands = 0;
    bool takes_json = false;
    bool takes_yes = false;
    bool takes_task = false;    ///< --task NAME
    bool takes_version = false; ///< --version V (after the command; before it, the tool's version)
    bool takes_dry_run = false;
    bool takes_grace = false; ///< --grace SECONDS
    /// Operands and --task/--version are alternatives (rm): one of them is needed, not both.
    bool operands_or_filters = false;
    /// --project, --domain, --version (the registration version) and --output (package).
    bool takes_registration = false;
    /// Whether it works on a cache directory (resolved from --dir, else flytekit's default).
    bool uses_cache_dir = true;
    /// Does the work; returns the exit status. Throws `flytecache::error` (exit status 1) or
    /// `usage_error` (2).
    int (*run)(const invocation&) = nullptr;
};

inline constexpr std::size_t unlimited = static_cast<std::size_t>(-1);

[[nodiscard]] inline const command_spec* find_command(std::span<const command_spec> commands,
                                                      std::string_view name) noexcept {
    const auto it = std::find_if(commands.begin(), commands.end(),
                                 [&](const command_spec& c) { return c.name == name; });
    return it == commands.end() ? nullptr : &*it;
}

} // namespace flytecache_cli
