// flytecache — the command-line tool: inspect and maintain a flytekit local cache directory
// SPDX-License-Identifier: MIT
#include "args.hpp"
#include "command_table.hpp"

#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

namespace flytecache_cli {
namespace {

/// Runs the parsed command: the table's run function, with the cache directory resolved for
/// the commands that use one.
int dispatch(const arguments& args) {
    const command_spec& c = *args.command;
    invocation in{.json = args.json,
                  .yes = args.yes,
                  .dry_run = args.dry_run,
                  .grace = std::chrono::duration<double>(args.grace.value_or(600)),
                  .filter = {.task = args.task, .version = args.cache_version},
                  .operands = args.operands,
                  .project = args.project.value_or(""),
                  .domain = args.domain.value_or(""),
                  .registration_version = args.registration_version.value_or(""),
                  .output = args.output.value_or("flyte-package.tgz"),
                  .commands = commands};
    if (!c.uses_cache_dir) {
        return c.run(in);
    }
    in.dir = resolve_cache_dir(args.dir);
    try {
        return c.run(in);
    } catch (const fc::timeout_error&) {
        throw locked_error(in.dir); // a write waited for the lock as long as opening does
    }
}

void print_error(std::string_view what) {
    // The library's messages already start with "flytecache: ".
    std::fprintf(stderr, "flytecache: %.*s\n", static_cast<int>(bare_message(what).size()),
                 bare_message(what).data());
}

int run(const std::vector<std::string>& argv) {
    try {
        const arguments args = parse_arguments(argv, commands);
        if (args.version) {
            std::printf("flytecache %d.%d.%d\n", FLYTECACHE_VERSION_MAJOR, FLYTECACHE_VERSION_MINOR,
                        FLYTECACHE_VERSION_PATCH);
            return 0;
        }
        if (args.help) {
            std::fputs((args.command != nullptr && args.command->run != help_command.run
                            ? command_help(*args.command)
                            : usage(commands))
                           .c_str(),
                       stdout);
            return 0;
        }
        return dispatch(args);
    } catch (const usage_error& e) {
        std::fprintf(stderr, "flytecache: %s\n\n%s", e.what(), usage(commands).c_str());
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
