// flytecache — redis_store beside raw hiredis on the same connection: GET and SET of one key
// SPDX-License-Identifier: MIT
// redis_store beside raw hiredis on the same connection: GET and SET of one key, and a batch of
// lookups pipelined (get_many) beside raw pipelining and beside one round trip per key.
//
// Talks to FLYTECACHE_REDIS_URL when set; otherwise starts a throw-away redis-server (persistence
// off) on a free loopback port through tests/redis/redis_server.py and stops it at exit.
#include <flytecache/store/redis_store.hpp>

#include "support/redis_fixture.hpp"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace fc = flytecache;

namespace {

std::unique_ptr<flytecache_test::own_redis_server> server;
std::unique_ptr<fc::redis_store> store;
const std::filesystem::path server_dir = std::filesystem::temp_directory_path() /
                                         ("flytecache-bench-redis-" + std::to_string(::getpid()));

const std::string prefix = "bench:" + std::to_string(::getpid());

// One connection, so that ours and raw hiredis share it literally.
fc::redis_store& the_store() {
    if (!store) {
        std::string url;
        if (const char* env = std::getenv("FLYTECACHE_REDIS_URL"); env != nullptr && *env != '\0') {
            url = env;
        } else {
            server = std::make_unique<flytecache_test::own_redis_server>(server_dir);
            url = server->url();
        }
        fc::redis_options o = fc::redis_options::from_url(url);
        o.prefix = prefix;
        o.pool_size = 1;
        store = std::make_unique<fc::redis_store>(o);
    }
    return *store;
}

std::string entry_key(const std::string& key) { return "{" + prefix + "}e:" + key; }

std::string value_of_size(std::int64_t size) {
    return std::string(static_cast<std::size_t>(size), 'v');
}

void redis_get(benchmark::State& state) {
    auto& s = the_store();
    s.set("k", value_of_size(state.range(0)));
    for (auto _ : state) benchmark::DoNotOptimize(s.get("k"));
}

// The same bytes (header included) fetched with hiredis's own command API, into a std::string as
// a caller would keep it.
void raw_get(benchmark::State& state) {
    auto& s = the_store();
    s.set("k", value_of_size(state.range(0)));
    const std::string key = entry_key("k");
    s.with_connection([&](redisContext* c) {
        for (auto _ : state) {
            auto* reply =
                static_cast<redisReply*>(redisCommand(c, "GET %b", key.data(), key.size()));
            if (reply == nullptr) {
                state.SkipWithError("GET failed");
                break;
            }
            std::string value(reply->str, reply->len);
            benchmark::DoNotOptimize(value);
            freeReplyObject(reply);
        }
    });
}

void redis_set(benchmark::State& state) {
    auto& s = the_store();
    const std::string value = value_of_size(state.range(0));
    for (auto _ : state) s.set("k", value);
}

void raw_set(benchmark::State& state) {
    auto& s = the_store();
    const std::string value = value_of_size(state.range(0));
    const std::string key = entry_key("k");
    s.with_connection([&](redisContext* c) {
        for (auto _ : state) {
            auto* reply = static_cast<redisReply*>(
                redisCommand(c, "SET %b %b", key.data(), key.size(), value.data(), value.size()));
            if (reply == nullptr) {
                state.SkipWithError("SET failed");
                break;
            }
            freeReplyObject(reply);
        }
    });
}

std::vector<std::string> batch_keys(benchmark::State& state) {
    auto& s = the_store();
    std::vector<std::string> keys;
    for (std::int64_t i = 0; i < state.range(0); ++i) {
        keys.push_back("batch/" + std::to_string(i));
        // Every other key present: a realistic mix of hits and misses.
        if (i % 2 == 0) s.set(keys.back(), value_of_size(100));
    }
    return keys;
}

void redis_get_many(benchmark::State& state) {
    auto& s = the_store();
    const auto keys = batch_keys(state);
    for (auto _ : state) benchmark::DoNotOptimize(s.get_many(keys));
}

void raw_pipelined(benchmark::State& state) {
    auto& s = the_store();
    std::vector<std::string> keys;
    for (const auto& k : batch_keys(state)) keys.push_back(entry_key(k));
    s.with_connection([&](redisContext* c) {
        std::vector<std::optional<std::string>> out;
        for (auto _ : state) {
            out.clear();
            for (const auto& k : keys) redisAppendCommand(c, "GET %b", k.data(), k.size());
            for (std::size_t i = 0; i < keys.size(); ++i) {
                void* raw = nullptr;
                if (redisGetReply(c, &raw) != REDIS_OK) {
                    state.SkipWithError("pipelined GET failed");
                    return;
                }
                auto* reply = static_cast<redisReply*>(raw);
                if (reply->type == REDIS_REPLY_STRING) {
                    out.emplace_back(std::string(reply->str, reply->len));
                } else {
                    out.emplace_back();
                }
                freeReplyObject(reply);
            }
            benchmark::DoNotOptimize(out);
        }
    });
}

void redis_get_loop(benchmark::State& state) {
    auto& s = the_store();
    const auto keys = batch_keys(state);
    std::vector<std::optional<std::string>> out;
    for (auto _ : state) {
        out.clear();
        for (const auto& k : keys) out.push_back(s.get(k));
        benchmark::DoNotOptimize(out);
    }
}

BENCHMARK(redis_get)->Arg(100)->Arg(10'000);
BENCHMARK(raw_get)->Arg(100)->Arg(10'000);
BENCHMARK(redis_set)->Arg(100)->Arg(10'000);
BENCHMARK(raw_set)->Arg(100)->Arg(10'000);
BENCHMARK(redis_get_many)->Arg(64);
BENCHMARK(raw_pipelined)->Arg(64);
BENCHMARK(redis_get_loop)->Arg(64);

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    if (store) store->clear();
    store.reset();
    server.reset();
    std::error_code ignored;
    std::filesystem::remove_all(server_dir, ignored);
    return 0;
}
