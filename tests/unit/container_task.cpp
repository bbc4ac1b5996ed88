// flytecache — tests: container tasks run end to end on the host runtime
// SPDX-License-Identifier: MIT
// tests: container tasks run end to end on the host runtime (templates, data dirs, output
// conversion, errors, caching) and the docker command line they would use.
#include <flytecache/literal/decode.hpp>
#include <flytecache/literal/encode.hpp>
#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/task/container_task.hpp>
#include <flytecache/task/executor.hpp>

#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fc = flytecache;
using flytecache_test::temp_dir;
using namespace std::chrono_literals;

namespace {

struct ellipse_in {
    BOOST_HANA_DEFINE_STRUCT(ellipse_in, (double, a), (double, b), (std::string, name),
                             (bool, loud));
};
struct ellipse_out {
    BOOST_HANA_DEFINE_STRUCT(ellipse_out, (double, area), (std::string, label), (bool, loud),
                             (std::chrono::sys_time<std::chrono::microseconds>, when),
                             (std::chrono::microseconds, took), (std::int64_t, count));
};
struct one_number {
    BOOST_HANA_DEFINE_STRUCT(one_number, (std::int64_t, n));
};
struct raw_out {
    BOOST_HANA_DEFINE_STRUCT(raw_out, (fc::file, raw));
};

fc::executor_options quiet_options() {
    fc::executor_options o;
    o.config = fc::local_cache_config{};
    return o;
}

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

fc::container_task_options ellipse_options(const std::filesystem::path& log) {
    fc::container_task_options o;
    o.input_data_dir = "/var/inputs";
    o.output_data_dir = "/var/outputs";
    o.metadata = {.cache = true, .cache_version = "1"};
    o.arguments = {"echo run >> " + log.string() +
                   "; a=$(cat /var/inputs/a); b=$(cat /var/inputs/b);"
                   " awk \"BEGIN { print 3.25 * $a * $b }\" > /var/outputs/area;"
                   " echo '{{.inputs.name}}-{{ .inputs.loud }}' > /var/outputs/label;"
                   " cp /var/inputs/loud /var/outputs/loud;"
                   " echo 2024-02-29T12:30:00.250000+01:00 > /var/outputs/when;"
                   " echo 1:02:03.500000 > /var/outputs/took;"
                   " printf ' 1_000\\n' > /var/outputs/count"};
    return o;
}

} // namespace

TEST_CASE("container_task: runs on the host with data dirs mapped, reads and converts outputs as "
          "flytekit") {
    temp_dir dir("container");
    const auto log = dir / "runs.log";
    const fc::container_task<ellipse_in, ellipse_out> ellipse("ellipse", "ghcr.io/acme/shell:1",
                                                              {"sh", "-c"}, ellipse_options(log));
    fc::executor exec(fc::memory_store{}, quiet_options());
    const ellipse_out out = exec.run(ellipse, 2.0, 4.0, "disc", true);
    CHECK(out.area == doctest::Approx(26.0));
    CHECK(out.label == "disc-True\n"); // strings are kept verbatim; bools render as Python's str()
    CHECK(out.loud);                   // the input file held "True"
    CHECK(out.when ==
          std::chrono::sys_days{std::chrono::year{2024} / 2 / 29} + 11h + 30min + 250ms);
    CHECK(out.took == 1h + 2min + 3s + 500ms);
    CHECK(out.count == 1000);

    // Cached: the same inputs do not run the command again.
    const ellipse_out again = exec.run(ellipse, 2.0, 4.0, "disc", true);
    CHECK(again.area == out.area);
    CHECK(again.when == out.when);
    CHECK(slurp(log) == "run\n");
    (void)exec.run(ellipse, 2.0, 5.0, "disc", false);
    CHECK(slurp(log) == "run\nrun\n");
}

TEST_CASE("container_task: the literal map is written in the metadata format beside the inputs") {
    for (const auto format :
         {fc::metadata_format::proto, fc::metadata_format::json, fc::metadata_format::yaml}) {
        fc::container_task_options o;
        o.input_data_dir = "/var/inputs";
        o.output_data_dir = "/var/outputs";
        o.metadata_format = format;
        const std::string file = format == fc::metadata_format::proto  ? "inputs.pb"
                                 : format == fc::metadata_format::json ? "inputs.json"
                                                                       : "inputs.yaml";
        o.arguments = {"cp /var/inputs/" + file + " /var/outputs/raw"};
        temp_dir raw("container-raw");
        o.raw_output_prefix = raw.path();
        const fc::container_task<one_number, raw_out> t("dump", "img:1", {"sh", "-c"}, o);
        fc::executor exec(fc::memory_store{}, quiet_options());
        const raw_out out = exec.run(t, std::int64_t{7});
        const std::string bytes = slurp(out.raw.path());
        fc::literal_map expected;
        expected.insert_or_assign("n", fc::to_literal(std::int64_t{7}));
        if (format == fc::metadata_format::proto) {
            CHECK(fc::decode_literal_map(bytes) == expected);
        } else {
            CHECK(bytes == R"({"literals":{"n":{"scalar":{"primitive":{"integer":"7"}}}}})");
        }
    }
}

