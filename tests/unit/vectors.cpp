// flytecache — golden vectors: version_hash.json against cache<...>::get_version
// SPDX-License-Identifier: MIT
// Golden vectors: version_hash.json against cache<...>::get_version, and the copies' integrity.
#include "../support/vectors.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace fc = flytecache;
using flytecache_test::load_vectors;

namespace {

// One policy type whose behaviour comes from the vector, like the policies of flytekit's tests:
// salt returns the salt, constant a fixed value, salt_suffix salt + value, raises throws.
struct vector_policy {
    std::string kind;
    std::string value;

    template <class F>
    std::string get_version(std::string_view salt, const fc::version_parameters<F>&) const {
        if (kind == "salt") return std::string(salt);
        if (kind == "constant") return value;
        if (kind == "salt_suffix") return std::string(salt) + value;
        if (kind == "raises") throw std::runtime_error("policy failed on purpose");
        throw std::logic_error("unknown policy kind in vector: " + kind);
    }
};

struct outcome {
    std::optional<std::string> version;
    std::optional<std::string> error;
    bool nested_original = false;
};

template <class Build>
outcome run(Build build) {
    outcome result;
    try {
        result.version = build().get_version(fc::version_parameters<>{});
    } catch (const fc::version_error& e) {
        // The vector holds flytekit's text (Python's str(e)); what() adds the cause after it.
        result.error = e.message();
        CHECK(std::string(e.what()) == e.message() + "; caused by: policy failed on purpose");
        try {
            std::rethrow_if_nested(e);
        } catch (const std::runtime_error& inner) {
            result.nested_original = std::string(inner.what()) == "policy failed on purpose";
        }
    } catch (const fc::configuration_error& e) {
        result.error = e.what();
    }
    return result;
}

constexpr std::size_t max_policies = 16;

template <std::size_t N>
outcome run_with(const fc::cache_options& options, const std::vector<vector_policy>& ps) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        using cache_type = fc::cache<decltype((void)I, vector_policy{})...>;
        return run([&] { return cache_type(options, ps[I]...); });
    }(std::make_index_sequence<N>{});
}

outcome evaluate(const fc::detail::json_value& v) {
    fc::cache_options options;
    options.salt = v.at("salt").as_string();
    if (!v.at("version").is_null()) options.version = v.at("version").as_string();
    std::vector<vector_policy> ps;
    for (const auto& p : v.at("policies").as_array()) {
        const auto* value = p.find("value");
        ps.push_back({p.at("kind").as_string(), value ? value->as_string() : std::string()});
    }
    // The policy pack is a compile-time property, so each arity is its own cache type; vectors of
    // up to max_policies policies are run.
    if (ps.empty()) return run([&] { return fc::cache<>(options); });
    std::optional<outcome> result;
    [&]<std::size_t... N>(std::index_sequence<N...>) {
        ((ps.size() == N + 1 ? (result = run_with<N + 1>(options, ps), true) : false) || ...);
    }(std::make_index_sequence<max_policies>{});
    if (!result) throw std::logic_error("a vector has more policies than this test instantiates");
    return *result;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    for (auto pos = text.find(from); pos != std::string::npos;
         pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
    }
    return text;
}

} // namespace

TEST_CASE("every version_hash.json vector passes") {
    const auto doc = load_vectors("version_hash.json");
    const auto& vectors = doc.at("vectors").as_array();
    REQUIRE(vectors.size() >= 10);
    const std::string policy_name(fc::detail::type_name<vector_policy>());
    for (const auto& v : vectors) {
        const std::string id = v.at("id").as_string();
        CAPTURE(id);
        const outcome got = evaluate(v);
        if (v.at("error").is_null()) {
            REQUIRE(got.version.has_value());
            CHECK(*got.version == v.at("expected").as_string());
        } else {
            REQUIRE(got.error.has_value());
            CHECK(v.at("expected").is_null());
            CHECK(*got.error == replace_all(v.at("error").as_string(), "{policy}", policy_name));
            if (got.error->starts_with("Failed to generate version")) CHECK(got.nested_original);
        }
        // policy_outputs documents what each policy returned; the digest must be that of their
        // concatenation whenever no explicit version was given.
        if (v.at("version").is_null() && v.at("error").is_null()) {
            std::string joined;
            for (const auto& o : v.at("policy_outputs").as_array()) joined += o.as_string();
            CHECK(fc::sha256_hex(joined) == v.at("expected").as_string());
        }
    }
}

TEST_CASE("tests/vectors is a verbatim copy of ../shared/vectors") {
    namespace fs = std::filesystem;
    const fs::path shared = FLYTECACHE_SHARED_VECTORS_DIR;
    const fs::path local = FLYTECACHE_DEFAULT_VECTORS_DIR;
    if (!fs::is_directory(shared)) {
        MESSAGE("../shared/vectors is not beside the checkout; the copy check is skipped");
        return;
    }
    int compared = 0;
    for (const auto& entry : fs::directory_iterator(shared)) {
        if (!entry.is_regular_file()) continue;
        const auto name = entry.path().filename();
        CAPTURE(name.string());
        REQUIRE_MESSAGE(fs::exists(local / name), "tests/vectors lacks " << name.string());
        CHECK_MESSAGE(flytecache_test::read_file(entry.path()) ==
                          flytecache_test::read_file(local / name),
                      "tests/vectors/" << name.string() << " differs from ../shared/vectors");
        ++compared;
    }
    CHECK(compared >= 2);
}
