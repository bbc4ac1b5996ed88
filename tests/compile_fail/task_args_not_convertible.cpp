// flytecache — misuse: an argument that does not convert to its input at all
// SPDX-License-Identifier: MIT
// misuse: an argument that does not convert to its input at all (a std::string to a double) must
// not compile, with our message rather than std::tuple's constructor candidates.
// expect: flytecache: a task argument does not convert to its input.s type
// context: task_argument_check<.*, double, std::(__cxx11::)?basic_string<char>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include <string>

int main() {
    namespace fc = flytecache;
    auto t = fc::task<fc::inputs<"d">>(
        "t", [](double d) { return d; }, fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec(fc::memory_store{});
    return static_cast<int>(exec.run(t, std::string("2.5")));
}
