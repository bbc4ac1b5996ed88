// flytecache — tests: redis_store against a real redis-server: the conformance suite, namespaces
// SPDX-License-Identifier: MIT
// tests: redis_store against a real redis-server: the conformance suite, namespaces, connection
// strings, AUTH and databases, bad entries, timeouts, the pool, reconnects and fork.
#include <flytecache/store/redis_store.hpp>

#include "support/redis_fixture.hpp"
#include "support/store_conformance.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <ranges>
#include <string>
#include <thread>
#include <vector>

namespace fc = flytecache;
using namespace std::chrono_literals;
using flytecache_test::fixture_options;
using flytecache_test::temp_dir;

namespace {

using steady = std::chrono::steady_clock;

// A raw command through the store's own connection, for set-up and inspection.
long long raw_integer(fc::redis_store& s, const std::vector<std::string>& args) {
    return s.with_connection([&](redisContext* c) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lengths;
        for (const auto& a : args) {
            argv.push_back(a.data());
            lengths.push_back(a.size());
        }
        auto* reply = static_cast<redisReply*>(
            redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data()));
        REQUIRE(reply != nullptr);
        const long long value = reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1000;
        freeReplyObject(reply);
        return value;
    });
}

void raw_command(fc::redis_store& s, const std::vector<std::string>& args) {
    (void)raw_integer(s, args);
}

// A TCP socket bound to a free loopback port, listening when `backlog` > 0; returns its port.
unsigned bind_loopback(int& fd, int backlog) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    if (backlog > 0) REQUIRE(::listen(fd, backlog) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    return ntohs(addr.sin_port);
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no exception)";
}

} // namespace

TEST_CASE("redis_store passes the store conformance suite (TCP)") {
    flytecache_test::check_store_conformance(
        [] { return std::make_unique<fc::redis_store>(fixture_options("conf")); });
}

TEST_CASE("redis_store passes the store conformance suite over the unix socket") {
    flytecache_test::check_store_conformance([] {
        fc::redis_options o = fixture_options("conf-unix");
        o.unix_socket = flytecache_test::fixture_socket();
        return std::make_unique<fc::redis_store>(o);
    });
}

TEST_CASE("redis_store: models every capability but a size bound") {
    static_assert(fc::cache_store<fc::redis_store>);
    static_assert(fc::expiring_store<fc::redis_store>);
    static_assert(fc::ttl_reporting_store<fc::redis_store>);
    static_assert(fc::tagged_store<fc::redis_store>);
    static_assert(fc::statistics_store<fc::redis_store>);
    static_assert(fc::reserving_store<fc::redis_store>);
    static_assert(!fc::bounded_store<fc::redis_store>);
    static_assert(std::is_nothrow_move_constructible_v<fc::redis_store>);
    CHECK(true);
}

TEST_CASE("redis_store: a prefix is a namespace; clear() removes only its own keys") {
    const std::string base = flytecache_test::unique_prefix("ns");
    auto with_prefix = [&](const std::string& p) {
        fc::redis_options o = fixture_options("unused");
        o.prefix = p;
        return fc::redis_store(o);
    };
    // Prefixes that are prefixes of each other, or contain glob characters, stay apart.
    fc::redis_store a = with_prefix(base);
    fc::redis_store b = with_prefix(base + ":sub");
    fc::redis_store c = with_prefix(base + "*");
    fc::redis_store d = with_prefix(base + "e:");
    fc::redis_store a_again = with_prefix(base);
    for (auto* s : {&a, &b, &c, &d}) {
        s->set("k", s->describe());
        s->set("t", "tagged", fc::write_options{.tag = "g"});
    }
    CHECK(a.get("k") == a.describe());
    CHECK(b.get("k") == b.describe());
    CHECK(a_again.get("k") == a.describe()); // the same prefix shares entries

    CHECK(a.clear() == 2);
    CHECK_FALSE(a.get("k").has_value());
    CHECK(b.get("k") == b.describe());
    CHECK(c.get("k") == c.describe());
    CHECK(d.get("k") == d.describe());
    CHECK(b.evict("g") == 1);
    CHECK(c.get("t") == "tagged");

    // Reservations and statistics are per namespace too.
    CHECK(b.try_reserve("job", "owner-b", 10s));
    CHECK(c.try_reserve("job", "owner-c", 10s));
    (void)b.stats(true, true);
    (void)c.stats(true, true);
    (void)b.get("k");
    CHECK(c.stats(false, false) == fc::store_stats{});
    CHECK(b.stats(false, false) == fc::store_stats{.hits = 1, .misses = 0});
    for (auto* s : {&b, &c, &d}) s->clear();
    CHECK(b.release("job", "owner-b"));
    CHECK(c.release("job", "owner-c"));

    // The keys really are where the documentation says.
    a.set("where", "x");
    CHECK(raw_integer(a, {"EXISTS", "{" + base + "}e:where"}) == 1);
    CHECK(raw_integer(a, {"STRLEN", "{" + base + "}e:where"}) == 2); // header byte + value
    a.clear();
}

