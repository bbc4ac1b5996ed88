// flytecache — compile-time probe: the umbrella header and one cache version from a policy
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <iostream>

namespace fc = flytecache;

int main() {
    const fc::cache config{fc::cache_options{.salt = "probe"},
                           fc::policies::constant<"schema-7">{}};
    std::cout << config.get_version(fc::version_parameters<>{}) << '\n';
}
