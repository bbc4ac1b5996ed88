// flytecache — the SQLite store's operations on entries, settings and reservations (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/store/sqlite/operations.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::sqlite {

FLYTECACHE_INLINE std::optional<std::string> row_bytes(const engine& e, const statement& q,
                                                       std::optional<cache_entry>& other_kind) {
    if (q.column_int(3) == static_cast<std::int64_t>(value_mode::raw) &&
        q.column_type(5) == SQLITE_BLOB) {
        return std::string(q.column_blob(5)); // the hot path: no cache_entry
    }
    auto found = e.read_row(q, 1, db_key());
    if (!found) {
        return std::nullopt; // its value file has gone: a miss, as in diskcache
    }
    if (found->value.type() != stored_value::kind::bytes) {
        other_kind = std::move(found);
        return std::string();
    }
    return std::move(found->value).as_bytes();
}

FLYTECACHE_INLINE std::optional<std::string> get_bytes(engine& e, std::string_view key) {
    // A value of another kind is a hit (counted as one) that this call then refuses.
    std::optional<cache_entry> other_kind;
    auto bytes =
        e.visit_live(key_ref(key), [&](const statement& q) { return row_bytes(e, q, other_kind); });
    if (other_kind) {
        e.require_bytes(key, *other_kind);
    }
    return bytes;
}

