// flytecache — CLI: `flytecache ls`, list the entries
// SPDX-License-Identifier: MIT
#pragma once

#include "../util.hpp"

namespace flytecache_cli {

/// One line per entry: key, size, age, tag, expiry; or a JSON array.
inline int run_ls(const invocation& in) {
    auto store = open_cache(in.dir, cache_access::read_only);
    struct row {
        fc::stored_entry_info info;
        std::string key;
    };
    std::vector<row> rows;
    store.for_each_entry([&](const fc::stored_entry_info& info) {
        if (util::selected(in.filter, info.key)) {
            rows.push_back({info, key_display(info.key)});
        }
    });
    std::sort(rows.begin(), rows.end(), [](const row& a, const row& b) {
        return util::key_order(a.info.key, a.key) < util::key_order(b.info.key, b.key);
    });
    const double now = unix_now();
    if (in.json) {
        json_value::array_type items;
        for (const auto& r : rows) {
            const auto& i = r.info;
            items.push_back(json_value::make_object({
                {"key", util::entry_key_json(i.key)},
                {"key_type", json_string(key_kind(i.key))},
                {"size", json_integer(i.value_size)},
                {"mode", json_string(mode_name(i.mode))},
                {"file", json_optional(i.filename)},
                {"store_time", json_number(i.store_time)},
                {"age_seconds",
                 json_number(std::round(std::max(0.0, now - i.store_time) * 1000) / 1000)},
                {"tag", json_optional(i.tag)},
                {"expire_time", json_optional(i.expire_time)},
                {"expired", json_value::make_bool(i.expired(now))},
            }));
        }
        util::write_out(json_text(json_value::make_array(std::move(items))) + "\n");
        return 0;
    }
    struct line {
        std::string key, size, age, tag, expiry;
    };
    std::vector<line> lines;
    std::size_t key_w = 0, size_w = 0, age_w = 0, tag_w = 0;
    for (const auto& r : rows) {
        line l{r.key, human_size(r.info.value_size), human_duration(now - r.info.store_time),
               r.info.tag ? (r.info.tag->empty() ? "''" : *r.info.tag) : "-",
               expiry_text(r.info.expire_time, now)};
        key_w = std::max(key_w, l.key.size());
        size_w = std::max(size_w, l.size.size());
        age_w = std::max(age_w, l.age.size());
        tag_w = std::max(tag_w, l.tag.size());
        lines.push_back(std::move(l));
    }
    std::string out;
    for (const auto& l : lines) {
        out += fmt::format("{:<{}}  {:>{}}  {:>{}}  {:<{}}  {}\n", l.key, key_w, l.size, size_w,
                           l.age, age_w, l.tag, tag_w, l.expiry);
    }
    util::write_out(out);
    return 0;
}

inline constexpr command_spec ls_command{.name = "ls",
                                         .synopsis = "[--task NAME] [--version V] [--json]",
                                         .summary = "list the entries: key, size, age, tag, expiry",
                                         .takes_json = true,
                                         .takes_task = true,
                                         .takes_version = true,
                                         .run = run_ls};

} // namespace flytecache_cli