TEST_CASE("container_task: failures name the task and the output") {
    fc::executor exec(fc::memory_store{}, quiet_options());
    fc::container_task_options o;
    o.output_data_dir = "/var/outputs";

    o.arguments = {"true"};
    const fc::container_task<one_number, one_number> silent("silent", "img:1", {"sh", "-c"}, o);
    CHECK_THROWS_WITH_AS(exec.run(silent, 1), doctest::Contains("did not write output 'n'"),
                         fc::task_error);

    o.arguments = {"echo twelve > /var/outputs/n"};
    const fc::container_task<one_number, one_number> garbled("garbled", "img:1", {"sh", "-c"}, o);
    CHECK_THROWS_WITH_AS(exec.run(garbled, 1),
                         doctest::Contains("output 'n' of container task 'garbled' is malformed"),
                         fc::task_error);

    o.arguments = {"echo boom >&2; exit 3"};
    const fc::container_task<one_number, one_number> failing("failing", "img:1", {"sh", "-c"}, o);
    try {
        (void)exec.run(failing, 1);
        FAIL("a failing command must throw");
    } catch (const fc::task_error& e) {
        CHECK(std::string(e.what()).find("exited with status 3") != std::string::npos);
        CHECK(std::string(e.what()).find("boom") != std::string::npos);
    }

    o.arguments = {"sleep 30"};
    o.metadata.timeout = 200ms;
    const fc::container_task<one_number, one_number> slow("slow", "img:1", {"sh", "-c"}, o);
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(exec.run(slow, 1), fc::task_timeout_error);
    CHECK(std::chrono::steady_clock::now() - start < 10s);

    o.metadata = {};
    o.arguments = {"echo {{.inputs.m}}"};
    CHECK_THROWS_WITH_AS(
        (fc::container_task<one_number, one_number>("bad", "img:1", {"sh", "-c"}, o)),
        doctest::Contains("{{.inputs.m}}, which is not one of its inputs (n)"),
        fc::configuration_error);
}

TEST_CASE("container_task: caching without a version covers the image and the container's work") {
    fc::container_task_options o;
    o.metadata = {.cache = true};
    const fc::container_task<one_number, one_number> v1("t", "ghcr.io/acme/a:1", {"true"}, o);
    const fc::container_task<one_number, one_number> v2("t", "ghcr.io/acme/a:2", {"true"}, o);
    CHECK(v1.version().size() == 64);
    CHECK(v1.version() != v2.version());
    CHECK(v1.version() ==
          fc::sha256_hex(fc::policies::image{}.get_version(
                             "", fc::version_parameters<>{.container_image = "ghcr.io/acme/a:1"}) +
                         v1.work_version()));
    // Everything that defines the work changes the version: command, arguments, environment, data
    // dirs, metadata format, interface.
    const auto version_with = [](auto change) {
        fc::container_task_options c;
        c.metadata = {.cache = true};
        std::vector<std::string> command{"true"};
        change(c, command);
        return fc::container_task<one_number, one_number>("t", "ghcr.io/acme/a:1", command, c)
            .version();
    };
    const std::string base = version_with([](auto&, auto&) {});
    CHECK(base == v1.version());
    CHECK(version_with([](auto&, auto& cmd) { cmd = {"false"}; }) != base);
    CHECK(version_with([](auto& c, auto&) { c.arguments = {"-x"}; }) != base);
    CHECK(version_with([](auto& c, auto&) { c.environment = {{"MODE", "fast"}}; }) != base);
    CHECK(version_with([](auto& c, auto&) { c.input_data_dir = "/var/inputs"; }) != base);
    CHECK(version_with([](auto& c, auto&) { c.output_data_dir = "/var/outputs"; }) != base);
    CHECK(version_with([](auto& c, auto&) { c.metadata_format = fc::metadata_format::proto; }) !=
          base);
    // Field boundaries are part of the text: {"ab"} and {"a", "b"} differ.
    CHECK(version_with([](auto&, auto& cmd) { cmd = {"ab"}; }) !=
          version_with([](auto&, auto& cmd) { cmd = {"a", "b"}; }));
    const fc::container_task<one_number, raw_out> other_interface("t", "ghcr.io/acme/a:1", {"true"},
                                                                  o);
    CHECK(other_interface.version() != base);
    // Policies from a cache<...> get the work hashed after their outputs.
    const fc::container_task<one_number, one_number> with_policy("t", "ghcr.io/acme/a:1", {"true"},
                                                                 fc::cache{fc::policies::image{}});
    CHECK(with_policy.version() ==
          fc::cache{fc::policies::image{}}.get_version(
              fc::version_parameters<>{.container_image = std::string("ghcr.io/acme/a:1")},
              with_policy.work_version()));
    // An explicit version is the version, as for function tasks.
    const fc::container_task<one_number, one_number> pinned(
        "t", "ghcr.io/acme/a:1", {"true"}, fc::cache{fc::cache_options{.version = "9"}});
    CHECK(pinned.version() == "9");
    CHECK(pinned.metadata().cache);
}

