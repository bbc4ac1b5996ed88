// flytecache — package consumer: the LMDB component links (liblmdb found through the package)
// SPDX-License-Identifier: MIT
#include <flytecache/store/lmdb_store.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

int main() {
    // A store in a fresh temporary directory: liblmdb is really linked and used.
    std::string pattern =
        (std::filesystem::temp_directory_path() / "flytecache-lmdb-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return 1;
    std::string got;
    {
        flytecache::lmdb_store store{std::filesystem::path(pattern)};
        store.set("k", "v");
        got = store.get("k").value_or("(missing)");
    }
    std::filesystem::remove_all(pattern);
    std::printf("lmdb consumer: %s\n", got.c_str());
    return got == "v" ? 0 : 1;
}
