// flytecache — the program every package consumer builds: includes the umbrella, computes a version
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <iostream>

int main() {
    const flytecache::cache config{flytecache::cache_options{.salt = "consumer"},
                                   flytecache::policies::constant<"package-test">{}};
    std::cout << CONSUMER_KIND << " consumer: flytecache " << FLYTECACHE_VERSION_MAJOR << '.'
              << FLYTECACHE_VERSION_MINOR << '.' << FLYTECACHE_VERSION_PATCH << ", version "
              << config.get_version(flytecache::version_parameters<>{}) << '\n';
}
