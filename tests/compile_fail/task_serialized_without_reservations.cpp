// flytecache — misuse: a serialized task on a store that cannot hold reservations must not compile
// SPDX-License-Identifier: MIT
// expect: flytecache: this task is serialized, but the executor's store cannot hold reservations
#include <flytecache/store/memory_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fc = flytecache;

// A store with only the four basic operations: no try_reserve / release.
struct plain_store {
    fc::memory_store inner;
    std::optional<std::string> get(std::string_view k) { return inner.get(k); }
    void set(std::string_view k, std::string_view v) { inner.set(k, v); }
    bool erase(std::string_view k) { return inner.erase(k); }
    void clear() { inner.clear(); }
};

int main() {
    auto t = fc::task<fc::inputs<"x">, fc::serialized>(
        "t", [](std::int64_t x) { return x; }, fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(plain_store{fc::memory_store()});
    return static_cast<int>(exec.run(t, 1));
}
