// flytecache — misuse: a container task
// SPDX-License-Identifier: MIT
// misuse: a container task (inputs: the fields of a Hana struct) given a field value that narrows
// must not compile, with the same message as a function task; before, the struct was brace-
// initialized (a GCC warning, a Clang error without a flytecache: line).
// expect: flytecache: a task argument would be narrowed to its input.s type
// context: task_argument_check<.*, long( int)?, double>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/task/container_task.hpp>
#include <flytecache/task/executor.hpp>

#include <cstdint>
#include <string>

struct job {
    BOOST_HANA_DEFINE_STRUCT(job, (std::int64_t, count), (std::string, name));
};

int main() {
    namespace fc = flytecache;
    const fc::container_task<job, job> t("t", "alpine:3", {"true"});
    fc::executor exec(fc::memory_store{});
    return static_cast<int>(exec.run(t, 2.7, "x").count);
}
