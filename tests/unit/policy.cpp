// flytecache — cache<...>, the built-in policies, composition and compile-time versions
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace fc = flytecache;
using namespace std::string_view_literals;

namespace {

// flytekit's test SaltCachePolicy: returns the salt.
struct salt_policy {
    template <class F>
    constexpr std::string_view get_version(std::string_view salt,
                                           const fc::version_parameters<F>&) const {
        return salt;
    }
};

struct counting_policy {
    int* calls;
    template <class F>
    std::string get_version(std::string_view, const fc::version_parameters<F>&) const {
        ++*calls;
        return "counted";
    }
};

struct throwing_policy {
    template <class F>
    std::string get_version(std::string_view, const fc::version_parameters<F>&) const {
        throw std::out_of_range("no version today");
    }
};

constexpr std::string_view sprinkle_digest =
    "348b4b8c52d8868e0c202ce4d26d59906c13716197b611a0a7a215074159df79";

} // namespace

TEST_CASE("get_version is a constant expression when salt and outputs are") {
    static_assert([] {
        const fc::cache c{fc::cache_options{.salt = "a-sprinkle-of-salt"}, salt_policy{}};
        return c.get_version(fc::version_parameters<>{}) == sprinkle_digest;
    }());
    constexpr auto stored = fc::make_static_version([] {
        return fc::cache{fc::cache_options{.salt = "a-sprinkle-of-salt"}, salt_policy{}}
            .get_version(fc::version_parameters<>{});
    });
    static_assert(stored == sprinkle_digest);
    // The compile-time result equals the run-time (OpenSSL) one.
    const fc::cache runtime{fc::cache_options{.salt = "a-sprinkle-of-salt"}, salt_policy{}};
    CHECK(runtime.get_version(fc::version_parameters<>{}) == stored.view());
}

TEST_CASE("an explicit version wins and no policy runs") {
    int calls = 0;
    const fc::cache c{fc::cache_options{.version = "v1.2.3"}, counting_policy{&calls}};
    CHECK(c.get_version(fc::version_parameters<>{}) == "v1.2.3");
    CHECK(calls == 0);

    const fc::cache empty_version{fc::cache_options{.version = ""}, counting_policy{&calls}};
    CHECK(empty_version.get_version(fc::version_parameters<>{}).empty());
    CHECK(calls == 0);

    const fc::cache derived{counting_policy{&calls}};
    CHECK(derived.get_version(fc::version_parameters<>{}) == fc::sha256_hex("counted"));
    CHECK(calls == 1);
}

TEST_CASE("no version and no policies is flytekit's error") {
    CHECK_THROWS_WITH_AS(fc::cache<>(fc::cache_options{.salt = "s"}),
                         "If version is not defined then at least one cache policy needs to be set",
                         fc::configuration_error);
    fc::cache<> versioned{fc::cache_options{.version = "v1"}};
    CHECK(versioned.get_version(fc::version_parameters<>{}) == "v1");
    // The members are public, like flytekit's attributes; get_version re-checks.
    versioned.version.reset();
    CHECK_THROWS_AS((void)versioned.get_version(fc::version_parameters<>{}),
                    fc::configuration_error);
}

TEST_CASE("a throwing policy is reported with flytekit's wording and nested") {
    const fc::cache c{salt_policy{}, throwing_policy{}};
    try {
        (void)c.get_version(fc::version_parameters<>{});
        FAIL("expected version_error");
    } catch (const fc::version_error& e) {
        const std::string message = e.message();
        CHECK(message.starts_with("Failed to generate version for cache policy "));
        CHECK(message.find("throwing_policy") != std::string::npos);
        CHECK(message.ends_with(". Please consider setting the version in the Cache definition, "
                                "e.g. Cache(version='v1.2.3')"));
        // what() names the cause too, so a log line of e.what() alone says what went wrong.
        CHECK(std::string(e.what()) == message + "; caused by: no version today");
        CHECK_THROWS_WITH_AS(std::rethrow_if_nested(e), "no version today", std::out_of_range);
    }
}

TEST_CASE("cache options: ignored inputs, serialize, salt") {
    const fc::cache one{fc::cache_options{.ignored_inputs = "seed"}, salt_policy{}};
    CHECK(one.get_ignored_inputs() == std::vector<std::string>{"seed"});
    const fc::cache many{
        fc::cache_options{.serialize = true, .ignored_inputs = {"seed", "verbose"}}, salt_policy{}};
    CHECK(many.get_ignored_inputs() == std::vector<std::string>{"seed", "verbose"});
    CHECK(many.serialize);
    CHECK(many.ignored_inputs.contains("verbose"));
    CHECK_FALSE(many.ignored_inputs.contains("x"));
    const fc::cache none{salt_policy{}};
    CHECK(none.get_ignored_inputs().empty());
    CHECK_FALSE(none.serialize);
    CHECK_FALSE(none.version.has_value());
    static_assert(std::is_same_v<decltype(none), const fc::cache<salt_policy>>);
}

