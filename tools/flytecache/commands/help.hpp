// flytecache — CLI: `flytecache help`, the usage text and each command's help
// SPDX-License-Identifier: MIT
#pragma once

#include "../command.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <span>
#include <string>

namespace flytecache_cli {

/// The whole help text: every command of the table, then the options and notes.
[[nodiscard]] inline std::string usage(std::span<const command_spec> commands) {
    std::string out =
        "usage: flytecache [--dir DIR] <command> [options] [arguments]\n\n"
        "Inspect and maintain a flytekit local cache: the Python diskcache directory\n"
        "flytekit's LocalTaskCache (and flytecache's sqlite_store) keeps task outputs in.\n\n"
        "commands:\n";
    for (const auto& c : commands) {
        const std::string head = fmt::format("{} {}", c.name, c.synopsis);
        // A long synopsis gets a line of its own, so the summaries stay in one column.
        out += head.size() < 24 ? fmt::format("  {:<24}{}\n", head, c.summary)
                                : fmt::format("  {}\n  {:<24}{}\n", head, "", c.summary);
    }
    out +=
        "\noptions:\n"
        "  -d, --dir DIR           the cache directory (default: ~/.flyte/local-cache, "
        "flytekit's)\n"
        "  --task NAME             only the entries of task NAME (ls, rm, stats, prune)\n"
        "  --version V             after ls, rm or stats: only the entries of cache version V\n"
        "  --json                  machine-readable output (ls, show, stats, check, explain)\n"
        "  --dry-run               prune: list what would be removed, remove nothing\n"
        "  --grace SECONDS         gc: spare output files placed this recently (default 600)\n"
        "  -y, --yes               clear: do not ask (needed when stdin is not a terminal)\n"
        "  -h, --help              show this help\n"
        "  -V, --version           show the tool's version (--version before the command)\n"
        "  --project P, --domain D package: the Flyte project and domain to register in\n"
        "  --version V             after package: Flyte's registration version\n"
        "  -o, --output OUT        package: a .tgz, .tar.gz or .tar file, or a directory\n"
        "                          ending in '/' (default flyte-package.tgz)\n"
        "  --                      end of options (for a KEY that starts with '-')\n"
        "\nKEY is a text key, as flytekit writes them. Keys of other types (numbers, bytes) that\n"
        "a Python program stored are listed with their type and removed only by clear.\n"
        "--task and --version match the parts of flytekit's keys, {task}-{version}-{input hash};\n"
        "other keys never match.\n"
        "\nls, show, stats, check and explain only read: they open the cache read-only, write\n"
        "nothing and do not wait for a process that is writing it.\n"
        "\nTask output files live in the cache's blobs/ folder; rm, prune and clear also remove\n"
        "the ones no entry references any more (files placed in the last 10 minutes stay: a\n"
        "writer may be about to store their entry), and gc removes them on demand.\n"
        "\nexit status: 0 done, 1 an error, (check) problems found or (clear) declined,\n"
        "2 a bad command line or (clear) no --yes without a terminal\n";
    return out;
}

/// One command's help.
[[nodiscard]] inline std::string command_help(const command_spec& c) {
    return fmt::format("usage: flytecache [--dir DIR] {} {}\n\n{}\n", c.name, c.synopsis,
                       c.summary);
}

/// `help`: the whole usage, or one command's.
inline int run_help(const invocation& in) {
    if (in.operands.empty()) {
        std::fputs(usage(in.commands).c_str(), stdout);
        return 0;
    }
    const command_spec* about = find_command(in.commands, in.operands.front());
    if (about == nullptr) {
        throw usage_error("unknown command '" + in.operands.front() + "'");
    }
    std::fputs(command_help(*about).c_str(), stdout);
    return 0;
}

inline constexpr command_spec help_command{.name = "help",
                                           .synopsis = "[COMMAND]",
                                           .summary = "show this help, or one command's",
                                           .max_operands = 1,
                                           .uses_cache_dir = false,
                                           .run = run_help};

} // namespace flytecache_cli
