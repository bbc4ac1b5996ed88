// flytecache — misuse: ignoring an input the task does not have must not compile
// SPDX-License-Identifier: MIT
// expect: flytecache: an ignored input .ignore<...>. is not an input of this task
#include <flytecache/task/function_task.hpp>

#include <cstdint>

int main() {
    namespace fc = flytecache;
    auto t = fc::task<fc::inputs<"data", "seed">, fc::ignore<"sede">>(
        "train", [](std::int64_t data, std::int64_t seed) { return data + seed; },
        fc::cache{fc::cache_options{.version = "1"}});
    (void)t;
}
