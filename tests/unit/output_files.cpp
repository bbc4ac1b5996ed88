// flytecache — tests: task output files belong to the cache
// SPDX-License-Identifier: MIT
// tests: task output files belong to the cache (blob area: placement, hits that check their copies,
// garbage collection, stores without a blob directory, crashes mid-placement).
#include <flytecache/literal/decode.hpp>
#include <flytecache/literal/encode.hpp>
#include <flytecache/literal/hash_method.hpp>
#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/store/blob_area.hpp>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/sqlite_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include "../support/plain_store.hpp"
#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace fc = flytecache;
namespace fs = std::filesystem;
using flytecache_test::plain_store;
using flytecache_test::temp_dir;
using namespace std::chrono_literals;

namespace {

fc::executor_options quiet_options() {
    fc::executor_options o;
    o.config = fc::local_cache_config{};
    o.on_bad_entry = [](const fc::bad_cache_entry&) {};
    return o;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& p, const std::string& bytes) {
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << bytes;
}

// Blobs are read-only: a test that tampers with one (as a careless user might) unlocks it first.
void make_writable(const fs::path& p) {
    fs::permissions(p, fs::perms::owner_write, fs::perm_options::add);
    if (fs::is_regular_file(p))
        fs::permissions(p.parent_path(), fs::perms::owner_all, fs::perm_options::add);
}

bool inside(const fs::path& p, const fs::path& dir) {
    const std::string a = p.lexically_normal().string();
    const std::string b = dir.lexically_normal().string();
    return a.size() > b.size() && a.compare(0, b.size(), b) == 0 && a[b.size()] == '/';
}

struct recorder {
    std::shared_ptr<std::mutex> m = std::make_shared<std::mutex>();
    std::shared_ptr<std::vector<std::pair<fc::task_event_kind, std::string>>> events =
        std::make_shared<std::vector<std::pair<fc::task_event_kind, std::string>>>();
    void operator()(const fc::task_event& e) const {
        const std::lock_guard lock(*m);
        events->emplace_back(e.kind, std::string(e.reason));
    }
    [[nodiscard]] std::size_t count(fc::task_event_kind k) const {
        const std::lock_guard lock(*m);
        std::size_t n = 0;
        for (const auto& e : *events) n += e.first == k ? 1U : 0U;
        return n;
    }
};

std::size_t count_files(const fs::path& dir) {
    std::size_t n = 0;
    std::error_code ec;
    if (!fs::exists(dir, ec)) return 0;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
         ++it) {
        n += it->is_regular_file() ? 1U : 0U;
    }
    return n;
}

} // namespace

// Reproduction (issue 14, 1): a task that writes work/clean.csv and returns it was cached by path,
// so a later run with other inputs changed what an earlier entry's hit returned.
TEST_CASE("output files: a hit returns the bytes its own run wrote, not the file's newest bytes") {
    const temp_dir dir("outputs");
    const fs::path work = dir / "work";
    int runs = 0;
    auto clean = fc::task<fc::inputs<"text">>("clean",
                                              [&runs, work](const std::string& text) {
                                                  ++runs;
                                                  write_file(work / "clean.csv", "cleaned:" + text);
                                                  return fc::file(work / "clean.csv", "csv");
                                              },
                                              {.cache = true, .cache_version = "1"});
    fc::executor exec(fc::sqlite_store(dir / "cache"), quiet_options());
    const fs::path blobs = exec.store().blob_directory();

    const fc::file a1 = exec.run(clean, "A");
    CHECK(runs == 1);
    CHECK(slurp(a1.path()) == "cleaned:A");
    CHECK(inside(a1.path(), blobs)); // the value handed back on the miss points at the copy
    CHECK(a1.path().filename() == "clean.csv");
    CHECK(a1.format == "csv");
    const fc::file b = exec.run(clean, "B"); // overwrites work/clean.csv
    CHECK(slurp(b.path()) == "cleaned:B");
    const fc::file a2 = exec.run(clean, "A"); // a hit
    CHECK(runs == 2);
    CHECK(a2 == a1);
    CHECK(slurp(a2.path()) == "cleaned:A");

    // The task's own file may go: the cache keeps its copy.
    fs::remove(work / "clean.csv");
    CHECK(slurp(exec.run(clean, "A").path()) == "cleaned:A");
    CHECK(runs == 2);
    // The copy is read-only: changing it takes deliberate effort.
    CHECK((fs::status(a1.path()).permissions() & fs::perms::owner_write) == fs::perms::none);
}

