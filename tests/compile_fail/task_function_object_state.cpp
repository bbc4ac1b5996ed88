// flytecache — misuse: a function object with data members, versioned by policies, must not compile
// SPDX-License-Identifier: MIT
// expect: flytecache: the task function carries state
#include <flytecache/policy/constant_policy.hpp>
#include <flytecache/task/function_task.hpp>

#include <string>

namespace fc = flytecache;

// The threshold decides the output, but the constant policy cannot see it.
struct above {
    double threshold;
    bool operator()(double x) const { return x > threshold; }
};

auto make(double threshold) {
    return fc::task<fc::inputs<"x">>("above", above{threshold},
                                     fc::cache{fc::policies::constant<"v1">{}});
}
