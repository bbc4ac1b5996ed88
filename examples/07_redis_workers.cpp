// flytecache example — two worker processes share one Redis cache
// SPDX-License-Identifier: MIT
// Two worker processes share one Redis cache: each asks for the same three simulations, and each
// simulation runs once in total (serialize), whoever gets to it first.
//
// Needs a Redis server: FLYTECACHE_REDIS_URL (default redis://127.0.0.1:6379). The workers could as
// well run on different machines; they only share the URL.
#include <flytecache/flytecache.hpp>
#include <flytecache/store/redis_store.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace fc = flytecache;
using namespace std::chrono_literals;

namespace {

std::atomic<int> simulations_here{0};

// The expensive, deterministic step every worker needs.
std::int64_t simulate(std::int64_t scenario) {
    ++simulations_here;
    std::this_thread::sleep_for(200ms);
    return scenario * scenario + 7;
}

int worker(const fc::redis_options& where, const std::vector<std::int64_t>& order, int report_fd) {
    const auto task = fc::task<fc::inputs<"scenario">, fc::serialized>(
        "example.simulate", &simulate, fc::cache{fc::cache_options{.version = "1"}});
    fc::executor exec{fc::redis_store(where)};
    std::int64_t total = 0;
    for (const std::int64_t scenario : order) total += exec.run(task, scenario);
    const std::string report =
        std::to_string(simulations_here.load()) + " " + std::to_string(total) + "\n";
    return ::write(report_fd, report.data(), report.size()) == static_cast<ssize_t>(report.size())
               ? 0
               : 1;
}

} // namespace

int main() {
    const char* url = std::getenv("FLYTECACHE_REDIS_URL");
    fc::redis_options where =
        fc::redis_options::from_url(url != nullptr ? url : "redis://127.0.0.1:6379");
    where.prefix = "flytecache-example-workers";
    try {
        fc::redis_store(where).clear(); // start from an empty cache, so the count below is exact
    } catch (const fc::error& e) {
        std::fprintf(stderr, "no Redis server: %s\n", e.what());
        return 1;
    }

    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) return 1;
    // The two workers ask in opposite orders, so they meet on the middle scenario.
    const std::vector<std::vector<std::int64_t>> orders = {{1, 2, 3}, {3, 2, 1}};
    std::vector<pid_t> workers;
    for (const auto& order : orders) {
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::close(pipe_fds[0]);
            int status = 1;
            try {
                status = worker(where, order, pipe_fds[1]);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "worker failed: %s\n", e.what());
            }
            ::_exit(status);
        }
        workers.push_back(pid);
    }
    ::close(pipe_fds[1]);

    bool ok = true;
    for (const pid_t pid : workers) {
        int status = 0;
        ok = ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
             ok;
    }
    std::string reports;
    char buf[256];
    for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;)
        reports.append(buf, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    if (!ok) return 1;

    int simulations = 0;
    std::vector<long long> totals;
    for (std::size_t pos = 0; pos < reports.size();) {
        const std::size_t end = reports.find('\n', pos);
        int runs = 0;
        long long total = 0;
        if (std::sscanf(reports.c_str() + pos, "%d %lld", &runs, &total) == 2) {
            simulations += runs;
            totals.push_back(total);
        }
        pos = end == std::string::npos ? reports.size() : end + 1;
    }
    std::printf("workers: %zu, each asked for 3 scenarios\n", totals.size());
    for (std::size_t i = 0; i < totals.size(); ++i)
        std::printf("worker %zu total: %lld\n", i + 1, totals[i]);
    std::printf("simulations run: %d\n", simulations);
    return totals.size() == 2 && totals[0] == totals[1] && simulations == 3 ? 0 : 1;
}
