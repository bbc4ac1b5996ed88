// flytecache — CLI: `flytecache prune`, keep each task's newest version
// SPDX-License-Identifier: MIT
#pragma once

#include "../key_parts.hpp"
#include "../util.hpp"

namespace flytecache_cli {

/// For each task, keeps the entries of its newest version (the version whose newest entry was
/// stored last) and removes those of its other versions; `--dry-run` only lists them.
///
/// Only keys that name their task and version unambiguously take part (see key_identity): a key
/// whose task or version contains '-' and that reads several ways is left alone, and so are keys
/// that are not flytekit's. When versions tie on the newest store time, all of them are kept.
inline int run_prune(const invocation& in) {
    // A dry run only reads, so it also works on a cache others are writing or that is read-only.
    auto store =
        open_cache(in.dir, in.dry_run ? cache_access::read_only : cache_access::read_write);
    struct entry {
        std::string display;
        fc::db_key key;
        double store_time;
    };
    // task -> version -> entries
    std::map<std::string, std::map<std::string, std::vector<entry>>> tasks;
    std::size_t unsplit = 0;
    store.for_each_entry([&](const fc::stored_entry_info& info) {
        if (info.key.type() != fc::db_key::kind::text) {
            return;
        }
        const auto id = key_identity(info.key.as_text());
        if (!id) {
            // Not flytekit's (never counted), or it splits several ways: which task it belongs to
            // would be a guess.
            std::string why;
            if (parse_flytekit_key(info.key.as_text(), why) &&
                (!in.filter.task || in.filter.matches(info.key.as_text()))) {
                ++unsplit;
            }
            return;
        }
        if (in.filter.task && id->task != *in.filter.task) {
            return;
        }
        tasks[id->task][id->version].push_back({key_display(info.key), info.key, info.store_time});
    });
    std::vector<const entry*> doomed;
    std::size_t kept = 0, old_versions = 0, pruned_tasks = 0;
    for (const auto& [task, versions] : tasks) {
        std::map<std::string, double> newest;
        double latest = 0;
        for (const auto& [version, entries] : versions) {
            double t = entries.front().store_time;
            for (const auto& e : entries) {
                t = std::max(t, e.store_time);
            }
            newest[version] = t;
            latest = std::max(latest, t);
        }
        bool pruned = false;
        for (const auto& [version, entries] : versions) {
            if (newest[version] >= latest) {
                kept += entries.size();
                continue;
            }
            ++old_versions;
            pruned = true;
            for (const auto& e : entries) {
                doomed.push_back(&e);
            }
        }
        pruned_tasks += pruned ? 1U : 0U;
    }
    std::sort(doomed.begin(), doomed.end(),
              [](const entry* a, const entry* b) { return a->display < b->display; });
    std::string out;
    std::size_t removed = 0;
    for (const entry* e : doomed) {
        if (in.dry_run) {
            out += "would remove " + e->display + "\n";
        } else if (store.purge(e->key)) {
            out += "removed " + e->display + "\n";
            ++removed;
        }
    }
    const std::string versions_text =
        util::plural(old_versions, "older version", "older versions") + " of " +
        util::plural(pruned_tasks, "task", "tasks");
    out += fmt::format("prune: {} {} ({}); kept {} of the newest versions of {}\n",
                       in.dry_run ? "would remove" : "removed",
                       util::plural(in.dry_run ? doomed.size() : removed, "entry", "entries"),
                       versions_text, util::plural(kept, "entry", "entries"),
                       util::plural(tasks.size(), "task", "tasks"));
    if (unsplit != 0) {
        out += fmt::format("prune: left alone {} whose {} several ways (see 'flytecache explain "
                           "KEY')\n",
                           util::plural(unsplit, "entry", "entries"),
                           unsplit == 1 ? "key reads" : "keys read");
    }
    util::write_out(out);
    if (!in.dry_run) {
        util::after_removal(store, in);
    }
    return 0;
}

inline constexpr command_spec prune_command{
    .name = "prune",
    .synopsis = "[--task NAME] [--dry-run]",
    .summary = "keep each task's newest version (by store time), remove older ones and "
               "their output files",
    .takes_task = true,
    .takes_dry_run = true,
    .run = run_prune};

} // namespace flytecache_cli