TEST_CASE("redis_store: databases are separate") {
    fc::redis_options o0 = fixture_options("db");
    fc::redis_options o5 = o0;
    o5.database = 5;
    fc::redis_store s0(o0);
    fc::redis_store s5(o5);
    s0.set("k", "in db 0");
    CHECK_FALSE(s5.get("k").has_value());
    s5.set("k", "in db 5");
    CHECK(s0.get("k") == "in db 0");
    CHECK(s5.get("k") == "in db 5");
    s0.clear();
    s5.clear();
}

TEST_CASE("redis_store: get_many pipelines lookups and keeps their order") {
    fc::redis_store s(fixture_options("many"));
    s.set("a", "1");
    s.set("c", "3", fc::write_options{.tag = "t"});
    s.set("d", "");
    const std::vector<std::string> keys = {"a", "b", "c", "d", "a"};
    const auto got = s.get_many(keys);
    REQUIRE(got.size() == 5);
    CHECK(got[0] == "1");
    CHECK_FALSE(got[1].has_value());
    CHECK(got[2] == "3");
    CHECK(got[3] == "");
    CHECK(got[4] == "1");
    CHECK(s.get_many(std::vector<std::string_view>{}).empty());
    (void)s.stats(true, true);
    (void)s.get_many(keys);
    CHECK(s.stats(false, true) == fc::store_stats{.hits = 4, .misses = 1});
    s.clear();
}

TEST_CASE("redis_store: expiry is Redis's own, and tag sets do not outlive their entries") {
    fc::redis_store s(fixture_options("expiry"));
    s.set("e1", "x", fc::write_options{.expire = 60ms, .tag = "short"});
    s.set("e2", "y", fc::write_options{.expire = 60ms, .tag = "short"});
    const std::string ns = "{" + s.settings().prefix + "}";
    CHECK(raw_integer(s, {"PTTL", ns + "e:e1"}) > 0);
    CHECK(raw_integer(s, {"PTTL", ns + "t:short"}) > 0);
    std::this_thread::sleep_for(150ms);
    CHECK(raw_integer(s, {"EXISTS", ns + "e:e1", ns + "e:e2", ns + "t:short"}) == 0);
    CHECK(s.expire() == 2);
    CHECK(s.expire() == 0);

    // An entry made persistent by touch makes its tag set persistent too.
    s.set("p", "z", fc::write_options{.expire = 60ms, .tag = "kept"});
    CHECK(s.touch("p", fc::float_seconds(std::numeric_limits<double>::infinity())));
    std::this_thread::sleep_for(150ms);
    CHECK(s.get("p") == "z");
    CHECK(raw_integer(s, {"PTTL", ns + "t:kept"}) == -1);
    CHECK(s.evict("kept") == 1);

    // Zero or negative: nothing is written (and an older entry goes); NaN is refused.
    s.set("gone", "old");
    s.set("gone", "new", fc::write_options{.expire = 0s});
    CHECK_FALSE(s.get("gone").has_value());
    CHECK_THROWS_AS(s.set("nan", "v", fc::write_options{.expire = fc::float_seconds(std::nan(""))}),
                    fc::invalid_argument);
    CHECK_THROWS_AS(s.try_reserve("r", "o", 0s), fc::invalid_argument);
    s.clear();
}

