// flytecache — quick start: a flytekit-exact cache version from compile-time policies
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <iostream>

namespace fc = flytecache;

// A policy is any type with get_version(salt, params) returning a string.
struct schema_policy {
    template <class F>
    std::string get_version(std::string_view salt, const fc::version_parameters<F>&) const {
        return std::string(salt) + "schema-7";
    }
};

int main() {
    // The task function carries its source: editing its code changes the version, comments don't.
    auto simulate = FLYTECACHE_SOURCE([](double dt) { return dt * 0.5; });

    const fc::cache config{fc::cache_options{.ignored_inputs = "log_level", .salt = "v2"},
                           schema_policy{}, fc::policies::function_body{}, fc::policies::image{}};
    // fc::cache<int> bad{}; // ❌ does not compile: flytecache: policy type has no 'get_version…'

    const std::string version = config.get_version(
        fc::make_version_parameters(simulate, {.container_image = "ghcr.io/acme/sim:1.4"}));
    std::cout << "simulate(0.1) = " << simulate(0.1) << '\n';
    std::cout << "cache version: " << version << '\n';
}
