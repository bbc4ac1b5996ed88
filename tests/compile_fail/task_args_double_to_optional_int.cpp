// flytecache — misuse: a double argument to a std::optional<std::int64_t> input
// SPDX-License-Identifier: MIT
// misuse: a double argument to a std::optional<std::int64_t> input (std::optional converts 2.5 to 2
// without complaint) must not compile.
// expect: flytecache: a task argument would be narrowed to its input.s type
// context: task_argument_check<.*, std::optional<long( int)?>, double>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include <cstdint>
#include <optional>

int main() {
    namespace fc = flytecache;
    auto t = fc::task<fc::inputs<"o">>(
        "t", [](std::optional<std::int64_t> o) { return o.value_or(0); },
        fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{});
    return static_cast<int>(exec.run(t, 2.5));
}
