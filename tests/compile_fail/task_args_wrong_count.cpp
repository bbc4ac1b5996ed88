// flytecache — misuse: a function task called with too few arguments
// SPDX-License-Identifier: MIT
// misuse: a function task called with fewer arguments than it has inputs must not compile, and the
// first error must say how many it takes.
// expect: flytecache: wrong number of arguments: this task takes 2 \(one per input\)
#include <flytecache/store/memory_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include <cstdint>

int main() {
    namespace fc = flytecache;
    auto t = fc::task<fc::inputs<"a", "b">>(
        "t", [](std::int64_t a, std::int64_t b) { return a + b; },
        fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{});
    return static_cast<int>(exec.run(t, 1));
}