TEST_CASE("redis_store: keys it did not write are reported, never misread") {
    fc::redis_store s(fixture_options("foreign"));
    const std::string ns = "{" + s.settings().prefix + "}";
    raw_command(s, {"SET", ns + "e:plain", "written by redis-cli"});
    const std::string plain = message_of([&] { (void)s.get("plain"); });
    CHECK(plain.find("entry 'plain'") != std::string::npos);
    CHECK(plain.find("was not written by flytecache's redis_store") != std::string::npos);
    raw_command(s, {"SET", ns + "e:truncated",
                    std::string("\x01\x00\x00\x00\x09"
                                "ab",
                                7)});
    CHECK(message_of([&] { (void)s.get("truncated"); }).find("its tag is longer than the entry") !=
          std::string::npos);
    raw_command(s, {"RPUSH", ns + "e:list", "x"});
    const std::string list = message_of([&] { (void)s.get("list"); });
    CHECK(list.find("WRONGTYPE") != std::string::npos);
    CHECK(list.find("redis_store redis://127.0.0.1:") != std::string::npos);
    // The connection stays usable after those errors.
    s.set("fine", "yes");
    CHECK(s.get("fine") == "yes");
    CHECK_THROWS_AS((void)s.get_many(std::vector<std::string>{"fine", "plain"}), fc::store_error);
    CHECK(s.get("fine") == "yes");
    s.clear();
}

