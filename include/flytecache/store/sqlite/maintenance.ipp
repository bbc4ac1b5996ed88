// flytecache — the SQLite store's maintenance (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/detail/saturating.hpp>
#include <flytecache/store/sqlite/maintenance.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::sqlite {

FLYTECACHE_INLINE std::size_t evict_by_policy(connection& c, txn_frame& txn, eviction_policy policy,
                                              std::int64_t limit) {
    std::size_t n = 0;
    {
        auto q = c.use(for_policy(stmt::cull_select_none, policy));
        q->bind(1, limit);
        while (q->step()) {
            ++n;
            engine::schedule_removal(txn, *q, 0);
        }
    }
    if (n > 0) {
        auto d = c.use(for_policy(stmt::cull_delete_none, policy));
        d->bind(1, limit);
        d->run();
    }
    return n;
}

FLYTECACHE_INLINE void cull(engine& e, connection& c, txn_frame& txn, double now) {
    std::int64_t limit = e.cull_limit.load(std::memory_order_relaxed);
    if (limit == 0) {
        return;
    }
    std::int64_t expired = 0;
    {
        auto q = c.use(stmt::expired_filenames);
        q->bind(1, now);
        q->bind(2, limit);
        while (q->step()) {
            ++expired;
            engine::schedule_removal(txn, *q, 0);
        }
    }
    if (expired > 0) {
        auto d = c.use(stmt::expired_delete);
        d->bind(1, now);
        d->bind(2, limit);
        d->run();
        limit -= expired;
        if (limit == 0) {
            return;
        }
    }
    const auto policy = e.policy.load(std::memory_order_relaxed);
    if (policy == eviction_policy::none ||
        e.volume(c) < static_cast<std::uint64_t>(e.size_limit.load(std::memory_order_relaxed))) {
        return;
    }
    (void)evict_by_policy(c, txn, policy, limit);
}

FLYTECACHE_INLINE std::int64_t freelist_pages(connection& c) {
    statement q(c.handle(), "PRAGMA freelist_count", c.path());
    return q.step() ? q.column_int(0) : 0;
}

FLYTECACHE_INLINE void cull_batch(engine& e, connection& c, txn_frame& txn, double now,
                                  std::int64_t entries, std::int64_t freelist_before) {
    const std::int64_t per_write = e.cull_limit.load(std::memory_order_relaxed);
    if (per_write == 0 || entries <= 0) {
        return;
    }
    if (per_write < 0) {
        cull(e, c, txn, now); // no limit at all: one pass removes what a pass per write would
        return;
    }
    std::int64_t budget = saturating_mul(per_write, entries);
    std::int64_t expired = 0;
    {
        auto q = c.use(stmt::expired_filenames);
        q->bind(1, now);
        q->bind(2, budget);
        while (q->step()) {
            ++expired;
            engine::schedule_removal(txn, *q, 0);
        }
    }
    if (expired > 0) {
        auto d = c.use(stmt::expired_delete);
        d->bind(1, now);
        d->bind(2, budget);
        d->run();
        budget -= expired;
    }
    const auto policy = e.policy.load(std::memory_order_relaxed);
    if (policy == eviction_policy::none) {
        return;
    }
    const auto limit = static_cast<std::uint64_t>(std::max<std::int64_t>(0, e.size_limit.load()));
    const auto live_volume = [&] {
        const std::int64_t freed = std::max<std::int64_t>(0, freelist_pages(c) - freelist_before);
        const auto freed_bytes = static_cast<std::uint64_t>(saturating_mul(freed, e.page_size));
        const std::uint64_t v = e.volume(c);
        return v > freed_bytes ? v - freed_bytes : 0;
    };
    while (budget > 0 && live_volume() >= limit) {
        const std::size_t n = evict_by_policy(c, txn, policy, std::min(per_write, budget));
        if (n == 0) {
            break;
        }
        budget -= static_cast<std::int64_t>(n);
    }
}