TEST_CASE("output files: a hit whose copy is gone recomputes, reported, never throws") {
    const temp_dir dir("outputs-gone");
    int runs = 0;
    auto make = fc::task<fc::inputs<"n">>("make",
                                          [&runs, &dir](std::int64_t n) {
                                              ++runs;
                                              write_file(dir / "out.txt", std::to_string(n));
                                              return fc::file(dir / "out.txt");
                                          },
                                          {.cache = true, .cache_version = "1"});
    recorder seen;
    fc::executor<fc::sqlite_store, fc::keys::flytekit_local, recorder> exec(
        fc::sqlite_store(dir / "cache"), quiet_options(), seen);
    const fc::file first = exec.run(make, 7);
    make_writable(first.path());
    fs::remove(first.path());
    const fc::file again = exec.run(make, 7);
    CHECK(runs == 2);
    CHECK(slurp(again.path()) == "7");
    CHECK(seen.count(fc::task_event_kind::stale) == 1);
    bool named = false;
    for (const auto& [kind, reason] : *seen.events) {
        if (kind == fc::task_event_kind::stale) named = reason.find("is gone") != std::string::npos;
    }
    CHECK(named);
    CHECK(exec.cache().bad_entries() == 1);
    // The recomputed entry is whole again.
    CHECK(slurp(exec.run(make, 7).path()) == "7");
    CHECK(runs == 2);

    // strict mode throws for damaged entries, but a missing copy is still just a miss.
    fc::executor_options strict = quiet_options();
    strict.strict = true;
    fc::executor strict_exec(fc::sqlite_store(dir / "cache"), strict);
    const fc::file current = strict_exec.run(make, 7);
    make_writable(current.path());
    fs::remove(current.path());
    CHECK(slurp(strict_exec.run(make, 7).path()) == "7");
    CHECK(runs == 3);
}

TEST_CASE("output files: a content-hashed output changed in place is a miss") {
    const temp_dir dir("outputs-hashed");
    int runs = 0;
    auto make =
        fc::task<fc::inputs<"n">>("make-hashed",
                                  [&runs, &dir](std::int64_t n) {
                                      ++runs;
                                      write_file(dir / "out.bin", "payload-" + std::to_string(n));
                                      return fc::hashed_file(dir / "out.bin");
                                  },
                                  {.cache = true, .cache_version = "1"});
    fc::executor exec(fc::memory_store{}, quiet_options());
    const auto first = exec.run(make, 1);
    CHECK(first.value.path().filename() == "out.bin");
    CHECK(inside(first.value.path(), *exec.store().blob_directory()));
    CHECK(slurp(exec.run(make, 1).value.path()) == "payload-1");
    CHECK(runs == 1);
    make_writable(first.value.path());
    write_file(first.value.path(), "tampered");
    CHECK(slurp(exec.run(make, 1).value.path()) == "payload-1");
    CHECK(runs == 2);
}

