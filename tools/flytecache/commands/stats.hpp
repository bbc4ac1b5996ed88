// flytecache — CLI: `flytecache stats`, entries, sizes, counters
// SPDX-License-Identifier: MIT
#pragma once

#include "../util.hpp"

namespace flytecache_cli {

/// With --task/--version, the entry figures (entries, expired, value bytes, oldest, newest) count
/// the selected entries; files, database size and hit/miss counters are the whole cache's.
inline int run_stats(const invocation& in) {
    auto store = open_cache(in.dir, cache_access::read_only);
    const double now = unix_now();
    std::size_t entries = 0, expired = 0;
    std::uint64_t value_bytes = 0;
    std::optional<std::pair<std::string, double>> oldest, newest;
    store.for_each_entry([&](const fc::stored_entry_info& i) {
        if (!util::selected(in.filter, i.key)) {
            return;
        }
        ++entries;
        expired += i.expired(now) ? 1U : 0U;
        value_bytes += i.value_size;
        // Rows come in insertion order, so on equal times the first stored stays oldest.
        if (!oldest || i.store_time < oldest->second) {
            oldest.emplace(key_display(i.key), i.store_time);
        }
        if (!newest || i.store_time >= newest->second) {
            newest.emplace(key_display(i.key), i.store_time);
        }
    });
    std::size_t value_files = 0, other_files = 0;
    std::uint64_t value_file_bytes = 0, database_bytes = 0;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(in.dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code size_ec;
        if (it.depth() == 0 && it->path().filename() == blob_area) {
            it.disable_recursion_pending(); // task output files, not diskcache's
            continue;
        }
        if (!it->is_regular_file(size_ec)) {
            continue;
        }
        const auto size = it->file_size(size_ec);
        const std::string name = it->path().filename().string();
        if (it.depth() == 0 && name.starts_with("cache.db")) {
            database_bytes += size_ec ? 0 : size;
        } else if (it->path().extension() == ".val") {
            ++value_files;
            value_file_bytes += size_ec ? 0 : size;
        } else {
            ++other_files;
        }
    }
    const fc::store_stats counters = store.statistics(); // reads, never switches counting on
    const std::int64_t hits = counters.hits;
    const std::int64_t misses = counters.misses;
    // Python may have stored the switch as an INTEGER or a REAL.
    const fc::setting_value switch_value = store.reset("statistics");
    const bool counting = std::visit(
        [](const auto& v) {
            using v_type = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<v_type, std::int64_t> || std::is_same_v<v_type, double>) {
                return v != 0;
            } else {
                return false;
            }
        },
        switch_value);

    if (in.json) {
        auto stamp = [](const std::optional<std::pair<std::string, double>>& s) {
            if (!s) {
                return json_value::make_null();
            }
            return json_value::make_object(
                {{"key", json_string(s->first)}, {"store_time", json_number(s->second)}});
        };
        util::write_out(json_text(json_value::make_object({
                            {"directory", json_string(in.dir.string())},
                            {"task", json_optional(in.filter.task)},
                            {"version", json_optional(in.filter.version)},
                            {"entries", json_integer(entries)},
                            {"expired", json_integer(expired)},
                            {"value_bytes", json_integer(value_bytes)},
                            {"value_files", json_integer(value_files)},
                            {"value_file_bytes", json_integer(value_file_bytes)},
                            {"other_files", json_integer(other_files)},
                            {"database_bytes", json_integer(database_bytes)},
                            {"hits", json_signed(hits)},
                            {"misses", json_signed(misses)},
                            {"statistics", json_value::make_bool(counting)},
                            {"oldest", stamp(oldest)},
                            {"newest", stamp(newest)},
                        })) +
                        "\n");
        return 0;
    }
    std::string out;
    auto field = [&](std::string_view label, const std::string& value) {
        out += fmt::format("{:<13}{}\n", label, value);
    };
    field("directory", in.dir.string());
    if (!in.filter.empty()) {
        field("selected", in.filter.describe() + " (entries, value bytes, oldest and newest)");
    }
    field("entries",
          fmt::format("{}{}", entries, expired != 0 ? fmt::format(" ({} expired)", expired) : ""));
    field("value bytes", fmt::format("{} ({} bytes)", human_size(value_bytes), value_bytes));
    field("value files",
          fmt::format("{} ({}){}", value_files, human_size(value_file_bytes),
                      other_files != 0
                          ? fmt::format(", {} other", util::plural(other_files, "file", "files"))
                          : ""));
    field("database", human_size(database_bytes) + " (cache.db with its -wal and -shm files)");
    field("hits/misses",
          fmt::format("{} / {}{}", hits, misses,
                      counting
                          ? " (counting is on)"
                          : " (counting is off: diskcache counts only with statistics enabled)"));
    auto stamp_text = [&](const std::optional<std::pair<std::string, double>>& s) {
        return s ? fmt::format("{}  (stored {}, {} ago)", s->first, utc_text(s->second),
                               human_duration(now - s->second))
                 : std::string("-");
    };
    field("oldest", stamp_text(oldest));
    field("newest", stamp_text(newest));
    util::write_out(out);
    return 0;
}

inline constexpr command_spec stats_command{
    .name = "stats",
    .synopsis = "[--task NAME] [--version V] [--json]",
    .summary = "entries, sizes, files, hit/miss counters, oldest and newest",
    .takes_json = true,
    .takes_task = true,
    .takes_version = true,
    .run = run_stats};

} // namespace flytecache_cli
