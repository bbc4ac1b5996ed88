// flytecache — tests: run_process's exit status, merged output, environment, working directory
// SPDX-License-Identifier: MIT
// tests: run_process's exit status, merged output, environment, working directory, exec failures,
// timeouts over whole process groups, signals and concurrent use.
#include <flytecache/detail/subprocess.hpp>

#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fc = flytecache;
using namespace std::chrono_literals;
using flytecache_test::temp_dir;

namespace {

using clock_type = std::chrono::steady_clock;

fc::detail::process_options command(std::vector<std::string> argv) {
    fc::detail::process_options options;
    options.argv = std::move(argv);
    // Nothing here should take long; the limit only keeps a broken implementation from hanging CI.
    options.timeout = 60s;
    return options;
}

fc::detail::process_result run_sh(const std::string& script) {
    return fc::detail::run_process(command({"sh", "-c", script}));
}

std::string thrown_message(const fc::detail::process_options& options) {
    try {
        (void)fc::detail::run_process(options);
    } catch (const fc::error& e) {
        return e.what();
    }
    return "<nothing thrown>";
}

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

// Gone means reaped, or a zombie waiting for an init that may never reap it (in a container).
bool process_gone(pid_t pid) {
    if (::kill(pid, 0) != 0) return errno == ESRCH;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close_paren = line.rfind(')');
    return close_paren != std::string::npos && close_paren + 2 < line.size() &&
           line[close_paren + 2] == 'Z';
}

bool wait_gone(pid_t pid) {
    const auto until = clock_type::now() + 5s;
    while (clock_type::now() < until) {
        if (process_gone(pid)) return true;
        std::this_thread::sleep_for(10ms);
    }
    return process_gone(pid);
}

} // namespace

TEST_CASE("subprocess: exit status") {
    const auto ok = fc::detail::run_process(command({"true"}));
    CHECK(ok.exit_code == 0);
    CHECK_FALSE(ok.signaled);
    CHECK_FALSE(ok.timed_out);
    CHECK(ok.success());
    CHECK(ok.describe() == "exited with status 0");

    const auto three = run_sh("exit 3");
    CHECK(three.exit_code == 3);
    CHECK_FALSE(three.signaled);
    CHECK_FALSE(three.timed_out);
    CHECK_FALSE(three.success());
    CHECK(three.describe() == "exited with status 3");
}

TEST_CASE("subprocess: merged stdout and stderr arrive line by line, in order") {
    auto options = command({"sh", "-c", "echo one; echo two >&2; echo; echo three; printf four"});
    std::vector<std::string> lines;
    options.on_output = [&](std::string_view line) { lines.emplace_back(line); };
    const auto result = fc::detail::run_process(options);
    CHECK(result.exit_code == 0);
    CHECK(lines == std::vector<std::string>{"one", "two", "", "three", "four"});
    CHECK(result.output_tail == "one\ntwo\n\nthree\nfour");
}

TEST_CASE("subprocess: output_tail keeps the last keep_tail_bytes") {
    auto options = command({"sh", "-c", "printf 0123456789; printf abcdefghij >&2"});
    options.keep_tail_bytes = 10;
    CHECK(fc::detail::run_process(options).output_tail == "abcdefghij");
    options.keep_tail_bytes = 15;
    CHECK(fc::detail::run_process(options).output_tail == "56789abcdefghij");
    options.keep_tail_bytes = 1000;
    CHECK(fc::detail::run_process(options).output_tail == "0123456789abcdefghij");
    options.keep_tail_bytes = 0;
    CHECK(fc::detail::run_process(options).output_tail.empty());
}

TEST_CASE("subprocess: stdin is /dev/null") {
    const auto result = fc::detail::run_process(command({"cat"}));
    CHECK(result.exit_code == 0);
    CHECK(result.output_tail.empty());
}

TEST_CASE("subprocess: environment overrides are visible in the child") {
    auto options = command({"sh", "-c", "echo \"$FOO|$HOME|$FLYTECACHE_TWICE\""});
    options.environment = {{"FOO", "bar baz"},
                           {"HOME", "/nowhere"},
                           {"FLYTECACHE_TWICE", "1"},
                           {"FLYTECACHE_TWICE", "2"}};
    CHECK(fc::detail::run_process(options).output_tail == "bar baz|/nowhere|2\n");

    // The parent's environment is inherited underneath.
    const auto path = run_sh("echo \"$PATH\"");
    const char* parent_path = std::getenv("PATH");
    REQUIRE(parent_path != nullptr);
    CHECK(path.output_tail == std::string(parent_path) + "\n");

    options.environment = {{"BAD=NAME", "x"}};
    CHECK_THROWS_AS((void)fc::detail::run_process(options), fc::invalid_argument);
}