TEST_CASE("output files: directories are copied whole, read-only, and equal content is shared") {
    const temp_dir dir("outputs-dir");
    auto make = fc::task<fc::inputs<"n">>("make-dir",
                                          [&dir](std::int64_t n) {
                                              const fs::path out =
                                                  dir / ("run" + std::to_string(n)) / "report";
                                              write_file(out / "index.html", "<p>report</p>");
                                              write_file(out / "data" / "values.csv", "1,2,3");
                                              return fc::directory(out);
                                          },
                                          {.cache = true, .cache_version = "1"});
    fc::executor exec(fc::sqlite_store(dir / "cache"), quiet_options());
    const fc::directory one = exec.run(make, 1);
    const fc::directory two = exec.run(make, 2);
    CHECK(inside(one.path(), exec.store().blob_directory()));
    CHECK(one.path().filename() == "report");
    CHECK(slurp(one.path() / "data" / "values.csv") == "1,2,3");
    CHECK(one == two); // same bytes under the same names: one copy
    fs::remove_all(dir / "run1");
    CHECK(slurp(exec.run(make, 1).path() / "index.html") == "<p>report</p>");
}

// Review finding: links inside an output directory were resolved into paths outside it, so the
// copy lacked those files and their bytes landed elsewhere.
TEST_CASE("output files: links inside an output directory are followed to their files") {
    const temp_dir dir("outputs-links");
    const fs::path out = dir / "run" / "results";
    write_file(dir / "run" / "final.bin", "weights");
    write_file(out / "data-v2.csv", "1,2");
    fs::create_symlink(dir / "run" / "final.bin", out / "model.bin");
    fs::create_symlink("data-v2.csv", out / "data.csv"); // an alias inside the directory
    auto make =
        fc::task<fc::inputs<"n">>("linked", [&out](std::int64_t) { return fc::directory(out); },
                                  {.cache = true, .cache_version = "1"});
    fc::executor exec(fc::sqlite_store(dir / "cache"), quiet_options());
    const fc::directory copy = exec.run(make, 1);
    CHECK(slurp(copy.path() / "model.bin") == "weights");
    CHECK(slurp(copy.path() / "data.csv") == "1,2");
    CHECK(slurp(copy.path() / "data-v2.csv") == "1,2");
    CHECK_FALSE(fs::is_symlink(copy.path() / "model.bin")); // the bytes, not the link
    CHECK_FALSE(fs::exists(dir / "run" / "results" / "final.bin"));
    // A link to a directory is refused (no loops, no escapes).
    fs::create_directory_symlink(dir / "run", out / "loop");
    CHECK_THROWS_WITH_AS((void)exec.run(make, 2), doctest::Contains("a link to a directory"),
                         fc::task_error);
}

// Review finding: Python's Cache.check(fix=True) deletes files it does not know, including the
// files inside a directory blob; the hit then returned an empty directory.
TEST_CASE("output files: a directory blob that lost files is a miss that recomputes") {
    const temp_dir dir("outputs-dir-damage");
    int runs = 0;
    auto make = fc::task<fc::inputs<"n">>("dir-damage",
                                          [&](std::int64_t) {
                                              ++runs;
                                              write_file(dir / "out" / "a.txt", "a");
                                              write_file(dir / "out" / "sub" / "b.txt", "bb");
                                              return fc::directory(dir / "out");
                                          },
                                          {.cache = true, .cache_version = "1"});
    fc::executor exec(fc::sqlite_store(dir / "cache"), quiet_options());
    const fc::directory first = exec.run(make, 1);
    CHECK(exec.run(make, 1) == first);
    CHECK(runs == 1);
    fs::remove(first.path() / "sub" / "b.txt"); // as diskcache's check(fix=True) would
    const fc::directory again = exec.run(make, 1);
    CHECK(runs == 2);
    CHECK(slurp(again.path() / "sub" / "b.txt") == "bb");
    CHECK(exec.run(make, 1) == again);
    CHECK(runs == 2);
}

