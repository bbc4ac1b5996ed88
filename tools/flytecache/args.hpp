// flytecache — CLI: a small hand-written argument parser driven by the command table
// SPDX-License-Identifier: MIT
#pragma once

#include "command.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace flytecache_cli {

/// A parsed command line.
struct arguments {
    std::optional<std::string> dir;
    bool help = false;
    bool version = false;
    bool json = false;
    bool yes = false;
    bool dry_run = false;
    std::optional<double> grace;              ///< --grace: seconds a new output file is spared
    std::optional<std::string> task;          ///< --task: only keys of this task name
    std::optional<std::string> cache_version; ///< --version after ls/rm/stats: only this one
    std::optional<std::string> project;       ///< package: --project
    std::optional<std::string> domain;        ///< package: --domain
    std::optional<std::string> registration_version; ///< package: --version
    std::optional<std::string> output;               ///< package: --output / -o
    const command_spec* command = nullptr; ///< null when only --help or --version was given
    std::vector<std::string> operands;
};

/// Parses `flytecache [--dir DIR] <command> [options] [operands]`. Options may come before or
/// after the command (people add `--json` at the end); `--` ends them, so a KEY that starts with
/// '-' can still be given. `--version` is the tool's version, except after a command that filters
/// by cache version (ls, rm, stats), where it takes one: `flytecache ls --version 1.0`, and after
/// `package`, where it is the registration version.
/// @throws usage_error
[[nodiscard]] inline arguments parse_arguments(const std::vector<std::string>& argv,
                                               std::span<const command_spec> commands) {
    arguments out;
    bool options_done = false;
    // The value of an option given as `--opt VALUE` or `--opt=VALUE`; empty values are refused.
    auto value_of = [&](std::size_t& i, std::string_view option, std::string_view what) {
        const std::string& a = argv[i];
        std::string v;
        if (a.size() > option.size() && a[option.size()] == '=') {
            v = a.substr(option.size() + 1);
        } else if (i + 1 < argv.size()) {
            v = argv[++i];
        }
        if (v.empty()) {
            throw usage_error("option '" + std::string(option) + "' needs " + std::string(what));
        }
        return v;
    };
    auto is = [](const std::string& a, std::string_view option) {
        return a == option ||
               (a.starts_with(option) && a.size() > option.size() && a[option.size()] == '=');
    };
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        const bool is_option = !options_done && a.size() > 1 && a[0] == '-';
        if (!is_option) {
            if (out.command == nullptr) {
                out.command = find_command(commands, a);
                if (out.command == nullptr) {
                    throw usage_error("unknown command '" + a + "'");
                }
            } else {
                out.operands.push_back(a);
            }
            continue;
        }
        if (a == "--") {
            options_done = true;
        } else if (a == "--dir" || a == "-d") {
            if (i + 1 == argv.size()) {
                throw usage_error("option '" + a + "' needs a directory");
            }
            out.dir = argv[++i];
        } else if (a.starts_with("--dir=")) {
            out.dir = a.substr(6);
        } else if (a == "--help" || a == "-h") {
            out.help = true;
        } else if (is(a, "--version") && out.command != nullptr &&
                   out.command->takes_registration) {
            out.registration_version =
                value_of(i, "--version", "a registration version (Flyte's, not the cache's)");
        } else if (is(a, "--project")) {
            out.project = value_of(i, "--project", "a Flyte project");
        } else if (is(a, "--domain")) {
            out.domain = value_of(i, "--domain", "a Flyte domain");
        } else if (a == "-o" || is(a, "--output")) {
            out.output = value_of(i, a == "-o" ? "-o" : "--output", "a file or directory");
        } else if (is(a, "--version") && out.command != nullptr && out.command->takes_version) {
            out.cache_version = value_of(i, "--version",
                                         "a cache version (the tool's own "
                                         "version: flytecache --version)");
        } else if (a == "--version" || a == "-V") {
            out.version = true;
        } else if (a.starts_with("--version=")) {
            throw usage_error("'" + a +
                              "': --version takes a cache version only after ls, rm or "
                              "stats");
        } else if (is(a, "--task")) {
            out.task = value_of(i, "--task", "a task name");
        } else if (a == "--dry-run") {
            out.dry_run = true;
        } else if (is(a, "--grace")) {
            const std::string v = value_of(i, "--grace", "a number of seconds");
            std::size_t used = 0;
            double seconds = -1;
            try {
                seconds = std::stod(v, &used);
            } catch (const std::exception&) { // NOLINT(bugprone-empty-catch): refused below
            }
            if (used != v.size() || !(seconds >= 0) || seconds > 1e9) {
                throw usage_error("--grace takes a number of seconds from 0 to 1e9, got '" + v +
                                  "'");
            }
            out.grace = seconds;
        } else if (a == "--json") {
            out.json = true;
        } else if (a == "--yes" || a == "-y") {
            out.yes = true;
        } else {
            throw usage_error("unknown option '" + a + "'");
        }
    }
    if (out.dir && out.dir->empty()) {
        throw usage_error("option '--dir' needs a directory");
    }
    if (out.help || out.version) {
        return out; // anything else given with them is not acted on, so it is not validated
    }
    if (out.command == nullptr) {
        throw usage_error("no command given");
    }
    const command_spec& c = *out.command;
    const std::string name(c.name);
    if (out.json && !c.takes_json) {
        throw usage_error("'" + name + "' has no option '--json'");
    }
    if (out.yes && !c.takes_yes) {
        throw usage_error("'" + name + "' has no option '--yes'");
    }
    if (out.task && !c.takes_task) {
        throw usage_error("'" + name + "' has no option '--task'");
    }
    if (out.dry_run && !c.takes_dry_run) {
        throw usage_error("'" + name + "' has no option '--dry-run'");
    }
    if (out.grace && !c.takes_grace) {
        throw usage_error("'" + name + "' has no option '--grace'");
    }
    if (!c.takes_registration && (out.project || out.domain || out.output)) {
        throw usage_error("'" + name + "' has no option '" +
                          (out.project  ? "--project"
                           : out.domain ? "--domain"
                                        : "--output") +
                          "'");
    }
    if (c.takes_registration) {
        if (!out.project || !out.domain || !out.registration_version) {
            throw usage_error("'" + name + "' needs --project, --domain and --version (Flyte's " +
                              "registration version)");
        }
    }
    if (c.operands_or_filters && (out.task || out.cache_version)) {
        if (!out.operands.empty()) {
            throw usage_error("'" + name + "' takes KEYs or --task/--version, not both");
        }
        return out;
    }
    if (out.operands.size() < c.min_operands) {
        throw usage_error("'" + name + "' needs " +
                          std::string(c.synopsis.substr(0, c.synopsis.find(' '))) +
                          (c.operands_or_filters ? " or --task/--version" : ""));
    }
    if (out.operands.size() > c.max_operands) {
        throw usage_error("'" + name + "' takes " +
                          (c.max_operands == 0
                               ? std::string("no arguments")
                               : "at most " + std::to_string(c.max_operands) + " argument" +
                                     (c.max_operands == 1 ? "" : "s")) +
                          ", got '" + out.operands[c.max_operands] + "'");
    }
    return out;
}

} // namespace flytecache_cli
