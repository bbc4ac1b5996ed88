// flytecache — tests: sqlite_store opened read-only (options::read_only) on a cache others use
// SPDX-License-Identifier: MIT
#include <flytecache/store/sqlite_store.hpp>

#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace fc = flytecache;
using namespace std::chrono_literals;
using flytecache_test::temp_dir;

namespace {

fc::sqlite_store open_read_only(const std::filesystem::path& dir, fc::float_seconds timeout = 30s) {
    return fc::sqlite_store(
        fc::sqlite_store::options{.directory = dir, .timeout = timeout, .read_only = true});
}

// A file's bytes and modification time, to show that nothing wrote it.
struct file_state {
    std::string bytes;
    std::int64_t mtime_ns = 0;
    bool operator==(const file_state&) const = default;
};

file_state state_of(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    file_state s{std::string(std::istreambuf_iterator<char>(in), {}), 0};
    struct ::stat st{};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    s.mtime_ns = std::int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    return s;
}

std::size_t count_files(const std::filesystem::path& dir) {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        n += e.is_regular_file() ? 1U : 0U;
    }
    return n;
}

const std::string big(100000, 'b'); // past min_file_size: stored in a .val file

// A cache whose reads a writable store would record: statistics on, least-recently-used (every
// hit writes its access time), an entry in a value file. Closed, so cache.db holds everything.
void write_cache(const std::filesystem::path& dir) {
    fc::sqlite_store w(
        fc::sqlite_store::options{.directory = dir,
                                  .eviction_policy = fc::eviction_policy::least_recently_used,
                                  .statistics = true});
    w.set("small", "one");
    w.set("big", big);
    w.set("tagged", "two", {.tag = "t"});
}

