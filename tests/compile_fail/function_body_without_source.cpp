// flytecache — misuse: function_body on a function that does not carry its source text
// SPDX-License-Identifier: MIT
// expect: flytecache: the function_body policy needs the task function's source text
#include <flytecache/flytecache.hpp>

int main() {
    auto plain = [](int x) { return x; };
    const flytecache::cache c{flytecache::policies::function_body{}};
    (void)c.get_version(flytecache::version_parameters{.func = plain});
}
