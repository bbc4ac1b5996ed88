// flytecache — writing your own cache policy, composing policies, and compile-time versions
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>

namespace fc = flytecache;

// Versions a task by a model revision taken from the environment, so that deploying a new model
// invalidates cached results. Throwing is fine: the cache reports which policy failed.
struct model_revision_policy {
    const char* variable;

    template <class F>
    std::string get_version(std::string_view salt, const fc::version_parameters<F>&) const {
        const char* value = std::getenv(variable);
        if (value == nullptr) throw std::runtime_error(std::string(variable) + " is not set");
        return std::string(salt) + value;
    }
};

// Policies whose outputs are constant expressions give a version computed by the compiler.
constexpr auto schema_version = fc::make_static_version([] {
    return fc::cache{fc::policies::constant<"schema-7">{} + fc::policies::constant<"units-si">{}}
        .get_version(fc::version_parameters<>{});
});
static_assert(schema_version.view().size() == 64);

int main() {
    std::cout << "compile-time version: " << schema_version.view() << '\n';

    // `+` joins policies into one flat composite; the order of the parts is the order hashed.
    const fc::cache config{fc::cache_options{.salt = "rev:"},
                           model_revision_policy{"FLYTECACHE_EXAMPLE_MODEL_REV"} +
                               fc::policies::image{}};
    const fc::version_parameters<> params{.container_image = "ghcr.io/acme/train:3"};

    try {
        (void)config.get_version(params);
    } catch (const fc::version_error& e) {
        std::cout << "without a revision: " << e.what() << '\n';
        try {
            std::rethrow_if_nested(e);
        } catch (const std::exception& cause) {
            std::cout << "  because: " << cause.what() << '\n';
        }
    }

    ::setenv("FLYTECACHE_EXAMPLE_MODEL_REV", "2026-11-01", 1);
    std::cout << "with a revision: " << config.get_version(params) << '\n';
}
