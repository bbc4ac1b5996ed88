// flytecache — CLI: what the commands share (output, entry decoding, filters, clean-up)
// SPDX-License-Identifier: MIT
#pragma once

#include "cache_dir.hpp"
#include "command.hpp"
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

namespace flytecache_cli::util {

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

} // namespace flytecache_cli::util
