// flytecache — misuse: a function task over one Hana struct
// SPDX-License-Identifier: MIT
// misuse: a function task over one Hana struct, called field by field with a value that narrows,
// must not compile (it takes the struct, or one argument per field, by the same rule).
// expect: flytecache: a task argument would be narrowed to its input.s type
// context: task_argument_check<.*, long( int)?, double>
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
    return static_cast<int>(exec.run(t, std::int64_t{1}, 2.5));
}
