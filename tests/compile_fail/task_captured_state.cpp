// flytecache — misuse: a capturing task function with a version from policies must not compile
// SPDX-License-Identifier: MIT
// expect: flytecache: the task function carries state
#include <flytecache/policy/function_body_policy.hpp>
#include <flytecache/task/function_task.hpp>

namespace fc = flytecache;

// Reproduction (issue 14, 2): with k = 2 the call returned 20; rebuilt with k = 3 it returned the
// cached 20, because neither the source text nor the inputs see k.
auto make(double k) {
    return fc::task<fc::inputs<"x">>("scale", FLYTECACHE_SOURCE([k](double x) { return x * k; }),
                                     fc::cache{fc::policies::function_body{}});
}