TEST_CASE("policies compose with + into one flat composite, in order") {
    constexpr auto a = fc::policies::constant<"a">{};
    constexpr auto b = fc::policies::constant<"b">{};
    constexpr auto c = fc::policies::constant<"c">{};
    auto abc = a + b + c;
    static_assert(std::is_same_v<decltype(abc), fc::composite_policy<fc::policies::constant<"a">,
                                                                     fc::policies::constant<"b">,
                                                                     fc::policies::constant<"c">>>);
    static_assert(std::is_same_v<
                  decltype((a + b) + (c + a)),
                  fc::composite_policy<fc::policies::constant<"a">, fc::policies::constant<"b">,
                                       fc::policies::constant<"c">, fc::policies::constant<"a">>>);
    CHECK(abc.get_version("", fc::version_parameters<>{}) == "abc");
    const fc::cache composed{abc};
    const fc::cache separate{a, b, c};
    CHECK(decltype(composed)::policy_count == 3);
    CHECK(composed.get_version(fc::version_parameters<>{}) ==
          separate.get_version(fc::version_parameters<>{}));
    CHECK(composed.get_version(fc::version_parameters<>{}) == fc::sha256_hex("abc"));
    // Order matters.
    CHECK(fc::cache{c + b + a}.get_version(fc::version_parameters<>{}) == fc::sha256_hex("cba"));
    // A user policy joins once one side is a flytecache type.
    auto mixed = salt_policy{} + a;
    CHECK(fc::cache{fc::cache_options{.salt = "s"}, mixed}.get_version(
              fc::version_parameters<>{}) == fc::sha256_hex("sa"));
    // A failure inside a composite names the part that failed.
    const fc::cache failing{a + throwing_policy{}};
    CHECK_THROWS_WITH_AS((void)failing.get_version(fc::version_parameters<>{}),
                         doctest::Contains("throwing_policy"), fc::version_error);
}

TEST_CASE("constant policy") {
    constexpr fc::policies::constant<"schema-3"> p;
    static_assert(p.get_version("salt", fc::version_parameters<>{}) == "schema-3");
    static_assert(fc::cache_policy<decltype(p)>);
    CHECK(fc::cache{p}.get_version(fc::version_parameters<>{}) == fc::sha256_hex("schema-3"));
}

TEST_CASE("image policy follows the image name or image_spec") {
    const fc::policies::image p;
    CHECK(p.get_version("", fc::version_parameters<>{}).empty());
    CHECK(p.get_version("", fc::version_parameters<>{.container_image = "ghcr.io/acme/sim:1.4"}) ==
          "ghcr.io/acme/sim:1.4");

    fc::image_spec spec{.name = "sim", .registry = "ghcr.io/acme", .packages = {"numpy==2.1"}};
    const std::string named = p.get_version("", fc::version_parameters<>{.container_image = spec});
    CHECK(named == spec.image_name());
    CHECK(named.starts_with("ghcr.io/acme/sim:"));
    CHECK(spec.resolved_tag().size() == 43);
    CHECK(spec.resolved_tag().find('-') == std::string::npos);

    auto more = spec;
    more.packages.push_back("scipy");
    CHECK(more.image_name() != spec.image_name());
    auto moved = spec;
    moved.registry = "docker.io/acme";
    CHECK(moved.resolved_tag() == spec.resolved_tag()); // the registry is not content

    fc::image_spec env_ab{.name = "x", .env = {{"A", "1"}, {"B", "2"}}};
    fc::image_spec env_ba{.name = "x", .env = {{"B", "2"}, {"A", "1"}}};
    CHECK(env_ab.spec_hash() == env_ba.spec_hash());
    // A variable given twice would make the name depend on which value wins: rejected.
    CHECK_THROWS_AS(
        (void)(fc::image_spec{.name = "x", .env = {{"A", "1"}, {"A", "2"}}}.spec_hash()),
        fc::invalid_argument);
    fc::image_spec cmds_ab{.name = "x", .commands = {"a", "b"}};
    fc::image_spec cmds_ba{.name = "x", .commands = {"b", "a"}};
    CHECK(cmds_ab.spec_hash() != cmds_ba.spec_hash());
    // Field boundaries are unambiguous.
    fc::image_spec p1{.name = "x", .packages = {"ab", "c"}};
    fc::image_spec p2{.name = "x", .packages = {"a", "bc"}};
    CHECK(p1.spec_hash() != p2.spec_hash());

    fc::image_spec tagged{.name = "sim", .tag = "v7"};
    CHECK(tagged.image_name() == "sim:v7");
    fc::image_spec formatted{.name = "sim", .tag_format = "{spec_hash}-gpu"};
    CHECK(formatted.resolved_tag() == formatted.spec_hash() + "-gpu");
    CHECK_THROWS_AS((void)fc::image_spec{.name = ""}.image_name(), fc::invalid_argument);
    // The spec hash is the same at compile time and at run time.
    static_assert(fc::image_spec{.name = "sim"}.spec_hash().size() == 43);
    constexpr auto compile_time =
        fc::make_static_version([] { return fc::image_spec{.name = "sim"}.spec_hash(); });
    CHECK(compile_time.view() == fc::image_spec{.name = "sim"}.spec_hash());
}