FLYTECACHE_INLINE std::vector<std::optional<std::string>>
get_many_bytes(engine& e, std::span<const std::string_view> keys) {
    std::vector<std::optional<std::string>> out;
    out.reserve(keys.size());
    if (keys.empty()) {
        return out;
    }
    const auto evicting = e.policy.load(std::memory_order_relaxed);
    const bool books = !e.opts.read_only && (e.statistics.load(std::memory_order_relaxed) ||
                                             evicting == eviction_policy::least_recently_used ||
                                             evicting == eviction_policy::least_frequently_used);
    if (books) {
        // The books are writes: one write transaction, in which each get_bytes nests (and so
        // counts its hit or miss, and updates access times, exactly as a get() would).
        e.write_transaction([&](connection&, txn_frame&) {
            for (const std::string_view key : keys) {
                out.push_back(get_bytes(e, key));
            }
        });
        return out;
    }
    // A value file can vanish under a snapshot: a concurrent overwrite removes the old file after
    // its commit, which a snapshot older than that commit cannot see. Reading that one key again
    // would mix two batches, so the whole snapshot is read again (a newer one, in which the row
    // names the new file); as get() does, a key that always has a value never reads as missing.
    // After 100 snapshots that each lost a file the last answers stand (those keys as misses, as
    // in diskcache).
    e.with_connection([&](connection& c) {
        bool nested = false; // inside this thread's transaction on the store: already one snapshot
        for (const auto& frame : txn_frames) {
            nested = nested || frame.owner == &e;
        }
        for (int attempt = 0;; ++attempt) {
            out.clear();
            bool vanished = false;
            if (!nested) {
                c.exec("BEGIN"); // deferred: the first SELECT takes the snapshot
            }
            try {
                const double now = unix_now();
                for (const std::string_view key : keys) {
                    auto q = c.use(stmt::select_live);
                    bind_key(*q, 1, key_ref(key));
                    q->bind(2, now);
                    if (!q->step()) {
                        out.emplace_back();
                        continue;
                    }
                    std::optional<cache_entry> other_kind;
                    auto bytes = row_bytes(e, *q, other_kind);
                    if (other_kind) {
                        e.require_bytes(key, *other_kind);
                    }
                    vanished = vanished || (!bytes && !q->is_null(4));
                    out.push_back(std::move(bytes));
                }
                if (!nested) {
                    c.exec("COMMIT");
                }
            } catch (...) {
                if (!nested) {
                    sqlite3_exec(c.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
                }
                throw;
            }
            if (!vanished || nested || attempt == 100) {
                return 0;
            }
        }
    });
    return out;
}

FLYTECACHE_INLINE std::optional<timed_value> get_with_ttl(engine& e, std::string_view key) {
    auto found = e.lookup(key_ref(key), false);
    if (!found) {
        return std::nullopt;
    }
    e.require_bytes(key, *found);
    timed_value out{std::move(found->value).as_bytes(), std::nullopt};
    if (found->expire_time) {
        out.ttl = float_seconds(*found->expire_time - unix_now());
    }
    return out;
}

FLYTECACHE_INLINE bool erase(engine& e, const key_ref& key) {
    return remove_one(e, [&](connection& c) { return engine::select_live(c, key); }, 4);
}

FLYTECACHE_INLINE std::optional<cache_entry> pop(engine& e, const key_ref& key) {
    return e.write_transaction([&](connection& c, txn_frame& txn) -> std::optional<cache_entry> {
        auto q = engine::select_live(c, key);
        if (!q->step()) {
            return std::nullopt;
        }
        const std::int64_t rowid = q->column_int(0);
        // Read the value before the row goes; the file itself is removed after the commit.
        auto out = e.read_row(*q, 1, key_of(key));
        engine::schedule_removal(txn, *q, 4);
        q->reset();
        delete_rowid(c, rowid);
        return out;
    });
}

FLYTECACHE_INLINE std::int64_t incr(engine& e, const key_ref& key, std::int64_t delta,
                                    std::optional<std::int64_t> default_value) {
    return e.write_transaction([&](connection& c, txn_frame& txn) {
        const double now = unix_now();
        auto q = c.use(stmt::select_incr);
        bind_key(*q, 1, key);
        const bool found = q->step();
        const bool expired = found && !q->is_null(1) && q->column_double(1) < now;
        if (!found || expired) {
            if (!default_value) {
                throw key_not_found("flytecache: sqlite_store '" + e.db_path + "': key " +
                                    key.describe() + " not found");
            }
            if (expired) {
                engine::schedule_removal(txn, *q, 2);
            }
            q->reset();
            const std::int64_t value = e.checked_add(*default_value, delta, key);
            upsert(c, key, now, std::nullopt, std::optional<std::string_view>(),
                   prepared_value::integer_value(value));
            cull(e, c, txn, now);
            return value;
        }
        if (q->column_int(4) != static_cast<std::int64_t>(value_mode::raw) ||
            q->column_type(3) != SQLITE_INTEGER) {
            throw value_type_error("flytecache: sqlite_store '" + e.db_path + "': key " +
                                   key.describe() + " does not hold an integer");
        }
        const std::int64_t rowid = q->column_int(0);
        const std::int64_t value = e.checked_add(q->column_int(3), delta, key);
        q->reset();
        const auto policy = e.policy.load(std::memory_order_relaxed);
        auto u = c.use(for_policy(stmt::incr_update_none, policy));
        u->bind(1, now);
        u->bind(2, value);
        u->bind(3, rowid);
        if (policy == eviction_policy::least_recently_used) {
            u->bind(4, now);
        }
        u->run();
        return value;
    });
}

FLYTECACHE_INLINE bool touch(engine& e, const key_ref& key, std::optional<float_seconds> expire) {
    return e.write_transaction([&](connection& c, txn_frame&) {
        const double now = unix_now();
        auto q = c.use(stmt::select_touch);
        bind_key(*q, 1, key);
        if (!q->step()) {
            return false;
        }
        if (!q->is_null(1) && q->column_double(1) <= now) {
            return false;
        }
        const std::int64_t rowid = q->column_int(0);
        q->reset();
        const std::optional<double> expire_time = engine::expiry_from(expire, now);
        auto u = c.use(stmt::touch_update);
        if (expire_time) {
            u->bind(1, *expire_time);
        } else {
            u->bind_null(1);
        }
        u->bind(2, rowid);
        u->run();
        return true;
    });
}

FLYTECACHE_INLINE std::optional<stored_entry> inspect(engine& e, const db_key& key) {
    return e.with_connection([&](connection& c) -> std::optional<stored_entry> {
        auto q = c.use(stmt::inspect_row);
        bind_db_key(*q, 1, key);
        q->bind(2, std::int64_t{key.type() == db_key::kind::pickle ? 0 : 1});
        if (!q->step()) {
            return std::nullopt;
        }
        stored_entry out{column_entry_info(*q, 0), std::nullopt};
        if (auto found = e.read_row(*q, 11, key)) {
            out.value = std::move(found->value);
        }
        return out;
    });
}

FLYTECACHE_INLINE bool purge(engine& e, const db_key& key) {
    const auto select = [&](connection& c) {
        auto q = c.use(stmt::purge_select);
        bind_db_key(*q, 1, key);
        q->bind(2, std::int64_t{key.type() == db_key::kind::pickle ? 0 : 1});
        return q;
    };
    return remove_one(e, select, 1);
}

FLYTECACHE_INLINE std::unique_ptr<std::istream> open_stream(engine& e, const key_ref& key) {
    auto stream =
        e.visit_live(key, [&](const statement& q) -> std::optional<std::unique_ptr<std::istream>> {
            const auto mode = q.column_int(3);
            if (mode == static_cast<std::int64_t>(value_mode::binary)) {
                if (q.is_null(4)) throw e.damaged_value("no value file");
                std::string problem;
                auto file = e.files.open_stream(q.column_text(4), q.column_int(6), problem);
                if (!problem.empty()) throw e.damaged_value(problem);
                if (!file) {
                    return std::nullopt; // the value file has gone: a miss, as in diskcache
                }
                return std::unique_ptr<std::istream>(std::move(file));
            }
            if (mode == static_cast<std::int64_t>(value_mode::raw) &&
                q.column_type(5) == SQLITE_BLOB) {
                return std::unique_ptr<std::istream>(std::make_unique<std::istringstream>(
                    std::string(q.column_blob(5)), std::ios::binary));
            }
            throw value_type_error("flytecache: sqlite_store '" + e.db_path + "': key " +
                                   key.describe() +
                                   " does not hold bytes; read() streams bytes only");
        });
    if (!stream) {
        throw key_not_found("flytecache: sqlite_store '" + e.db_path + "': key " + key.describe() +
                            " not found");
    }
    return std::move(*stream);
}

FLYTECACHE_INLINE setting_value reset_setting(engine& e, std::string_view name) {
    auto v = e.with_connection([&](connection& c) { return read_setting(c, name); });
    if (!v) {
        throw invalid_argument("flytecache: sqlite_store: unknown setting '" + std::string(name) +
                               "'");
    }
    e.apply_in_memory(name, *v);
    return *v;
}

FLYTECACHE_INLINE setting_value reset_setting(engine& e, std::string_view name,
                                              setting_value value) {
    e.require_writable();
    validate_setting(name, value);
    e.with_connection([&](connection& c) {
        auto q = c.use(stmt::update_setting);
        bind_setting(*q, 1, value);
        q->bind_text(2, name);
        q->run();
        return 0;
    });
    e.apply_in_memory(name, value);
    if (name.starts_with("sqlite_")) {
        e.settings_generation.fetch_add(1);
        if (const auto sql_value = setting_sql(value)) {
            // Run it here too: pooled connections pick the change up on their next lease, but
            // file-level pragmas (journal mode, auto_vacuum) must change the file now.
            e.with_connection([&](connection& c) {
                c.exec("PRAGMA " + std::string(name.substr(7)) + " = " + *sql_value);
                return 0;
            });
        }
    }
    if (name == "eviction_policy") {
        e.with_connection([&](connection& c) {
            create_policy_index(c, e.policy.load());
            return 0;
        });
    }
    return value;
}

FLYTECACHE_INLINE bool try_reserve(engine& e, std::string_view key, std::string_view owner,
                                   float_seconds ttl) {
    return e.write_transaction([&](connection& c, txn_frame&) {
        c.use(stmt::create_reservations)->run(); // first use creates it
        const double now = unix_now();
        auto q = c.use(stmt::reserve);
        q->bind_text(1, key);
        q->bind_text(2, owner);
        q->bind(3, now + ttl.count());
        q->bind(4, now);
        q->run();
        return c.changes() == 1;
    });
}

FLYTECACHE_INLINE bool release(engine& e, std::string_view key, std::string_view owner) {
    return e.write_transaction([&](connection& c, txn_frame&) {
        c.use(stmt::create_reservations)->run(); // first use creates it
        auto q = c.use(stmt::unreserve);
        q->bind_text(1, key);
        q->bind_text(2, owner);
        q->run();
        return c.changes() == 1;
    });
}

FLYTECACHE_INLINE bool write(engine& e, const key_ref& key, const value_ref& value,
                             const write_options& opts, bool only_if_absent) {
    const double now = unix_now();
    const std::optional<double> expire_time = engine::expiry_from(opts.expire, now);
    prepared_value p = e.prepare(value); // files are written before the transaction, as diskcache
    return e.with_new_file(p, [&](connection& c, txn_frame& txn) {
        auto q = c.use(stmt::select_for_write);
        bind_key(*q, 1, key);
        if (q->step()) {
            if (only_if_absent && (q->is_null(2) || q->column_double(2) > now)) {
                return false; // the unused new file goes with the commit's cleanup
            }
            engine::schedule_removal(txn, *q, 1);
        }
        q->reset();
        upsert(c, key, now, expire_time, opts.tag, p);
        cull(e, c, txn, now);
        return true;
    });
}

FLYTECACHE_INLINE bool trigger_free_rows::possible(connection& c) {
    int on = 0;
    if (sqlite3_db_config(c.handle(), SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &on) != SQLITE_OK ||
        on != 1) {
        return false;
    }
    // SQLite keeps a trigger's CREATE statement without its IF NOT EXISTS; diskcache's text is
    // schema_ddl's. Any other trigger, or another text, and the batch keeps the triggers on.
    static const std::vector<std::pair<std::string_view, std::string>> expected = [] {
        constexpr std::string_view create = "CREATE TRIGGER IF NOT EXISTS ";
        std::vector<std::pair<std::string_view, std::string>> out;
        for (const auto& [name, sql] : schema_ddl()) {
            if (sql.starts_with(create)) {
                out.emplace_back(name,
                                 std::string("CREATE TRIGGER ").append(sql.substr(create.size())));
            }
        }
        return out;
    }();
    // Their arithmetic is this one only on diskcache's tables: NEW.size is the value as Cache
    // stores it (a REAL-affinity size column makes their sums REAL) and their UPDATE moves every
    // Settings row of the key (a Settings without its UNIQUE key may hold one twice).
    static const std::vector<std::pair<std::string_view, std::string>> tables = [] {
        constexpr std::string_view create = "CREATE TABLE IF NOT EXISTS ";
        const auto stored = [&](std::string_view sql) {
            return std::string("CREATE TABLE ").append(sql.substr(create.size()));
        };
        std::vector<std::pair<std::string_view, std::string>> out;
        out.emplace_back("Settings", stored(settings_table_ddl));
        for (const auto& [name, sql] : schema_ddl()) {
            if (name == "Cache") {
                out.emplace_back(name, stored(sql));
            }
        }
        return out;
    }();
    {
        std::size_t matching = 0;
        auto t = c.use(stmt::schema_tables);
        while (t->step()) {
            const std::string_view name = t->column_text(0);
            const auto it = std::find_if(tables.begin(), tables.end(),
                                         [&](const auto& x) { return x.first == name; });
            if (it == tables.end() || t->column_text(1) != it->second) {
                return false;
            }
            ++matching;
        }
        if (matching != tables.size()) {
            return false;
        }
    }
    std::size_t found = 0;
    auto q = c.use(stmt::schema_triggers);
    while (q->step()) {
        const std::string_view name = q->column_text(0);
        const auto it = std::find_if(expected.begin(), expected.end(),
                                     [&](const auto& t) { return t.first == name; });
        if (it == expected.end() || q->column_text(1) != it->second) {
            return false;
        }
        ++found;
    }
    return found == expected.size();
}

FLYTECACHE_INLINE trigger_free_rows::trigger_free_rows(connection& c) : c_(c) {
    if (sqlite3_db_config(c_.handle(), SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr) != SQLITE_OK) {
        fail(sqlite3_errcode(c_.handle()), c_.handle(), c_.path(), "turning triggers off");
    }
}

FLYTECACHE_INLINE trigger_free_rows::~trigger_free_rows() {
    if (off_) {
        // Cannot fail for a valid handle and flag; the connection goes back to the pool with its
        // triggers on whatever happened in the batch.
        sqlite3_db_config(c_.handle(), SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, nullptr);
    }
}

FLYTECACHE_INLINE void trigger_free_rows::inserted(std::int64_t size) {
    ++inserts_;
    steps_.push_back({size, 0, false, 0});
}

FLYTECACHE_INLINE void trigger_free_rows::updated(std::int64_t size, const statement& old,
                                                  int size_col) {
    if (old.column_type(size_col) == SQLITE_INTEGER) {
        steps_.push_back({size, old.column_int(size_col), true, 0});
        return;
    }
    // NULL, REAL or text (never diskcache's): kept as stored, for the trigger's own arithmetic.
    // Owned before the vector grows, so a failing allocation there cannot leak it.
    std::unique_ptr<sqlite3_value, void (*)(sqlite3_value*)> copy(
        sqlite3_value_dup(old.column_value(size_col)), sqlite3_value_free);
    if (copy == nullptr) {
        fail(SQLITE_NOMEM, nullptr, c_.path(), "copying a size");
    }
    odd_olds_.push_back(std::move(copy));
    steps_.push_back({size, 0, true, odd_olds_.size()});
}

FLYTECACHE_INLINE void trigger_free_rows::updated(std::int64_t size, replaced_row& old) {
    if (!old.odd_size) {
        steps_.push_back({size, old.size, true, 0});
        return;
    }
    odd_olds_.push_back(std::move(old.odd_size));
    steps_.push_back({size, 0, true, odd_olds_.size()});
}

FLYTECACHE_INLINE void trigger_free_rows::finish() {
    if (off_) {
        if (sqlite3_db_config(c_.handle(), SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, nullptr) !=
            SQLITE_OK) {
            fail(sqlite3_errcode(c_.handle()), c_.handle(), c_.path(), "turning triggers on");
        }
        off_ = false;
    }
    finish_count();
    finish_size();
}

FLYTECACHE_INLINE void trigger_free_rows::finish_count() {
    if (inserts_ == 0) {
        return;
    }
    const auto now = read_setting(c_, "count");
    const auto* value = now ? std::get_if<std::int64_t>(&*now) : nullptr;
    std::int64_t result = 0;
    if (value != nullptr && !__builtin_add_overflow(*value, inserts_, &result)) {
        auto q = c_.use(stmt::settings_set);
        q->bind(1, result);
        q->bind_text(2, "count");
        q->run();
        return;
    }
    for (std::int64_t i = 0; i < inserts_; ++i) { // the trigger's value + 1, each time
        auto q = c_.use(stmt::settings_add);
        q->bind(1, std::int64_t{1});
        q->bind_text(2, "count");
        q->run();
    }
}

FLYTECACHE_INLINE void trigger_free_rows::finish_size() {
    if (steps_.empty()) {
        return;
    }
    // The triggers' steps in integers: NEW.size added, then OLD.size subtracted, row by row.
    const auto now = read_setting(c_, "size");
    const auto* value = now ? std::get_if<std::int64_t>(&*now) : nullptr;
    bool exact = value != nullptr;
    std::int64_t result = exact ? *value : 0;
    for (const auto& step : steps_) {
        if (!exact) {
            break;
        }
        exact = step.odd_old == 0 && !__builtin_add_overflow(result, step.add, &result) &&
                !(step.overwrite && __builtin_sub_overflow(result, step.subtract, &result));
    }
    if (exact) {
        auto q = c_.use(stmt::settings_set);
        q->bind(1, result);
        q->bind_text(2, "size");
        q->run();
        return;
    }
    // SQLite's own arithmetic (REAL on overflow, NULL stays NULL …): each trigger's UPDATE.
    for (const auto& step : steps_) {
        if (!step.overwrite) {
            auto q = c_.use(stmt::settings_add);
            q->bind(1, step.add);
            q->bind_text(2, "size");
            q->run();
            continue;
        }
        auto q = c_.use(stmt::settings_size_row);
        q->bind(1, step.add);
        if (step.odd_old == 0) {
            q->bind(2, step.subtract);
        } else {
            q->bind_value(2, odd_olds_[step.odd_old - 1].get());
        }
        q->run();
    }
}

FLYTECACHE_INLINE void write_many(engine& e, std::span<const key_value> items,
                                  const write_options& opts) {
    e.require_writable();
    if (items.empty()) {
        return; // nothing to write: no transaction, no cull
    }
    const double now = unix_now();
    // Checked before any file is written (a NaN expiry throws here).
    const std::optional<double> expire_time = engine::expiry_from(opts.expire, now);
    // A key given twice: the last entry wins, as with sequential sets; the earlier ones are never
    // written (no row, no value file).
    std::vector<bool> shadowed(items.size(), false);
    std::size_t live = 0;
    {
        std::unordered_set<std::string_view> seen;
        seen.reserve(items.size());
        for (std::size_t i = items.size(); i-- > 0;) {
            shadowed[i] = !seen.insert(items[i].key).second;
        }
        live = seen.size();
    }
    // Files are written before the transaction, as set() writes its one (and as diskcache does).
    // Until the transaction owns them they are this function's to remove on failure.
    std::vector<prepared_value> prepared(items.size());
    bool owned = false;
    try {
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (!shadowed[i]) {
                prepared[i] = e.prepare(value_ref(items[i].value));
            }
        }
        e.write_transaction([&](connection& c, txn_frame& txn) {
            for (const auto& p : prepared) {
                engine::track_new_file(txn, p);
            }
            owned = true;
            // Inside a caller's transaction a failure must still take back the whole batch (the
            // caller may catch it and commit the rest): a savepoint, and the old files the batch
            // scheduled for removal are unscheduled with it.
            const bool nested = txn.depth > 1;
            const std::size_t scheduled = txn.remove_after_commit.size();
            if (nested) {
                c.exec("SAVEPOINT flytecache_set_many");
            }
            try {
                const std::int64_t freelist_before =
                    e.policy.load(std::memory_order_relaxed) == eviction_policy::none
                        ? 0
                        : freelist_pages(c);
                std::int64_t written = 0;
                std::optional<trigger_free_rows> triggers_off;
                if (live >= trigger_free_batch_min && trigger_free_rows::possible(c)) {
                    triggers_off.emplace(c);
                }
                replaced_row& replaced = c.replaced_row_function();
                for (std::size_t i = 0; i < items.size(); ++i) {
                    if (shadowed[i]) {
                        continue;
                    }
                    const key_ref key(items[i].key);
                    // Most entries overwrite a row: one UPDATE by key that reads the old row's
                    // filename and size as it replaces it, where diskcache SELECTs the row and
                    // then UPDATEs it by rowid (~0.4 µs less per entry). Without a TTL only a
                    // row that never expires either (expire_time left out of the SET list, so
                    // SQLite leaves its index alone); with one, whatever the row's expiry.
                    replaced.clear();
                    {
                        auto u =
                            c.use(expire_time ? stmt::update_key : stmt::update_key_same_expiry);
                        bind_row(*u, key, now, expire_time, opts.tag, prepared[i]);
                        u->run();
                    }
                    if (replaced.matched) {
                        if (c.changes() != 1) {
                            throw store_error("flytecache: sqlite_store '" + c.path() + "': key " +
                                              key.describe() +
                                              " changed under a write transaction");
                        }
                        if (replaced.filename) {
                            txn.remove_after_commit.push_back(std::move(*replaced.filename));
                        }
                        if (triggers_off) {
                            triggers_off->updated(prepared[i].size, replaced);
                        }
                        ++written;
                        continue;
                    }
                    if (!replaced.seen) { // no row of the key: a new one
                        insert_row(c, key, now, expire_time, opts.tag, prepared[i]);
                        if (triggers_off) {
                            triggers_off->inserted(prepared[i].size);
                        }
                        ++written;
                        continue;
                    }
                    // Without a TTL, the key's row expires (the UPDATE above changed nothing).
                    std::optional<std::int64_t> rowid;
                    bool same_expiry = false;
                    {
                        auto q = c.use(stmt::select_for_write);
                        bind_key(*q, 1, key);
                        if (q->step()) {
                            rowid = q->column_int(0);
                            engine::schedule_removal(txn, *q, 1);
                            if (triggers_off) {
                                triggers_off->updated(prepared[i].size, *q, 3);
                            }
                            same_expiry = q->is_null(2) ? !expire_time
                                                        : expire_time.has_value() &&
                                                              q->column_type(2) == SQLITE_FLOAT &&
                                                              q->column_double(2) == *expire_time;
                        }
                    }
                    // The transaction holds the write lock: the row selected is the row to
                    // overwrite (diskcache's SELECT then UPDATE or INSERT, as the UPSERT does).
                    if (rowid) {
                        update_row(c, *rowid, key, now, expire_time, opts.tag, prepared[i],
                                   same_expiry);
                    } else {
                        insert_row(c, key, now, expire_time, opts.tag, prepared[i]);
                        if (triggers_off) {
                            triggers_off->inserted(prepared[i].size);
                        }
                    }
                    ++written;
                }
                if (triggers_off) {
                    triggers_off->finish(); // before the cull, whose deletes need the triggers
                }
                cull_batch(e, c, txn, now, written, freelist_before);
                if (nested) {
                    c.exec("RELEASE flytecache_set_many");
                }
            } catch (...) {
                if (nested) {
                    sqlite3_exec(c.handle(),
                                 "ROLLBACK TO flytecache_set_many; RELEASE flytecache_set_many",
                                 nullptr, nullptr, nullptr);
                    txn.remove_after_commit.resize(scheduled);
                }
                throw;
            }
        });
    } catch (...) {
        if (!owned) {
            for (const auto& p : prepared) {
                if (!p.filename.empty()) {
                    e.remove_value_file(p.filename);
                }
            }
        }
        throw;
    }
}

FLYTECACHE_INLINE store_stats read_statistics(engine& e) {
    return e.with_connection([&](connection& c) {
        const auto count = [&](std::string_view name) {
            const auto v = read_setting(c, name);
            return v ? as_count(*v) : std::int64_t{0};
        };
        return store_stats{count("hits"), count("misses")};
    });
}

FLYTECACHE_INLINE void set_tag_index(engine& e, bool on) {
    e.require_writable();
    e.with_connection([&](connection& c) {
        if (on) {
            c.exec("CREATE INDEX IF NOT EXISTS Cache_tag_rowid ON Cache(tag, rowid)");
        } else {
            c.exec("DROP INDEX IF EXISTS Cache_tag_rowid");
            c.forget_statements();
        }
        return 0;
    });
    (void)reset_setting(e, "tag_index", std::int64_t{on ? 1 : 0});
}

} // namespace detail::sqlite
FLYTECACHE_NAMESPACE_END
