// flytecache — test support: locating and reading the golden vectors
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/flytecache.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace flytecache_test {

/// The folder the vector tests read: $FLYTECACHE_VECTORS_DIR when set, else tests/vectors.
inline std::filesystem::path vectors_dir() {
    if (const char* env = std::getenv("FLYTECACHE_VECTORS_DIR"); env != nullptr && *env != '\0') {
        return env;
    }
    return FLYTECACHE_DEFAULT_VECTORS_DIR;
}

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

inline flytecache::detail::json_value load_vectors(const std::string& file) {
    return flytecache::detail::parse_json(read_file(vectors_dir() / file));
}

} // namespace flytecache_test
