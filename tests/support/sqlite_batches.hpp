// flytecache — test support: batches that own their bytes, and the value files of a sqlite_store
// SPDX-License-Identifier: MIT
// Shared by the sqlite_store tests (single writes, batches, the batches' Settings books).
#pragma once

#include <flytecache/store/sqlite_store.hpp>

#include "temp_dir.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace flytecache_test {

// A batch that owns its keys and values, with the views set_many and get_many take.
struct owned_batch {
    std::vector<std::string> keys, values;
    [[nodiscard]] std::vector<flytecache::key_value> items() const {
        std::vector<flytecache::key_value> out;
        for (std::size_t i = 0; i < keys.size(); ++i) {
            out.push_back({keys[i], values[i]});
        }
        return out;
    }
    [[nodiscard]] std::vector<std::string_view> key_views() const {
        return {keys.begin(), keys.end()};
    }
};

// How many diskcache value files (`.val`) are under `dir`.
inline std::size_t count_val_files(const std::filesystem::path& dir) {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        n += e.path().extension() == ".val" ? 1U : 0U;
    }
    return n;
}

// A store in `d` that keeps values of 1 KiB and more in value files (diskcache's default is 32
// KiB).
inline flytecache::sqlite_store::options small_files(const temp_dir& d) {
    flytecache::sqlite_store::options o{.directory = d.path()};
    o.min_file_size = 1024;
    return o;
}

} // namespace flytecache_test
