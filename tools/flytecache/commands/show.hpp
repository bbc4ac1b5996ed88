// flytecache — CLI: `flytecache show`, print the outputs stored under a key
// SPDX-License-Identifier: MIT
#pragma once

#include "../literal_text.hpp"
#include "../util.hpp"

namespace flytecache_cli {

/// The outputs stored under KEY, decoded: text (one output per line) or protobuf JSON.
inline int run_show(const invocation& in) {
    const std::string& key = in.operands.at(0);
    auto store = open_cache(in.dir, cache_access::read_only);
    std::optional<fc::stored_entry> e;
    try {
        e = store.inspect(fc::db_key::text(key));
    } catch (const fc::damaged_entry_error& ex) {
        throw cli_error("flytecache: entry '" + key +
                        "' cannot be shown: " + std::string(bare_message(ex.what())));
    }
    if (!e) {
        throw cli_error(util::no_entry(key, in.dir));
    }
    util::value_problem problem;
    auto outputs = util::decode_entry(*e, problem);
    if (!outputs) {
        throw cli_error("flytecache: entry '" + key + "' cannot be shown: " + problem.message);
    }
    const double now = unix_now();
    if (e->info.expire_time && e->info.expired(now)) {
        util::note("entry '" + key + "' expired " + human_duration(now - *e->info.expire_time) +
                   " ago: flytekit no longer uses it (shown anyway)");
    }
    util::write_out(in.json ? literal_map_json(*outputs) + "\n" : literal_map_text(*outputs));
    return 0;
}

inline constexpr command_spec show_command{
    .name = "show",
    .synopsis = "KEY [--json]",
    .summary = "print the outputs (a flyteidl LiteralMap) stored under KEY",
    .min_operands = 1,
    .max_operands = 1,
    .takes_json = true,
    .run = run_show};

} // namespace flytecache_cli