FLYTECACHE_INLINE void check_files(engine& e, connection& c, bool fix, check_report& report) {
    std::set<std::string> known;
    std::vector<std::int64_t> to_delete;                       // rows only
    std::vector<std::pair<std::int64_t, std::string>> damaged; // rows and their files
    {
        statement q(c.handle(),
                    "SELECT rowid, size, filename FROM Cache WHERE filename IS NOT NULL", c.path());
        while (q.step()) {
            const std::string relative(q.column_text(2));
            const std::filesystem::path full = e.dir / relative;
            if (!sqlite_files::is_value_file_name(relative)) {
                report.findings.push_back(
                    {check_finding::kind::foreign_file,
                     "a row names a file outside the cache's value files: '" + relative + "'"});
                to_delete.push_back(q.column_int(0));
                continue;
            }
            known.insert(full.lexically_normal().string());
            const sqlite_files::file_status st = e.files.status(relative);
            using kind = sqlite_files::file_status::kind;
            if (st.state == kind::missing) {
                report.findings.push_back(
                    {check_finding::kind::file_not_found, "file not found: " + full.string()});
                to_delete.push_back(q.column_int(0));
            } else if (st.state == kind::foreign) {
                report.findings.push_back({check_finding::kind::foreign_file,
                                           "not a regular file of the cache (a link, a "
                                           "directory, a device …): " +
                                               full.string()});
                to_delete.push_back(q.column_int(0));
            } else if (static_cast<std::int64_t>(st.size) != q.column_int(1)) {
                report.findings.push_back(
                    {check_finding::kind::wrong_file_size,
                     "wrong file size: " + full.string() + ", " + std::to_string(st.size) + " != " +
                         std::to_string(q.column_int(1)) + " (the value is not what was stored)"});
                damaged.emplace_back(q.column_int(0), relative);
            }
        }
    }
    if (fix) {
        // A value whose file is not the size that was stored is not that value: unlike
        // diskcache, which trusts the file and rewrites the row's size, the row goes.
        for (const auto rowid : to_delete) {
            delete_rowid(c, rowid);
        }
        for (const auto& [rowid, relative] : damaged) {
            delete_rowid(c, rowid);
            e.remove_value_file(relative);
        }
    }
    const auto grace =
        std::chrono::duration_cast<std::filesystem::file_time_type::duration>(e.opts.orphan_grace);
    const auto cutoff = std::filesystem::file_time_type::clock::now() - grace;
    const auto settled = [&](const std::filesystem::path& p) {
        std::error_code ec;
        const auto t = std::filesystem::last_write_time(p, ec);
        return !ec && t < cutoff;
    };
    std::error_code ec;
    std::vector<std::filesystem::path> dirs;
    for (auto it = std::filesystem::recursive_directory_iterator(e.dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        const auto& p = it->path();
        if (it.depth() == 0) {
            const std::string name = p.filename().string();
            // The database and its companions (only at the top: a directory whose own path
            // contains "cache.db" still has its orphans found), and the blob directory, which
            // holds task outputs that rows reference from inside their values, not through
            // `filename` (blob_area::sweep looks after it).
            if (name == "cache.db" || name == "cache.db-wal" || name == "cache.db-shm" ||
                name == "cache.db-journal" || name == blob_subdirectory) {
                if (it->is_directory(ec)) it.disable_recursion_pending();
                continue;
            }
        }
        if (it->is_symlink(ec)) {
            if (!known.count(p.lexically_normal().string())) {
                report.findings.push_back(
                    {check_finding::kind::unknown_file, "unknown file: " + p.string()});
            }
            continue; // never followed, never removed: it may point anywhere
        }
        if (it->is_directory(ec)) {
            // Judged now: removing an empty subdirectory below refreshes its time.
            if (settled(p)) dirs.push_back(p);
            continue;
        }
        const std::string text = p.lexically_normal().string();
        if (known.count(text) != 0 || !settled(p)) {
            continue;
        }
        report.findings.push_back({check_finding::kind::unknown_file, "unknown file: " + text});
        if (fix) {
            std::filesystem::remove(p, ec);
            ec.clear();
        }
    }
    // Deepest first, so a directory emptied by removing its only subdirectory is seen empty.
    std::sort(dirs.begin(), dirs.end(),
              [](const auto& a, const auto& b) { return a.string().size() > b.string().size(); });
    for (const auto& d : dirs) {
        if (std::filesystem::is_empty(d, ec) && !ec) {
            report.findings.push_back(
                {check_finding::kind::empty_directory, "empty directory: " + d.string()});
            if (fix) {
                std::filesystem::remove(d, ec);
            }
        }
        ec.clear();
    }
}

FLYTECACHE_INLINE void check_counter(connection& c, bool fix, check_report& report,
                                     const char* name, const char* count_sql,
                                     check_finding::kind kind, const char* label) {
    std::int64_t actual = 0;
    {
        statement q(c.handle(), count_sql, c.path());
        if (q.step()) {
            actual = q.column_int(0);
        }
    }
    std::int64_t recorded = 0;
    if (auto v = read_setting(c, name)) {
        recorded = as_count(*v);
    }
    if (recorded != actual) {
        report.findings.push_back({kind, std::string(label) + "; " + std::to_string(recorded) +
                                             " != " + std::to_string(actual)});
        if (fix) {
            statement u(c.handle(), "UPDATE Settings SET value = ? WHERE key = ?", c.path());
            u.bind(1, actual);
            u.bind_text(2, name);
            u.run();
        }
    }
}

FLYTECACHE_INLINE std::size_t expire(engine& e, double now) {
    return select_delete(e, stmt::expire_batch, [&](statement& s) { s.bind(2, now); }, 1, true);
}

FLYTECACHE_INLINE std::size_t evict(engine& e, std::string_view tag) {
    return select_delete(e, stmt::evict_batch, [&](statement& s) { s.bind_text(2, tag); }, 0);
}

FLYTECACHE_INLINE std::size_t cull_to_limit(engine& e) {
    const double now = unix_now();
    std::size_t count = expire(e, now);
    const auto policy = e.policy.load(std::memory_order_relaxed);
    if (policy == eviction_policy::none) {
        return count;
    }
    const auto over_limit = [&] {
        const auto limit = static_cast<std::uint64_t>(
            std::max<std::int64_t>(0, e.size_limit.load(std::memory_order_relaxed)));
        return e.with_connection([&](connection& c) { return e.volume(c); }) > limit;
    };
    while (over_limit()) {
        const std::size_t n = e.freeing_space(
            [&] {
                return e.write_transaction([&](connection& c, txn_frame& txn) {
                    return evict_by_policy(c, txn, policy, 10);
                });
            },
            [&](connection& c, std::vector<std::string>& doomed) {
                auto q = c.use(for_policy(stmt::cull_select_none, policy));
                q->bind(1, std::int64_t{10});
                while (q->step()) {
                    if (!q->is_null(0)) doomed.emplace_back(q->column_text(0));
                }
            });
        if (n == 0) {
            break;
        }
        count += n;
    }
    return count;
}

FLYTECACHE_INLINE check_report check(engine& e, bool fix) {
    if (fix) {
        e.require_writable();
    }
    check_report report;
    e.with_connection([&](connection& c) {
        statement q(c.handle(), "PRAGMA integrity_check", c.path());
        std::vector<std::string> lines;
        while (q.step()) {
            lines.emplace_back(q.column_text(0));
        }
        if (lines.size() != 1 || lines.front() != "ok") {
            for (auto& l : lines) {
                report.findings.push_back({check_finding::kind::integrity, std::move(l)});
            }
        }
        if (fix) {
            c.exec("VACUUM");
        }
        return 0;
    });
    auto files_and_counters = [&](connection& c) {
        check_files(e, c, fix, report);
        check_counter(c, fix, report, "count", "SELECT COUNT(key) FROM Cache",
                      check_finding::kind::count_mismatch, "Settings.count != COUNT(Cache.key)");
        check_counter(c, fix, report, "size", "SELECT COALESCE(SUM(size), 0) FROM Cache",
                      check_finding::kind::size_mismatch, "Settings.size != SUM(Cache.size)");
        return 0;
    };
    if (!fix) {
        // One read transaction: a snapshot in which the rows, files and counters agree, as the
        // write transaction below gives, without waiting for (or holding off) writers.
        e.with_connection([&](connection& c) {
            c.exec("BEGIN");
            try {
                files_and_counters(c);
            } catch (...) {
                sqlite3_exec(c.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
                throw;
            }
            c.exec("COMMIT");
            return 0;
        });
        return report;
    }
    e.write_transaction([&](connection& c, txn_frame&) { return files_and_counters(c); });
    return report;
}

} // namespace detail::sqlite
FLYTECACHE_NAMESPACE_END
