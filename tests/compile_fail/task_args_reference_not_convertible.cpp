// flytecache — misuse: a reference task given a field value that does not convert
// SPDX-License-Identifier: MIT
// misuse: a reference task given a field value that does not convert (a number to a std::string
// field) must not compile, with the same message as a function task.
// expect: flytecache: a task argument does not convert to its input.s type
// context: task_argument_check<.*, std::(__cxx11::)?basic_string<char>, int>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/reference_task.hpp>

#include <cstdint>
#include <string>

struct in_t {
    BOOST_HANA_DEFINE_STRUCT(in_t, (std::int64_t, n), (std::string, label));
};
struct out_t {
    BOOST_HANA_DEFINE_STRUCT(out_t, (std::int64_t, o0));
};

int main() {
    namespace fc = flytecache;
    const fc::reference_task<in_t, out_t> t("project", "domain", "proj.add", "1");
    fc::executor exec(fc::memory_store{});
    return static_cast<int>(exec.run(t, 1, 2).o0);
}
