// flytecache — misuse: a floating-point argument to an integer input
// SPDX-License-Identifier: MIT
// misuse: a floating-point argument to an integer input (issue 14's reproduction: exec.run(t, 2.7)
// ran as 2 and hit the entry cached for 2) must not compile, and must say why.
// expect: flytecache: a task argument would be narrowed to its input.s type
// context: task_argument_check<.*, long( int)?, double>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include <cstdint>

int main() {
    namespace fc = flytecache;
    auto t = fc::task<fc::inputs<"x">>(
        "t", [](std::int64_t x) { return x; }, fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{});
    return static_cast<int>(exec.run(t, 2.7));
}