TEST_CASE("redis_options: connection strings") {
    using fc::redis_options;
    const auto o =
        redis_options::from_url("redis://alice:s%40cret@cache.example:6380/"
                                "3?prefix=team-a&connect_timeout=250ms&command_timeout=1.5s"
                                "&retry_timeout=2s&pool_size=8");
    CHECK(o.host == "cache.example");
    CHECK(o.port == 6380);
    CHECK(o.database == 3);
    CHECK(o.username == "alice");
    CHECK(o.password == "s@cret");
    CHECK(o.prefix == "team-a");
    CHECK(o.connect_timeout == 250ms);
    CHECK(o.command_timeout == 1500ms);
    CHECK(o.retry_timeout == 2000ms);
    CHECK(o.pool_size == 8);
    CHECK(o.describe() == "redis://alice:***@cache.example:6380/3");

    const auto defaults = redis_options::from_url("redis://localhost");
    CHECK(defaults.port == 6379);
    CHECK(defaults.database == 0);
    CHECK(defaults.prefix == "flytecache");
    CHECK(defaults.password.empty());

    const auto v6 = redis_options::from_url("redis://:pw@[::1]:7000");
    CHECK(v6.host == "::1");
    CHECK(v6.port == 7000);
    CHECK(v6.username.empty());
    CHECK(v6.password == "pw");
    CHECK(v6.describe() == "redis://:***@[::1]:7000/0");

    const auto unix_socket = redis_options::from_url("unix:///run/redis/redis.sock?db=2&prefix=x");
    CHECK(unix_socket.unix_socket == "/run/redis/redis.sock");
    CHECK(unix_socket.database == 2);
    CHECK(unix_socket.describe() == "unix:///run/redis/redis.sock?db=2");

    const auto error_of = [](const char* url) {
        return message_of([url] { (void)fc::redis_options::from_url(url); });
    };
    CHECK(error_of("rediss://host").find("TLS (rediss://) is not supported") != std::string::npos);
    CHECK(error_of("http://host").find("unknown scheme 'http'") != std::string::npos);
    CHECK(error_of("localhost:6379").find("expected redis://") != std::string::npos);
    CHECK(error_of("redis://host:0").find("port 0 is out of range") != std::string::npos);
    CHECK(error_of("redis://host:99999").find("out of range") != std::string::npos);
    CHECK(error_of("redis://host:http").find("port 'http' is not a number") != std::string::npos);
    CHECK(error_of("redis://host/x").find("database number 'x'") != std::string::npos);
    CHECK(error_of("redis://host?timeout=1s").find("unknown option 'timeout'") !=
          std::string::npos);
    CHECK(error_of("redis://host?connect_timeout=5").find("needs a unit") != std::string::npos);
    CHECK(error_of("redis://host?command_timeout=0ms").find("must be positive") !=
          std::string::npos);
    CHECK(error_of("redis://host?pool_size=0").find("pool_size must be between 1 and") !=
          std::string::npos);
    CHECK(error_of("redis://host?prefix=a%7Bb").find("contains a brace") != std::string::npos);
    CHECK(error_of("redis://bob@host").find("a user name without a password") != std::string::npos);
    CHECK(error_of("redis://bob@host").find("bob") == std::string::npos); // it may be a password
    CHECK(error_of("redis://::1").find("needs brackets") != std::string::npos);
    CHECK(error_of("redis://host:").find("empty port") != std::string::npos);
    CHECK(error_of("redis://host?command_timeout=100000s").find("at most 86400000 ms") !=
          std::string::npos);
    // Passwords with unescaped '/', '?' or '@' parse, and stay out of messages when something
    // fails.
    const auto odd = fc::redis_options::from_url("redis://u:pa/ss?w@rd@host:6380/2");
    CHECK(odd.password == "pa/ss?w@rd");
    CHECK(odd.host == "host");
    CHECK(odd.database == 2);
    for (const char* leaky : {"redis://:pa/ss@host:x", "redis://:p%zz@host", "redis://s3cret@host",
                              "rediss://:pw1@host"}) {
        CAPTURE(leaky);
        const std::string message = error_of(leaky);
        CHECK(message.find("***@host") != std::string::npos);
        CHECK(message.find("pa/ss") == std::string::npos);
        CHECK(message.find("p%zz") == std::string::npos);
        CHECK(message.find("s3cret") == std::string::npos);
        CHECK(message.find("pw1") == std::string::npos);
    }
    CHECK(error_of("unix://relative.sock").find("absolute socket path") != std::string::npos);
    // The password never shows in a message.
    const std::string masked = error_of("redis://u:hunter2@host:1/x");
    CHECK(masked.find("hunter2") == std::string::npos);
    CHECK(masked.find("u:***@host") != std::string::npos);
    CHECK_THROWS_AS((void)fc::redis_options::from_url("redis://host:0"), fc::configuration_error);
}

TEST_CASE(
    "redis_store: an unreachable or silent server fails construction within the connect timeout") {
    // A loopback port nobody listens on: refused at once.
    {
        int probe = -1;
        const unsigned port = bind_loopback(probe, 0);
        ::close(probe);
        const auto start = steady::now();
        const std::string message = message_of([&] {
            fc::redis_store s("redis://127.0.0.1:" + std::to_string(port) +
                              "?connect_timeout=500ms");
        });
        CHECK(steady::now() - start < 2s);
        CHECK(message.find("cannot connect: Connection refused") != std::string::npos);
        CHECK(message.find("redis://127.0.0.1:" + std::to_string(port)) != std::string::npos);
        CHECK_THROWS_AS(fc::redis_store("redis://127.0.0.1:" + std::to_string(port)),
                        fc::store_error);
    }
    // A listener that accepts (in the kernel) and never answers: the handshake times out.
    {
        int listener = -1;
        const unsigned port = bind_loopback(listener, 8);
        const auto start = steady::now();
        const std::string message = message_of([&] {
            fc::redis_store s("redis://127.0.0.1:" + std::to_string(port) +
                              "?connect_timeout=300ms");
        });
        const auto elapsed = steady::now() - start;
        ::close(listener);
        CHECK(elapsed >= 250ms);
        CHECK(elapsed < 3s);
        CHECK(message.find("no reply within the connect timeout (300 ms)") != std::string::npos);
    }
    // A unix socket path that does not exist.
    CHECK(message_of([] {
              fc::redis_store s("unix:///nonexistent/redis.sock");
          }).find("cannot connect") != std::string::npos);
}

