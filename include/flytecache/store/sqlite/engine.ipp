// flytecache — the SQLite store's engine (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/detail/saturating.hpp>
#include <flytecache/store/sqlite/engine.hpp>

#include <pthread.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::sqlite {

FLYTECACHE_INLINE store_registry& stores_alive() {
    static auto* r = new store_registry; // never destroyed: atfork handlers outlive statics
    return *r;
}

FLYTECACHE_INLINE unsigned current_fork_generation() noexcept {
    static const bool registered = [] {
        ::pthread_atfork(
            [] {
                auto& r = stores_alive();
                std::lock_guard lock(r.mutex);
                for (const auto& [state, close_idle] : r.stores) {
                    close_idle(state);
                }
            },
            nullptr, [] { fork_generation.fetch_add(1, std::memory_order_relaxed); });
        return true;
    }();
    (void)registered;
    return fork_generation.load(std::memory_order_relaxed);
}

FLYTECACHE_INLINE engine::engine(sqlite_store_options o) : opts(std::move(o)) {
    if (opts.directory.empty()) {
        throw invalid_argument("flytecache: sqlite_store: options.directory is empty; give "
                               "the cache directory (flytekit's is ~/.flyte/local-cache)");
    }
    dir = opts.directory;
    db_path = (dir / "cache.db").string();
    files = sqlite_files::value_files(dir);
    const double ms = std::clamp(opts.timeout.count() * 1000.0, 0.0, 2147483647.0);
    busy_ms = static_cast<int>(ms);
    auto& r = stores_alive();
    std::lock_guard lock(r.mutex);
    r.stores.emplace_back(this, [](void* self) noexcept {
        try {
            static_cast<engine*>(self)->close_idle();
        } catch (...) { // NOLINT(bugprone-empty-catch)
            // A fork must go ahead; the child's generation check still protects it.
        }
    });
}

FLYTECACHE_INLINE engine::~engine() {
    {
        auto& r = stores_alive();
        std::lock_guard lock(r.mutex);
        std::erase_if(r.stores, [this](const auto& e) { return e.first == this; });
    }
    std::lock_guard lock(mutex);
    if (generation != current_fork_generation()) {
        for (auto& c : idle) {
            c->abandon();
        }
    }
}

FLYTECACHE_INLINE std::unique_ptr<connection> engine::open_connection() {
    auto c = std::make_unique<connection>(db_path, busy_ms, connection_mode);
    apply_pragmas(*c);
    return c;
}

FLYTECACHE_INLINE void engine::apply_pragmas(connection& c) {
    if (opts.read_only) {
        return; // SQLite's defaults read as well; a journal-mode PRAGMA would write
    }
    std::map<std::string, setting_value, std::less<>> pragmas;
    {
        std::lock_guard lock(mutex);
        pragmas = sqlite_pragmas;
    }
    for (const auto& [name, value] : pragmas) {
        // auto_vacuum and the WAL journal are properties of the file, set in open_cache;
        // the other journal modes, like the remaining pragmas, hold per connection.
        const auto sql_value = setting_sql(value);
        if (name == "sqlite_auto_vacuum" || !sql_value ||
            (name == "sqlite_journal_mode" && *sql_value == "wal")) {
            continue;
        }
        c.exec("PRAGMA " + name.substr(7) + " = " + *sql_value);
    }
}

FLYTECACHE_INLINE void engine::apply_in_memory(std::string_view name, const setting_value& value) {
    // Numbers may be stored as REAL by Python (size_limit=1e9); they count as integers.
    std::optional<std::int64_t> integer;
    if (const auto* n = std::get_if<std::int64_t>(&value)) {
        integer = *n;
    } else if (const auto* d = std::get_if<double>(&value); d != nullptr && !std::isnan(*d)) {
        integer = saturating_int64(*d);
    }
    const std::int64_t* i = integer ? &*integer : nullptr;
    if (name == "statistics" && i != nullptr) {
        statistics.store(*i != 0);
    } else if (name == "eviction_policy") {
        if (const auto* s = std::get_if<std::string>(&value)) {
            policy.store(parse_eviction_policy(*s));
        }
    } else if (name == "size_limit" && i != nullptr) {
        size_limit.store(*i);
    } else if (name == "cull_limit" && i != nullptr) {
        cull_limit.store(*i);
    } else if (name == "disk_min_file_size" && i != nullptr) {
        min_file_size.store(*i);
    } else if (name.starts_with("sqlite_")) {
        if (name == "sqlite_synchronous") durable_files.store(synchronous_full(value));
        std::lock_guard lock(mutex);
        sqlite_pragmas[std::string(name)] = value;
    }
}

FLYTECACHE_INLINE void engine::close_idle() {
    std::vector<std::unique_ptr<connection>> closing;
    std::lock_guard lock(mutex);
    closing.swap(idle);
    if (generation != current_fork_generation()) {
        for (auto& c : closing) {
            c->abandon();
        }
    }
}

FLYTECACHE_INLINE engine::lease::lease(engine& s) : s_(s) {
    {
        std::lock_guard lock(s.mutex);
        if (const unsigned g = current_fork_generation(); s.generation != g) {
            // A forked child must not touch the parent's connections (nor close them).
            for (auto& c : s.idle) {
                c->abandon();
            }
            s.idle.clear();
            s.generation = g;
        }
        if (!s.idle.empty()) {
            con_ = std::move(s.idle.back());
            s.idle.pop_back();
        }
    }
    if (!con_) {
        con_ = s.open_connection();
        con_->generation = s.settings_generation.load();
    } else if (const unsigned g = s.settings_generation.load(); con_->generation != g) {
        s.apply_pragmas(*con_);
        con_->generation = g;
    }
}

