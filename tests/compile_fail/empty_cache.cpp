// flytecache — misuse: a cache<> with neither policies nor a version must not compile
// SPDX-License-Identifier: MIT
// expect: flytecache: If version is not defined then at least one cache policy needs to be set
#include <flytecache/policy/cache.hpp>

int main() {
    const flytecache::cache<> c;
    (void)c;
}
