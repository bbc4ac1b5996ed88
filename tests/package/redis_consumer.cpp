// flytecache — package consumer: the Redis component links (hiredis found through the package)
// SPDX-License-Identifier: MIT
#include <flytecache/store/redis_store.hpp>

#include <cstdio>

int main(int argc, char**) {
    // Only connects when given an argument: the package test needs no server.
    if (argc > 1) {
        flytecache::redis_store store;
        store.set("k", "v");
    }
    std::printf("redis consumer: %s\n", flytecache::redis_options{}.describe().c_str());
}
