// flytecache — test support: reading and writing a cache.db behind the store's back
// SPDX-License-Identifier: MIT
#pragma once

// Test support: reading and writing a cache.db behind the store's back, as another program (or a
// damaged disk) would.

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace flytecache_test {

/// Every row `sql` selects from `dir`'s cache.db, each column as text (NULL as "NULL").
inline std::vector<std::vector<std::string>> rows(const std::filesystem::path& dir,
                                                  const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir / "cache.db").c_str(), &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    REQUIRE_MESSAGE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK,
                    sqlite3_errmsg(db));
    std::vector<std::vector<std::string>> out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        std::vector<std::string> row;
        for (int i = 0; i < sqlite3_column_count(st); ++i) {
            const auto type = sqlite3_column_type(st, i);
            if (type == SQLITE_NULL) {
                row.emplace_back("NULL");
            } else {
                const auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(st, i));
                row.emplace_back(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
            }
        }
        out.push_back(std::move(row));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

inline void exec(const std::filesystem::path& dir, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir / "cache.db").c_str(), &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    const std::string message = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    REQUIRE_MESSAGE(rc == SQLITE_OK, message);
}

} // namespace flytecache_test
