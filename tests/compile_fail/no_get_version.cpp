// flytecache — misuse: a policy type without get_version must not compile, and must say why
// SPDX-License-Identifier: MIT
// expect: flytecache: policy type has no 'get_version
#include <flytecache/policy/cache.hpp>

struct not_a_policy {
    int version = 1;
};

int main() {
    const flytecache::cache<not_a_policy> c{};
    (void)c;
}