FLYTECACHE_INLINE engine::lease::~lease() {
    if (sqlite3_get_autocommit(con_->handle()) == 0) {
        // Never pool a connection inside a transaction: it would hold the write lock.
        sqlite3_exec(con_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    std::lock_guard lock(s_.mutex);
    if (s_.generation == current_fork_generation()) {
        s_.idle.push_back(std::move(con_));
    } else {
        con_->abandon();
    }
}

FLYTECACHE_INLINE void engine::commit(connection& c, txn_frame& frame) {
    c.use(stmt::commit)->run();
    std::vector<std::string> unreferenced = std::move(frame.remove_after_commit);
    frame.remove_after_commit.clear();
    try {
        for (const auto& file : frame.remove_on_rollback) {
            auto q = c.use(stmt::file_referenced);
            q->bind_text(1, file);
            if (!q->step()) {
                unreferenced.push_back(file);
            }
        }
    } catch (...) { // NOLINT(bugprone-empty-catch)
        // Nothing after the COMMIT throws (see above): an unchecked file stays for check(fix).
    }
    frame.remove_on_rollback.clear(); // committed: the rollback handler must not touch them
    for (const auto& file : unreferenced) {
        remove_value_file(file);
    }
}

FLYTECACHE_INLINE void engine::rollback(connection& c, const txn_frame& frame) noexcept {
    // ROLLBACK only fails when no transaction is open, which is then the state we want.
    sqlite3_exec(c.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    for (const auto& file : frame.remove_on_rollback) {
        remove_value_file(file);
    }
}

FLYTECACHE_INLINE void engine::begin_immediate(connection& c) {
    for (;;) {
        try {
            auto q = c.use(stmt::begin);
            q->run();
            return;
        } catch (const timeout_error&) {
            if (!opts.retry) {
                throw;
            }
        }
    }
}

FLYTECACHE_INLINE void engine::require_writable() const {
    if (opts.read_only) {
        throw store_error("flytecache: sqlite_store '" + db_path +
                          "': store opened read-only; this call writes to the cache (open it "
                          "without options.read_only to change it)");
    }
}

FLYTECACHE_INLINE use engine::select_live(connection& c, const key_ref& key) {
    auto q = c.use(stmt::select_live);
    bind_key(*q, 1, key);
    q->bind(2, unix_now());
    return q;
}

FLYTECACHE_INLINE std::int64_t engine::checked_add(std::int64_t a, std::int64_t b,
                                                   const key_ref& key) const {
    std::int64_t sum = 0;
    if (__builtin_add_overflow(a, b, &sum)) {
        throw invalid_argument("flytecache: sqlite_store '" + db_path + "': incr of key " +
                               key.describe() + " overflows a 64-bit integer");
    }
    return sum;
}

FLYTECACHE_INLINE void engine::require_bytes(std::string_view key, const cache_entry& e) const {
    if (e.value.type() != stored_value::kind::bytes) {
        throw value_type_error("flytecache: sqlite_store '" + db_path + "': key " +
                               key_ref(key).describe() + " holds " +
                               stored_value::name(e.value.type()) +
                               ", not bytes; read it with get_entry(key)");
    }
}

FLYTECACHE_INLINE std::optional<double> engine::expiry_from(const std::optional<float_seconds>& ttl,
                                                            double now) {
    if (!ttl) {
        return std::nullopt;
    }
    if (std::isnan(ttl->count())) {
        throw invalid_argument("flytecache: sqlite_store: an expiry of NaN seconds");
    }
    if (std::isinf(ttl->count()) && ttl->count() > 0) {
        return std::nullopt; // never expires
    }
    return now + ttl->count();
}

FLYTECACHE_INLINE std::optional<cache_entry> engine::lookup(const key_ref& key, bool with_key) {
    return visit_live(
        key, [&](const statement& q) { return read_row(q, 1, with_key ? key_of(key) : db_key()); });
}

FLYTECACHE_INLINE prepared_value engine::prepare(const value_ref& value) {
    prepared_value p;
    p.kind = value.type();
    const auto min_file = static_cast<std::size_t>(min_file_size.load(std::memory_order_relaxed));
    switch (value.type()) {
    case value_ref::kind::integer: p.integer = value.integer(); return p;
    case value_ref::kind::real: p.real = value.real(); return p;
    case value_ref::kind::text:
        if (utf8_length(value.bytes()) < min_file) {
            p.inline_bytes = value.bytes();
            return p;
        }
        p.mode = value_mode::text;
        break;
    case value_ref::kind::bytes:
        if (value.bytes().size() < min_file) {
            p.inline_bytes = value.bytes();
            return p;
        }
        p.mode = value_mode::binary;
        break;
    }
    p.filename = write_value_file(value.bytes());
    p.size = static_cast<std::int64_t>(value.bytes().size());
    return p;
}

FLYTECACHE_INLINE std::uint64_t engine::volume(connection& c) {
    std::int64_t pages = 0;
    {
        auto q = c.use(stmt::page_count);
        if (q->step()) {
            pages = q->column_int(0);
        }
    }
    std::int64_t size = 0;
    if (auto s = read_setting(c, "size")) {
        size = as_count(*s);
    }
    // Both figures come from the file (size_limit = INT64_MAX, size = 1e300 …): saturate.
    return static_cast<std::uint64_t>(
        std::max<std::int64_t>(0, saturating_add(saturating_mul(page_size, pages), size)));
}

} // namespace detail::sqlite
FLYTECACHE_NAMESPACE_END