// Review finding: one cache reached through two spellings (a symlinked path) was two areas, and a
// sweep through one removed what entries written through the other referenced.
TEST_CASE("output files: one cache through two spellings is one blob area") {
    const temp_dir dir("outputs-spellings");
    fs::create_directories(dir / "real");
    fs::create_directory_symlink(dir / "real", dir / "link");
    auto make = fc::task<fc::inputs<"n">>("spelled",
                                          [&dir](std::int64_t) {
                                              write_file(dir / "x.txt", "x");
                                              return fc::file(dir / "x.txt");
                                          },
                                          {.cache = true, .cache_version = "1"});
    fs::path placed;
    {
        fc::executor exec(fc::sqlite_store(dir / "link" / "cache"), quiet_options());
        placed = exec.run(make, 1).path();
    }
    fc::local_task_cache<fc::sqlite_store>::options opts;
    opts.config = {};
    opts.blob_grace = 0s;
    fc::local_task_cache<fc::sqlite_store> through_real(dir / "real" / "cache", opts);
    CHECK(through_real.blobs()->owns(placed));
    (void)through_real.collect_garbage();
    CHECK(fs::exists(placed)); // still referenced
}

// Review finding: a file returned from inside a directory blob (one file of an upstream task's
// directory output) did not keep the directory alive, and as a content-hashed output never hit.
TEST_CASE("output files: a path inside a directory blob keeps that blob and hits") {
    const temp_dir dir("outputs-subpath");
    fc::local_task_cache<fc::sqlite_store>::options opts;
    opts.config = {};
    opts.blob_grace = 0s;
    opts.gc_interval = 0s;
    fc::local_task_cache<fc::sqlite_store> cache(dir / "cache", opts);
    write_file(dir / "src" / "model" / "weights.bin", "w");
    fc::literal_map whole;
    whole.insert_or_assign("o0", fc::to_literal(fc::directory(dir / "src" / "model")));
    REQUIRE(cache.store_outputs("train", whole));
    const fs::path model = fc::from_literal<fc::directory>(*whole.find("o0")).path();
    // One file out of it, as a downstream task would return: kept as a blob of its own, so the
    // entry does not depend on the directory and, content-hashed, hits.
    fc::literal_map part;
    part.insert_or_assign("o0", fc::to_literal(fc::hashed_file(model / "weights.bin")));
    REQUIRE(cache.store_outputs("pick", part));
    const fs::path picked = fc::from_literal<fc::file>(*part.find("o0")).path();
    CHECK(cache.blobs()->is_blob(picked));
    CHECK(cache.get_entry("pick").has_value());
    CHECK(cache.erase("train"));
    CHECK_FALSE(fs::exists(model));
    CHECK(cache.get_entry("pick").has_value());
    // An entry that points inside a directory blob (written by an older flytecache, say) keeps
    // the whole directory alive, and a file in it is checked against the directory's manifest.
    fc::literal_map whole_again;
    whole_again.insert_or_assign("o0", fc::to_literal(fc::directory(dir / "src" / "model")));
    REQUIRE(cache.store_outputs("train", whole_again));
    const fs::path again = fc::from_literal<fc::directory>(*whole_again.find("o0")).path();
    fc::literal_map inside;
    inside.insert_or_assign("o0", fc::to_literal(fc::file(again / "weights.bin")));
    cache.set_entry("inside", inside);
    CHECK(cache.get_entry("inside").has_value());
    CHECK(cache.erase("train"));
    CHECK(fs::exists(again / "weights.bin"));
    CHECK(cache.get_entry("inside").has_value());
}

