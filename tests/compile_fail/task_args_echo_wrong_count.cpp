// flytecache — misuse: an echo task given fewer arguments than its input struct has fields
// SPDX-License-Identifier: MIT
// misuse: an echo task given fewer arguments than its input struct has fields (the rest were
// silently value-initialized) must not compile, and must say what it takes.
// expect: flytecache: wrong number of arguments: this task takes its input struct, or 3 arguments
#include <flytecache/store/memory_store.hpp>
#include <flytecache/task/echo_task.hpp>
#include <flytecache/task/executor.hpp>

#include <string>

struct shape {
    BOOST_HANA_DEFINE_STRUCT(shape, (double, width), (double, height), (std::string, label));
};

int main() {
    namespace fc = flytecache;
    const fc::echo_task<shape> t("echo");
    fc::executor exec(fc::memory_store{});
    return static_cast<int>(exec.run(t, 1.0, 2.0).width);
}
