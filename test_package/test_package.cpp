// flytecache — Conan test_package: computes a cache version, and round-trips the SQLite store
// SPDX-License-Identifier: MIT
#include <flytecache/policy/cache.hpp>
#include <flytecache/policy/constant_policy.hpp>
#include <flytecache/policy/version_parameters.hpp>
#include <flytecache/version.hpp>

#include <iostream>

#ifdef TEST_PACKAGE_WITH_SQLITE
#    include <flytecache/store/sqlite_store.hpp>

#    include <filesystem>
#endif

int main() {
    const flytecache::cache config{flytecache::cache_options{.salt = "test_package"},
                                   flytecache::policies::constant<"test_package">{}};
    std::cout << "flytecache " << FLYTECACHE_VERSION_MAJOR << '.' << FLYTECACHE_VERSION_MINOR << '.'
              << FLYTECACHE_VERSION_PATCH << ", version "
              << config.get_version(flytecache::version_parameters<>{}) << '\n';
#ifdef TEST_PACKAGE_WITH_SQLITE
    const auto dir = std::filesystem::temp_directory_path() / "flytecache-test-package";
    {
        flytecache::sqlite_store store(dir);
        store.set("key", "value");
        std::cout << "sqlite store: " << store.get("key").value_or("(missing)") << '\n';
    }
    std::filesystem::remove_all(dir);
#endif
}