TEST_CASE(
    "subprocess: the program is looked up on the child's PATH; scripts without #! run with sh") {
    temp_dir dir("subprocess");
    {
        std::ofstream script(dir / "flytecache-test-script");
        script << "echo \"from script $1\"\n";
    }
    std::filesystem::permissions(dir / "flytecache-test-script", std::filesystem::perms::owner_all);
    auto options = command({"flytecache-test-script", "arg"});
    options.environment = {{"PATH", "/nonexistent-dir:" + dir.path().string() + ":/usr/bin:/bin"}};
    const auto result = fc::detail::run_process(options);
    CHECK(result.exit_code == 0);
    CHECK(result.output_tail == "from script arg\n");
}

TEST_CASE("subprocess: working_directory") {
    temp_dir dir("subprocess");
    auto options = command({"sh", "-c", "pwd -P"});
    options.working_directory = dir.path().string();
    const auto result = fc::detail::run_process(options);
    CHECK(result.exit_code == 0);
    CHECK(result.output_tail == std::filesystem::canonical(dir.path()).string() + "\n");

    options.working_directory = (dir / "missing").string();
    const std::string message = thrown_message(options);
    CHECK(message.find("missing") != std::string::npos);
    CHECK(message.find("No such file or directory") != std::string::npos);
}

TEST_CASE("subprocess: exec failures throw, naming the command and the reason") {
    const std::string missing = "flytecache-no-such-command-7f3a";
    const std::string not_found = thrown_message(command({missing, "x"}));
    CHECK(not_found.find("'" + missing + "'") != std::string::npos);
    CHECK(not_found.find("No such file or directory") != std::string::npos);

    const std::string missing_path = thrown_message(command({"/nonexistent-dir/" + missing}));
    CHECK(missing_path.find("/nonexistent-dir/" + missing) != std::string::npos);

    temp_dir dir("subprocess");
    { std::ofstream(dir / "not-executable") << "echo hi\n"; }
    const std::string denied = thrown_message(command({(dir / "not-executable").string()}));
    CHECK(denied.find("not-executable") != std::string::npos);
    CHECK(denied.find("Permission denied") != std::string::npos);

    CHECK_THROWS_AS((void)fc::detail::run_process(fc::detail::process_options{}),
                    fc::invalid_argument);
    CHECK_THROWS_AS((void)fc::detail::run_process(command({""})), fc::invalid_argument);
    auto negative = command({"true"});
    negative.timeout = -1s;
    CHECK_THROWS_AS((void)fc::detail::run_process(negative), fc::invalid_argument);
}

TEST_CASE("subprocess: a timeout kills the process") {
    auto options = command({"sh", "-c", "sleep 30"});
    options.timeout = 0.5s;
    const auto start = clock_type::now();
    const auto result = fc::detail::run_process(options);
    const double elapsed = seconds_since(start);
    CHECK(result.timed_out);
    CHECK(elapsed >= 0.45);
    CHECK(elapsed < 10.0);
    CHECK_FALSE(result.success());
    CHECK(result.describe() == "timed out after 0.5 s and was killed");
}

TEST_CASE("subprocess: a timeout kills grandchildren in the process group") {
    auto options = command({"sh", "-c", "sleep 30 & echo $!; wait"});
    options.timeout = 0.5s;
    std::vector<std::string> lines;
    options.on_output = [&](std::string_view line) { lines.emplace_back(line); };
    const auto start = clock_type::now();
    const auto result = fc::detail::run_process(options);
    CHECK(result.timed_out);
    CHECK(seconds_since(start) < 10.0);
    REQUIRE(lines.size() == 1);
    const pid_t grandchild = static_cast<pid_t>(std::stoi(lines.front()));
    CHECK(wait_gone(grandchild));
}

TEST_CASE("subprocess: the timeout still applies after the child closed its output") {
    auto options = command({"sh", "-c", "echo bye; exec >/dev/null 2>&1; sleep 30"});
    options.timeout = 0.5s;
    const auto start = clock_type::now();
    const auto result = fc::detail::run_process(options);
    CHECK(result.timed_out);
    CHECK(seconds_since(start) < 10.0);
    CHECK(result.output_tail == "bye\n");
}

TEST_CASE("subprocess: SIGKILL follows when SIGTERM is ignored") {
    // An ignored signal stays ignored across exec, so sleep ignores SIGTERM too.
    auto options = command({"sh", "-c", "trap '' TERM; sleep 30"});
    options.timeout = 0.2s;
    const auto start = clock_type::now();
    const auto result = fc::detail::run_process(options);
    const double elapsed = seconds_since(start);
    CHECK(result.timed_out);
    CHECK(result.signaled);
    CHECK(result.signal == SIGKILL);
    CHECK(elapsed >= 2.0); // the grace period
    CHECK(elapsed < 10.0);
}

