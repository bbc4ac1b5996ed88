// flytecache — CLI: `flytecache explain`, take a key apart
// SPDX-License-Identifier: MIT
#pragma once

#include "../key_parts.hpp"
#include "../util.hpp"

namespace flytecache_cli {

/// KEY taken apart as flytekit forms it, and whether the cache holds it.
inline int run_explain(const invocation& in) {
    const std::string& key = in.operands.at(0);
    std::string why;
    const auto parts = parse_flytekit_key(key, why);
    if (!parts) {
        throw cli_error(
            "flytecache: '" + key +
            "' is not a flytekit local cache key ({task}-{version}-{input hash}): " + why);
    }
    std::optional<fc::stored_entry> entry;
    const bool have_cache = cache_exists(in.dir);
    if (have_cache) {
        auto store = open_cache(in.dir, cache_access::read_only);
        entry = store.inspect(fc::db_key::text(key));
    }
    const double now = unix_now();
    const std::optional<key_split> chosen =
        parts->likely ? std::optional<key_split>(parts->reading(*parts->likely)) : std::nullopt;
    // A key with thousands of dashes reads thousands of ways: the listing stops after the first
    // few, so the output stays linear in the key's length.
    constexpr std::size_t shown = 20;
    const std::size_t listed = std::min(parts->readings(), shown);

    if (in.json) {
        json_value::array_type candidates;
        for (std::size_t i = 0; i < listed; ++i) {
            const key_split c = parts->reading(i);
            candidates.push_back(json_value::make_object({
                {"task", json_string(c.task)},
                {"version", json_string(c.version)},
                {"likely", json_value::make_bool(parts->likely == i)},
            }));
        }
        util::write_out(
            json_text(json_value::make_object({
                {"key", json_string(key)},
                {"task", chosen ? json_string(chosen->task) : json_value::make_null()},
                {"version", chosen ? json_string(chosen->version) : json_value::make_null()},
                {"input_hash", json_string(parts->input_hash)},
                {"ambiguous", json_value::make_bool(parts->ambiguous())},
                {"readings", json_integer(parts->readings())},
                {"candidates", json_value::make_array(std::move(candidates))},
                {"present", json_value::make_bool(entry.has_value())},
                {"expired",
                 entry ? json_value::make_bool(entry->info.expired(now)) : json_value::make_null()},
            })) +
            "\n");
        return 0;
    }
    std::string out;
    auto field = [&](std::string_view label, const std::string& value) {
        out += fmt::format("{:<12}{}\n", label, value);
    };
    const std::string likely_note = parts->ambiguous() ? "  (likely; the split is ambiguous)" : "";
    field("task", chosen ? "'" + chosen->task + "'" + likely_note : "? (ambiguous, see below)");
    field("version",
          chosen ? "'" + chosen->version + "'" + likely_note : "? (ambiguous, see below)");
    field("input hash", parts->input_hash + "  (md5 of the inputs' LiteralMap, joblib-framed)");
    if (parts->ambiguous()) {
        field("ambiguous", fmt::format("the task name and the version are joined by '-', and '-' "
                                       "also occurs inside them; the key reads {} ways:",
                                       parts->readings()));
        std::vector<key_split> readings;
        std::size_t task_w = 0;
        for (std::size_t i = 0; i < listed; ++i) {
            readings.push_back(parts->reading(i));
            task_w = std::max(task_w, readings.back().task.size() + 2);
        }
        for (const auto& c : readings) {
            out += fmt::format("{:<12}  task {:<{}}  version '{}'{}\n", "", "'" + c.task + "'",
                               task_w, c.version,
                               c.likely_because.empty() ? "" : "  <- likely: " + c.likely_because);
        }
        if (parts->readings() > listed) {
            out += fmt::format("{:<12}  … and {} more\n", "", parts->readings() - listed);
            if (parts->likely && *parts->likely >= listed) {
                out +=
                    fmt::format("{:<12}  the likely one: task '{}'  version '{}'  <- likely: {}\n",
                                "", chosen->task, chosen->version, chosen->likely_because);
            }
        }
    }
    std::string present = "no";
    if (!have_cache) {
        present = "no (no cache at '" + in.dir.string() + "')";
    } else if (entry) {
        const auto& i = entry->info;
        const std::string where = i.filename ? "in a value file" : "inline";
        std::string expiry = "never expires";
        if (i.expire_time && i.expired(now)) {
            expiry =
                "expired " + human_duration(now - *i.expire_time) + " ago (flytekit sees a miss)";
        } else if (i.expire_time) {
            expiry = "expires in " + human_duration(*i.expire_time - now);
        }
        present = fmt::format("yes: {} {}, stored {} ago, {}", human_size(i.value_size), where,
                              human_duration(now - i.store_time), expiry);
    }
    field("present", present);
    util::write_out(out);
    return 0;
}

inline constexpr command_spec explain_command{
    .name = "explain",
    .synopsis = "KEY [--json]",
    .summary = "split KEY into task name, cache version and input hash",
    .min_operands = 1,
    .max_operands = 1,
    .takes_json = true,
    .run = run_explain};

} // namespace flytecache_cli
