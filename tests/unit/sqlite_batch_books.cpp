// flytecache — tests: set_many keeps diskcache's Settings books on files diskcache never writes
// SPDX-License-Identifier: MIT
#include <flytecache/store/sqlite_store.hpp>

#include "../support/raw_sqlite.hpp"
#include "../support/sqlite_batches.hpp"
#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fc = flytecache;
using flytecache_test::count_val_files;
using flytecache_test::exec;
using flytecache_test::owned_batch;
using flytecache_test::rows;
using flytecache_test::small_files;
using flytecache_test::temp_dir;

namespace {

owned_batch numbered(const std::string& prefix, std::size_t n, std::size_t value_size, char fill) {
    owned_batch b;
    for (std::size_t i = 0; i < n; ++i) {
        b.keys.push_back(prefix + std::to_string(i));
        std::string v = std::to_string(i) + fill;
        v.resize(std::max(value_size, v.size()), fill);
        b.values.push_back(std::move(v));
    }
    return b;
}

// Settings count/size as stored (type and value) and the table's own figures.
std::vector<std::vector<std::string>> books(const temp_dir& d) {
    return rows(d.path(), "SELECT key, typeof(value), value FROM Settings WHERE key IN "
                          "('count', 'size') ORDER BY key");
}
void check_books_match_rows(const temp_dir& d) {
    const auto b = books(d);
    const auto l = rows(d.path(), "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM Cache")[0];
    REQUIRE(b.size() == 2);
    CHECK(b[0][2] == l[0]);
    CHECK(b[1][2] == l[1]);
}

} // namespace

// A failure in the middle of a batch whose rows are written with the triggers off (a foreign
// partial unique index is not a trigger, so the batch turns them off): all or nothing, and the
// connection keeps diskcache's books afterwards (its triggers are on again).
TEST_CASE(
    "set_many books: a triggers-off batch failing half-way leaves the books and the triggers") {
    temp_dir d("review");
    fc::sqlite_store s(small_files(d));
    const owned_batch before = numbered("k", 100, 2000, 'a');
    s.set_many(before.items());
    exec(d.path(), "CREATE UNIQUE INDEX poison ON Cache(raw) WHERE key GLOB 'poison*'");
    owned_batch b = numbered("k", 200, 3000, 'b'); // 100 overwrites, 100 new
    b.keys.emplace_back("poison1");
    b.values.emplace_back("x");
    b.keys.emplace_back("poison2");
    b.values.emplace_back("y");
    const auto files_before = count_val_files(d.path());
    SUBCASE("alone") { CHECK_THROWS_AS(s.set_many(b.items()), fc::store_error); }
    SUBCASE("inside a transaction that commits the rest") {
        s.transact([&] {
            s.set("outer", std::string(1500, 'o'));
            CHECK_THROWS_AS(s.set_many(b.items()), fc::store_error);
            s.set("outer2", std::string(1600, 'p'));
        });
        CHECK(s.erase("outer"));
        CHECK(s.erase("outer2"));
    }
    check_books_match_rows(d);
    CHECK(count_val_files(d.path()) == files_before);
    CHECK(s.get("k0") == std::optional<std::string>(before.values[0]));
    // Triggers back on: single writes keep the books.
    s.set("after", std::string(5000, 'z'));
    CHECK(s.erase("k1"));
    s.set("k2", "small now");
    check_books_match_rows(d);
    CHECK(s.check().findings.empty());
}

// The 127/128 boundary (distinct keys, duplicates do not count).
TEST_CASE(
    "set_many books: batches at the trigger-free threshold keep the books as sequential sets") {
    for (const std::size_t n : {std::size_t{127}, std::size_t{128}, std::size_t{129}}) {
        CAPTURE(n);
        temp_dir d("review");
        fc::sqlite_store s(small_files(d));
        s.set_many(numbered("k", n / 2, 1500, 'a').items());
        owned_batch b = numbered("k", n, 1200, 'b');
        b.keys.emplace_back("k0"); // a duplicate: n distinct keys
        b.values.emplace_back(std::string(4000, 'd'));
        s.set_many(b.items());
        check_books_match_rows(d);
        CHECK(rows(d.path(), "SELECT typeof(value) FROM Settings WHERE key = 'size'")[0][0] ==
              "integer");
        CHECK(s.get("k0") == std::optional<std::string>(std::string(4000, 'd')));
        CHECK(s.check().findings.empty());
    }
}

