// flytecache — CLI: `flytecache clear`, remove every entry
// SPDX-License-Identifier: MIT
#pragma once

#include "../progress.hpp"
#include "../util.hpp"

namespace flytecache_cli {

/// Asks on the terminal whether to remove all `n` entries; true only for "y" or "yes".
inline bool confirm_clear(std::size_t n, const std::filesystem::path& dir) {
    std::fprintf(stderr, "Remove all %s from '%s'? [y/N] ",
                 util::plural(n, "entry", "entries").c_str(), dir.string().c_str());
    std::fflush(stderr);
    std::string answer;
    for (int c = std::getchar(); c != EOF && c != '\n'; c = std::getchar()) {
        answer += static_cast<char>(c);
    }
    answer.erase(0, answer.find_first_not_of(" \t"));
    answer.erase(answer.find_last_not_of(" \t\r") + 1);
    std::transform(answer.begin(), answer.end(), answer.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return answer == "y" || answer == "yes";
}

/// Removes every entry, with progress on a terminal for a large cache. Without --yes it asks on a
/// terminal and refuses (exit status 2) when stdin is not one: a script must say --yes rather than
/// have a cache emptied, or hang on a question nobody sees.
inline int run_clear(const invocation& in) {
    auto store = open_cache(in.dir, cache_access::read_write);
    if (!in.yes) {
        if (::isatty(STDIN_FILENO) != 1) {
            util::note("clear removes every entry of '" + in.dir.string() +
                       "'; stdin is not a terminal to ask on, so give --yes to go ahead");
            return 2;
        }
        const std::size_t n = store.size();
        if (n != 0 && !confirm_clear(n, in.dir)) {
            util::note("nothing removed");
            return 1;
        }
    }
    progress_line progress("clear", store.size());
    progress.update(0);
    const std::size_t removed = store.clear([&](std::size_t n) { progress.update(n); });
    progress.finish();
    util::write_out(fmt::format("removed {} from '{}'\n", util::plural(removed, "entry", "entries"),
                                in.dir.string()));
    util::after_removal(store, in, true);
    return 0;
}

inline constexpr command_spec clear_command{.name = "clear",
                                            .synopsis = "[--yes]",
                                            .summary =
                                                "remove every entry (asks first on a terminal)",
                                            .takes_yes = true,
                                            .run = run_clear};

} // namespace flytecache_cli
