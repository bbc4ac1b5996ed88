// flytecache — the program every package consumer builds: includes the umbrella, computes a version
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <filesystem>
#include <iostream>
#include <string>

int main() {
    const flytecache::cache config{flytecache::cache_options{.salt = "consumer"},
                                   flytecache::policies::constant<"package-test">{}};
    std::cout << CONSUMER_KIND << " consumer: flytecache " << FLYTECACHE_VERSION_MAJOR << '.'
              << FLYTECACHE_VERSION_MINOR << '.' << FLYTECACHE_VERSION_PATCH << ", version "
              << config.get_version(flytecache::version_parameters<>{}) << '\n';
    // The package route decides the mode; the tests check that each route delivers the one asked.
#if defined(FLYTECACHE_COMPILED_LIB)
    std::cout << "mode: compiled\n";
#else
    std::cout << "mode: header-only\n";
#endif
    // Links the SQLite component too: the umbrella header includes the store.
    const auto dir = std::filesystem::temp_directory_path() /
                     (std::string("flytecache-consumer-") + CONSUMER_KIND);
    flytecache::sqlite_store store(dir);
    store.set("key", "value");
    std::cout << "store round trip: " << store.get("key").value_or("(missing)") << '\n';
    std::filesystem::remove_all(dir);
}
