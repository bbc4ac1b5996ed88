// flytecache — CLI: the command table and a small hand-written argument parser
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
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

/// What each command takes; the table drives parsing, validation and the help text alike.
struct command_spec {
    std::string_view name;
    std::string_view synopsis; ///< operands and options, as the usage shows them
    std::string_view summary;
    std::size_t min_operands = 0;
    std::size_t max_operands = 0;
    bool takes_json = false;
    bool takes_yes = false;
};

inline constexpr std::size_t unlimited = static_cast<std::size_t>(-1);

inline constexpr std::array<command_spec, 8> commands{{
    {"ls", "[--json]", "list the entries: key, size, age, tag, expiry", 0, 0, true, false},
    {"show", "KEY [--json]", "print the outputs (a flyteidl LiteralMap) stored under KEY", 1, 1,
     true, false},
    {"rm", "KEY...", "remove the entries stored under the KEYs", 1, unlimited, false, false},
    {"clear", "[--yes]", "remove every entry", 0, 0, false, true},
    {"stats", "[--json]", "entries, sizes, files, hit/miss counters, oldest and newest", 0, 0, true,
     false},
    {"check", "[--json]", "check the database, the value files and that every value decodes", 0, 0,
     true, false},
    {"explain", "KEY [--json]", "split KEY into task name, cache version and input hash", 1, 1,
     true, false},
    {"help", "[COMMAND]", "show this help, or one command's", 0, 1, false, false},
}};

[[nodiscard]] inline const command_spec* find_command(std::string_view name) noexcept {
    const auto* it = std::find_if(commands.begin(), commands.end(),
                                  [&](const command_spec& c) { return c.name == name; });
    return it == commands.end() ? nullptr : &*it;
}

/// A parsed command line.
struct arguments {
    std::optional<std::string> dir;
    bool help = false;
    bool version = false;
    bool json = false;
    bool yes = false;
    const command_spec* command = nullptr; ///< null when only --help or --version was given
    std::vector<std::string> operands;
};

/// Parses `flytecache [--dir DIR] <command> [options] [operands]`. Options may come before or
/// after the command (people add `--json` at the end); `--` ends them, so a KEY that starts with
/// '-' can still be given. @throws usage_error
[[nodiscard]] inline arguments parse_arguments(const std::vector<std::string>& argv) {
    arguments out;
    bool options_done = false;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        const bool is_option = !options_done && a.size() > 1 && a[0] == '-';
        if (!is_option) {
            if (out.command == nullptr) {
                out.command = find_command(a);
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
        } else if (a == "--version" || a == "-V") {
            out.version = true;
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
    if (out.operands.size() < c.min_operands) {
        throw usage_error("'" + name + "' needs " +
                          std::string(c.synopsis.substr(0, c.synopsis.find(' '))));
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
