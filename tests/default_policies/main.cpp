// flytecache — the default-policies customization point, specialized after the umbrella is included
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <doctest/doctest.h>

#include <string>

namespace fc = flytecache;

// What a plugin would do: every cache<> without policies follows the container image.
template <>
struct flytecache::default_cache_policies<void> {
    static constexpr auto get() { return boost::hana::make_tuple(fc::policies::image{}); }
};

TEST_CASE("cache<> uses the specialized default policies") {
    static_assert(fc::cache<>::policy_count == 1);
    const fc::cache<> defaults{fc::cache_options{}};
    const fc::version_parameters<> params{.container_image = "ghcr.io/acme/sim:1.4"};
    CHECK(defaults.get_version(params) == fc::sha256_hex("ghcr.io/acme/sim:1.4"));
    // No version and no explicit policies is fine now: the defaults supply one.
    const fc::cache<> default_constructed;
    CHECK(default_constructed.get_version(params) == defaults.get_version(params));
    // An explicit version still wins.
    const fc::cache<> versioned{fc::cache_options{.version = "v9"}};
    CHECK(versioned.get_version(params) == "v9");
    // Caches that name policies do not get the defaults.
    const fc::cache named{fc::policies::constant<"x">{}};
    CHECK(named.get_version(params) == fc::sha256_hex("x"));
}