TEST_CASE("redis_store: AUTH with a password or an ACL user, and wrong credentials") {
    temp_dir dir("redis-auth");
    flytecache_test::own_redis_server server(dir / "server");
    {
        fc::redis_store admin(server.url());
        raw_command(admin, {"ACL", "SETUSER", "alice", "on", ">wonderland", "~*", "+@all"});
        raw_command(admin, {"CONFIG", "SET", "requirepass", "sesame"});
    }
    fc::redis_store by_password(
        fc::redis_options{.port = static_cast<std::uint16_t>(server.port()), .password = "sesame"});
    by_password.set("k", "v");
    fc::redis_store as_alice("redis://alice:wonderland@127.0.0.1:" + std::to_string(server.port()));
    CHECK(as_alice.get("k") == "v");

    const std::string wrong = message_of([&] {
        fc::redis_store s("redis://alice:guess@127.0.0.1:" + std::to_string(server.port()));
    });
    CHECK(wrong.find("refused the connection set-up (AUTH/SELECT)") != std::string::npos);
    CHECK(wrong.find("guess") == std::string::npos);
    const std::string none = message_of(
        [&] { fc::redis_store s("redis://127.0.0.1:" + std::to_string(server.port())); });
    CHECK(none.find("NOAUTH") != std::string::npos);
    const std::string bad_db = message_of([&] {
        fc::redis_store s("redis://:sesame@127.0.0.1:" + std::to_string(server.port()) + "/99");
    });
    CHECK(bad_db.find("DB index is out of range") != std::string::npos);
}

TEST_CASE(
    "redis_store: a server that stops answering raises timeout_error within the command timeout") {
    temp_dir dir("redis-pause");
    flytecache_test::own_redis_server server(dir / "server");
    fc::redis_options o = fc::redis_options::from_url(server.url());
    o.command_timeout = 200ms;
    o.connect_timeout = 200ms; // a replacement connection's handshake is paused too
    fc::redis_store s(o);
    fc::redis_store admin(server.url());
    s.set("k", "v");
    raw_command(admin, {"CLIENT", "PAUSE", "1500", "ALL"});
    const auto start = steady::now();
    const std::string message = message_of([&] { (void)s.get("k"); });
    const auto elapsed = steady::now() - start;
    CHECK(message.find("no reply within the command timeout (200 ms)") != std::string::npos);
    CHECK(elapsed < 1200ms);
    CHECK_THROWS_AS((void)s.get("k"), fc::timeout_error);
    std::this_thread::sleep_for(1500ms);
    CHECK(s.get("k") == "v"); // the timed-out connections were replaced
}

TEST_CASE("redis_store: the pool serves many threads and bounds the wait for a connection") {
    fc::redis_options o = fixture_options("pool");
    o.pool_size = 2;
    o.command_timeout = 300ms;
    fc::redis_store s(o);
    std::atomic<int> wrong{0};
    {
        std::vector<std::thread> threads;
        for (int t = 0; t < 12; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < 100; ++i) {
                    const std::string key = std::to_string(t) + "/" + std::to_string(i);
                    s.set(key, key);
                    if (s.get(key) != key) ++wrong;
                }
            });
        }
        for (auto& th : threads) th.join();
    }
    CHECK(wrong.load() == 0);

    // Both connections held elsewhere for longer than the command timeout: a clear timeout.
    std::atomic<int> holding{0};
    std::vector<std::thread> holders;
    for (int t = 0; t < 2; ++t) {
        holders.emplace_back([&] {
            s.with_connection([&](redisContext*) {
                ++holding;
                std::this_thread::sleep_for(800ms);
            });
        });
    }
    while (holding.load() < 2) std::this_thread::sleep_for(1ms);
    const std::string message = message_of([&] { (void)s.get("0/0"); });
    for (auto& th : holders) th.join();
    CHECK(message.find("all 2 connections stayed busy for the command timeout (300 ms)") !=
          std::string::npos);
    CHECK(s.get("0/0") == "0/0");
    s.clear();
}

