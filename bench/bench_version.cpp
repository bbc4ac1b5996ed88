// flytecache — cache::get_version beside raw OpenSSL SHA-256
// SPDX-License-Identifier: MIT
// cache::get_version for 1, 4 and 16 policies beside raw OpenSSL SHA-256 of the same concatenated
// bytes, and the constant-evaluated version.
#include <flytecache/flytecache.hpp>

#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace fc = flytecache;

namespace {

// A policy with a run-time output of the size real policies produce (a 64-character hex digest).
struct digest_policy {
    std::string output;
    template <class F>
    std::string_view get_version(std::string_view, const fc::version_parameters<F>&) const {
        return output;
    }
};

std::string output_for(std::size_t i) { return fc::sha256_hex("policy-" + std::to_string(i)); }

template <std::size_t... I>
auto make_cache(std::index_sequence<I...>) {
    return fc::cache<decltype((void)I, digest_policy{})...>{digest_policy{output_for(I)}...};
}

template <std::size_t N>
void bm_get_version(benchmark::State& state) {
    const auto config = make_cache(std::make_index_sequence<N>{});
    const fc::version_parameters<> params;
    for (auto _ : state) {
        std::string version = config.get_version(params);
        benchmark::DoNotOptimize(version);
    }
    state.counters["policies"] = N;
}

// The floor: one EVP context fetched and reused, one update over the pre-concatenated outputs,
// then the same lowercase hex string get_version returns.
template <std::size_t N>
void bm_raw_openssl(benchmark::State& state) {
    std::string joined;
    for (std::size_t i = 0; i != N; ++i) joined += output_for(i);
    EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    constexpr char digits[] = "0123456789abcdef";
    for (auto _ : state) {
        std::array<unsigned char, 32> digest{};
        unsigned int len = 0;
        EVP_DigestInit_ex2(ctx, md, nullptr);
        EVP_DigestUpdate(ctx, joined.data(), joined.size());
        EVP_DigestFinal_ex(ctx, digest.data(), &len);
        std::string hex(64, '\0');
        for (std::size_t i = 0; i != 32; ++i) {
            hex[2 * i] = digits[digest[i] >> 4];
            hex[2 * i + 1] = digits[digest[i] & 0xF];
        }
        benchmark::DoNotOptimize(hex);
    }
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
    state.counters["policies"] = N;
}

// Salt and policy outputs are constant expressions: the compiler computes the version.
struct salt_policy {
    template <class F>
    constexpr std::string_view get_version(std::string_view salt,
                                           const fc::version_parameters<F>&) const {
        return salt;
    }
};
constexpr auto compile_time_version = fc::make_static_version([] {
    return fc::cache{fc::cache_options{.salt = "a-sprinkle-of-salt"}, salt_policy{}}.get_version(
        fc::version_parameters<>{});
});

void bm_constant_evaluated(benchmark::State& state) {
    for (auto _ : state) {
        std::string_view version = compile_time_version.view();
        benchmark::DoNotOptimize(version);
    }
}

// The same single-policy version computed at run time, for comparison with the line above.
void bm_runtime_salt(benchmark::State& state) {
    const fc::cache config{fc::cache_options{.salt = "a-sprinkle-of-salt"}, salt_policy{}};
    const fc::version_parameters<> params;
    for (auto _ : state) {
        std::string version = config.get_version(params);
        benchmark::DoNotOptimize(version);
    }
}

} // namespace

BENCHMARK(bm_get_version<1>)->Name("get_version/1");
BENCHMARK(bm_raw_openssl<1>)->Name("raw_openssl/1");
BENCHMARK(bm_get_version<4>)->Name("get_version/4");
BENCHMARK(bm_raw_openssl<4>)->Name("raw_openssl/4");
BENCHMARK(bm_get_version<16>)->Name("get_version/16");
BENCHMARK(bm_raw_openssl<16>)->Name("raw_openssl/16");
BENCHMARK(bm_runtime_salt)->Name("runtime_salt/1");
BENCHMARK(bm_constant_evaluated)->Name("constant_evaluated/1");

BENCHMARK_MAIN();
