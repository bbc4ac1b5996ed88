// flytecache — the SQLite store's maintenance: the per-write cull, batched removal
// SPDX-License-Identifier: MIT
#pragma once

// The SQLite store's maintenance: the per-write cull, batched removal (clear, expire, evict), cull
// to the size limit, and check(fix).

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/sqlite/connection.hpp>
#include <flytecache/store/sqlite/engine.hpp>
#include <flytecache/store/sqlite/rows.hpp>
#include <flytecache/store/sqlite/schema.hpp>
#include <flytecache/store/sqlite/value_files.hpp>
#include <flytecache/store/sqlite/vocabulary.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::sqlite {

// Removes up to `limit` of the policy's victims inside the caller's transaction.
std::size_t evict_by_policy(connection& c, txn_frame& txn, eviction_policy policy,
                            std::int64_t limit);

// diskcache's per-write cull: up to cull_limit expired entries, then (if over the size limit)
// the policy's victims. Runs inside the write's transaction.
void cull(engine& e, connection& c, txn_frame& txn, double now);

// The cull of a batch of `entries` writes (set_many), run once after all of them inside the
// batch's transaction. diskcache culls after every set, each time up to cull_limit rows; the batch
// gets the sum of those budgets (`entries` × cull_limit): up to that many expired rows go in one
// statement, then, while the volume is at or over the size limit, the policy's victims go in steps
// of cull_limit until the budget is spent. The volume leaves out the pages this transaction freed
// (SQLite returns them to the file only at the commit), so the batch stops evicting once its
// deletions have made room, as the per-set culls would have, rather than spending the whole budget.
// `freelist_before` is `freelist_pages(c)` read before the batch's first write.
void cull_batch(engine& e, connection& c, txn_frame& txn, double now, std::int64_t entries,
                std::int64_t freelist_before);

// The pages on the database's freelist (PRAGMA freelist_count).
std::int64_t freelist_pages(connection& c);

// diskcache's batched select-then-delete loop (clear, evict, expire): each batch of up to 100
// rows is one short transaction; `cursor_col` is the column that advances the cursor (bound
// as parameter 1). `filename` is the last selected column.
template <class Bind, class Progress = void (*)(std::size_t)>
std::size_t select_delete(
    engine& e, stmt id, Bind&& bind_rest, int cursor_col, bool real_cursor = false,
    Progress&& progress = [](std::size_t) {}) {
    std::size_t count = 0;
    std::int64_t cursor_int = 0;
    double cursor_real = 0;
    for (;;) {
        const auto select = [&](connection& c) {
            auto q = c.use(id);
            if (real_cursor) {
                q->bind(1, cursor_real);
            } else {
                q->bind(1, cursor_int);
            }
            bind_rest(*q);
            return q;
        };
        const int file_col = real_cursor ? 2 : 1;
        const std::size_t n = e.freeing_space(
            [&] {
                return e.write_transaction([&](connection& c, txn_frame& txn) {
                    std::vector<std::int64_t> rowids;
                    {
                        auto q = select(c);
                        while (q->step()) {
                            rowids.push_back(q->column_int(0));
                            if (real_cursor) {
                                cursor_real = q->column_double(cursor_col);
                            } else {
                                cursor_int = q->column_int(cursor_col);
                            }
                            engine::schedule_removal(txn, *q, file_col);
                        }
                    }
                    for (const auto rowid : rowids) {
                        delete_rowid(c, rowid);
                    }
                    return rowids.size();
                });
            },
            [&](connection& c, std::vector<std::string>& doomed) {
                auto q = select(c);
                while (q->step()) {
                    if (!q->is_null(file_col)) doomed.emplace_back(q->column_text(file_col));
                }
            });
        if (n == 0) {
            return count;
        }
        count += n;
        progress(count);
    }
}

// Rows against files, and files against rows. A file younger than `orphan_grace` that no row
// names yet may be a write in flight (its file is written before its row commits, by this
// store and by diskcache alike): it is neither reported nor removed, so check(true) beside
// live writers never deletes a value that is about to be committed.
void check_files(engine& e, connection& c, bool fix, check_report& report);

void check_counter(connection& c, bool fix, check_report& report, const char* name,
                   const char* count_sql, check_finding::kind kind, const char* label);

/// Removes the entries whose expiry is before `now`, in batches; returns how many.
std::size_t expire(engine& e, double now);

/// Removes every entry tagged `tag`, in batches; returns how many.
std::size_t evict(engine& e, std::string_view tag);

/// Removes every entry, in batches, calling `on_batch(removed_so_far)` after each; returns how
/// many.
template <class F>
std::size_t clear(engine& e, F&& on_batch) {
    return select_delete(e, stmt::clear_batch, [](statement&) {}, 0, false, on_batch);
}

/// Removes expired entries, then evicts by the eviction policy until the volume is below the size
/// limit; returns how many entries went.
std::size_t cull_to_limit(engine& e);

/// Checks the database and the value files, as diskcache's `check`; with `fix`, repairs what can
/// be repaired.
check_report check(engine& e, bool fix);

} // namespace detail::sqlite
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/sqlite/maintenance.ipp>
#endif