TEST_CASE("redis_store: a connection the server dropped is replaced without the caller noticing") {
    fc::redis_options o = fixture_options("dropped");
    o.pool_size = 1;
    o.retry_timeout = 0ms; // the one immediate retry on a fresh connection is enough
    fc::redis_store s(o);
    fc::redis_store killer(fixture_options("killer"));
    s.set("k", "v");
    const long long id = s.with_connection([](redisContext* c) {
        auto* reply = static_cast<redisReply*>(redisCommand(c, "CLIENT ID"));
        const long long value = reply->integer;
        freeReplyObject(reply);
        return value;
    });
    CHECK(raw_integer(killer, {"CLIENT", "KILL", "ID", std::to_string(id)}) == 1);
    CHECK(s.get("k") == "v");
    s.set("k", "w");
    CHECK(s.get("k") == "w");
    s.clear();
}

TEST_CASE("redis_store: a forked child opens its own connections") {
    fc::redis_store s(fixture_options("fork"));
    s.set("parent", "p");
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        bool ok = false;
        try {
            ok = s.get("parent") == "p";
            s.set("child", "c");
            ok = ok && s.get("child") == "c";
        } catch (...) {
            ok = false;
        }
        ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(s.get("child") == "c"); // and the parent's connection was not disturbed
    CHECK(s.get("parent") == "p");
    s.clear();
}

TEST_CASE("redis_store: expire() counts every expiry however often it is polled") {
    fc::redis_store s(fixture_options("expire-poll"));
    constexpr int entries = 200;
    for (int i = 0; i < entries; ++i) {
        s.set("e" + std::to_string(i), "v",
              fc::write_options{.expire = std::chrono::milliseconds(20 + i)});
    }
    std::size_t counted = 0;
    const auto until = steady::now() + 600ms;
    while (steady::now() < until)
        counted += s.expire(); // a tight loop hits deadlines to the millisecond
    std::this_thread::sleep_for(50ms);
    counted += s.expire();
    CHECK(counted == entries);
    s.clear();
}

TEST_CASE("redis_store: erasing or re-tagging an entry takes it out of its old tag set") {
    fc::redis_store s(fixture_options("tag-sets"));
    const std::string ns = "{" + s.settings().prefix + "}";
    for (int i = 0; i < 50; ++i) {
        s.set("k" + std::to_string(i), "v", fc::write_options{.tag = "a"});
        CHECK(s.erase("k" + std::to_string(i)));
    }
    CHECK(raw_integer(s, {"EXISTS", ns + "t:a"}) == 0);
    s.set("r", "v", fc::write_options{.tag = "a"});
    s.set("r", "v", fc::write_options{.tag = "b"});
    CHECK(raw_integer(s, {"EXISTS", ns + "t:a"}) == 0);
    CHECK(raw_integer(s, {"SCARD", ns + "t:b"}) == 1);
    CHECK(s.touch("r", 0s)); // a touch that removes the entry removes it from its set too
    CHECK(raw_integer(s, {"EXISTS", ns + "t:b"}) == 0);
    s.clear();
}

TEST_CASE("redis_store: get_many accepts ranges that make their keys on the fly") {
    fc::redis_store s(fixture_options("many-view"));
    s.set("key-1", "one");
    s.set("key-3", "three");
    const std::vector<int> ids = {1, 2, 3};
    const auto keys = ids | std::views::transform([](int i) { return "key-" + std::to_string(i); });
    const auto got = s.get_many(keys);
    REQUIRE(got.size() == 3);
    CHECK(got[0] == "one");
    CHECK_FALSE(got[1].has_value());
    CHECK(got[2] == "three");
    s.clear();
}

