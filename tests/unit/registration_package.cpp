// flytecache — tests: the binary TaskTemplate export and the registration package
// SPDX-License-Identifier: MIT
// tests: the binary TaskTemplate export and the registration package (names, order, archive bytes,
// errors); the real flyteidl classes parse the files in tests/idl/.
#include <flytecache/flytecache.hpp>

#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fc = flytecache;

namespace {

auto make_task(const std::string& name) {
    return fc::task<fc::inputs<"x">>(name, [](std::int64_t x) { return x + 1; },
                                     fc::cache{fc::cache_options{.version = "2"}},
                                     {.container_image = "ghcr.io/acme/inc:1"});
}

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint32_t le32(const std::string& s, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i)
        v |= static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
    return v;
}

} // namespace

TEST_CASE("registration_package: pyflyte's file names, zero-padded, in the order added") {
    fc::registration_package one("p", "d", "v");
    one.add(make_task("wf.only"));
    REQUIRE(one.files().size() == 1);
    CHECK(one.files()[0].name == "0_wf.only_1.pb");

    fc::registration_package ten("p", "d", "v");
    for (int i = 0; i < 10; ++i) ten.add(make_task("t" + std::to_string(9 - i)));
    CHECK(ten.files().front().name == "0_t9_1.pb");
    CHECK(ten.files().back().name == "9_t0_1.pb");

    fc::registration_package eleven("p", "d", "v");
    for (int i = 0; i < 11; ++i) eleven.add(make_task("t" + std::to_string(i)));
    const auto files = eleven.files();
    CHECK(files.front().name == "00_t0_1.pb");
    CHECK(files.back().name == "10_t10_1.pb");
    // flytectl sorts by name, which is the registration order.
    for (std::size_t i = 1; i < files.size(); ++i) CHECK(files[i - 1].name < files[i].name);
}

TEST_CASE("registration_package: each file is TaskSpec{template} with the package's identifier") {
    const auto t = make_task("wf.inc");
    const fc::task_template_options o{.project = "p", .domain = "d", .version = "v"};
    fc::registration_package pkg("p", "d", "v");
    pkg.add(t);
    // TaskSpec{1: TaskTemplate}, the template exactly what to_task_template_proto writes.
    fc::detail::proto_writer spec;
    spec.string_field(1, fc::to_task_template_proto(t, o));
    CHECK(pkg.files()[0].content == spec.take());
    CHECK(pkg.files()[0].content == fc::to_task_spec_proto(t, o));

    // A template written for other coordinates is restamped; the rest is kept byte for byte.
    fc::registration_package other("q", "e", "w");
    other.add_task_template_proto(fc::to_task_template_proto(t, o));
    const fc::task_template_options target{.project = "q", .domain = "e", .version = "w"};
    CHECK(other.files()[0].content == fc::to_task_spec_proto(t, target));
    // Placeholders flytectl fills in.
    fc::registration_package later(std::string(fc::registration_project_placeholder),
                                   std::string(fc::registration_domain_placeholder),
                                   std::string(fc::registration_version_placeholder));
    later.add(t);
    CHECK(later.files()[0].content.find("{{ registration.project }}") != std::string::npos);
}

TEST_CASE("registration_package: the archive is a deterministic tar in stored-block gzip") {
    fc::registration_package pkg("p", "d", "v");
    pkg.add(make_task("wf.a")).add(make_task("wf.b"));
    const std::string tar = pkg.archive(fc::archive_format::tar);
    REQUIRE(tar.size() % 512 == 0);
    CHECK(tar.substr(0, 10) == "0_wf.a_1.p");
    CHECK(tar.substr(257, 6) == std::string("ustar\0", 6));
    // The header checksum: the sum of its bytes with the checksum field read as spaces.
    std::string header = tar.substr(0, 512);
    const auto stored = std::stoul(header.substr(148, 6), nullptr, 8);
    header.replace(148, 8, 8, ' ');
    unsigned long sum = 0;
    for (const char c : header) sum += static_cast<unsigned char>(c);
    CHECK(stored == sum);
    CHECK(tar.substr(tar.size() - 1024) == std::string(1024, '\0'));

    const std::string tgz = pkg.archive();
    CHECK(tgz == pkg.archive()); // deterministic
    CHECK(tgz.substr(0, 3) == "\x1f\x8b\x08");
    CHECK(le32(tgz, tgz.size() - 8) == fc::detail::crc32(tar));
    CHECK(le32(tgz, tgz.size() - 4) == tar.size());
    CHECK(fc::detail::crc32("123456789") == 0xCBF43926U); // the CRC-32 check value
    // Stored blocks: the first holds min(65535, size) bytes of the tar, verbatim.
    CHECK(tgz.substr(15, 100) == tar.substr(0, 100));

    flytecache_test::temp_dir dir;
    pkg.write_archive(dir.path() / "flyte-package.tgz");
    pkg.write_archive(dir.path() / "flyte-package.tar");
    pkg.write_directory(dir.path() / "files");
    CHECK(read_all(dir.path() / "flyte-package.tgz") == tgz);
    CHECK(read_all(dir.path() / "flyte-package.tar") == tar);
    CHECK(read_all(dir.path() / "files" / "1_wf.b_1.pb") == pkg.files()[1].content);
}

TEST_CASE("registration_package: errors say what is wrong") {
    CHECK_THROWS_WITH_AS(fc::registration_package("", "d", "v"),
                         doctest::Contains("needs a project"), fc::configuration_error);
    fc::registration_package pkg("p", "d", "v");
    CHECK_THROWS_WITH_AS((void)pkg.archive(), doctest::Contains("holds no task"),
                         fc::configuration_error);
    pkg.add(make_task("wf.a"));
    CHECK_THROWS_WITH_AS(pkg.add(make_task("wf.a")), doctest::Contains("already holds a task"),
                         fc::configuration_error);
    CHECK_THROWS_WITH_AS(pkg.add(make_task("wf/a")), doctest::Contains("cannot be part of a file"),
                         fc::configuration_error);
    CHECK_THROWS_WITH_AS(pkg.add(make_task("wf.b"), {.project = "elsewhere"}),
                         doctest::Contains("differs from the package's 'p'"),
                         fc::configuration_error);
    CHECK_THROWS_WITH_AS(pkg.write_archive("out.zip"), doctest::Contains(".tgz, .tar.gz or .tar"),
                         fc::configuration_error);
    CHECK_THROWS_AS(pkg.add_task_template_proto("\x0a\x02\x08\x02"), fc::decode_error); // not TASK
    CHECK_THROWS_AS(pkg.add_task_template_proto("garbage"), fc::decode_error);
    CHECK_THROWS_WITH_AS(pkg.write_archive("/nonexistent-dir/x.tgz"),
                         doctest::Contains("cannot write /nonexistent-dir/x.tgz"), fc::error);
    CHECK(pkg.size() == 1);
}
