// flytecache — Conan test_package, Redis component (with_redis=True): compiles and links the store
// SPDX-License-Identifier: MIT
#include <flytecache/store/redis_store.hpp>

#include <iostream>

// Called by test_package.cpp. Connects only when asked (the package test has no Redis server), but
// the store's code, and so hiredis, is linked either way.
void test_package_redis(bool connect) {
    if (connect) {
        flytecache::redis_store store;
        store.set("key", "value");
    }
    std::cout << "redis store: " << flytecache::redis_options{}.describe() << '\n';
}
