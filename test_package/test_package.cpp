// flytecache — Conan test_package: computes a cache version, round-trips the SQLite store and links
// the Redis store, whichever components the package was created with
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

// The recipe's header_only option must reach consumers as the macro (package_info's defines): a
// consumer built in the other mode than the package would fail to link, or define everything twice.
#if defined(TEST_PACKAGE_EXPECT_COMPILED) != defined(FLYTECACHE_COMPILED_LIB)
#    error "test_package: FLYTECACHE_COMPILED_LIB does not match the package's header_only option"
#endif

#ifdef TEST_PACKAGE_WITH_REDIS
void test_package_redis(bool connect); // test_package_redis.cpp
#endif

int main(int argc, char**) {
    const flytecache::cache config{flytecache::cache_options{.salt = "test_package"},
                                   flytecache::policies::constant<"test_package">{}};
    std::cout << "flytecache " << FLYTECACHE_VERSION_MAJOR << '.' << FLYTECACHE_VERSION_MINOR << '.'
              << FLYTECACHE_VERSION_PATCH << ", version "
              << config.get_version(flytecache::version_parameters<>{}) << '\n';
#ifdef FLYTECACHE_COMPILED_LIB
    std::cout << "mode: compiled\n";
#else
    std::cout << "mode: header-only\n";
#endif
#ifdef TEST_PACKAGE_WITH_SQLITE
    const auto dir = std::filesystem::temp_directory_path() / "flytecache-test-package";
    {
        flytecache::sqlite_store store(dir);
        store.set("key", "value");
        std::cout << "sqlite store: " << store.get("key").value_or("(missing)") << '\n';
    }
    std::filesystem::remove_all(dir);
#endif
#ifdef TEST_PACKAGE_WITH_REDIS
    // Only with an argument, which `conan create` never passes: it has no Redis server.
    test_package_redis(argc > 1);
#else
    static_cast<void>(argc);
#endif
}
