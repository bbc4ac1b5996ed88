// flytecache — misuse: a signed argument to an unsigned input
// SPDX-License-Identifier: MIT
// misuse: a signed argument to an unsigned input (-1 would run as 2^64 - 1) must not compile.
// expect: flytecache: a task argument would be narrowed to its input.s type
// context: task_argument_check<.*, (long unsigned int|unsigned long), long( int)?>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include <cstdint>

int main() {
    namespace fc = flytecache;
    auto t = fc::task<fc::inputs<"u">>(
        "t", [](std::uint64_t u) { return u; }, fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{});
    return static_cast<int>(exec.run(t, std::int64_t{-1}));
}