TEST_CASE("output files: outputs that cannot be kept are task errors, not std exceptions") {
    const temp_dir dir("outputs-odd");
    fc::executor exec(fc::memory_store{}, quiet_options());
    auto empty_uri =
        fc::task<fc::inputs<"n">>("empty-uri", [](std::int64_t) { return fc::file("file://"); },
                                  {.cache = true, .cache_version = "1"});
    CHECK_THROWS_AS((void)exec.run(empty_uri, 1), fc::task_error);
    auto dir_as_file = fc::task<fc::inputs<"n">>(
        "dir-as-file", [&dir](std::int64_t) { return fc::file(dir.path()); },
        {.cache = true, .cache_version = "1"});
    CHECK_THROWS_WITH_AS((void)exec.run(dir_as_file, 1), doctest::Contains("names a directory"),
                         fc::task_error);
    fc::executor in_dir(fc::sqlite_store(dir / "cache"), quiet_options());
    auto whole_dir = fc::task<fc::inputs<"n">>(
        "whole-dir", [&dir](std::int64_t) { return fc::directory(dir.path()); },
        {.cache = true, .cache_version = "1"});
    CHECK_THROWS_WITH_AS((void)in_dir.run(whole_dir, 1), doctest::Contains("blob area"),
                         fc::task_error);
}

// Review finding: a sweep racing a placement of equal content (an old blob re-placed) could
// remove the blob the placement was about to return.
TEST_CASE("output files: placing while sweeping never returns a removed blob") {
    const temp_dir dir("outputs-sweep-race");
    fc::blob_area area(dir / "blobs");
    write_file(dir / "f", "same bytes");
    const fs::path first = area.place(dir / "f");
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> sweeps{0};
    std::thread sweeper([&] {
        while (!stop.load()) {
            (void)area.sweep({}, 10min); // nothing referenced: only the grace period protects
            ++sweeps;
        }
    });
    std::size_t gone = 0;
    for (int i = 0; i < 300; ++i) {
        // The blob is old, as if placed long ago and no longer referenced.
        fs::last_write_time(first.parent_path(), fs::file_time_type::clock::now() - 1h);
        const fs::path p = area.place(dir / "f");
        gone += fs::exists(p) ? 0U : 1U;
    }
    stop = true;
    sweeper.join();
    MESSAGE(sweeps.load() << " sweeps beside 300 placements");
    CHECK(gone == 0);
    CHECK(fs::exists(first));
}

TEST_CASE("output files: a store without a blob directory refuses file outputs at the call") {
    const temp_dir dir("outputs-plain");
    auto make = fc::task<fc::inputs<"n">>("make-plain",
                                          [&dir](std::int64_t) {
                                              write_file(dir / "x.txt", "x");
                                              return fc::file(dir / "x.txt");
                                          },
                                          {.cache = true, .cache_version = "1"});
    fc::executor exec(plain_store{fc::memory_store()}, quiet_options());
    CHECK_THROWS_WITH_AS((void)exec.run(make, 1), doctest::Contains("no blob directory"),
                         fc::configuration_error);
    CHECK(exec.store().inner.size() == 0); // nothing was stored that points at a path
    // Remote URIs are not local files: they are stored as they are.
    auto remote = fc::task<fc::inputs<"n">>(
        "remote", [](std::int64_t) { return fc::file("s3://bucket/key.csv"); },
        {.cache = true, .cache_version = "1"});
    CHECK(exec.run(remote, 1).uri == "s3://bucket/key.csv");
    // With a blob directory given in the options, files work on any store.
    fc::executor_options with_dir = quiet_options();
    with_dir.blob_directory = dir / "shared-blobs";
    fc::executor shared(plain_store{fc::memory_store()}, with_dir);
    CHECK(inside(shared.run(make, 1).path(), dir / "shared-blobs"));
}

TEST_CASE("output files: an output naming a missing file is a task_error naming the output") {
    auto make = fc::task<fc::inputs<"n">>(
        "forgetful", [](std::int64_t) { return fc::file("/nonexistent/flytecache/out.txt"); },
        {.cache = true, .cache_version = "1"});
    fc::executor exec(fc::memory_store{}, quiet_options());
    CHECK_THROWS_WITH_AS((void)exec.run(make, 1),
                         doctest::Contains("output 'o0' names the file or directory"),
                         fc::task_error);
}

