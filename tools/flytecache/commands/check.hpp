// flytecache — CLI: `flytecache check`, check the database, value files and output files
// SPDX-License-Identifier: MIT
#pragma once

#include "../progress.hpp"
#include "../util.hpp"

namespace flytecache_cli {

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
            util::value_problem vp;
            try {
                if (auto e = store.inspect(info.key)) { // empty: removed meanwhile by someone else
                    if (auto outputs = util::decode_entry(*e, vp)) {
                        // The output files it points at, as a hit checks them.
                        if (auto bad = fc::first_output_file_problem(*outputs, blobs)) {
                            vp = {"output_file", "output '" + bad->output + "': " + bad->message +
                                                     " (a call recomputes it)"};
                        }
                    }
                }
            } catch (const fc::timeout_error&) {
                throw;
            } catch (const fc::damaged_entry_error& ex) {
                vp = {"damaged_value", std::string(bare_message(ex.what()))};
            } catch (const fc::store_error& ex) {
                vp = {"damaged_row", util::row_read_failure(ex.what())};
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
        util::write_out(json_text(json_value::make_object({
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
        const std::string scope = fmt::format("{} ({} in value files)",
                                              util::plural(entries, "entry", "entries"), in_files);
        out += problems.empty()
                   ? "check: " + scope + ": no problems\n"
                   : fmt::format("check: {} in {}\n",
                                 util::plural(problems.size(), "problem", "problems"), scope);
        util::write_out(out);
    }
    return problems.empty() ? 0 : 1;
}

inline constexpr command_spec check_command{
    .name = "check",
    .synopsis = "[--json]",
    .summary = "check the database, the value files, that every value decodes and that "
               "its output files are whole",
    .takes_json = true,
    .run = run_check};

} // namespace flytecache_cli
