// flytecache — tests: tasks through redis_store: keys shared with the other stores, serialize exactly
// once across 4 processes x 8 threads, takeover after the owner is killed, container tasks
// SPDX-License-Identifier: MIT
#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/redis_store.hpp>
#include <flytecache/task/container_task.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include "support/redis_fixture.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace fc = flytecache;
using flytecache_test::fixture_options;
using flytecache_test::temp_dir;
using namespace std::chrono_literals;

namespace {

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
        "redis.square",
        [log](std::int64_t k) {
            append_line(log, "run " + std::to_string(k));
            std::this_thread::sleep_for(20ms);
            return k * k;
        },
        fc::cache{fc::cache_options{.version = "1"}});
}

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

struct one_number {
    BOOST_HANA_DEFINE_STRUCT(one_number, (std::int64_t, n));
};

} // namespace

TEST_CASE("redis tasks: a function task caches through Redis under the same key as any store") {
    temp_dir dir("redis-task");
    const auto log = dir / "runs.log";
    auto t = make_counted_task(log);
    fc::executor exec(fc::redis_store(fixture_options("task")), fast_options());
    CHECK(exec.run(t, 7) == 49);
    CHECK(exec.run(t, 7) == 49);
    CHECK(read_lines(log).size() == 1);
    fc::executor mem(fc::memory_store{}, fast_options());
    CHECK(exec.explain(t, 7).key == mem.explain(t, 7).key);
    CHECK(exec.explain(t, 7).cached);
    exec.store().clear();
}

TEST_CASE("redis tasks: 4 processes x 8 threads over one Redis cache run each key exactly once") {
    temp_dir dir("redis-procs");
    const auto log = dir / "runs.log";
    const fc::redis_options shared = fixture_options("procs");
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
                fc::redis_options o = shared;
                o.pool_size = 8;
                fc::executor exec(fc::redis_store(o), fast_options());
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
    fc::redis_store(shared).clear();
}

TEST_CASE("redis tasks: when the owner is killed mid-run, another worker completes the work once") {
    temp_dir dir("redis-kill");
    const auto log = dir / "events.log";
    const fc::redis_options shared = fixture_options("kill");
    auto body = [log](std::int64_t k) {
        append_line(log, "start " + std::to_string(::getpid()));
        const bool first = read_lines(log).size() == 1;
        std::this_thread::sleep_for(first ? 60s : 50ms);
        append_line(log, "done " + std::to_string(::getpid()));
        return k + 1;
    };
    auto t = fc::task<fc::inputs<"k">, fc::serialized>("redis.slow", body, fc::cache{fc::cache_options{.version = "1"}});
    const auto run_child = [&] {
        const pid_t pid = ::fork();
        if (pid == 0) {
            bool ok = false;
            try {
                fc::executor exec(fc::redis_store(shared), fast_options());
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
    REQUIRE(read_lines(log).size() == 1);

    const pid_t waiter = run_child();
    REQUIRE(waiter > 0);
    std::this_thread::sleep_for(300ms); // the owner's heartbeat keeps its reservation alive
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
    CHECK(lines[2] == "done " + std::to_string(waiter));

    fc::executor exec(fc::redis_store(shared), fast_options());
    CHECK(exec.run(t, 41) == 42); // stored: a hit
    CHECK(read_lines(log).size() == 3);
    exec.store().clear();
}

TEST_CASE("redis tasks: a serialized container task runs once through Redis") {
    temp_dir dir("redis-container");
    const auto log = dir / "runs.log";
    fc::container_task_options o;
    o.input_data_dir = "/var/inputs";
    o.output_data_dir = "/var/outputs";
    o.metadata = {.cache = true, .cache_serialize = true, .cache_version = "1"};
    o.arguments = {"echo run >> " + log.string() + "; n=$(cat /var/inputs/n); sleep 0.2;"
                   " echo $((n * 3)) > /var/outputs/n"};
    const fc::container_task<one_number, one_number> triple("triple", "img:1", {"sh", "-c"}, o);
    fc::executor exec(fc::redis_store(fixture_options("container")), fast_options());
    std::vector<std::future<one_number>> calls;
    for (int i = 0; i < 4; ++i) calls.push_back(exec.submit(triple, std::int64_t{5}));
    for (auto& c : calls) CHECK(c.get().n == 15);
    CHECK(read_lines(log).size() == 1);
    exec.store().clear();
}