TEST_CASE("output files: entries that point elsewhere (written by Python) are used as they are") {
    const temp_dir dir("outputs-python");
    fc::local_task_cache<fc::sqlite_store> cache(dir / "cache", {.config = {}, .strict = true});
    fc::literal_map outputs;
    outputs.insert_or_assign("o0", fc::to_literal(fc::file("/tmp/flytekit-raw/abc/data.csv")));
    cache.set("py", "1", {}, {}, outputs); // as flytekit's LocalTaskCache.set: stored as given
    const auto hit = cache.get("py", "1", {}, {});
    REQUIRE(hit);
    CHECK(*hit == outputs);
    CHECK(cache.bad_entries() == 0);
}

TEST_CASE("output files: clear, erase and collect_garbage remove copies no entry needs") {
    const temp_dir dir("outputs-gc");
    fc::local_task_cache<fc::sqlite_store>::options opts;
    opts.config = {};
    opts.blob_grace = 0s; // every unreferenced copy may go at once
    opts.gc_interval = 0s;
    fc::local_task_cache<fc::sqlite_store> cache(dir / "cache", opts);
    const fs::path blobs = cache.blobs()->root();
    const auto store_file = [&](const std::string& key, const std::string& bytes) {
        write_file(dir / "src" / key, bytes);
        fc::literal_map m;
        m.insert_or_assign("o0", fc::to_literal(fc::file(dir / "src" / key)));
        CHECK(cache.store_outputs(key, m));
        return fc::from_literal<fc::file>(*m.find("o0")).path();
    };
    const fs::path a = store_file("a", "alpha");
    const fs::path b = store_file("b", "beta");
    const fs::path b2 = store_file("b2", "beta"); // equal content, same name: shared
    (void)b2;
    CHECK(count_files(blobs) == 3); // a, b, and b2 (its own name) under beta's hash

    // erase: the entry's copy goes when nothing else references it.
    CHECK(cache.erase("a"));
    CHECK_FALSE(fs::exists(a));
    CHECK(fs::exists(b));

    // A crash between placing a copy and storing its entry leaves an orphan (and maybe a
    // temporary); collect_garbage removes both and keeps what entries reference.
    fc::blob_area area(blobs);
    write_file(dir / "src" / "orphan", "orphan");
    const fs::path orphan = area.place(dir / "src" / "orphan");
    write_file(blobs / ".tmp" / "half-written", "half");
    const fc::blob_sweep_report report = cache.collect_garbage();
    CHECK(report.removed == 1);
    CHECK(report.temporaries == 1);
    CHECK_FALSE(fs::exists(orphan));
    CHECK(fs::exists(b));

    // clear: every entry and every copy.
    cache.clear();
    CHECK(count_files(blobs) == 0);
    CHECK_FALSE(cache.get_entry("b"));
}

TEST_CASE("output files: the grace period spares copies a writer is about to store") {
    const temp_dir dir("outputs-grace");
    fc::blob_area area(dir / "blobs");
    write_file(dir / "f", "fresh");
    const fs::path fresh = area.place(dir / "f");
    const fc::blob_sweep_report kept = area.sweep({}, 10min);
    CHECK(kept.removed == 0);
    CHECK(fs::exists(fresh));
    const fc::blob_sweep_report gone = area.sweep({}, 0s);
    CHECK(gone.removed == 1);
    CHECK_FALSE(fs::exists(fresh));
}

TEST_CASE("output files: memory_store keeps copies in a private directory it removes") {
    fs::path blobs;
    {
        fc::executor exec(fc::memory_store{}, quiet_options());
        blobs = *exec.store().blob_directory();
        const temp_dir dir("outputs-memory");
        auto make = fc::task<fc::inputs<"n">>("m",
                                              [&dir](std::int64_t) {
                                                  write_file(dir / "x", "x");
                                                  return fc::file(dir / "x");
                                              },
                                              {.cache = true, .cache_version = "1"});
        CHECK(inside(exec.run(make, 1).path(), blobs));
    }
    CHECK_FALSE(fs::exists(blobs));
}

