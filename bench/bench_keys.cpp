// flytecache — cache-key computation beside its floor (MD5 of the already-encoded bytes)
// SPDX-License-Identifier: MIT
// cache-key computation beside its floor (MD5 of the already-encoded bytes): 4 small inputs, and a
// 1,000-element float list.
#include <flytecache/flytecache.hpp>

#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace fc = flytecache;

namespace {

fc::literal scalar_of(fc::primitive p) {
    return fc::literal{fc::scalar{std::move(p)}, std::nullopt, {}};
}

fc::literal_map small_inputs() {
    return fc::literal_map{{"a", scalar_of({std::int64_t{5}})},
                           {"b", scalar_of({1.5})},
                           {"c", scalar_of({std::string("hello")})},
                           {"d", scalar_of({true})}};
}

fc::literal_map float_list() {
    fc::literal_collection xs;
    for (int i = 0; i != 1000; ++i) xs.literals.push_back(scalar_of({i * 0.25}));
    return fc::literal_map{{"xs", fc::literal{std::move(xs), std::nullopt, {}}}};
}

const std::vector<std::string> no_ignored;

template <class Scheme>
void bm_key(benchmark::State& state, fc::literal_map (*make)()) {
    const auto inputs = make();
    const Scheme scheme;
    for (auto _ : state) {
        std::string key = scheme.make_key("my_task", "v1", inputs, no_ignored);
        benchmark::DoNotOptimize(key);
    }
}

// The floor: the inputs already encoded, only the MD5 over joblib's framing (one fetched algorithm,
// one reused context) and its hex.
void bm_floor(benchmark::State& state, fc::literal_map (*make)()) {
    const std::string bytes = fc::encode(make());
    const std::string header = fc::joblib_frame_header(bytes.size());
    EVP_MD* md = EVP_MD_fetch(nullptr, "MD5", nullptr);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    for (auto _ : state) {
        std::array<unsigned char, 16> digest{};
        unsigned int len = 0;
        EVP_DigestInit_ex2(ctx, md, nullptr);
        EVP_DigestUpdate(ctx, header.data(), header.size());
        EVP_DigestUpdate(ctx, bytes.data(), bytes.size());
        EVP_DigestUpdate(ctx, ".", 1);
        EVP_DigestFinal_ex(ctx, digest.data(), &len);
        std::string hex = fc::to_hex(std::span<const std::uint8_t>(digest.data(), digest.size()));
        benchmark::DoNotOptimize(hex);
    }
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
}

void bm_encode_only(benchmark::State& state, fc::literal_map (*make)()) {
    const auto inputs = make();
    for (auto _ : state) {
        std::string bytes = fc::encode(inputs);
        benchmark::DoNotOptimize(bytes);
    }
}

} // namespace

int main(int argc, char** argv) {
    using make_fn = fc::literal_map (*)();
    const std::pair<const char*, make_fn> cases[] = {{"small4", small_inputs},
                                                     {"floats1000", float_list}};
    for (const auto& [suffix, make] : cases) {
        const std::string s = suffix;
        benchmark::RegisterBenchmark(("flytekit_local/" + s).c_str(),
                                     bm_key<fc::keys::flytekit_local>, make);
        benchmark::RegisterBenchmark(("md5_floor/" + s).c_str(), bm_floor, make);
        benchmark::RegisterBenchmark(("native/" + s).c_str(), bm_key<fc::keys::native>, make);
        benchmark::RegisterBenchmark(("datacatalog/" + s).c_str(), bm_key<fc::keys::datacatalog>,
                                     make);
        benchmark::RegisterBenchmark(("encode/" + s).c_str(), bm_encode_only, make);
    }
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
