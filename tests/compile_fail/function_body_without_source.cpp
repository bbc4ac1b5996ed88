// flytecache — misuse: function_body on a function that does not carry its source text
// SPDX-License-Identifier: MIT
// expect: flytecache: the function_body policy needs the task function's source text
#include <flytecache/policy/cache.hpp>
#include <flytecache/policy/function_body_policy.hpp>

int main() {
    auto plain = [](int x) { return x; };
    const flytecache::cache c{flytecache::policies::function_body{}};
    // Template argument spelled out: Clang 14 cannot deduce an aggregate's from a designated
    // initializer, and its error would come first.
    (void)c.get_version(flytecache::version_parameters<decltype(plain)>{.func = plain});
}
