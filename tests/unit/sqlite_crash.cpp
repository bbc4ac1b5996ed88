// flytecache — tests: a writer killed with SIGKILL mid-stream loses nothing it acknowledged
// SPDX-License-Identifier: MIT
#include <flytecache/store/sqlite_store.hpp>

#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

namespace fc = flytecache;
using flytecache_test::temp_dir;

namespace {

// Every tenth value is large enough to live in a .val file, so kills land in file writes too.
std::string value_for(std::uint32_t i) {
    const std::size_t size = i % 10 == 3 ? 40000 + i : 100 + i % 50;
    std::string v(size, '\0');
    for (std::size_t j = 0; j < size; ++j) {
        v[j] = static_cast<char>((i * 31 + j * 7) % 251);
    }
    return v;
}

// The child: sets keys 0, 1, 2 … forever, writing each index to the pipe once `set` returned.
[[noreturn]] void writer(const std::filesystem::path& dir, int ack_fd) {
    try {
        fc::sqlite_store store(dir);
        for (std::uint32_t i = 0;; ++i) {
            store.set("k" + std::to_string(i), value_for(i));
            if (::write(ack_fd, &i, sizeof i) != static_cast<ssize_t>(sizeof i)) {
                ::_exit(3);
            }
        }
    } catch (...) {
        ::_exit(2);
    }
}

} // namespace

TEST_CASE("sqlite_store survives SIGKILL of a writer: every acknowledged set is intact") {
    temp_dir dir("crash");
    // Several rounds with kills after different amounts of work, each resuming on the same files.
    for (const std::uint32_t kill_after : {50U, 137U, 401U, 20U, 260U}) {
        CAPTURE(kill_after);
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(fds[0]);
            // Every round rewrites k0, k1, … with the same bytes over the previous rounds' files.
            writer(dir.path() / "cache", fds[1]);
        }
        ::close(fds[1]);
        std::uint32_t acked = 0;
        std::uint32_t last = 0;
        bool any = false;
        while (acked < kill_after) {
            std::uint32_t i = 0;
            const ssize_t n = ::read(fds[0], &i, sizeof i);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            REQUIRE(n == static_cast<ssize_t>(sizeof i));
            last = i;
            any = true;
            ++acked;
        }
        REQUIRE(::kill(pid, SIGKILL) == 0); // lands wherever the writer is: mid-set, mid-commit …
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        CHECK(WIFSIGNALED(status));
        // Acknowledgements already in the pipe were for sets that returned, so they count too.
        for (;;) {
            std::uint32_t i = 0;
            const ssize_t n = ::read(fds[0], &i, sizeof i);
            if (n != static_cast<ssize_t>(sizeof i)) {
                break;
            }
            last = i;
            any = true;
        }
        ::close(fds[0]);
        REQUIRE(any);

        fc::sqlite_store store(dir.path() / "cache");
        const auto report = store.check();
        for (const auto& f : report.findings) {
            MESSAGE("check: " << f.message);
        }
        CHECK_FALSE(report.damaged());
        for (std::uint32_t i = 0; i <= last; ++i) {
            const auto got = store.get("k" + std::to_string(i));
            REQUIRE_MESSAGE(got, "acknowledged key k" << i << " is missing");
            REQUIRE_MESSAGE(*got == value_for(i), "acknowledged key k" << i << " has wrong bytes");
        }
        // check(fix) clears leftovers of the interrupted write (an orphaned .val file at most).
        (void)store.check(true);
        CHECK(store.check().clean());
    }
}

namespace {

// The child of the next test: sets r<round>-k0, r<round>-k1 … forever, acknowledging each.
[[noreturn]] void round_writer(const std::filesystem::path& dir, int round, int ack_fd) {
    try {
        fc::sqlite_store store(dir);
        for (std::uint32_t i = 0;; ++i) {
            store.set("r" + std::to_string(round) + "-k" + std::to_string(i), value_for(i));
            if (::write(ack_fd, &i, sizeof i) != static_cast<ssize_t>(sizeof i)) {
                ::_exit(3);
            }
        }
    } catch (...) {
        ::_exit(2);
    }
}

} // namespace

// The reliability suite's crash test (issue 15): writers killed with SIGKILL while check(true) —
// which deletes stray files and repairs counters — runs beside them in another process. No write
// that was acknowledged may be lost, and nothing an interrupted write left may count as damage.
TEST_CASE("sqlite_store: SIGKILL of writers beside check(true) loses no acknowledged write") {
    temp_dir dir("crash-check");
    const auto cache = dir.path() / "cache";
    constexpr int rounds = 12;
    std::uint64_t acknowledged = 0;
    std::uint64_t lost = 0;
    for (int round = 0; round < rounds; ++round) {
        CAPTURE(round);
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(fds[0]);
            round_writer(cache, round, fds[1]);
        }
        ::close(fds[1]);
        // The checker is a process too: check(true) beside writers in other processes is the
        // case the grace period guards (a thread would be no different to SQLite).
        const pid_t checker = ::fork();
        REQUIRE(checker >= 0);
        if (checker == 0) {
            try {
                fc::sqlite_store store(cache);
                for (;;) (void)store.check(true);
            } catch (...) {
                ::_exit(2);
            }
        }
        const std::uint32_t kill_after = 30U + static_cast<std::uint32_t>(round) * 17U;
        std::uint32_t acked = 0;
        std::uint32_t last = 0;
        while (acked < kill_after) {
            std::uint32_t i = 0;
            const ssize_t n = ::read(fds[0], &i, sizeof i);
            if (n < 0 && errno == EINTR) continue;
            REQUIRE(n == static_cast<ssize_t>(sizeof i));
            last = i;
            ++acked;
        }
        REQUIRE(::kill(pid, SIGKILL) == 0);
        REQUIRE(::kill(checker, SIGKILL) == 0);
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        REQUIRE(::waitpid(checker, &status, 0) == checker);
        for (;;) {
            std::uint32_t i = 0;
            if (::read(fds[0], &i, sizeof i) != static_cast<ssize_t>(sizeof i)) break;
            last = i;
        }
        ::close(fds[0]);
        fc::sqlite_store store(cache);
        for (std::uint32_t i = 0; i <= last; ++i) {
            ++acknowledged;
            const auto got = store.get("r" + std::to_string(round) + "-k" + std::to_string(i));
            lost += got && *got == value_for(i) ? 0U : 1U;
        }
        CHECK_FALSE(store.check().damaged());
    }
    MESSAGE("crash test: " << rounds << " writers and " << rounds
                           << " checkers killed with SIGKILL, " << acknowledged
                           << " acknowledged writes, " << lost << " lost");
    CHECK(lost == 0);
}