TEST_CASE("pod template hash and policy") {
    const fc::pod_template a{
        .pod_spec =
            R"({"containers":[{"name":"primary","image":"x"}],"nodeSelector":{"gpu":"a100"}})",
        .labels = {{"team", "sim"}, {"tier", "gold"}}};
    const fc::pod_template b{.pod_spec = R"({
        "nodeSelector": { "gpu": "a100" },
        "containers": [ { "image": "x", "name": "primary" } ]
    })",
                             .labels = {{"tier", "gold"}, {"team", "sim"}}};
    CHECK(a.version_hash() == b.version_hash()); // formatting, member and label order do not count
    CHECK(a.version_hash().size() == 64);
    auto c = a;
    c.annotations.emplace_back("owner", "ml");
    CHECK(c.version_hash() != a.version_hash());
    auto d = a;
    d.pod_spec = R"({"containers":[{"name":"primary","image":"y"}],"nodeSelector":{"gpu":"a100"}})";
    CHECK(d.version_hash() != a.version_hash());
    auto e = a;
    e.primary_container_name = "main";
    CHECK(e.version_hash() != a.version_hash());

    auto unnamed = a;
    unnamed.primary_container_name = "";
    CHECK_THROWS_WITH_AS(unnamed.validate(), "A primary container name cannot be undefined",
                         fc::configuration_error);
    CHECK_THROWS_AS(fc::pod_template{.pod_spec = "{not json"}.validate(), fc::invalid_argument);
    CHECK_THROWS_AS(fc::pod_template{.pod_spec = "[]"}.validate(), fc::invalid_argument);
    CHECK_THROWS_AS((fc::pod_template{.labels = {{"a", "1"}, {"a", "2"}}}.validate()),
                    fc::invalid_argument);
    CHECK(fc::pod_template{}.primary_container_name == "primary");

    const fc::policies::pod_template p;
    CHECK(p.get_version("", fc::version_parameters<>{}).empty());
    CHECK(p.get_version("", fc::version_parameters<>{.pod_template_name = "gpu-pod"}) == "gpu-pod");
    CHECK(p.get_version(
              "", fc::version_parameters<>{.pod_template = a, .pod_template_name = "gpu-pod"}) ==
          "gpu-pod" + a.version_hash());
    // A broken template is reported through the cache as a failed policy, with the cause nested.
    const fc::cache cfg{p};
    CHECK_THROWS_AS((void)cfg.get_version(fc::version_parameters<>{.pod_template = unnamed}),
                    fc::version_error);
}

TEST_CASE("function_body follows the code, not its comments or layout") {
    auto twice = FLYTECACHE_SOURCE([](int x) { return x * 2; });
    auto twice_spaced = FLYTECACHE_SOURCE([](int x) { return x * 2; });
    auto thrice = FLYTECACHE_SOURCE([](int x) { return x * 3; });
    CHECK(twice(21) == 42);
    CHECK(thrice(2) == 6);
    static_assert(decltype(twice)::normalized_source() == "[](int x){return x*2;}");
    static_assert(decltype(twice_spaced)::normalized_source() ==
                  decltype(twice)::normalized_source());

    const fc::policies::function_body body;
    const auto v_twice = body.get_version("salt", fc::version_parameters{.func = twice});
    CHECK(v_twice == body.get_version("salt", fc::version_parameters{.func = twice_spaced}));
    CHECK(v_twice != body.get_version("salt", fc::version_parameters{.func = thrice}));
    CHECK(v_twice != body.get_version("pepper", fc::version_parameters{.func = twice}));
    CHECK(v_twice == fc::sha256_hex("salt[](int x){return x*2;}"));
    // Compile-time version from the function's text.
    constexpr auto at_compile_time = fc::make_static_version([] {
        auto f = FLYTECACHE_SOURCE([](int x) { return x * 2; });
        return fc::cache{fc::cache_options{.salt = "salt"}, fc::policies::function_body{}}
            .get_version(fc::version_parameters{.func = f});
    });
    CHECK(at_compile_time.view() == fc::cache{fc::cache_options{.salt = "salt"}, body}.get_version(
                                        fc::version_parameters{.func = twice}));
}