TEST_CASE("redis_store: connections are not inherited by programs a task runs") {
    fc::redis_store s(fixture_options("cloexec"));
    const int flags = s.with_connection([](redisContext* c) { return ::fcntl(c->fd, F_GETFD); });
    CHECK((flags & FD_CLOEXEC) != 0);
}

TEST_CASE("redis_store: after the server drops every connection, the retry uses a fresh one") {
    temp_dir dir("redis-drop-all");
    flytecache_test::own_redis_server server(dir / "server");
    fc::redis_options o = fc::redis_options::from_url(server.url());
    o.retry_timeout = 0ms; // one immediate retry: it must not land on another dead connection
    fc::redis_store s(o);
    s.set("k", "v");
    // Four connections open and idle.
    {
        std::atomic<int> inside{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&] {
                s.with_connection([&](redisContext*) {
                    ++inside;
                    while (inside.load() < 4) std::this_thread::sleep_for(1ms);
                });
            });
        }
        for (auto& th : threads) th.join();
    }
    fc::redis_store killer(server.url());
    CHECK(raw_integer(killer, {"CLIENT", "KILL", "TYPE", "normal"}) >= 4);
    CHECK(s.get("k") == "v");
}

namespace {

// A fake server on loopback that answers the handshake's PING (or not) and then trickles one byte
// of a bulk reply every 100 ms: each read sees data, so only a deadline for the whole reply ends
// the wait.
class trickling_server {
public:
    explicit trickling_server(bool answer_handshake) {
        port_ = bind_loopback(listener_, 4);
        thread_ = std::thread([this, answer_handshake] {
            const int fd = ::accept(listener_, nullptr, nullptr);
            if (fd < 0) return;
            char buf[512];
            (void)!::read(fd, buf, sizeof buf); // the handshake
            const std::string first = answer_handshake ? "+PONG\r\n" : "";
            if (!first.empty()) {
                (void)!::write(fd, first.data(), first.size());
                (void)!::read(fd, buf, sizeof buf); // the command
            }
            const std::string drip =
                answer_handshake ? "$100\r\n" + std::string(100, 'x') + "\r\n" : "+PONG\r\n";
            for (const char ch : drip) {
                if (stop_.load() || ::write(fd, &ch, 1) != 1) break;
                std::this_thread::sleep_for(100ms);
            }
            ::close(fd);
        });
    }
    ~trickling_server() {
        stop_ = true;
        ::shutdown(listener_, SHUT_RDWR);
        thread_.join();
        ::close(listener_);
    }
    [[nodiscard]] std::string url(const std::string& options) const {
        return "redis://127.0.0.1:" + std::to_string(port_) + "?" + options;
    }

private:
    int listener_ = -1;
    unsigned port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

} // namespace

TEST_CASE("redis_store: a server that trickles its reply cannot stretch the timeouts") {
    {
        trickling_server server(/*answer_handshake=*/true);
        fc::redis_store s(
            server.url("connect_timeout=300ms&command_timeout=300ms&retry_timeout=0ms"));
        const auto start = steady::now();
        const std::string message = message_of([&] { (void)s.get("k"); });
        const auto elapsed = steady::now() - start;
        CHECK(message.find("no reply within the command timeout (300 ms)") != std::string::npos);
        CHECK(elapsed < 1500ms);
    }
    {
        trickling_server server(/*answer_handshake=*/false);
        const auto start = steady::now();
        const std::string message =
            message_of([&] { fc::redis_store s(server.url("connect_timeout=300ms")); });
        const auto elapsed = steady::now() - start;
        CHECK(message.find("no reply within the connect timeout (300 ms)") != std::string::npos);
        CHECK(elapsed < 1500ms);
    }
}
