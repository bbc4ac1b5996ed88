// flytecache — test support: the serialize checks every reserving store's executor must pass
// SPDX-License-Identifier: MIT
#pragma once

// Test support: the serialize checks every reserving store's executor must pass (each key runs once
// across processes and threads; a waiter takes over from an owner killed mid-run).

#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace flytecache_test {

namespace fc = flytecache;

/// One line per execution, appended with O_APPEND so lines from many processes never interleave.
inline void append_line(const std::filesystem::path& log, const std::string& line) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    const std::string text = line + "\n";
    (void)!::write(fd, text.data(), text.size());
    ::close(fd);
}

inline std::vector<std::string> read_lines(const std::filesystem::path& log) {
    std::ifstream in(log);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

/// Runs `body` in a forked child, which exits 0 when it returns true (and 1 when it returns false
/// or throws).
template <class Body>
pid_t fork_child(Body&& body) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        bool ok = false;
        try {
            ok = body();
        } catch (...) {
            ok = false;
        }
        ::_exit(ok ? 0 : 1);
    }
    return pid;
}

/// Waits for `pid` and checks that it exited with status 0.
inline void expect_exit_ok(pid_t pid) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

/// Short heartbeats, reservations and polls, so the checks run in well under a second each.
inline fc::executor_options fast_serialize_options() {
    fc::executor_options o;
    o.config = fc::local_cache_config{};
    o.heartbeat_interval = fc::float_seconds(0.1);
    o.reservation_ttl = fc::float_seconds(0.6);
    o.poll_interval = fc::float_seconds(0.01);
    o.max_wait = fc::float_seconds(60);
    return o;
}

/// A serialized task that logs each execution of its body.
inline auto make_counted_task(const std::filesystem::path& log, const std::string& name) {
    return fc::task<fc::inputs<"k">, fc::serialized>(
        name,
        [log](std::int64_t k) {
            append_line(log, "run " + std::to_string(k));
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            return k * k;
        },
        fc::cache{fc::cache_options{.version = "1"}});
}

/// Every thread calls every key, in an order that differs per thread; `true` if every result was
/// right.
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

/// 4 processes x 8 threads call 6 keys through executors made by `make_executor()` (called in
/// each child, so every process has its own store object): each key runs exactly once.
template <class MakeExecutor>
void check_processes_run_each_key_once(const std::filesystem::path& dir,
                                       MakeExecutor make_executor) {
    const auto log = dir / "runs.log";
    constexpr int processes = 4;
    constexpr int keys = 6;
    std::vector<pid_t> children;
    for (int p = 0; p < processes; ++p) {
        const pid_t pid = fork_child([&] {
            auto t = make_counted_task(log, "serialize.square");
            auto exec = make_executor();
            return hammer(exec, t, 8, keys);
        });
        REQUIRE(pid > 0);
        children.push_back(pid);
    }
    for (const pid_t pid : children) expect_exit_ok(pid);
    const auto lines = read_lines(log);
    CHECK(lines.size() == keys); // executions == distinct keys
    CHECK(std::set<std::string>(lines.begin(), lines.end()).size() == keys);
}

/// An owner process runs a slow body and is killed with SIGKILL while a second process waits: the
/// waiter takes over once the reservation lapses, the work completes once (by the waiter), and a
/// later call through `make_executor()` is a hit.
template <class MakeExecutor>
void check_owner_killed_waiter_takes_over(const std::filesystem::path& dir,
                                          MakeExecutor make_executor) {
    using namespace std::chrono_literals;
    const auto log = dir / "events.log";
    auto body = [log](std::int64_t k) {
        append_line(log, "start " + std::to_string(::getpid()));
        // The first owner stalls here until it is killed; the one that takes over finishes.
        const bool first = read_lines(log).size() == 1;
        std::this_thread::sleep_for(first ? 60s : 50ms);
        append_line(log, "done " + std::to_string(::getpid()));
        return k + 1;
    };
    auto t = fc::task<fc::inputs<"k">, fc::serialized>(
        "serialize.slow", body, fc::cache{fc::cache_options{.version = "1"}});
    const auto run_child = [&] {
        return fork_child([&] {
            auto exec = make_executor();
            return exec.run(t, 41) == 42;
        });
    };
    const pid_t owner = run_child();
    REQUIRE(owner > 0);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (read_lines(log).empty() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    REQUIRE(read_lines(log).size() == 1); // the owner is running the body

    const pid_t waiter = run_child();
    REQUIRE(waiter > 0);
    std::this_thread::sleep_for(300ms); // the owner's heartbeat keeps its reservation alive
    CHECK(read_lines(log).size() == 1);
    REQUIRE(::kill(owner, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(owner, &status, 0) == owner);
    CHECK(WIFSIGNALED(status));
    expect_exit_ok(waiter);

    const auto lines = read_lines(log);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "start " + std::to_string(owner));
    CHECK(lines[1] == "start " + std::to_string(waiter));
    CHECK(lines[2] == "done " + std::to_string(waiter)); // completed once, by the waiter

    // The result is stored: a later call is a hit and runs nothing.
    auto exec = make_executor();
    CHECK(exec.run(t, 41) == 42);
    CHECK(read_lines(log).size() == 3);
}

} // namespace flytecache_test
