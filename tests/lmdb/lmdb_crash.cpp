// flytecache — tests: lmdb_store writers killed with SIGKILL lose nothing they acknowledged
// SPDX-License-Identifier: MIT
#include <flytecache/store/lmdb_store.hpp>

#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

namespace fc = flytecache;
using flytecache_test::temp_dir;

namespace {

// Some values are large (overflow pages), so kills land in big writes and map growth too.
std::string value_for(std::uint32_t writer, std::uint32_t i) {
    const std::size_t size = i % 10 == 3 ? 40000 + i : 100 + i % 50;
    std::string v(size, '\0');
    for (std::size_t j = 0; j < size; ++j)
        v[j] = static_cast<char>((writer * 17 + i * 31 + j * 7) % 251);
    return v;
}

std::string key_for(int round, std::uint32_t writer, std::uint32_t i) {
    return "r" + std::to_string(round) + "-w" + std::to_string(writer) + "-k" + std::to_string(i);
}

// The child: sets its keys forever (every fifth write a set_many of two), acknowledging each
// index on the pipe once the call returned. A tiny initial map makes it grow while others write.
[[noreturn]] void writer(const std::filesystem::path& dir, int round, std::uint32_t w, int ack_fd) {
    try {
        fc::lmdb_store store(fc::lmdb_store::options{
            .directory = dir,
            .size_limit = 0,
            .initial_map_size = 256 * 1024,
            // Odd rounds without fsync: a killed process still loses nothing (the kernel has
            // the pages); only a system crash could.
            .durability = round % 2 == 0 ? fc::lmdb_durability::full : fc::lmdb_durability::none});
        for (std::uint32_t i = 0;; ++i) {
            if (i % 5 == 4) {
                const std::string k1 = key_for(round, w, i);
                const std::string v1 = value_for(w, i);
                const std::string k2 = k1 + "-pair";
                const std::array<fc::key_value, 2> items{fc::key_value{k1, v1},
                                                         fc::key_value{k2, v1}};
                store.set_many(items);
            } else {
                store.set(key_for(round, w, i), value_for(w, i));
            }
            if (::write(ack_fd, &i, sizeof i) != static_cast<ssize_t>(sizeof i)) ::_exit(3);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "writer %u: %s\n", w, e.what());
        ::_exit(2);
    } catch (...) {
        ::_exit(2);
    }
}

} // namespace

TEST_CASE("lmdb_store survives SIGKILL of writers: every acknowledged write is intact") {
    temp_dir dir("lmdb-crash");
    const auto cache = dir.path() / "cache";
    constexpr int rounds = 8;
    constexpr std::uint32_t writers = 3;
    std::uint64_t acknowledged = 0;
    std::uint64_t lost = 0;
    for (int round = 0; round < rounds; ++round) {
        CAPTURE(round);
        std::array<int, writers> read_fds{};
        std::array<pid_t, writers> pids{};
        for (std::uint32_t w = 0; w < writers; ++w) {
            int fds[2];
            REQUIRE(::pipe(fds) == 0);
            const pid_t pid = ::fork();
            REQUIRE(pid >= 0);
            if (pid == 0) {
                ::close(fds[0]);
                writer(cache, round, w, fds[1]);
            }
            ::close(fds[1]);
            read_fds[w] = fds[0];
            pids[w] = pid;
        }
        // Wait until the first writer has acknowledged some writes, then kill them all.
        const std::uint32_t kill_after = 20U + static_cast<std::uint32_t>(round) * 23U;
        std::array<std::int64_t, writers> last{};
        last.fill(-1);
        std::uint32_t acked = 0;
        while (acked < kill_after) {
            std::uint32_t i = 0;
            const ssize_t n = ::read(read_fds[0], &i, sizeof i);
            if (n < 0 && errno == EINTR) continue;
            REQUIRE(n == static_cast<ssize_t>(sizeof i));
            last[0] = i;
            ++acked;
        }
        for (const pid_t pid : pids) REQUIRE(::kill(pid, SIGKILL) == 0);
        for (const pid_t pid : pids) {
            int status = 0;
            REQUIRE(::waitpid(pid, &status, 0) == pid);
            CAPTURE(status);
            CHECK(WIFSIGNALED(status)); // not an exception's exit code
        }
        // Acknowledgements still in the pipes were for calls that returned: they count too.
        for (std::uint32_t w = 0; w < writers; ++w) {
            for (;;) {
                std::uint32_t i = 0;
                if (::read(read_fds[w], &i, sizeof i) != static_cast<ssize_t>(sizeof i)) break;
                last[w] = i;
            }
            ::close(read_fds[w]);
        }
        fc::lmdb_store store(cache);
        for (std::uint32_t w = 0; w < writers; ++w) {
            for (std::int64_t i = 0; i <= last[w]; ++i) {
                const auto u = static_cast<std::uint32_t>(i);
                ++acknowledged;
                const auto got = store.get(key_for(round, w, u));
                const bool ok = got && *got == value_for(w, u);
                lost += ok ? 0U : 1U;
                if (!ok) MESSAGE("lost: " << key_for(round, w, u));
                if (u % 5 == 4) {
                    const auto pair = store.get(key_for(round, w, u) + "-pair");
                    lost += pair && *pair == value_for(w, u) ? 0U : 1U;
                }
            }
        }
        // The store still writes after the kills (stale reader slots and the writer lock of the
        // killed processes are recovered).
        store.set("after round " + std::to_string(round), "ok");
        CHECK(store.get("after round " + std::to_string(round)) == "ok");
    }
    MESSAGE("lmdb crash test: " << rounds * writers << " writers killed with SIGKILL, "
                                << acknowledged << " acknowledged writes, " << lost << " lost");
    CHECK(acknowledged > 0);
    CHECK(lost == 0);
}