// Another connection holding the write lock with an uncommitted row, as a writing process does.
struct write_lock {
    sqlite3* db = nullptr;
    explicit write_lock(const std::filesystem::path& dir) {
        REQUIRE(sqlite3_open((dir / "cache.db").c_str(), &db) == SQLITE_OK);
        REQUIRE(sqlite3_exec(db,
                             "BEGIN IMMEDIATE; INSERT INTO Cache(key, raw, store_time, mode, "
                             "value) VALUES ('uncommitted', 1, 0, 1, x'00')",
                             nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    write_lock(const write_lock&) = delete;
    write_lock& operator=(const write_lock&) = delete;
    ~write_lock() {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close(db);
    }
};

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

TEST_CASE("sqlite_store read_only reads everything and leaves cache.db as it was") {
    temp_dir dir("ro-read");
    write_cache(dir.path());
    const auto db = dir.path() / "cache.db";
    REQUIRE_FALSE(std::filesystem::exists(dir.path() / "cache.db-wal")); // closed: all in cache.db
    const file_state before = state_of(db);
    {
        auto store = open_read_only(dir.path());
        CHECK(store.read_only());
        CHECK(store.get("small") == "one");
        CHECK(store.get("big") == big);
        CHECK_FALSE(store.get("missing"));
        CHECK(store.contains("tagged"));
        CHECK(store.get_entry("tagged")->tag == "t");
        CHECK(store.size() == 3);
        CHECK(store.volume() > big.size());
        std::ostringstream streamed;
        streamed << store.read("big")->rdbuf();
        CHECK(streamed.str() == big);
        std::vector<std::string> keys;
        store.for_each_entry(
            [&](const fc::stored_entry_info& i) { keys.push_back(i.key.as_text()); });
        CHECK(keys == std::vector<std::string>{"small", "big", "tagged"});
        CHECK(store.inspect(fc::db_key::text("big"))->value->as_bytes() == big);
        CHECK(store.iterkeys().size() == 3);
        CHECK(store.check(false).clean());
        // Settings are read as stored, and reading them back writes nothing either.
        CHECK(std::get<std::int64_t>(store.reset("statistics")) == 1);
        CHECK(std::get<std::int64_t>(store.reset("hits")) == 0);
    }
    CHECK(state_of(db) == before);
    // The lookups were not counted and touched no access time: a writable store sees no hits.
    fc::sqlite_store w(dir.path());
    CHECK(std::get<std::int64_t>(w.reset("hits")) == 0);
    CHECK(std::get<std::int64_t>(w.reset("misses")) == 0);
}

TEST_CASE("sqlite_store read_only: every call that writes throws and changes nothing") {
    temp_dir dir("ro-write");
    write_cache(dir.path());
    const auto db = dir.path() / "cache.db";
    const file_state before = state_of(db);
    const std::size_t files = count_files(dir.path()); // cache.db and one .val file
    {
        auto store = open_read_only(dir.path());
        const auto refused = doctest::Contains("store opened read-only");
        CHECK_THROWS_WITH_AS(store.set("k", "v"), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.set("k", big), refused, fc::store_error); // no .val file left
        CHECK_THROWS_WITH_AS(store.add("k", "v"), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.erase("small"), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.purge(fc::db_key::text("small")), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.pop("small"), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.clear(), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.incr("n"), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.touch("small", 10s), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.expire(), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.evict("t"), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.cull(), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.push("v"), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.pull(), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.peekitem(), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.create_tag_index(), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.drop_tag_index(), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.reset("cull_limit", std::int64_t{0}), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.stats(), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.check(true), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.try_reserve("k", "me", 10s), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.release("k", "me"), refused, fc::store_error);
        CHECK_THROWS_WITH_AS(store.transact([] {}), refused, fc::store_error);
        CHECK(store.get("small") == "one"); // and it still reads
    }
    CHECK(state_of(db) == before);
    // Only the -wal and -shm files a WAL reader shares may have appeared; no value file.
    std::size_t others = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
        const auto name = e.path().filename().string();
        others += name != "cache.db-wal" && name != "cache.db-shm" ? 1U : 0U;
    }
    CHECK(others == 2); // cache.db and the value files' first-level directory
    CHECK(count_files(dir.path()) <= files + 2);
}

TEST_CASE("sqlite_store read_only does not wait for a writer holding the lock") {
    temp_dir dir("ro-lock");
    write_cache(dir.path());
    const write_lock lock(dir.path());

    // Read-only: opens and reads at once, seeing the committed rows only.
    const auto start = std::chrono::steady_clock::now();
    {
        auto store = open_read_only(dir.path(), 30s);
        CHECK(store.get("small") == "one");
        CHECK_FALSE(store.contains("uncommitted"));
        std::size_t n = 0;
        store.for_each_entry([&](const fc::stored_entry_info&) { ++n; });
        CHECK(n == 3);
        CHECK(store.check(false).clean());
    }
    const double read_only_seconds = seconds_since(start);
    MESSAGE("read-only open, get, for_each_entry and check took " << read_only_seconds * 1000
                                                                  << " ms under the lock");
    CHECK(read_only_seconds < 5); // a timeout of 30 s: no waiting at all

    // Writable: opening a cache whose settings already hold writes nothing, so it does not wait
    // either; its first write waits for the lock until the timeout.
    fc::sqlite_store writable(fc::sqlite_store::options{.directory = dir.path(), .timeout = 300ms});
    const auto writable_start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(writable.set("late", "x"), fc::timeout_error);
    CHECK(seconds_since(writable_start) >= 0.25);
    // A setting that differs must be written, and so waits.
    CHECK_THROWS_AS(fc::sqlite_store(fc::sqlite_store::options{
                        .directory = dir.path(), .timeout = 300ms, .cull_limit = 3}),
                    fc::timeout_error);
}

TEST_CASE("sqlite_store read_only reads rows that are still only in the -wal file") {
    temp_dir dir("ro-wal");
    fc::sqlite_store writer(dir.path()); // stays open: its commits stay in cache.db-wal
    writer.set("in-wal", "yes");
    REQUIRE(std::filesystem::exists(dir.path() / "cache.db-wal"));
    REQUIRE(std::filesystem::file_size(dir.path() / "cache.db-wal") > 0);
    const file_state before = state_of(dir.path() / "cache.db");
    {
        auto store = open_read_only(dir.path());
        CHECK(store.get("in-wal") == "yes");
    } // closing the last reader connection must not checkpoint into cache.db
    CHECK(state_of(dir.path() / "cache.db") == before);
    writer.set("later", "seen");
    CHECK(open_read_only(dir.path()).get("later") == "seen");
}

TEST_CASE("sqlite_store read_only opens only an existing diskcache database") {
    temp_dir dir("ro-refuse");
    const auto missing = dir.path() / "missing";
    CHECK_THROWS_WITH_AS(open_read_only(missing), doctest::Contains("never creates one"),
                         fc::store_error);
    CHECK_FALSE(std::filesystem::exists(missing));

    const auto empty = dir.path() / "empty";
    std::filesystem::create_directories(empty);
    CHECK_THROWS_WITH_AS(open_read_only(empty), doctest::Contains("holds no cache.db"),
                         fc::store_error);
    CHECK(std::filesystem::is_empty(empty));

    const auto foreign = dir.path() / "foreign";
    std::filesystem::create_directories(foreign);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((foreign / "cache.db").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    const file_state before = state_of(foreign / "cache.db");
    CHECK_THROWS_WITH_AS(open_read_only(foreign), doctest::Contains("not a diskcache database"),
                         fc::store_error);
    CHECK(state_of(foreign / "cache.db") == before);

    const auto garbage = dir.path() / "garbage";
    std::filesystem::create_directories(garbage);
    std::ofstream(garbage / "cache.db") << std::string(8192, 'J');
    CHECK_THROWS_WITH_AS(open_read_only(garbage), doctest::Contains("not a database"),
                         fc::store_error);

    write_cache(dir.path() / "cache");
    CHECK_THROWS_WITH_AS(
        fc::sqlite_store(fc::sqlite_store::options{
            .directory = dir.path() / "cache", .read_only = true, .size_limit = 1}),
        doctest::Contains("writes no settings"), fc::invalid_argument);
}

TEST_CASE("sqlite_store read_only reads a cache in a directory it cannot write") {
    temp_dir dir("ro-dir");
    const auto plain = dir.path() / "closed"; // no -wal or -shm: SQLite could not create them
    write_cache(plain);
    const auto busy = dir.path() / "busy"; // a writer is open: -wal and -shm exist
    fc::sqlite_store writer(busy);
    writer.set("k", "v");
    for (const auto& d : {plain, busy}) {
        std::filesystem::permissions(d, std::filesystem::perms::owner_write,
                                     std::filesystem::perm_options::remove);
    }
    struct restore {
        std::vector<std::filesystem::path> dirs;
        ~restore() {
            for (const auto& d : dirs) {
                std::error_code ec;
                std::filesystem::permissions(d, std::filesystem::perms::owner_write,
                                             std::filesystem::perm_options::add, ec);
            }
        }
    } restore_them{{plain, busy}};
    if (::access(plain.c_str(), W_OK) == 0) {
        // root (or CAP_DAC_OVERRIDE) writes whatever the mode bits say, so chmod proves nothing
        // here; the tool's tests (cli.read_only) run this case as an unprivileged user instead.
        MESSAGE("skipped: this process may write a directory without write permission (root); "
                "cli.read_only covers a read-only directory as user nobody");
        return;
    }
    const file_state before = state_of(plain / "cache.db");
    {
        auto store = open_read_only(plain);
        CHECK(store.get("small") == "one");
        CHECK(store.get("big") == big);
        CHECK(store.size() == 3);
    }
    CHECK(state_of(plain / "cache.db") == before);
    CHECK_FALSE(std::filesystem::exists(plain / "cache.db-wal"));
    CHECK(open_read_only(busy).get("k") == "v");
}
