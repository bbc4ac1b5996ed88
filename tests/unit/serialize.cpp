// flytecache — tests: serialize (flytekit's cache_serialize) runs each key exactly once across
// threads and processes, and a waiter takes over from an owner that died
// SPDX-License-Identifier: MIT
#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/sqlite_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fc = flytecache;
using flytecache_test::temp_dir;
using namespace std::chrono_literals;

namespace {

// One line per execution, appended with O_APPEND so lines from many processes never interleave.
void append_line(const std::filesystem::path& log, const std::string& line) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    const std::string text = line + "\n";
    (void)!::write(fd, text.data(), text.size());
    ::close(fd);
}

std::vector<std::string> read_lines(const std::filesystem::path& log) {
    std::ifstream in(log);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

fc::executor_options fast_options() {
    fc::executor_options o;
    o.config = fc::local_cache_config{};
    o.heartbeat_interval = fc::float_seconds(0.1);
    o.reservation_ttl = fc::float_seconds(0.6);
    o.poll_interval = fc::float_seconds(0.01);
    o.max_wait = fc::float_seconds(60);
    return o;
}

auto make_counted_task(const std::filesystem::path& log) {
    return fc::task<fc::inputs<"k">, fc::serialized>(
        "serialize.square",
        [log](std::int64_t k) {
            append_line(log, "run " + std::to_string(k));
            std::this_thread::sleep_for(20ms);
            return k * k;
        },
        fc::cache{fc::cache_options{.version = "1"}});
}

// Every thread calls every key, in an order that differs per thread.
template <class Exec, class Task>
bool hammer(Exec& exec, const Task& t, int threads, int keys) {
    std::atomic<bool> ok{true};
    std::vector<std::thread> pool;
    for (int th = 0; th < threads; ++th) {
        pool.emplace_back([&, th] {
            for (int i = 0; i < keys; ++i) {
                const std::int64_t k = (i + th) % keys;
                try {
                    if (exec.run(t, k) != k * k) ok = false;
                } catch (...) {
                    ok = false;
                }
            }
        });
    }
    for (auto& p : pool) p.join();
    return ok;
}

} // namespace

TEST_CASE("serialize: 8 threads over 5 keys run each key once (memory_store)") {
    temp_dir dir("serialize-mem");
    const auto log = dir / "runs.log";
    auto t = make_counted_task(log);
    fc::executor exec(fc::memory_store{}, fast_options());
    CHECK(hammer(exec, t, 8, 5));
    const auto lines = read_lines(log);
    CHECK(lines.size() == 5);
    CHECK(std::set<std::string>(lines.begin(), lines.end()).size() == 5);
}

TEST_CASE("serialize: 4 processes x 8 threads over one SQLite cache run each key once") {
    temp_dir dir("serialize-procs");
    const auto log = dir / "runs.log";
    const auto cache_dir = dir / "cache";
    constexpr int processes = 4;
    constexpr int keys = 6;
    std::vector<pid_t> children;
    for (int p = 0; p < processes; ++p) {
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            bool ok = false;
            try {
                auto t = make_counted_task(log);
                fc::executor<fc::sqlite_store> exec(cache_dir, fast_options());
                ok = hammer(exec, t, 8, keys);
            } catch (...) {
                ok = false;
            }
            ::_exit(ok ? 0 : 1);
        }
        children.push_back(pid);
    }
    for (const pid_t pid : children) {
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    const auto lines = read_lines(log);
    CHECK(lines.size() == keys); // executions == distinct keys
    CHECK(std::set<std::string>(lines.begin(), lines.end()).size() == keys);
}

TEST_CASE("serialize: when the owner is killed mid-run, a waiter takes over and the work completes once") {
    temp_dir dir("serialize-kill");
    const auto log = dir / "events.log";
    const auto cache_dir = dir / "cache";
    auto body = [log](std::int64_t k) {
        append_line(log, "start " + std::to_string(::getpid()));
        // The first owner stalls here until it is killed; the one that takes over finishes.
        const bool first = read_lines(log).size() == 1;
        std::this_thread::sleep_for(first ? 60s : 50ms);
        append_line(log, "done " + std::to_string(::getpid()));
        return k + 1;
    };
    auto t = fc::task<fc::inputs<"k">, fc::serialized>("serialize.slow", body,
                                                        fc::cache{fc::cache_options{.version = "1"}});
    const auto run_child = [&] {
        const pid_t pid = ::fork();
        if (pid == 0) {
            bool ok = false;
            try {
                fc::executor<fc::sqlite_store> exec(cache_dir, fast_options());
                ok = exec.run(t, 41) == 42;
            } catch (...) {
                ok = false;
            }
            ::_exit(ok ? 0 : 1);
        }
        return pid;
    };
    const pid_t owner = run_child();
    REQUIRE(owner > 0);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (read_lines(log).empty() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    REQUIRE(read_lines(log).size() == 1); // the owner is running the body

    const pid_t waiter = run_child();
    REQUIRE(waiter > 0);
    std::this_thread::sleep_for(300ms); // the waiter is waiting on the owner's live reservation
    CHECK(read_lines(log).size() == 1);
    REQUIRE(::kill(owner, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(owner, &status, 0) == owner);
    CHECK(WIFSIGNALED(status));

    REQUIRE(::waitpid(waiter, &status, 0) == waiter);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);

    const auto lines = read_lines(log);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "start " + std::to_string(owner));
    CHECK(lines[1] == "start " + std::to_string(waiter));
    CHECK(lines[2] == "done " + std::to_string(waiter)); // completed once, by the waiter

    // The result is stored: a later call is a hit and runs nothing.
    fc::executor<fc::sqlite_store> exec(cache_dir, fast_options());
    CHECK(exec.run(t, 41) == 42);
    CHECK(read_lines(log).size() == 3);
}

TEST_CASE("serialize: a waiter gives up after max_wait with task_timeout_error") {
    fc::executor_options o = fast_options();
    o.max_wait = fc::float_seconds(0.2);
    fc::executor exec(fc::memory_store{}, o);
    auto t = fc::task<fc::inputs<"k">, fc::serialized>("serialize.blocked", [](std::int64_t k) { return k; },
                                                        fc::cache{fc::cache_options{.version = "1"}});
    // Someone else holds the reservation for this call's key and never finishes.
    const std::string key = exec.explain(t, 1).key;
    REQUIRE(exec.store().try_reserve(key, "someone-else", fc::float_seconds(30)));
    CHECK_THROWS_AS(exec.run(t, 1), fc::task_timeout_error);
    REQUIRE(exec.store().release(key, "someone-else"));
    CHECK(exec.run(t, 1) == 1);
}
