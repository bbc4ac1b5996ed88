// flytecache — the SQLite store's queue (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/store/sqlite/queue.hpp>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::sqlite {

FLYTECACHE_INLINE void bind_queue_bounds(statement& q, std::optional<std::string_view> prefix,
                                         const std::string& lo, const std::string& hi) {
    if (prefix) {
        q.bind_text(1, lo);
        q.bind_text(2, hi);
    } else {
        q.bind(1, std::int64_t{0});
        q.bind(2, std::int64_t{999999999999999});
    }
}

FLYTECACHE_INLINE std::optional<cache_entry>
queue_take(engine& e, std::optional<std::string_view> prefix, queue_side side, bool remove) {
    const std::string lo = prefix ? std::string(*prefix) + "-000000000000000" : "";
    const std::string hi = prefix ? std::string(*prefix) + "-999999999999999" : "";
    return e.write_transaction([&](connection& c, txn_frame& txn) -> std::optional<cache_entry> {
        for (;;) {
            auto q = c.use(side == queue_side::front ? stmt::queue_front : stmt::queue_back);
            bind_queue_bounds(*q, prefix, lo, hi);
            if (!q->step()) {
                return std::nullopt;
            }
            const std::int64_t rowid = q->column_int(0);
            const bool expired = !q->is_null(3) && q->column_double(3) < unix_now();
            std::optional<cache_entry> out;
            if (!expired) {
                out = e.read_row(*q, 3, column_key(*q, 1, 2));
            }
            // Expired and unreadable entries (their file gone) are dropped and the next one
            // taken, as diskcache's pull does; a pulled entry's file goes after the commit.
            if (!out || remove) {
                engine::schedule_removal(txn, *q, 6);
                q->reset();
                delete_rowid(c, rowid);
            }
            if (out) {
                return out;
            }
        }
    });
}

FLYTECACHE_INLINE db_key push(engine& e, value_ref value, std::optional<std::string_view> prefix,
                              queue_side side, const write_options& opts) {
    const double now = unix_now();
    const std::optional<double> expire_time =
        engine::expiry_from(opts.expire, now); // before any file
    prepared_value pv = e.prepare(value);
    return e.with_new_file(pv, [&](connection& c, txn_frame& txn) {
        const std::string lo = prefix ? std::string(*prefix) + "-000000000000000" : "";
        const std::string hi = prefix ? std::string(*prefix) + "-999999999999999" : "";
        auto q = c.use(side == queue_side::back ? stmt::push_back : stmt::push_front);
        bind_queue_bounds(*q, prefix, lo, hi);
        std::int64_t num = 500000000000000;
        if (q->step()) {
            if (prefix) {
                const std::string_view k = q->column_text(0);
                num = std::stoll(std::string(k.substr(k.rfind('-') + 1)));
            } else {
                num = q->column_int(0);
            }
            num += side == queue_side::back ? 1 : -1;
        }
        q->reset();
        db_key key = db_key::integer(num);
        if (prefix) {
            char digits[32];
            std::snprintf(digits, sizeof digits, "%015lld", static_cast<long long>(num));
            key = db_key::text(std::string(*prefix) + "-" + digits);
        }
        insert_row(c, key.ref(), now, expire_time, opts.tag, pv);
        cull(e, c, txn, now);
        return key;
    });
}

FLYTECACHE_INLINE cache_entry peekitem(engine& e, bool last) {
    return e.write_transaction([&](connection& c, txn_frame& txn) {
        for (;;) {
            auto q = c.use(last ? stmt::peekitem_last : stmt::peekitem_first);
            if (!q->step()) {
                throw key_not_found("flytecache: sqlite_store '" + e.db_path +
                                    "': dictionary is empty");
            }
            const std::int64_t rowid = q->column_int(0);
            if (q->is_null(3) || q->column_double(3) >= unix_now()) {
                if (auto found = e.read_row(*q, 3, column_key(*q, 1, 2))) {
                    return std::move(*found);
                }
            }
            // Expired, or its value file has gone: removed, as check(fix) would. (diskcache
            // retries the same row forever when the file is missing.)
            engine::schedule_removal(txn, *q, 6);
            q->reset();
            delete_rowid(c, rowid);
        }
    });
}

} // namespace detail::sqlite
FLYTECACHE_NAMESPACE_END
