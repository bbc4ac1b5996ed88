// flytecache — the command-line tool: inspect and maintain a flytekit local cache directory
// SPDX-License-Identifier: MIT
#include "args.hpp"
#include "commands.hpp"
#include "package_command.hpp"

#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

namespace flytecache_cli {
namespace {

std::string usage() {
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

std::string command_help(const command_spec& c) {
    return fmt::format("usage: flytecache [--dir DIR] {} {}\n\n{}\n", c.name, c.synopsis,
                       c.summary);
}

int run_command(const command_spec& c, const invocation& in);

int dispatch(const arguments& args) {
    const command_spec& c = *args.command;
    if (c.name == "help") {
        if (args.operands.empty()) {
            std::fputs(usage().c_str(), stdout);
            return 0;
        }
        const command_spec* about = find_command(args.operands.front());
        if (about == nullptr) {
            throw usage_error("unknown command '" + args.operands.front() + "'");
        }
        std::fputs(command_help(*about).c_str(), stdout);
        return 0;
    }
    if (c.name == "package") {
        // Needs no cache directory.
        // parse_arguments requires the three for `package`.
        return run_package(package_invocation{.project = args.project.value_or(""),
                                              .domain = args.domain.value_or(""),
                                              .version = args.registration_version.value_or(""),
                                              .output = args.output.value_or("flyte-package.tgz"),
                                              .templates = args.operands});
    }
    const invocation in{.dir = resolve_cache_dir(args.dir),
                        .json = args.json,
                        .yes = args.yes,
                        .dry_run = args.dry_run,
                        .grace = std::chrono::duration<double>(args.grace.value_or(600)),
                        .filter = {.task = args.task, .version = args.cache_version},
                        .operands = args.operands};
    try {
        return run_command(c, in);
    } catch (const fc::timeout_error&) {
        throw locked_error(in.dir); // a write waited for the lock as long as opening does
    }
}

int run_command(const command_spec& c, const invocation& in) {
    if (c.name == "ls") return run_ls(in);
    if (c.name == "show") return run_show(in);
    if (c.name == "rm") return run_rm(in);
    if (c.name == "prune") return run_prune(in);
    if (c.name == "clear") return run_clear(in);
    if (c.name == "gc") return run_gc(in);
    if (c.name == "stats") return run_stats(in);
    if (c.name == "check") return run_check(in);
    if (c.name == "explain") return run_explain(in);
    throw usage_error("unknown command '" + std::string(c.name) + "'");
}

void print_error(std::string_view what) {
    // The library's messages already start with "flytecache: ".
    std::fprintf(stderr, "flytecache: %.*s\n", static_cast<int>(bare_message(what).size()),
                 bare_message(what).data());
}

int run(const std::vector<std::string>& argv) {
    try {
        const arguments args = parse_arguments(argv);
        if (args.version) {
            std::printf("flytecache %d.%d.%d\n", FLYTECACHE_VERSION_MAJOR, FLYTECACHE_VERSION_MINOR,
                        FLYTECACHE_VERSION_PATCH);
            return 0;
        }
        if (args.help) {
            std::fputs((args.command != nullptr && args.command->name != "help"
                            ? command_help(*args.command)
                            : usage())
                           .c_str(),
                       stdout);
            return 0;
        }
        return dispatch(args);
    } catch (const usage_error& e) {
        std::fprintf(stderr, "flytecache: %s\n\n%s", e.what(), usage().c_str());
        return 2;
    } catch (const std::bad_alloc&) {
        print_error("out of memory");
    } catch (const std::exception& e) {
        print_error(e.what());
    }
    return 1;
}

} // namespace
} // namespace flytecache_cli

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    int status = flytecache_cli::run(args);
    // A full disk or a closed pipe must not pass for success.
    if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
        std::fputs("flytecache: writing the output failed\n", stderr);
        status = status == 0 ? 1 : status;
    }
    return status;
}