// Old value files of overwritten rows go only after the outermost commit.
TEST_CASE(
    "set_many books: a triggers-off batch inside a transaction the caller rolls back keeps files") {
    temp_dir d("review");
    fc::sqlite_store s(d.path()); // diskcache's 32 KiB threshold
    const owned_batch before = numbered("k", 130, 40 * 1024, 'a');
    s.set_many(before.items());
    REQUIRE(count_val_files(d.path()) == 130);
    const owned_batch after = numbered("k", 130, 50 * 1024, 'b');
    CHECK_THROWS_AS(s.transact([&] {
        s.set_many(after.items());
        throw std::runtime_error("caller gives up");
    }),
                    std::runtime_error);
    CHECK(count_val_files(d.path()) == 130);
    for (std::size_t i = 0; i < 130; i += 17) {
        CHECK(s.get(before.keys[i]) == std::optional<std::string>(before.values[i]));
    }
    check_books_match_rows(d);
    // And a committed one removes the 130 old files, keeps the 130 new.
    s.transact([&] { s.set_many(after.items()); });
    CHECK(count_val_files(d.path()) == 130);
    CHECK(s.get(after.keys[5]) == std::optional<std::string>(after.values[5]));
    check_books_match_rows(d);
    CHECK(s.check().findings.empty());
}

// A Cache table whose size column has REAL affinity (a file diskcache never writes, but the batch
// only checks the triggers): diskcache's triggers add NEW.size as stored (REAL).
TEST_CASE("set_many books: the books with a Cache.size column of another affinity") {
    temp_dir batched("review");
    temp_dir single("review");
    for (const auto* d : {&batched, &single}) {
        exec(d->path(),
             "CREATE TABLE Cache ( rowid INTEGER PRIMARY KEY, key BLOB, raw INTEGER, store_time "
             "REAL, expire_time REAL, access_time REAL, access_count INTEGER DEFAULT 0, tag BLOB, "
             "size REAL DEFAULT 0, mode INTEGER DEFAULT 0, filename TEXT, value BLOB)");
    }
    fc::sqlite_store b(small_files(batched));
    fc::sqlite_store one(small_files(single));
    const owned_batch items = numbered("n", 200, 1500, 'x');
    b.set_many(items.items());
    for (const auto& kv : items.items()) {
        one.set(kv.key, kv.value);
    }
    const auto bb = books(batched);
    const auto bs = books(single);
    CAPTURE(bb[1][1] + " " + bb[1][2]);
    CAPTURE(bs[1][1] + " " + bs[1][2]);
    CHECK(bb == bs);
}

// Another writer (another pool connection) during large batches.
TEST_CASE("set_many books: large batches and single writes from another thread keep the books") {
    temp_dir d("review");
    fc::sqlite_store s(small_files(d));
    std::atomic<bool> stop{false};
    std::thread other([&] {
        for (int i = 0; !stop.load(); ++i) {
            s.set("other" + std::to_string(i % 50),
                  std::string(static_cast<std::size_t>(1000 + i % 700), 'o'));
            if (i % 3 == 0) {
                s.erase("other" + std::to_string((i + 7) % 50));
            }
        }
    });
    for (int round = 0; round < 20; ++round) {
        s.set_many(numbered("k", 200, static_cast<std::size_t>(900 + round * 37), 'b').items());
    }
    stop = true;
    other.join();
    check_books_match_rows(d);
    CHECK(s.check().findings.empty());
}

// A Settings table without diskcache's UNIQUE key, holding 'count' twice: each trigger UPDATE
// moves both rows by its own amount; a write of one computed result makes them equal.
TEST_CASE("set_many books: the books with a Settings table that holds a key twice") {
    temp_dir batched("review");
    temp_dir single("review");
    for (const auto* d : {&batched, &single}) {
        exec(d->path(), "CREATE TABLE Settings ( key TEXT NOT NULL, value)");
    }
    fc::sqlite_store b(small_files(batched));
    fc::sqlite_store one(small_files(single));
    for (const auto* d : {&batched, &single}) {
        exec(d->path(), "INSERT INTO Settings VALUES ('count', 1000), ('size', 5000)");
    }
    const owned_batch items = numbered("n", 200, 1500, 'x');
    b.set_many(items.items());
    for (const auto& kv : items.items()) {
        one.set(kv.key, kv.value);
    }
    const auto all = [](const temp_dir& d) {
        return rows(d.path(), "SELECT key, typeof(value), value FROM Settings WHERE key IN "
                              "('count', 'size') ORDER BY key, value");
    };
    CHECK(all(batched) == all(single));
}

// A trigger in the file that calls flytecache_replaced (to plant a filename for removal or a
// size in the books) is refused (SQLITE_DIRECTONLY): the batch fails whole, nothing recorded.
TEST_CASE("set_many books: a trigger in the file cannot call flytecache_replaced") {
    temp_dir d("review");
    fc::sqlite_store s(small_files(d));
    const owned_batch before = numbered("k", 130, 2000, 'a');
    s.set_many(before.items()); // registers the function on the pooled connection
    exec(d.path(), "CREATE TRIGGER evil AFTER UPDATE ON Cache BEGIN SELECT "
                   "flytecache_replaced(NEW.key, NEW.key, 1, NULL, NULL, 'ab/cd/victim.val', "
                   "-1000); END");
    const auto files = count_val_files(d.path());
    CHECK_THROWS_AS(s.set_many(numbered("k", 130, 3000, 'b').items()), fc::store_error);
    CHECK(count_val_files(d.path()) == files);
    CHECK(s.get("k3") == std::optional<std::string>(before.values[3]));
    check_books_match_rows(d);
}