namespace {
// A callable that supplies its text itself instead of through FLYTECACHE_SOURCE.
struct hand_sourced {
    int operator()(int x) const { return x; }
    std::string source() const { return "int f(int x) {\n  return x; // identity\n}"; }
};
} // namespace

TEST_CASE("function_body reads a source() member and normalizes it at run time") {
    const fc::policies::function_body body;
    CHECK(body.get_version("", fc::version_parameters{.func = hand_sourced{}}) ==
          fc::sha256_hex("int f(int x){return x;}"));
}

TEST_CASE("source normalization") {
    using fc::detail::normalize_source;
    CHECK(normalize_source("  int   f ( int x )\n{ return x + 1 ; }  ") ==
          "int f(int x){return x+1;}");
    CHECK(normalize_source("int f(int x) { /* why */ return x + 1; } // done") ==
          normalize_source("int f(int x) {\n    return x + 1;\n}"));
    // Operators that could fuse keep a separating space.
    CHECK(normalize_source("a & &b") != normalize_source("a && b"));
    CHECK(normalize_source("a + +b") == "a+ +b");
    CHECK(normalize_source("a / *p") == "a/ *p");
    CHECK(normalize_source("x = - 1;") == normalize_source("x=-1;"));
    CHECK(normalize_source("f( ) ;") == "f();");
    CHECK(normalize_source("x - -1") != normalize_source("x--1"));
    // Literals are kept byte for byte, comment markers inside them too.
    CHECK(normalize_source(R"(s = "a  b // c";)") == R"(s="a  b // c";)");
    CHECK(normalize_source("c = ' ';") == "c=' ';");
    CHECK(normalize_source(R"(s = "say \"hi  \"";)") == R"(s="say \"hi  \"";)");
    CHECK(normalize_source("n = 1'000'000 ;") == "n=1'000'000;");
    // Whole pp-numbers: hex digit separators, exponent signs, suffixes.
    CHECK(normalize_source("return x + 0xFF'FF'FF; // note") == "return x+0xFF'FF'FF;");
    CHECK(normalize_source("return x+0xFF'FF'FF;") == normalize_source("return x + 0xFF'FF'FF ;"));
    CHECK(normalize_source("d = 1e+5 + .5f;") == "d=1e+5+.5f;");
    CHECK(normalize_source("d = 0x1p-3;") == "d=0x1p-3;");
    CHECK(normalize_source("c = x1 + 'a';") == "c=x1+'a';");
    // A line splice continues a // comment; a directive keeps its terminating newline.
    CHECK(normalize_source("a; // note \\\n still comment\nb;") == "a;b;");
    CHECK(normalize_source("#define K 1\nint y = K;") == "#define K 1\nint y=K;");
    CHECK(normalize_source("  #  include <x>\n  int y;") == "#include<x>\nint y;");
    CHECK(normalize_source("auto r = R\"x(a  \" ) b)x\" ;") == "auto r=R\"x(a  \" ) b)x\";");
    CHECK(normalize_source("u8\"a  b\"") == "u8\"a  b\"");
    // Token changes are seen.
    CHECK(normalize_source("return x + 1;") != normalize_source("return x + 2;"));
    CHECK(normalize_source("int a;") != normalize_source("inta;"));
    CHECK(normalize_source("").empty());
    CHECK(normalize_source("/* only a comment */").empty());
    static_assert(normalize_source(" a  +  b ") == "a+b");
}

TEST_CASE("version_parameters carries the task's function, image and pod template") {
    auto f = [](int x) { return x; };
    // (GCC 12 cannot deduce F from designated initializers that skip a member: name it.)
    const fc::version_parameters<decltype(f)> params{
        .func = f, .container_image = "img:1", .pod_template_name = "pt"};
    CHECK(params.func(3) == 3);
    CHECK(std::get<std::string>(params.container_image) == "img:1");
    CHECK_FALSE(params.pod_template.has_value());
    CHECK(params.pod_template_name == "pt");
    const fc::version_parameters<> none;
    CHECK(std::holds_alternative<std::monostate>(none.container_image));
}
