// flytecache — CLI: the commands (ls, show, rm, prune, clear, gc, stats, check, explain)
// SPDX-License-Identifier: MIT
#pragma once

#include "cache_dir.hpp"
#include "key_parts.hpp"
#include "literal_text.hpp"
#include "progress.hpp"
#include "text.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

namespace flytecache_cli {

/// What every command gets: the resolved directory, the options and the operands.
struct invocation {
    std::filesystem::path dir;
    bool json = false;
    bool yes = false;
    bool dry_run = false;
    /// How recently placed an output file must be for gc (and rm, prune) to spare it.
    std::chrono::duration<double> grace{600};
    key_filter filter; ///< --task and --version
    std::vector<std::string> operands;
};

namespace detail {

inline void write_out(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); }

inline void note(std::string_view text) {
    std::fprintf(stderr, "flytecache: %.*s\n", static_cast<int>(text.size()), text.data());
}

inline std::string no_entry(const std::string& key, const std::filesystem::path& dir) {
    return "flytecache: no entry '" + key + "' in '" + dir.string() + "'";
}

inline std::string plural(std::size_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

/// The store's message for a failed read of one row, without the SQL text (the same for every
/// row, and long): "its row cannot be read: database disk image is malformed (SQLite code 11)…".
inline std::string row_read_failure(std::string_view what) {
    const std::size_t sql = what.find("executing \"");
    const std::size_t reason = sql == std::string_view::npos ? sql : what.find("\": ", sql);
    if (reason == std::string_view::npos) {
        return std::string(bare_message(what));
    }
    return "its row cannot be read: " + std::string(what.substr(reason + 3));
}

/// Why a stored value is not usable as task outputs: a short kind for JSON and a sentence.
struct value_problem {
    std::string kind;
    std::string message;
};

/// Decodes an entry's value the way flytekit's local cache (and `local_task_cache::get_entry`)
/// reads it: Python `bytes` holding a serialized flyteidl LiteralMap, inline or in a `.val` file.
inline std::optional<fc::literal_map> decode_entry(const fc::stored_entry& e,
                                                   value_problem& problem) {
    const auto& info = e.info;
    if (!e.value) {
        problem = {"missing_file",
                   "its value file '" + info.filename.value_or("?") + "' is missing"};
        return std::nullopt;
    }
    const fc::stored_value& v = *e.value;
    const bool has_bytes =
        v.type() == fc::stored_value::kind::bytes || v.type() == fc::stored_value::kind::pickle;
    // Text files are read with universal newlines, so only byte values can be held to the size
    // the row recorded.
    if (v.in_file() && has_bytes && v.raw_bytes().size() != info.value_size) {
        problem = {"wrong_size",
                   fmt::format("its value file '{}' holds {} bytes but the database "
                               "recorded {} (truncated or overwritten)",
                               info.filename.value_or("?"), v.raw_bytes().size(), info.value_size)};
        return std::nullopt;
    }
    if (v.type() != fc::stored_value::kind::bytes) {
        std::string what = fc::stored_value::name(v.type());
        if (v.type() == fc::stored_value::kind::integer) {
            what += " (" + std::to_string(v.as_integer()) + ")";
        } else if (v.type() != fc::stored_value::kind::real) {
            what += " (" + plural(v.raw_bytes().size(), "byte", "bytes") + ")";
        }
        problem = {"foreign_value",
                   "its value is " + what +
                       ", not the bytes of a serialized LiteralMap: flytekit's local cache did "
                       "not write it" +
                       (v.type() == fc::stored_value::kind::pickle
                            ? " (flytecache does not unpickle Python objects)"
                            : "")};
        return std::nullopt;
    }
    try {
        return fc::decode_literal_map(v.as_bytes());
    } catch (const fc::decode_error& ex) {
        problem = {"not_a_literal_map",
                   fmt::format("its value ({}) is not a serialized flyteidl LiteralMap: {}",
                               plural(v.as_bytes().size(), "byte", "bytes"),
                               bare_message(ex.what()))};
        return std::nullopt;
    }
}

/// Keys sort by kind (text first: flytekit's), then by their text, then by their bytes (two
/// pickled keys can read the same), so listings are deterministic whatever the insertion order.
inline auto key_order(const fc::db_key& k, const std::string& text) {
    const int rank = k.type() == fc::db_key::kind::text ? -1 : static_cast<int>(k.type());
    const std::string bytes =
        k.type() == fc::db_key::kind::pickle || k.type() == fc::db_key::kind::blob ? k.raw_bytes()
                                                                                   : std::string();
    return std::make_tuple(rank, text, bytes);
}

inline json_value entry_key_json(const fc::db_key& k) { return json_string(key_text(k)); }

/// Whether an entry is one the command's --task/--version select (all of them without a filter).
inline bool selected(const key_filter& filter, const fc::db_key& key) {
    return filter.empty() ||
           (key.type() == fc::db_key::kind::text && filter.matches(key.as_text()));
}

/// Where every command that removes entries (rm, prune, clear) ends, once its removals are done:
/// the one place to drop what the removed entries leave behind outside cache.db (their .val files
/// go with them, in the store): the task output files in the cache's blob area that no entry
/// references any more — all of them after `clear`, else those older than the grace period.
/// Returns how many went.
inline std::size_t after_removal(fc::sqlite_store& store, const invocation& in,
                                 bool everything = false) {
    fc::blob_area area(store.blob_directory());
    const std::size_t removed =
        everything ? area.clear() : fc::collect_unreferenced_blobs(store, area, in.grace).removed;
    if (removed != 0) {
        note(plural(removed, "task output file", "task output files") +
             " no entry references any more removed from '" + area.root().string() + "'");
    }
    return removed;
}

} // namespace detail

// --- ls ------------------------------------------------------------------------------------------

/// One line per entry: key, size, age, tag, expiry; or a JSON array.
inline int run_ls(const invocation& in) {
    auto store = open_cache(in.dir, cache_access::read_only);
    struct row {
        fc::stored_entry_info info;
        std::string key;
    };
    std::vector<row> rows;
    store.for_each_entry([&](const fc::stored_entry_info& info) {
        if (detail::selected(in.filter, info.key)) {
            rows.push_back({info, key_display(info.key)});
        }
    });
    std::sort(rows.begin(), rows.end(), [](const row& a, const row& b) {
        return detail::key_order(a.info.key, a.key) < detail::key_order(b.info.key, b.key);
    });
    const double now = fc::detail::unix_now();
    if (in.json) {
        json_value::array_type items;
        for (const auto& r : rows) {
            const auto& i = r.info;
            items.push_back(json_value::make_object({
                {"key", detail::entry_key_json(i.key)},
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
        detail::write_out(fc::detail::canonical_json(json_value::make_array(std::move(items))) +
                          "\n");
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
    detail::write_out(out);
    return 0;
}

// --- show ----------------------------------------------------------------------------------------

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
        throw cli_error(detail::no_entry(key, in.dir));
    }
    detail::value_problem problem;
    auto outputs = detail::decode_entry(*e, problem);
    if (!outputs) {
        throw cli_error("flytecache: entry '" + key + "' cannot be shown: " + problem.message);
    }
    const double now = fc::detail::unix_now();
    if (e->info.expire_time && e->info.expired(now)) {
        detail::note("entry '" + key + "' expired " + human_duration(now - *e->info.expire_time) +
                     " ago: flytekit no longer uses it (shown anyway)");
    }
    detail::write_out(in.json ? literal_map_json(*outputs) + "\n" : literal_map_text(*outputs));
    return 0;
}

// --- rm, prune, clear ----------------------------------------------------------------------------

/// Removes each KEY (expired or not), or every entry --task/--version select; exit status 1 when a
/// KEY was not there or the filters selected nothing.
inline int run_rm(const invocation& in) {
    auto store = open_cache(in.dir, cache_access::read_write);
    int status = 0;
    if (!in.filter.empty()) {
        std::vector<std::pair<std::string, fc::db_key>> chosen;
        store.for_each_entry([&](const fc::stored_entry_info& info) {
            if (detail::selected(in.filter, info.key)) {
                chosen.emplace_back(key_display(info.key), info.key);
            }
        });
        std::sort(chosen.begin(), chosen.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        std::size_t removed = 0;
        for (const auto& [text, key] : chosen) {
            if (store.purge(key)) { // false: someone else removed it meanwhile
                detail::write_out("removed " + text + "\n");
                ++removed;
            }
        }
        if (removed == 0) {
            detail::note("no entry of " + in.filter.describe() + " in '" + in.dir.string() + "'");
            status = 1;
        }
    } else {
        for (const auto& key : in.operands) {
            if (store.purge(fc::db_key::text(key))) {
                detail::write_out("removed " + key + "\n");
            } else {
                std::fprintf(stderr, "%s\n", detail::no_entry(key, in.dir).c_str());
                status = 1;
            }
        }
    }
    detail::after_removal(store, in);
    return status;
}

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
        detail::plural(old_versions, "older version", "older versions") + " of " +
        detail::plural(pruned_tasks, "task", "tasks");
    out += fmt::format("prune: {} {} ({}); kept {} of the newest versions of {}\n",
                       in.dry_run ? "would remove" : "removed",
                       detail::plural(in.dry_run ? doomed.size() : removed, "entry", "entries"),
                       versions_text, detail::plural(kept, "entry", "entries"),
                       detail::plural(tasks.size(), "task", "tasks"));
    if (unsplit != 0) {
        out += fmt::format("prune: left alone {} whose {} several ways (see 'flytecache explain "
                           "KEY')\n",
                           detail::plural(unsplit, "entry", "entries"),
                           unsplit == 1 ? "key reads" : "keys read");
    }
    detail::write_out(out);
    if (!in.dry_run) {
        detail::after_removal(store, in);
    }
    return 0;
}

/// Asks on the terminal whether to remove all `n` entries; true only for "y" or "yes".
inline bool confirm_clear(std::size_t n, const std::filesystem::path& dir) {
    std::fprintf(stderr, "Remove all %s from '%s'? [y/N] ",
                 detail::plural(n, "entry", "entries").c_str(), dir.string().c_str());
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
            detail::note("clear removes every entry of '" + in.dir.string() +
                         "'; stdin is not a terminal to ask on, so give --yes to go ahead");
            return 2;
        }
        const std::size_t n = store.size();
        if (n != 0 && !confirm_clear(n, in.dir)) {
            detail::note("nothing removed");
            return 1;
        }
    }
    progress_line progress("clear", store.size());
    progress.update(0);
    const std::size_t removed = store.clear([&](std::size_t n) { progress.update(n); });
    progress.finish();
    detail::write_out(fmt::format("removed {} from '{}'\n",
                                  detail::plural(removed, "entry", "entries"), in.dir.string()));
    detail::after_removal(store, in, true);
    return 0;
}

// --- gc ------------------------------------------------------------------------------------------

/// Removes the task output files (blobs/) that no entry references and that were placed longer
/// ago than --grace, and temporary copies crashed writers left. Entries are only read.
inline int run_gc(const invocation& in) {
    auto store = open_cache(in.dir, cache_access::read_write);
    fc::blob_area area(store.blob_directory());
    const fc::blob_sweep_report r = fc::collect_unreferenced_blobs(store, area, in.grace);
    if (in.json) {
        detail::write_out(fc::detail::canonical_json(json_value::make_object({
                              {"removed", json_integer(r.removed)},
                              {"removed_bytes", json_integer(r.removed_bytes)},
                              {"kept", json_integer(r.kept)},
                              {"temporaries", json_integer(r.temporaries)},
                          })) +
                          "\n");
    } else {
        detail::write_out(fmt::format(
            "removed {} ({}) and {}; kept {}\n",
            detail::plural(r.removed, "output file", "output files"), human_size(r.removed_bytes),
            detail::plural(r.temporaries, "temporary copy", "temporary copies"),
            detail::plural(r.kept, "output file", "output files")));
    }
    return 0;
}

// --- stats ---------------------------------------------------------------------------------------

/// With --task/--version, the entry figures (entries, expired, value bytes, oldest, newest) count
/// the selected entries; files, database size and hit/miss counters are the whole cache's.
inline int run_stats(const invocation& in) {
    auto store = open_cache(in.dir, cache_access::read_only);
    const double now = fc::detail::unix_now();
    std::size_t entries = 0, expired = 0;
    std::uint64_t value_bytes = 0;
    std::optional<std::pair<std::string, double>> oldest, newest;
    store.for_each_entry([&](const fc::stored_entry_info& i) {
        if (!detail::selected(in.filter, i.key)) {
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
    auto setting_int = [&](const char* name) -> std::int64_t {
        const auto v = store.reset(name);
        if (const auto* i = std::get_if<std::int64_t>(&v)) {
            return *i;
        }
        if (const auto* d = std::get_if<double>(&v)) {
            return fc::detail::saturating_int64(*d); // a REAL of any size, as Python stores it
        }
        return 0;
    };
    const std::int64_t hits = setting_int("hits");
    const std::int64_t misses = setting_int("misses");
    const bool counting = setting_int("statistics") != 0;

    if (in.json) {
        auto stamp = [](const std::optional<std::pair<std::string, double>>& s) {
            if (!s) {
                return json_value::make_null();
            }
            return json_value::make_object(
                {{"key", json_string(s->first)}, {"store_time", json_number(s->second)}});
        };
        detail::write_out(fc::detail::canonical_json(json_value::make_object({
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
                          ? fmt::format(", {} other", detail::plural(other_files, "file", "files"))
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
    detail::write_out(out);
    return 0;
}

// --- check ---------------------------------------------------------------------------------------

/// SQLite's integrity check, the recorded counters, every row's value (present, of the recorded
/// size, decoding as a LiteralMap) and files no row refers to. Exit status 1 when anything is
/// wrong.
inline int run_check(const invocation& in) {
    auto store = open_cache(in.dir, cache_access::read_only);
    struct problem {
        int group; // database first, then entries by key, then stray files
        std::string sort_key;
        std::string kind;
        std::optional<std::string> key;
        std::optional<std::string> file;
        std::string message;
    };
    std::vector<problem> problems;
    progress_line progress("check", store.size());
    progress.update(0);

    using finding = fc::check_finding::kind;
    // Damage can stop SQLite's own check (or the walk over the rows) part way; that is a finding
    // too, and whatever can still be checked is. Lock timeouts are not damage and end the command.
    auto database_problem = [&](std::string kind, std::string message) {
        problems.push_back({0, {}, std::move(kind), {}, {}, std::move(message)});
    };
    auto damaged = [&](const fc::store_error& ex, std::string_view doing) {
        database_problem("integrity",
                         fmt::format("cache.db: {} failed: {}", doing, bare_message(ex.what())));
    };
    fc::check_report report;
    try {
        report = store.check(false);
    } catch (const fc::timeout_error&) {
        throw;
    } catch (const fc::store_error& ex) {
        damaged(ex, "the integrity check");
    }
    for (const auto& f : report.findings) {
        switch (f.what) {
        case finding::integrity:
            database_problem("integrity", "cache.db: integrity check: " + f.message);
            break;
        case finding::count_mismatch:
        case finding::size_mismatch:
            database_problem("counter", "cache.db: " + f.message +
                                            " (Python's Cache.check(fix=True) repairs it)");
            break;
        case finding::unknown_file: {
            constexpr std::string_view prefix = "unknown file: ";
            std::string path = std::string_view(f.message).starts_with(prefix)
                                   ? f.message.substr(prefix.size())
                                   : f.message;
            if (in_blob_area(in.dir, path)) {
                break; // task output files: no entry of diskcache's refers to them
            }
            const auto relative =
                std::filesystem::path(path).lexically_relative(in.dir.lexically_normal());
            if (!relative.empty()) {
                path = relative.string();
            }
            std::string message = "orphan file '" + path + "': no entry refers to it";
            problems.push_back({2, path, "orphan_file", {}, path, std::move(message)});
            break;
        }
        // Missing and resized value files are reported below, per entry, with their keys; empty
        // directories are harmless.
        case finding::file_not_found:
        case finding::wrong_file_size:
        case finding::foreign_file:
        case finding::empty_directory: break;
        }
    }

    std::size_t entries = 0, in_files = 0;
    const fc::blob_area blobs(store.blob_directory());
    try {
        store.for_each_entry([&](const fc::stored_entry_info& info) {
            ++entries;
            in_files += info.filename ? 1U : 0U;
            const std::string key = key_display(info.key);
            detail::value_problem vp;
            try {
                if (auto e = store.inspect(info.key)) { // empty: removed meanwhile by someone else
                    if (auto outputs = detail::decode_entry(*e, vp)) {
                        // The output files it points at, as a hit would check them.
                        fc::detail::for_each_blob(*outputs, [&](const fc::blob& b,
                                                                const fc::literal& owner,
                                                                std::string_view output) {
                            if (!vp.kind.empty() || !fc::detail::is_local_uri(b.uri)) return;
                            const std::filesystem::path p(fc::detail::local_path_of(b.uri));
                            if (!blobs.owns(p)) return;
                            if (auto why = blobs.problem(p, owner.hash && !owner.hash->empty())) {
                                vp = {"output_file", "output '" + std::string(output) +
                                                         "': " + *why + " (a call recomputes it)"};
                            }
                        });
                    }
                }
            } catch (const fc::timeout_error&) {
                throw;
            } catch (const fc::damaged_entry_error& ex) {
                vp = {"damaged_value", std::string(bare_message(ex.what()))};
            } catch (const fc::store_error& ex) {
                vp = {"damaged_row", detail::row_read_failure(ex.what())};
            }
            if (!vp.kind.empty()) {
                problems.push_back({1, key, vp.kind, key, info.filename, key + ": " + vp.message});
            }
            progress.update(entries);
        });
    } catch (const fc::timeout_error&) {
        throw;
    } catch (const fc::store_error& ex) {
        damaged(ex, fmt::format("reading the entries (after {})", entries));
    }
    progress.finish();
    std::stable_sort(problems.begin(), problems.end(), [](const problem& a, const problem& b) {
        return std::tie(a.group, a.sort_key) < std::tie(b.group, b.sort_key);
    });

    if (in.json) {
        json_value::array_type items;
        for (const auto& p : problems) {
            items.push_back(json_value::make_object({
                {"kind", json_string(p.kind)},
                {"key", json_optional(p.key)},
                {"file", json_optional(p.file)},
                {"message", json_string(p.message)},
            }));
        }
        detail::write_out(fc::detail::canonical_json(json_value::make_object({
                              {"entries", json_integer(entries)},
                              {"value_files", json_integer(in_files)},
                              {"ok", json_value::make_bool(problems.empty())},
                              {"problems", json_value::make_array(std::move(items))},
                          })) +
                          "\n");
    } else {
        std::string out;
        for (const auto& p : problems) {
            out += p.message + "\n";
        }
        const std::string scope = fmt::format(
            "{} ({} in value files)", detail::plural(entries, "entry", "entries"), in_files);
        out += problems.empty()
                   ? "check: " + scope + ": no problems\n"
                   : fmt::format("check: {} in {}\n",
                                 detail::plural(problems.size(), "problem", "problems"), scope);
        detail::write_out(out);
    }
    return problems.empty() ? 0 : 1;
}

// --- explain -------------------------------------------------------------------------------------

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
    const double now = fc::detail::unix_now();
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
        detail::write_out(
            fc::detail::canonical_json(json_value::make_object({
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
    detail::write_out(out);
    return 0;
}

} // namespace flytecache_cli
