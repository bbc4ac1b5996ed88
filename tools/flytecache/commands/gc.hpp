// flytecache — CLI: `flytecache gc`, remove output files no entry references
// SPDX-License-Identifier: MIT
#pragma once

#include "../util.hpp"

namespace flytecache_cli {

/// Removes the task output files (blobs/) that no entry references and that were placed longer
/// ago than --grace, and temporary copies crashed writers left. Entries are only read.
inline int run_gc(const invocation& in) {
    auto store = open_cache(in.dir, cache_access::read_write);
    fc::blob_area area(store.blob_directory());
    const fc::blob_sweep_report r = fc::collect_unreferenced_blobs(store, area, in.grace);
    if (in.json) {
        util::write_out(json_text(json_value::make_object({
                            {"removed", json_integer(r.removed)},
                            {"removed_bytes", json_integer(r.removed_bytes)},
                            {"kept", json_integer(r.kept)},
                            {"temporaries", json_integer(r.temporaries)},
                        })) +
                        "\n");
    } else {
        util::write_out(fmt::format(
            "removed {} ({}) and {}; kept {}\n",
            util::plural(r.removed, "output file", "output files"), human_size(r.removed_bytes),
            util::plural(r.temporaries, "temporary copy", "temporary copies"),
            util::plural(r.kept, "output file", "output files")));
    }
    return 0;
}

inline constexpr command_spec gc_command{
    .name = "gc",
    .synopsis = "[--grace SECONDS] [--json]",
    .summary = "remove task output files (blobs/) that no entry references",
    .takes_json = true,
    .takes_grace = true,
    .run = run_gc};

} // namespace flytecache_cli
