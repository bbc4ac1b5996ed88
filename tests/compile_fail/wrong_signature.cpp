// flytecache — misuse: a get_version that cannot be called with (salt, version_parameters<F>)
// SPDX-License-Identifier: MIT
// expect: flytecache: policy type's get_version cannot be called as
#include <flytecache/policy/cache.hpp>

#include <string>

struct takes_an_int {
    std::string get_version(int) const { return "x"; }
};

int main() {
    const flytecache::cache<takes_an_int> c{};
    (void)c.get_version(flytecache::version_parameters<>{});
}
