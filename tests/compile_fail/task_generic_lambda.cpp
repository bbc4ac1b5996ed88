// flytecache — misuse: a task over a generic lambda has no input types, so it must not compile
// SPDX-License-Identifier: MIT
// expect: flytecache: cannot read the task function's parameter types
#include <flytecache/task/function_task.hpp>

int main() {
    namespace fc = flytecache;
    auto t = fc::task<fc::inputs<"x">>("t", [](auto x) { return x; });
    (void)t;
}
