// flytecache — misuse: a function task over one Hana struct called with no arguments
// SPDX-License-Identifier: MIT
// misuse: a function task over one Hana struct called with no arguments (which used to run on a
// value-initialized struct) must not compile, and must say what it takes.
// expect: flytecache: wrong number of arguments: this task takes its input struct, or 2 arguments
#include <flytecache/store/memory_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include <cstdint>

struct range {
    BOOST_HANA_DEFINE_STRUCT(range, (std::int64_t, lo), (std::int64_t, hi));
};

int main() {
    namespace fc = flytecache;
    auto t = fc::task(
        "t", [](range r) { return r.hi - r.lo; }, fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{});
    return static_cast<int>(exec.run(t));
}
