// flytecache — misuse: a wider integer argument to a narrower integer input must not compile
// SPDX-License-Identifier: MIT
// expect: flytecache: a task argument would be narrowed to its input.s type
// context: task_argument_check<.*, int, long( int)?>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include <cstdint>

int main() {
    namespace fc = flytecache;
    auto t = fc::task<fc::inputs<"n">>(
        "t", [](std::int32_t n) { return n; }, fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{});
    const std::int64_t big = std::int64_t{1} << 40; // would run as 0
    return exec.run(t, big);
}