// Reproduction (issue 14, 4): two cached container tasks with the same name and image but different
// commands shared a version, so the second returned the first one's outputs.
TEST_CASE("container_task: same name and image, different commands, never share entries") {
    fc::container_task_options o;
    o.output_data_dir = "/var/outputs";
    o.metadata = {.cache = true};
    const fc::container_task<fc::no_values, one_number> seven(
        "numbers", "ghcr.io/acme/shell:1", {"sh", "-c", "echo 7 > /var/outputs/n"}, o);
    const fc::container_task<fc::no_values, one_number> nine(
        "numbers", "ghcr.io/acme/shell:1", {"sh", "-c", "echo 9 > /var/outputs/n"}, o);
    CHECK(seven.version() != nine.version());
    fc::executor exec(fc::memory_store{}, quiet_options());
    CHECK(exec.run(seven).n == 7);
    CHECK(exec.run(nine).n == 9);
    CHECK(exec.run(seven).n == 7);
}

TEST_CASE("container_task: arguments follow the function tasks' rule; the struct itself too") {
    temp_dir dir("container-args");
    const fc::container_task<ellipse_in, ellipse_out> ellipse(
        "ellipse", "ghcr.io/acme/shell:1", {"sh", "-c"}, ellipse_options(dir / "runs.log"));
    fc::executor exec(fc::memory_store{}, quiet_options());
    const std::string key = exec.explain(ellipse, 2.0, 4.0, "disc", true).key;
    // int to a double field keeps its value, so it is the same call (before, the input struct
    // was brace-initialized: a narrowing warning on GCC, an error on Clang).
    CHECK(exec.explain(ellipse, 2, 4, "disc", true).key == key);
    CHECK(exec.explain(ellipse, ellipse_in{2.0, 4.0, "disc", true}).key == key);
    CHECK(exec.explain(ellipse, 2, 4, "disc", false).key != key);
    // Through prepare, as an executor calls it: the converted struct and its literals.
    const auto call = ellipse.prepare(2, 4, std::string("disc"), true);
    CHECK(call.args.a == 2.0);
    CHECK(call.args.b == 4.0);
    REQUIRE(call.inputs.find("b") != nullptr);
    CHECK(*call.inputs.find("b") == fc::to_literal(4.0));
}

TEST_CASE("container_task: the docker command line maps data dirs, environment and image") {
    fc::container_task_options o;
    o.input_data_dir = "/var/inputs/";
    o.output_data_dir = "/var/outputs";
    o.arguments = {"--n={{.inputs.n}}", "/var/outputs/result"};
    o.environment = {{"MODE", "fast"}};
    const fc::container_task<one_number, one_number, fc::docker_cli_runtime> t(
        "t", "ghcr.io/acme/tool:2", {"tool"}, o, fc::docker_cli_runtime{.cli = "podman"});
    const auto call = t.prepare(std::int64_t{5});
    const fc::container_run run = t.make_run(call, "/tmp/in", "/tmp/out");
    const std::vector<std::string> expected{"podman",
                                            "run",
                                            "--rm",
                                            "-v",
                                            "/tmp/in:/var/inputs:rw",
                                            "-v",
                                            "/tmp/out:/var/outputs:rw",
                                            "-e",
                                            "MODE=fast",
                                            "ghcr.io/acme/tool:2",
                                            "tool",
                                            "--n=5",
                                            "/var/outputs/result"};
    CHECK(t.runtime().argv(run) == expected);

    // The host runtime rewrites container paths to the host directories instead.
    const auto host = fc::host_runtime::host_argv(run);
    CHECK(host == std::vector<std::string>{"tool", "--n=5", "/tmp/out/result"});
    fc::container_run tricky;
    tricky.argv = {"/var/outputs2/x", "/data/var/outputs", "cat /var/outputs>/dev/null"};
    tricky.volumes = {{"/h", "/var/outputs", false}};
    CHECK(fc::host_runtime::host_argv(tricky) ==
          std::vector<std::string>{"/var/outputs2/x", "/data/var/outputs", "cat /h>/dev/null"});
}
