// flytecache — misuse: an unsigned argument to a signed input of the same size
// SPDX-License-Identifier: MIT
// misuse: an unsigned argument to a signed input of the same size (2^63 would run as a negative
// number) must not compile.
// expect: flytecache: a task argument would be narrowed to its input.s type
// context: task_argument_check<.*, long( int)?, (long unsigned int|unsigned long)>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include <cstdint>

int main() {
    namespace fc = flytecache;
    auto t = fc::task<fc::inputs<"x">>(
        "t", [](std::int64_t x) { return x; }, fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{});
    return static_cast<int>(exec.run(t, std::uint64_t{1} << 63));
}
