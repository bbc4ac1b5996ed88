// flytecache — misuse: a number to a bool input
// SPDX-License-Identifier: MIT
// misuse: a number to a bool input (2 would run as true, and share true's key) must not compile.
// expect: flytecache: a task argument would be narrowed to its input.s type
// context: task_argument_check<.*, bool, int>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

int main() {
    namespace fc = flytecache;
    auto t = fc::task<fc::inputs<"flag">>(
        "t", [](bool flag) { return flag; }, fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{});
    return exec.run(t, 2) ? 0 : 1;
}