TEST_CASE("output files: sqlite_store's check does not count blobs as orphans") {
    const temp_dir dir("outputs-check");
    fc::executor exec(fc::sqlite_store(dir / "cache"), quiet_options());
    auto make = fc::task<fc::inputs<"n">>("c",
                                          [&dir](std::int64_t) {
                                              write_file(dir / "x", "x");
                                              return fc::file(dir / "x");
                                          },
                                          {.cache = true, .cache_version = "1"});
    const fc::file out = exec.run(make, 1);
    const fc::check_report report = exec.store().check(true);
    CHECK(report.clean());
    CHECK(fs::exists(out.path()));
}

namespace {

// The child of the crash test: runs a task with a large file output for inputs 0, 1, 2 … forever.
[[noreturn]] void placing_writer(const fs::path& dir) {
    try {
        auto make = fc::task<fc::inputs<"n">>(
            "big",
            [&dir](std::int64_t n) {
                // Large enough that a kill often lands mid-copy or mid-hash.
                write_file(dir / "src" / "big.bin",
                           std::string(std::size_t{1} << 20, static_cast<char>('a' + n % 26)) +
                               std::to_string(n));
                return fc::file(dir / "src" / "big.bin");
            },
            {.cache = true, .cache_version = "1"});
        fc::executor exec(fc::sqlite_store(dir / "cache"), quiet_options());
        for (std::int64_t n = 0;; ++n) (void)exec.run(make, n);
    } catch (...) {
        ::_exit(2);
    }
}

} // namespace

TEST_CASE("output files: a writer killed while placing leaves no half blob and no dangling entry") {
    const temp_dir dir("outputs-crash");
    for (const auto delay : {5ms, 23ms, 41ms, 67ms, 90ms, 130ms, 170ms, 211ms}) {
        CAPTURE(delay.count());
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) placing_writer(dir.path());
        std::this_thread::sleep_for(delay);
        REQUIRE(::kill(pid, SIGKILL) == 0);
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        CHECK(WIFSIGNALED(status));
    }
    fc::sqlite_store store(dir / "cache");
    const fs::path blobs = store.blob_directory();
    // Every file under a final name has the content its name says.
    std::size_t finals = 0;
    for (const auto& prefix : fs::directory_iterator(blobs)) {
        if (prefix.path().filename() == ".tmp") continue;
        for (const auto& hash_dir : fs::directory_iterator(prefix.path())) {
            for (const auto& blob : fs::directory_iterator(hash_dir.path())) {
                CHECK(fc::blob_area::hash_file(blob.path()) == hash_dir.path().filename().string());
                ++finals;
            }
        }
    }
    // Every entry points at a blob that exists.
    std::size_t entries = 0;
    store.for_each_value([&](std::string_view bytes) {
        const fc::literal_map m = fc::decode_literal_map(bytes);
        const fc::file f = fc::from_literal<fc::file>(*m.find("o0"));
        CHECK(fs::is_regular_file(f.path()));
        ++entries;
    });
    MESSAGE("crash test: " << entries << " entries, " << finals << " placed blobs after 8 kills");
    CHECK(entries > 0);
    // Leftover temporaries are swept by garbage collection.
    fc::local_task_cache<fc::sqlite_store>::options opts;
    opts.config = {};
    opts.blob_grace = 0s;
    fc::local_task_cache<fc::sqlite_store> cache(std::move(store), opts);
    (void)cache.collect_garbage();
    CHECK(count_files(blobs / ".tmp") == 0);
    cache.store().for_each_value([&](std::string_view bytes) {
        const fc::literal_map m = fc::decode_literal_map(bytes);
        CHECK(fs::is_regular_file(fc::from_literal<fc::file>(*m.find("o0")).path()));
    });
}
