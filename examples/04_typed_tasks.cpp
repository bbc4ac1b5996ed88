// flytecache — typed function tasks: named inputs, cached calls, explain, and flytekit's metadata
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>

namespace fc = flytecache;

// Outputs named by field (flytekit: a NamedTuple return).
struct fit_result {
    BOOST_HANA_DEFINE_STRUCT(fit_result, (double, loss), (std::string, model));
};

int main() {
    int trainings = 0;
    // Input names are part of the task's type; "seed" is left out of the key, checked at compile
    // time (ignore<"sede"> would not compile).
    auto train = fc::task<fc::inputs<"data", "epochs", "seed">, fc::ignore<"seed">>(
        "example.train",
        // The lambda captures a counter, which its version cannot see: harmless_state says, at
        // the definition, that the counter cannot change the outputs (without it, this does not
        // compile; a captured value that shapes the result belongs in the inputs or in
        // state_in_version(fn, value)).
        fc::harmless_state(FLYTECACHE_SOURCE(
            // NOLINTNEXTLINE(performance-unnecessary-value-param): parameter types are the inputs'
            [&trainings](std::string data, std::int64_t epochs, std::int64_t seed) {
                ++trainings;
                return fit_result{1.0 / static_cast<double>(epochs),
                                  data + "@" + std::to_string(seed)};
            })),
        fc::cache{fc::policies::function_body{}}, // the version follows the function's code
        {.retries = 2});

    // flytekit's local cache layout, in a directory of our own for the example.
    const auto dir = std::filesystem::temp_directory_path() / "flytecache-example-04";
    std::filesystem::remove_all(dir);
    fc::executor<fc::sqlite_store> exec(dir);

    const fit_result first = exec.run(train, "s3://bucket/train.csv", 10, 1);
    const fit_result second =
        exec.run(train, "s3://bucket/train.csv", 10, 2); // seed ignored: a hit
    std::cout << "loss " << first.loss << ", model " << first.model << '\n';
    std::cout << "second call: loss " << second.loss << ", model " << second.model << '\n';
    std::cout << "trainings: " << trainings << '\n';

    // Why would a call hit or miss? explain shows each part of the key.
    std::cout << exec.explain(train, "s3://bucket/train.csv", 20, 1).to_string();
    std::filesystem::remove_all(dir);
}
