// flytecache — serialize: eight threads ask for the same expensive results; each runs once
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <iostream>
#include <vector>

namespace fc = flytecache;

int main() {
    std::atomic<int> simulations{0};
    // `serialized` (flytekit's cache_serialize): identical concurrent calls wait for the first.
    auto simulate = fc::task<fc::inputs<"scenario">, fc::serialized>(
        "example.simulate",
        [&simulations](std::int64_t scenario) {
            ++simulations;
            std::this_thread::sleep_for(std::chrono::milliseconds(100)); // expensive work
            return scenario * 1000;
        },
        fc::cache{fc::cache_options{.version = "1"}});

    fc::executor exec(fc::memory_store{});
    std::vector<std::future<std::int64_t>> results;
    results.reserve(8);
    for (int caller = 0; caller < 8; ++caller) {
        results.push_back(exec.submit(simulate, caller % 2)); // two distinct scenarios
    }
    std::int64_t total = 0;
    for (auto& r : results) total += r.get();
    std::cout << "8 callers, 2 scenarios, total " << total << '\n';
    std::cout << "simulations run: " << simulations << '\n';
}