TEST_CASE("subprocess: a zero timeout still runs and reaps the child") {
    auto options = command({"sh", "-c", "sleep 30"});
    options.timeout = 0s;
    const auto start = clock_type::now();
    const auto result = fc::detail::run_process(options);
    CHECK(result.timed_out);
    CHECK(seconds_since(start) < 10.0);
}

TEST_CASE("subprocess: large output does not deadlock") {
    auto options =
        command({"sh", "-c", "head -c 2097152 /dev/zero | tr '\\0' a; echo; echo end >&2"});
    std::size_t line_bytes = 0;
    std::vector<std::string> short_lines;
    options.on_output = [&](std::string_view line) {
        line_bytes += line.size();
        if (line.size() < 100) short_lines.emplace_back(line);
    };
    const auto result = fc::detail::run_process(options);
    CHECK(result.exit_code == 0);
    CHECK_FALSE(result.timed_out);
    CHECK(line_bytes == 2097152 + 3);
    CHECK(short_lines == std::vector<std::string>{"end"});
    REQUIRE(result.output_tail.size() == 64 * 1024);
    CHECK(result.output_tail.substr(result.output_tail.size() - 6) == "a\nend\n");
    CHECK(result.output_tail.find_first_not_of('a') == 64 * 1024 - 5);
}

TEST_CASE("subprocess: death by a signal") {
    const auto result = run_sh("kill -9 $$");
    CHECK(result.signaled);
    CHECK(result.signal == 9);
    CHECK_FALSE(result.timed_out);
    CHECK_FALSE(result.success());
    CHECK(result.describe() == "killed by signal 9 (SIGKILL)");
}

TEST_CASE("subprocess: the child gets SIGPIPE at its default even when the parent ignores it") {
    struct sigaction ignore{};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    struct sigaction previous{};
    REQUIRE(::sigaction(SIGPIPE, &ignore, &previous) == 0);
    // With SIGPIPE ignored, yes would report "Broken pipe" and exit 1 instead of dying quietly.
    const auto result = run_sh("yes | head -n 1 >/dev/null; echo done");
    ::sigaction(SIGPIPE, &previous, nullptr);
    CHECK(result.exit_code == 0);
    CHECK(result.output_tail == "done\n");
}

TEST_CASE("subprocess: an exception from on_output kills the child and propagates") {
    auto options = command({"sh", "-c", "echo $$; sleep 30"});
    pid_t child = 0;
    options.on_output = [&](std::string_view line) {
        child = static_cast<pid_t>(std::stoi(std::string(line)));
        throw std::runtime_error("stop");
    };
    const auto start = clock_type::now();
    CHECK_THROWS_WITH_AS((void)fc::detail::run_process(options), "stop", std::runtime_error);
    CHECK(seconds_since(start) < 10.0);
    REQUIRE(child > 0);
    // Reaped by run_process itself, not left as a zombie.
    CHECK(::kill(child, 0) != 0);
}

TEST_CASE("subprocess: concurrent calls from several threads") {
    constexpr int threads = 4;
    constexpr int runs = 5;
    std::vector<std::vector<std::string>> outputs(threads);
    std::vector<std::string> failures(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([t, &outputs, &failures] {
            try {
                for (int i = 0; i < runs; ++i) {
                    auto options = command({"sh", "-c", "echo \"$0 $FLYTECACHE_RUN\"; echo err >&2",
                                            "t" + std::to_string(t)});
                    options.environment = {{"FLYTECACHE_RUN", std::to_string(i)}};
                    const auto result = fc::detail::run_process(options);
                    outputs[static_cast<std::size_t>(t)].push_back(result.output_tail +
                                                                   result.describe());
                }
            } catch (const std::exception& e) {
                failures[static_cast<std::size_t>(t)] = e.what();
            }
        });
    }
    for (auto& worker : workers) worker.join();
    for (int t = 0; t < threads; ++t) {
        CAPTURE(t);
        CHECK(failures[static_cast<std::size_t>(t)].empty());
        REQUIRE(outputs[static_cast<std::size_t>(t)].size() == runs);
        for (int i = 0; i < runs; ++i) {
            CHECK(outputs[static_cast<std::size_t>(t)][static_cast<std::size_t>(i)] ==
                  "t" + std::to_string(t) + " " + std::to_string(i) +
                      "\nerr\nexited with status 0");
        }
    }
}
