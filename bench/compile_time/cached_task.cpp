// flytecache — compile-time probe: one cached function task (4 inputs) on the default SQLite store
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <cstdint>
#include <string>

namespace fc = flytecache;

int main(int argc, char** argv) {
    auto fit = fc::task<fc::inputs<"data", "epochs", "rate", "verbose">>(
        "probe.fit",
        FLYTECACHE_SOURCE(
            // NOLINTNEXTLINE(performance-unnecessary-value-param): parameter types are the inputs'
            [](std::string data, std::int64_t epochs, double rate, bool verbose) {
                return static_cast<double>(data.size()) * static_cast<double>(epochs) * rate +
                       (verbose ? 1.0 : 0.0);
            }),
        fc::cache{fc::policies::function_body{}});
    fc::executor<fc::sqlite_store> exec(argc > 1 ? argv[1] : "/tmp/flytecache-probe");
    return exec.run(fit, std::string("x"), std::int64_t{3}, 0.5, false) > 0 ? 0 : 1;
}
