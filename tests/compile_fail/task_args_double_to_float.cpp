// flytecache — misuse: a double argument to a float input
// SPDX-License-Identifier: MIT
// misuse: a double argument to a float input (0.1 would run as 0.100000001) must not compile.
// expect: flytecache: a task argument would be narrowed to its input.s type
// context: task_argument_check<.*, float, double>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

int main() {
    namespace fc = flytecache;
    auto t = fc::task<fc::inputs<"f">>(
        "t", [](float f) { return f; }, fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{});
    return static_cast<int>(exec.run(t, 0.1));
}
