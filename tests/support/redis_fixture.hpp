// flytecache — test support: the redis-server the CTest fixture started, a fresh namespace per test
// SPDX-License-Identifier: MIT
#pragma once

// Test support: the redis-server the CTest fixture started, a fresh namespace per test, and servers
// of a test's own that it may kill and restart.

#include <flytecache/detail/subprocess.hpp>
#include <flytecache/store/redis_store.hpp>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

namespace flytecache_test {

namespace fc = flytecache;

inline std::string read_trimmed(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string text;
    std::getline(in, text);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
        text.pop_back();
    return text;
}

/// The URL of the server started by the redis_server fixture (tests/redis/CMakeLists.txt).
inline std::string fixture_url() {
    const std::filesystem::path file = std::filesystem::path(FLYTECACHE_REDIS_FIXTURE_DIR) / "url";
    std::string url = read_trimmed(file);
    if (url.empty()) {
        throw std::runtime_error(
            "no " + file.string() +
            ": run the Redis tests through ctest, whose fixture starts the server");
    }
    return url;
}

/// The fixture server's unix socket.
inline std::string fixture_socket() {
    return (std::filesystem::path(FLYTECACHE_REDIS_FIXTURE_DIR) / "redis.sock").string();
}

/// A prefix no other test (or earlier run) uses, so that tests sharing the server stay apart.
inline std::string unique_prefix(const std::string& label) {
    static std::atomic<int> counter{0};
    static const unsigned salt = std::random_device{}();
    return "test:" + label + ":" + std::to_string(::getpid()) + ":" + std::to_string(salt) + ":" +
           std::to_string(counter++);
}

/// Options for the fixture server under a fresh prefix.
inline fc::redis_options fixture_options(const std::string& label) {
    fc::redis_options o = fc::redis_options::from_url(fixture_url());
    o.prefix = unique_prefix(label);
    return o;
}

/// A redis-server of a test's own, started through the fixture's launcher: the test may kill it
/// (SIGKILL, a crash) and start it again on the same port.
class own_redis_server {
public:
    explicit own_redis_server(std::filesystem::path directory, bool persist = false)
        : dir_(std::move(directory)), persist_(persist) {
        start();
    }
    own_redis_server(const own_redis_server&) = delete;
    own_redis_server& operator=(const own_redis_server&) = delete;
    ~own_redis_server() {
        try {
            launch("stop");
        } catch (...) { // NOLINT(bugprone-empty-catch)
            // A destructor must not throw; the server's directory is removed with the test's.
        }
    }

    /// Starts the server: on a free port the first time, on the same port after that.
    void start() { launch("start"); }
    /// SIGKILL, and waits until it is gone.
    void kill() { launch("kill"); }

    [[nodiscard]] unsigned port() const {
        return static_cast<unsigned>(std::stoul(read_trimmed(dir_ / "port")));
    }
    [[nodiscard]] std::string url() const { return read_trimmed(dir_ / "url"); }

private:
    void launch(const std::string& command) {
        fc::detail::process_options p;
        p.argv = {FLYTECACHE_PYTHON, FLYTECACHE_REDIS_LAUNCHER, command, dir_.string()};
        if (command == "start" && started_) {
            p.argv.emplace_back("--port");
            p.argv.push_back(std::to_string(port()));
        }
        if (command == "start" && persist_) p.argv.emplace_back("--persist");
        p.timeout = std::chrono::seconds(30);
        const auto result = fc::detail::run_process(p);
        if (result.exit_code != 0 || result.timed_out) {
            throw std::runtime_error("redis_server.py " + command +
                                     " failed: " + result.output_tail);
        }
        if (command == "start") started_ = true;
    }

    std::filesystem::path dir_;
    bool persist_;
    bool started_ = false;
};

} // namespace flytecache_test
