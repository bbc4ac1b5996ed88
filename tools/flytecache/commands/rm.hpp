// flytecache — CLI: `flytecache rm`, remove entries by key or by task and version
// SPDX-License-Identifier: MIT
#pragma once

#include "../util.hpp"

namespace flytecache_cli {

/// Removes each KEY (expired or not), or every entry --task/--version select; exit status 1 when a
/// KEY was not there or the filters selected nothing.
inline int run_rm(const invocation& in) {
    auto store = open_cache(in.dir, cache_access::read_write);
    int status = 0;
    if (!in.filter.empty()) {
        std::vector<std::pair<std::string, fc::db_key>> chosen;
        store.for_each_entry([&](const fc::stored_entry_info& info) {
            if (util::selected(in.filter, info.key)) {
                chosen.emplace_back(key_display(info.key), info.key);
            }
        });
        std::sort(chosen.begin(), chosen.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        std::size_t removed = 0;
        for (const auto& [text, key] : chosen) {
            if (store.purge(key)) { // false: someone else removed it meanwhile
                util::write_out("removed " + text + "\n");
                ++removed;
            }
        }
        if (removed == 0) {
            util::note("no entry of " + in.filter.describe() + " in '" + in.dir.string() + "'");
            status = 1;
        }
    } else {
        for (const auto& key : in.operands) {
            if (store.purge(fc::db_key::text(key))) {
                util::write_out("removed " + key + "\n");
            } else {
                std::fprintf(stderr, "%s\n", util::no_entry(key, in.dir).c_str());
                status = 1;
            }
        }
    }
    util::after_removal(store, in);
    return status;
}

inline constexpr command_spec rm_command{
    .name = "rm",
    .synopsis = "KEY... | --task NAME [--version V]",
    .summary = "remove the entries under the KEYs, or those --task/--version select (and "
               "their output files no other entry uses)",
    .min_operands = 1,
    .max_operands = unlimited,
    .takes_task = true,
    .takes_version = true,
    .operands_or_filters = true,
    .run = run_rm};

} // namespace flytecache_cli
