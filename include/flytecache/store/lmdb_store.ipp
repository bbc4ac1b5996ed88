// flytecache — lmdb_store: a persistent cache in a memory-mapped LMDB environment (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/store/lmdb_store.hpp>

#include <lmdb.h>
#include <pthread.h>
#include <sys/stat.h>
#if defined(__linux__)
#    include <linux/membarrier.h>
#    include <sys/syscall.h>
#    include <unistd.h>
#endif

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::lmdb {

// --- process-wide state: fork generation, environment registry, thread readers -----------------

// Bumped in the child of every fork(): an environment opened in another generation belongs to
// an ancestor process and must never be used (nor closed) here.
inline std::atomic<unsigned> fork_generation{0};
inline std::atomic<std::uint64_t> next_serial{1};

struct environment;

// One thread's read transaction on one environment: begun once, then renewed and reset around
// each read (with MDB_NOTLS it keeps its reader slot between reads, but no snapshot). `active`
// is set while the transaction is renewed, so that a resize of the map waits for it.
struct cached_reader {
    environment* env = nullptr; // cleared (under readers_mutex) when the environment closes
    std::uint64_t serial = 0;   // the environment's, immutable: the hot path compares this
    unsigned generation = 0;
    MDB_txn* txn = nullptr;
    std::atomic<bool> active{false};
};

// Guards every environment's list of cached readers, and each thread's list of its own.
FLYTECACHE_INLINE std::mutex& readers_mutex() {
    static auto* m = new std::mutex; // never destroyed: thread exits may follow static destruction
    return *m;
}

struct registry {
    std::mutex mutex;
    std::map<std::string, std::weak_ptr<environment>, std::less<>> open;
};

FLYTECACHE_INLINE registry& environments() {
    static auto* r = new registry; // never destroyed, like the fork handlers that lock it
    return *r;
}

// --- the readers' handshake with a map resize
// -----------------------------------------------------
//
// A resize unmaps the map, so it waits until no thread of the process is inside a read: a reader
// sets its `active` flag, then looks at the environment's `resizing` flag; the resizer sets
// `resizing`, then looks at every reader's `active`. Each side's store must be ordered before its
// load (Dekker's handshake). On Linux the process registers for membarrier(2): a reader then
// needs only a compiler barrier, and the resizer — rare, under the writer's lock — makes every
// thread of the process pass a full barrier with one system call. Without membarrier the reader
// pays a sequentially consistent store (a locked instruction, ~8 ns of a ~100 ns hit).
inline std::atomic<bool> light_readers{false};
// Whether this process is registered for membarrier: the resizer then always calls it, so that
// turning `light_readers` off (the test hook, a fork's child) can never race a light reader.
inline std::atomic<bool> membarrier_registered{false};

FLYTECACHE_INLINE bool register_membarrier() noexcept {
#if defined(__linux__) && defined(SYS_membarrier)
    const long commands = ::syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (commands < 0 || (commands & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return false;
    return ::syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
#else
    return false;
#endif
}

// The resizer's side, after it set `resizing`: every thread of the process passes a full memory
// barrier before this returns, so a reader either saw `resizing` or shows `active`.
FLYTECACHE_INLINE bool heavy_fence() noexcept {
    // Not registered: no reader ever took the light path, each fenced itself.
    if (!membarrier_registered.load(std::memory_order_relaxed)) return true;
#if defined(__linux__) && defined(SYS_membarrier)
    if (::syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0) return true;
    return ::syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0; // slower, no registration
#else
    return false;
#endif
}

// The reader's side: marks this thread inside a read, ordered before its look at `resizing`.
inline void enter_read(std::atomic<bool>& active) noexcept {
    if (light_readers.load(std::memory_order_relaxed)) [[likely]] {
        active.store(true, std::memory_order_relaxed);
        std::atomic_signal_fence(std::memory_order_seq_cst);
    } else {
        active.store(true, std::memory_order_seq_cst);
    }
}

FLYTECACHE_INLINE bool fence_readers_with_membarrier(bool on) noexcept {
    return light_readers.exchange(on && membarrier_registered.load(std::memory_order_relaxed),
                                  std::memory_order_relaxed);
}

// Installs the fork handlers once: the registry's and the readers' mutexes are held across
// fork() so the child inherits them unlocked and consistent. Registers for membarrier.
FLYTECACHE_INLINE void watch_forks() {
    static const bool installed = [] {
        const bool registered = register_membarrier();
        membarrier_registered.store(registered, std::memory_order_relaxed);
        light_readers.store(registered, std::memory_order_relaxed);
        ::pthread_atfork(
            [] {
                environments().mutex.lock();
                readers_mutex().lock();
            },
            [] {
                readers_mutex().unlock();
                environments().mutex.unlock();
            },
            [] {
                fork_generation.fetch_add(1, std::memory_order_relaxed);
                // The child is a new process for membarrier: register it again (one thread runs
                // here, so falling back to locked stores cannot race a reader).
                if (membarrier_registered.load(std::memory_order_relaxed) &&
                    !register_membarrier()) {
                    membarrier_registered.store(false, std::memory_order_relaxed);
                    light_readers.store(false, std::memory_order_relaxed);
                }
                readers_mutex().unlock();
                environments().mutex.unlock();
            });
        return true;
    }();
    (void)installed;
}

// Thrown inside a write transaction's body when LMDB reports MDB_MAP_FULL: the writer grows the
// map and runs the body again. Never leaves this file.
struct map_full_signal {};

FLYTECACHE_INLINE std::string lmdb_text(int rc) { return ::mdb_strerror(rc); }

// --- the environment ----------------------------------------------------------------------------

struct environment {
    MDB_env* env = nullptr;
    MDB_dbi meta = 0;
    MDB_dbi entries = 0; // LMDB's main database (see stored_key)
    MDB_dbi order = 0;
    MDB_dbi reservations = 0;
    std::string file; // <directory>/data.mdb, for messages
    std::string key;  // the canonical directory, the registry's key
    unsigned generation = 0;
    std::uint64_t serial = 0;
    std::size_t max_map_size = 0;
    std::size_t map_size = 0;
    lmdb_durability durability = lmdb_durability::full; // the environment's sync flags
    std::mutex writer; // this process's writers (and map resizes) one at a time
    std::atomic<bool> resizing{false};
    std::vector<cached_reader*> readers; // guarded by readers_mutex()
    std::atomic<std::int64_t> hits{0};
    std::atomic<std::int64_t> misses{0};

    environment() = default;
    environment(const environment&) = delete;
    environment& operator=(const environment&) = delete;
    ~environment();

    [[noreturn]] void fail(const std::string& what, int rc) const;
    // Throws for a failed call: MDB_MAP_FULL as map_full_signal (only write transactions can
    // meet it, and their writer grows the map), anything else as fail() does.
    void check(int rc, const char* what) const;

    // Replaces the map by one of `size` bytes (0: the size another process gave it), once no
    // thread of this process is inside a read. The caller holds `writer`.
    void resize_locked(std::size_t size);
    // Doubles the map (bounded by max_map_size) after MDB_MAP_FULL. The caller holds `writer`.
    void grow_locked();
    // Adopts another process's larger map (after MDB_MAP_RESIZED).
    void adopt_map_size() {
        std::lock_guard lock(writer);
        resize_locked(0);
    }
};

FLYTECACHE_INLINE environment::~environment() {
    if (env == nullptr) return;
    if (generation != fork_generation.load(std::memory_order_relaxed)) {
        // An ancestor's environment: closing it would close its lock file, and with it this
        // process's fcntl locks on the same file (LMDB's rule: never use it after fork).
        return;
    }
    // Closed under the registry's lock, so that no store of this process opens the file again
    // before it is closed (closing a second descriptor would drop the first one's fcntl locks).
    registry& reg = environments();
    std::lock_guard registry_lock(reg.mutex);
    {
        std::lock_guard lock(readers_mutex());
        for (cached_reader* r : readers) {
            if (r->txn != nullptr) ::mdb_txn_abort(r->txn);
            r->txn = nullptr;
            r->env = nullptr;
        }
        readers.clear();
    }
    ::mdb_env_close(env);
    if (auto it = reg.open.find(key); it != reg.open.end() && it->second.expired()) {
        reg.open.erase(it);
    }
}

FLYTECACHE_INLINE void environment::check(int rc, const char* what) const {
    if (rc == MDB_SUCCESS) return;
    if (rc == MDB_MAP_FULL) throw map_full_signal{};
    fail(what, rc);
}

FLYTECACHE_INLINE void environment::fail(const std::string& what, int rc) const {
    const std::string where = "flytecache: lmdb_store: " + file + ": ";
    switch (rc) {
    case MDB_MAP_FULL:
        throw store_error(where + what + ": the map is full at its maximum size (" +
                          std::to_string(max_map_size) +
                          " bytes); raise lmdb_store_options::max_map_size, lower size_limit, or "
                          "clear the cache");
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
        throw store_error(where + what + ": the database is corrupt (" + lmdb_text(rc) +
                          "); remove the directory to start afresh");
    case MDB_PANIC:
        throw store_error(where + what + ": LMDB hit a fatal error earlier (" + lmdb_text(rc) +
                          "); every store on this directory must be destroyed and reopened");
    case MDB_READERS_FULL:
        throw store_error(where + what + ": the reader table is full (" + lmdb_text(rc) +
                          "); raise lmdb_store_options::max_readers (set by the process that "
                          "creates lock.mdb) or use fewer threads");
    case MDB_TXN_FULL:
        throw store_error(where + what + ": too many changes in one transaction (" + lmdb_text(rc) +
                          "); write fewer entries per set_many");
    case ENOSPC:
#if defined(EDQUOT)
    case EDQUOT:
#endif
        throw disk_full_error(where + what + ": the disk is full (" + lmdb_text(rc) +
                              "); nothing was written");
    default: throw store_error(where + what + ": " + lmdb_text(rc));
    }
}

FLYTECACHE_INLINE void environment::resize_locked(std::size_t size) {
    resizing.store(true, std::memory_order_seq_cst);
    if (!heavy_fence()) {
        resizing.store(false, std::memory_order_seq_cst);
        fail("resizing the map: membarrier(2) failed, so readers cannot be known to be out", errno);
    }
    {
        // Wait until no thread is inside a read: the old map is about to be unmapped.
        std::lock_guard lock(readers_mutex());
        for (cached_reader* r : readers) {
            while (r->active.load(std::memory_order_seq_cst)) std::this_thread::yield();
        }
        const int rc = ::mdb_env_set_mapsize(env, size);
        if (rc == MDB_SUCCESS) {
            MDB_envinfo info{};
            if (::mdb_env_info(env, &info) == MDB_SUCCESS) map_size = info.me_mapsize;
        }
        resizing.store(false, std::memory_order_seq_cst);
        check(rc, "resizing the map");
    }
}

FLYTECACHE_INLINE void environment::grow_locked() {
    MDB_envinfo info{};
    check(::mdb_env_info(env, &info), "reading the map size");
    const std::size_t now = info.me_mapsize;
    if (now >= max_map_size) fail("writing", MDB_MAP_FULL);
    const std::size_t next = now > max_map_size / 2 ? max_map_size : now * 2;
    resize_locked(next);
}

FLYTECACHE_INLINE std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// --- the entry record ---------------------------------------------------------------------------

// [0] flags (bit 0: has a deadline) · [1, 9) store sequence · [9, 17) deadline, µs since the
// Unix epoch · the value. Native byte order: an LMDB file is not portable across byte orders.
inline constexpr std::size_t header_size = 17;
inline constexpr unsigned char has_deadline = 1;
inline constexpr std::uint64_t entry_overhead = 64;
inline constexpr std::string_view format_magic = "flytecache-lmdb 2";
inline constexpr std::string_view meta_db_name = "flytecache.meta";

// Entries live in LMDB's main database, beside the records that name the three other databases
// (`flytecache.meta`, `.order`, `.reservations`): a read transaction finds the main database's
// root in the meta page, while a named database's root is looked up again in every transaction
// (~35 ns a get, a quarter of a hit). So that no key can be taken for one of those records, a key
// that begins with "flytecache." — or with the escape byte itself — is stored behind a 0 byte;
// every other key (flytekit's are hex digests) is stored as it is, without a copy.
inline constexpr std::string_view reserved_prefix = "flytecache.";

inline bool needs_escape(std::string_view key) {
    // Most keys are hex digits: the first byte decides without a comparison of the prefix.
    return !key.empty() &&
           (key.front() == '\0' ||
            (key.front() == 'f' && key.size() >= reserved_prefix.size() &&
             std::memcmp(key.data(), reserved_prefix.data(), reserved_prefix.size()) == 0));
}

// A key as the main database holds it. Points into the caller's key, or into its own buffer.
class stored_key {
public:
    explicit stored_key(std::string_view key) {
        if (!needs_escape(key)) [[likely]] {
            view_ = key;
            return;
        }
        // check_key bounds a caller's key to max_key_size, one byte under LMDB's limit; a key
        // read back from the file (an eviction order record, a damaged entry's) is not bounded.
        if (key.size() > lmdb_store::max_key_size) {
            throw store_error("flytecache: lmdb_store: a key of " + std::to_string(key.size()) +
                              " bytes read from the file is longer than any entry's; the file "
                              "is damaged: remove the directory to start afresh");
        }
        buffer_[0] = '\0';
        std::memcpy(buffer_ + 1, key.data(), key.size());
        view_ = std::string_view(buffer_, key.size() + 1);
    }
    stored_key(const stored_key&) = delete;
    stored_key& operator=(const stored_key&) = delete;
    [[nodiscard]] std::string_view view() const noexcept { return view_; }

private:
    std::string_view view_;
    char buffer_[lmdb_store::max_key_size + 1]; // NOLINT: filled only when escaping
};

// The key a main-database record stores an entry under, or empty for another database's record.
inline std::optional<std::string_view> entry_key_of(std::string_view stored) {
    if (!stored.empty() && stored.front() == '\0') return stored.substr(1);
    if (stored.starts_with(reserved_prefix)) return std::nullopt;
    return stored;
}

struct header {
    unsigned char flags = 0;
    std::uint64_t sequence = 0;
    std::int64_t deadline = 0;

    [[nodiscard]] bool expired(std::int64_t now) const {
        return (flags & has_deadline) != 0 && deadline <= now;
    }
    static header read(const char* p) {
        header h;
        h.flags = static_cast<unsigned char>(p[0]);
        std::memcpy(&h.sequence, p + 1, 8);
        std::memcpy(&h.deadline, p + 9, 8);
        return h;
    }
    void write(char* p) const {
        p[0] = static_cast<char>(flags);
        std::memcpy(p + 1, &sequence, 8);
        std::memcpy(p + 9, &deadline, 8);
    }
};

inline MDB_val val_of(std::string_view s) {
    return MDB_val{s.size(), const_cast<char*>(s.data())}; // NOLINT: LMDB never writes keys
}
inline std::string_view view_of(const MDB_val& v) {
    return {static_cast<const char*>(v.mv_data), v.mv_size};
}

inline std::string order_key(std::uint64_t sequence) {
    std::string k(8, '\0');
    for (int i = 7; i >= 0; --i) {
        k[static_cast<std::size_t>(i)] = static_cast<char>(sequence & 0xffU);
        sequence >>= 8;
    }
    return k;
}

FLYTECACHE_INLINE void check_key(std::string_view key) {
    if (key.empty() || key.size() > lmdb_store::max_key_size) {
        throw invalid_argument("flytecache: lmdb_store: keys must be 1 to 510 bytes (LMDB's "
                               "limit, less one byte for escaping); got one of " +
                               std::to_string(key.size()) + " bytes");
    }
}

// The deadline of a write with time to live `ttl` (empty: none).
FLYTECACHE_INLINE header deadline_of(std::optional<float_seconds> ttl, const char* what) {
    header h;
    if (!ttl) return h;
    const double s = ttl->count();
    if (std::isnan(s)) {
        throw invalid_argument(std::string("flytecache: lmdb_store: ") + what +
                               ": the time to live is NaN");
    }
    if (s > 1e11) return h; // about 3000 years: never expires
    h.flags = has_deadline;
    h.deadline = now_us() + (s <= 0 ? 0 : static_cast<std::int64_t>(s * 1e6));
    return h;
}

// --- reads --------------------------------------------------------------------------------------

struct thread_readers {
    std::vector<std::unique_ptr<cached_reader>> list;
    cached_reader* last = nullptr;

    thread_readers() = default;
    thread_readers(const thread_readers&) = delete;
    thread_readers& operator=(const thread_readers&) = delete;
    ~thread_readers() {
        std::lock_guard lock(readers_mutex());
        const unsigned g = fork_generation.load(std::memory_order_relaxed);
        for (auto& r : list) {
            if (r->env == nullptr || r->generation != g) continue; // closed, or an ancestor's
            if (r->txn != nullptr) ::mdb_txn_abort(r->txn);
            std::erase(r->env->readers, r.get());
        }
    }
};

FLYTECACHE_INLINE thread_readers& this_thread_readers() {
    thread_local thread_readers t;
    return t;
}

FLYTECACHE_INLINE cached_reader& reader_for_slow(environment& e, thread_readers& t) {
    for (auto& r : t.list) {
        if (r->serial == e.serial) {
            t.last = r.get();
            return *r;
        }
    }
    auto r = std::make_unique<cached_reader>();
    r->env = &e;
    r->serial = e.serial;
    r->generation = e.generation;
    std::lock_guard lock(readers_mutex());
    // Forget readers of environments closed since (or of an ancestor process's).
    const unsigned g = fork_generation.load(std::memory_order_relaxed);
    std::erase_if(t.list,
                  [&](const auto& old) { return old->env == nullptr || old->generation != g; });
    e.readers.push_back(r.get());
    t.list.push_back(std::move(r));
    t.last = t.list.back().get();
    return *t.last;
}

// The thread's reader of `e`: on the hot path, the one it used last.
inline cached_reader& reader_for(environment& e) {
    thread_readers& t = this_thread_readers();
    if (t.last != nullptr && t.last->serial == e.serial) [[likely]]
        return *t.last;
    return reader_for_slow(e, t);
}

// A read transaction for the duration of one call: the thread's cached one, renewed (begun on
// first use), reset on destruction. Not reentrant: a thread holds one per environment at a time.
class read_scope {
public:
    explicit read_scope(environment& e) : e_(e), r_(reader_for(e)) {
        for (int attempt = 0;; ++attempt) {
            enter_read(r_.active);
            if (e_.resizing.load(std::memory_order_seq_cst)) {
                r_.active.store(false, std::memory_order_seq_cst);
                while (e_.resizing.load(std::memory_order_seq_cst)) std::this_thread::yield();
                continue;
            }
            int rc = r_.txn == nullptr ? ::mdb_txn_begin(e_.env, nullptr, MDB_RDONLY, &r_.txn)
                                       : ::mdb_txn_renew(r_.txn);
            if (rc == MDB_SUCCESS) return;
            if (rc == MDB_READERS_FULL && attempt == 0) {
                int dead = 0;
                (void)::mdb_reader_check(e_.env, &dead); // slots of processes that died
            }
            r_.active.store(false, std::memory_order_seq_cst);
            if (rc == MDB_MAP_RESIZED && attempt < 8) {
                e_.adopt_map_size();
                continue;
            }
            if (rc == MDB_READERS_FULL && attempt == 0) continue;
            // A failed renew leaves the transaction reset: it stays cached for the next call.
            e_.fail("beginning a read transaction", rc);
        }
    }
    read_scope(const read_scope&) = delete;
    read_scope& operator=(const read_scope&) = delete;
    ~read_scope() {
        ::mdb_txn_reset(r_.txn);
        r_.active.store(false, std::memory_order_release);
    }
    [[nodiscard]] MDB_txn* txn() const noexcept { return r_.txn; }

private:
    environment& e_;
    cached_reader& r_;
};

// --- writes -------------------------------------------------------------------------------------

// The counters of the meta database, loaded once per write transaction and stored at its end.
struct write_state {
    environment& e;
    MDB_txn* txn;
    std::uint64_t sequence = 0;
    std::uint64_t volume = 0;
    bool dirty = false;

    // Members in declaration order: load() needs e and txn.
    write_state(environment& env, MDB_txn* t)
        : e(env), txn(t), sequence(load("sequence")), volume(load("volume")) {}
    std::uint64_t load(std::string_view name) {
        MDB_val k = val_of(name);
        MDB_val v;
        const int rc = ::mdb_get(txn, e.meta, &k, &v);
        if (rc == MDB_NOTFOUND) return 0;
        e.check(rc, "reading the meta database");
        if (v.mv_size != 8)
            e.fail("the meta record '" + std::string(name) + "' is damaged", MDB_CORRUPTED);
        std::uint64_t n = 0;
        std::memcpy(&n, v.mv_data, 8);
        return n;
    }
    void save(std::string_view name, std::uint64_t n) {
        MDB_val k = val_of(name);
        MDB_val v{8, &n};
        put_checked(e.meta, k, v, 0);
    }
    void finish() {
        if (!dirty) return;
        save("sequence", sequence);
        save("volume", volume);
    }
    void put_checked(MDB_dbi db, MDB_val& k, MDB_val& v, unsigned flags) {
        const int rc = ::mdb_put(txn, db, &k, &v, flags);
        if (rc == MDB_MAP_FULL) throw map_full_signal{};
        e.check(rc, "writing");
    }
    bool del_checked(MDB_dbi db, MDB_val& k) {
        const int rc = ::mdb_del(txn, db, &k, nullptr);
        if (rc == MDB_NOTFOUND) return false;
        if (rc == MDB_MAP_FULL) throw map_full_signal{};
        e.check(rc, "deleting");
        return true;
    }
    // The entry under `key` (header and value), or empty.
    std::optional<std::pair<header, std::string_view>> find(std::string_view key) {
        const stored_key sk(key);
        MDB_val k = val_of(sk.view());
        MDB_val v;
        const int rc = ::mdb_get(txn, e.entries, &k, &v);
        if (rc == MDB_NOTFOUND) return std::nullopt;
        e.check(rc, "reading");
        if (v.mv_size < header_size)
            e.fail("the entry of a key is damaged (short record)", MDB_CORRUPTED);
        const char* p = static_cast<const char*>(v.mv_data);
        return std::pair{header::read(p),
                         std::string_view(p + header_size, v.mv_size - header_size)};
    }
    // Removes the entry under `key` (given what `find` returned for it).
    void remove(std::string_view key, const header& h, std::size_t value_size) {
        std::string ok = order_key(h.sequence);
        MDB_val okv = val_of(ok);
        del_checked(e.order, okv);
        const stored_key sk(key);
        MDB_val k = val_of(sk.view());
        del_checked(e.entries, k);
        const std::uint64_t cost = key.size() + value_size + entry_overhead;
        volume = volume > cost ? volume - cost : 0;
        dirty = true;
    }
    // Stores `value` under `key` with header `h` (its sequence assigned here); returns it.
    std::uint64_t store(std::string_view key, std::string_view value, header h) {
        if (auto old = find(key)) remove(key, old->first, old->second.size());
        h.sequence = ++sequence;
        std::string ok = order_key(h.sequence);
        MDB_val okv = val_of(ok);
        MDB_val kv = val_of(key);
        put_checked(e.order, okv, kv, 0);
        const stored_key sk(key);
        MDB_val k = val_of(sk.view());
        MDB_val v{header_size + value.size(), nullptr};
        put_checked(e.entries, k, v, MDB_RESERVE);
        char* p = static_cast<char*>(v.mv_data);
        h.write(p);
        if (!value.empty()) std::memcpy(p + header_size, value.data(), value.size());
        volume += key.size() + value.size() + entry_overhead;
        dirty = true;
        return h.sequence;
    }
    // Evicts least recently stored entries until the volume is within `limit`, stopping at
    // sequence `keep_from` (entries this write stored). Returns how many went.
    std::size_t evict(std::uint64_t limit, std::uint64_t keep_from) {
        std::size_t evicted = 0;
        while (limit != 0 && volume > limit) {
            MDB_cursor* c = nullptr;
            e.check(::mdb_cursor_open(txn, e.order, &c), "opening a cursor");
            MDB_val k;
            MDB_val v;
            const int rc = ::mdb_cursor_get(c, &k, &v, MDB_FIRST);
            std::string key = rc == MDB_SUCCESS ? std::string(view_of(v)) : std::string();
            std::uint64_t sequence_of_first = 0;
            if (rc == MDB_SUCCESS && k.mv_size == 8) {
                const auto* b = static_cast<const unsigned char*>(k.mv_data);
                for (int i = 0; i < 8; ++i) sequence_of_first = (sequence_of_first << 8) | b[i];
            }
            ::mdb_cursor_close(c);
            if (rc == MDB_NOTFOUND) break;
            e.check(rc, "reading the eviction order");
            if (keep_from != 0 && sequence_of_first >= keep_from) break;
            // The key comes from the file: one no entry can have has no entry to evict.
            const bool possible = !key.empty() && key.size() <= lmdb_store::max_key_size;
            if (auto old = possible ? find(key) : std::nullopt;
                old && old->first.sequence == sequence_of_first) {
                remove(key, old->first, old->second.size());
                ++evicted;
            } else {
                // An order record without its entry: drop it alone.
                std::string ok = order_key(sequence_of_first);
                MDB_val okv = val_of(ok);
                del_checked(e.order, okv);
            }
        }
        return evicted;
    }
};

// Runs `body(write_state&)` in one write transaction of `e` and commits; on MDB_MAP_FULL grows
// the map and runs it again from the start; on an exception aborts (nothing written).
template <class Body>
auto write(environment& e, Body&& body) {
    std::lock_guard lock(e.writer);
    for (;;) {
        MDB_txn* txn = nullptr;
        int rc = ::mdb_txn_begin(e.env, nullptr, 0, &txn);
        if (rc == MDB_MAP_RESIZED) {
            e.resize_locked(0);
            continue;
        }
        e.check(rc, "beginning a write transaction");
        try {
            write_state w(e, txn);
            auto result = body(w);
            w.finish();
            rc = ::mdb_txn_commit(txn); // frees txn whatever the outcome
            txn = nullptr;
            if (rc == MDB_MAP_FULL) {
                e.grow_locked();
                continue;
            }
            e.check(rc, "committing");
            return result;
        } catch (const map_full_signal&) {
            if (txn != nullptr) ::mdb_txn_abort(txn);
            e.grow_locked();
        } catch (...) {
            if (txn != nullptr) ::mdb_txn_abort(txn);
            throw;
        }
    }
}

// --- opening ------------------------------------------------------------------------------------

FLYTECACHE_INLINE void open_databases(environment& e) {
    MDB_txn* txn = nullptr;
    int rc = ::mdb_txn_begin(e.env, nullptr, 0, &txn);
    // Another process may have grown the file past the map since mdb_env_open read its size; no
    // transaction of this environment exists yet, so adopting the new size needs no waiting.
    for (int attempt = 0; rc == MDB_MAP_RESIZED && attempt < 8; ++attempt) {
        e.check(::mdb_env_set_mapsize(e.env, 0), "adopting the map size");
        rc = ::mdb_txn_begin(e.env, nullptr, 0, &txn);
    }
    e.check(rc, "beginning the opening transaction");
    auto abort_with = [&](const std::string& why) {
        ::mdb_txn_abort(txn);
        throw store_error("flytecache: lmdb_store: " + e.file + ": " + why);
    };
    auto checked = [&](int code, const char* what) {
        if (code != MDB_SUCCESS) {
            ::mdb_txn_abort(txn);
            e.fail(what, code);
        }
    };
    MDB_dbi main = 0;
    checked(::mdb_dbi_open(txn, nullptr, 0, &main), "opening the main database");
    MDB_val k = val_of(meta_db_name);
    MDB_val v;
    rc = ::mdb_get(txn, main, &k, &v);
    const bool fresh = rc == MDB_NOTFOUND;
    if (rc != MDB_SUCCESS && !fresh) checked(rc, "reading the main database");
    if (fresh) {
        MDB_stat st{};
        checked(::mdb_stat(txn, main, &st), "reading the main database");
        if (st.ms_entries != 0) {
            abort_with("an LMDB environment of another application (it has no '" +
                       std::string(meta_db_name) +
                       "' database); give lmdb_store a directory of its own");
        }
    }
    const unsigned create = fresh ? MDB_CREATE : 0U;
    auto open_db = [&](const char* name, MDB_dbi& dbi) {
        rc = ::mdb_dbi_open(txn, name, create, &dbi);
        if (rc == MDB_INCOMPATIBLE || rc == MDB_NOTFOUND) {
            abort_with(std::string("not a flytecache store: its '") + name +
                       "' is missing or not a database (" + lmdb_text(rc) +
                       "); give lmdb_store a directory of its own");
        }
        checked(rc, "opening a database");
    };
    open_db("flytecache.meta", e.meta);
    MDB_val fk = val_of("format");
    if (fresh) {
        MDB_val fv = val_of(format_magic);
        checked(::mdb_put(txn, e.meta, &fk, &fv, 0), "writing the format record");
    } else {
        MDB_val fv;
        rc = ::mdb_get(txn, e.meta, &fk, &fv);
        if (rc == MDB_NOTFOUND) abort_with("not a flytecache store: no format record");
        checked(rc, "reading the format record");
        if (view_of(fv) != format_magic) {
            abort_with("not a flytecache lmdb_store of this format (format record '" +
                       std::string(view_of(fv).substr(0, 64)) + "', expected '" +
                       std::string(format_magic) +
                       "'); it is a cache: remove the directory to start afresh");
        }
    }
    e.entries = main;
    open_db("flytecache.order", e.order);
    open_db("flytecache.reservations", e.reservations);
    rc = ::mdb_txn_commit(txn);
    if (rc == MDB_MAP_FULL) {
        // Only a fresh environment writes here, and four records fit any map LMDB accepts.
        e.fail("creating the databases", rc);
    }
    e.check(rc, "committing the opening transaction");
}

FLYTECACHE_INLINE void check_opened(environment& self, bool existed);

FLYTECACHE_INLINE std::shared_ptr<environment> open_environment(const std::filesystem::path& dir,
                                                                const std::string& key,
                                                                const lmdb_store_options& o) {
    auto e = std::make_shared<environment>();
    e->file = (dir / "data.mdb").string();
    e->key = key;
    e->generation = fork_generation.load(std::memory_order_relaxed);
    e->serial = next_serial.fetch_add(1, std::memory_order_relaxed);
    e->max_map_size = o.max_map_size;
    e->durability = o.durability;
    MDB_env* env = nullptr;
    e->check(::mdb_env_create(&env), "creating the environment");
    auto give_up = [&](const std::string& what, int rc) {
        ::mdb_env_close(env);
        e->fail(what, rc);
    };
    if (int rc = ::mdb_env_set_maxdbs(env, 8); rc != 0) give_up("setting maxdbs", rc);
    if (int rc = ::mdb_env_set_maxreaders(env, o.max_readers); rc != 0) {
        give_up("setting max_readers", rc);
    }
    if (int rc = ::mdb_env_set_mapsize(env, o.initial_map_size); rc != 0) {
        give_up("setting the map size", rc);
    }
    // A truncated data file would fault on access through the map: check its size first.
    struct ::stat before{};
    const bool existed = ::stat(e->file.c_str(), &before) == 0;
    unsigned flags = MDB_NOTLS;
    if (o.durability == lmdb_durability::lazy_meta) flags |= MDB_NOMETASYNC;
    if (o.durability == lmdb_durability::none) flags |= MDB_NOSYNC;
    const int rc = ::mdb_env_open(env, dir.c_str(), flags, 0664);
    if (rc != MDB_SUCCESS) {
        ::mdb_env_close(env);
        if (rc == MDB_INVALID) {
            throw store_error("flytecache: lmdb_store: " + e->file +
                              ": not an LMDB data file (foreign or corrupt: " + lmdb_text(rc) +
                              "); give lmdb_store a directory of its own");
        }
        if (rc == MDB_VERSION_MISMATCH) {
            throw store_error("flytecache: lmdb_store: " + e->file +
                              ": written by an incompatible LMDB version (" + lmdb_text(rc) + ")");
        }
        e->fail("opening the environment", rc);
    }
    e->env = env;
    try {
        check_opened(*e, existed);
        open_databases(*e);
    } catch (...) {
        // Closed here, not by ~environment, which would take the registry lock acquire() holds.
        ::mdb_env_close(env);
        e->env = nullptr;
        throw;
    }
    return e;
}

// Checks an environment just opened: a data file shorter than its pages would fault on access
// through the map. Adopts the map size.
FLYTECACHE_INLINE void check_opened(environment& self, bool existed) {
    environment* e = &self;
    MDB_env* env = e->env;
    if (existed) {
        MDB_envinfo info{};
        MDB_stat st{};
        struct ::stat now{};
        e->check(::mdb_env_info(env, &info), "reading the environment");
        e->check(::mdb_env_stat(env, &st), "reading the environment");
        if (::stat(e->file.c_str(), &now) == 0 &&
            static_cast<std::uint64_t>(now.st_size) <
                (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * st.ms_psize) {
            throw store_error("flytecache: lmdb_store: " + e->file + ": truncated (" +
                              std::to_string(now.st_size) + " bytes, its pages need " +
                              std::to_string((info.me_last_pgno + 1) * st.ms_psize) +
                              "); the database is corrupt, remove the directory");
        }
    }
    {
        MDB_envinfo info{};
        e->check(::mdb_env_info(env, &info), "reading the environment");
        e->map_size = info.me_mapsize;
        if (e->map_size > e->max_map_size) e->max_map_size = e->map_size;
    }
    int dead = 0;
    (void)::mdb_reader_check(env, &dead); // reader slots of processes killed meanwhile
}

// The process's environment on `dir`, opened if no store of this process holds it.
FLYTECACHE_INLINE std::shared_ptr<environment> acquire(const std::filesystem::path& dir,
                                                       const lmdb_store_options& o) {
    watch_forks();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        throw store_error("flytecache: lmdb_store: cannot create " + dir.string() + ": " +
                          ec.message());
    }
    const std::filesystem::path canonical = std::filesystem::canonical(dir, ec);
    if (ec) {
        throw store_error("flytecache: lmdb_store: cannot resolve " + dir.string() + ": " +
                          ec.message());
    }
    const std::string key = canonical.string();
    registry& r = environments();
    std::lock_guard lock(r.mutex);
    const unsigned g = fork_generation.load(std::memory_order_relaxed);
    if (auto it = r.open.find(key); it != r.open.end()) {
        if (auto e = it->second.lock(); e && e->generation == g) {
            // The sync flags belong to the environment, which the process's stores share: a store
            // asking for another durability would silently get the first one's.
            if (e->durability != o.durability) {
                const auto name = [](lmdb_durability d) {
                    return d == lmdb_durability::full        ? std::string("full")
                           : d == lmdb_durability::lazy_meta ? std::string("lazy_meta")
                                                             : std::string("none");
                };
                throw configuration_error(
                    "flytecache: lmdb_store: " + key + " is already open in this process with " +
                    "durability " + name(e->durability) + "; a store asking for " +
                    name(o.durability) +
                    " would get that instead. Open every store of one directory with the same "
                    "durability");
            }
            return e;
        }
    }
    auto e = open_environment(canonical, key, o);
    r.open[key] = e;
    return e;
}

// What an lmdb_store points at.
struct store_state {
    lmdb_store_options opts;
    std::atomic<environment*> env{nullptr};
    std::shared_ptr<environment> owner; // guarded by mutex
    std::mutex mutex;
    std::atomic<bool> counting{false};

    explicit store_state(lmdb_store_options o) : opts(std::move(o)) {
        owner = acquire(opts.directory, opts);
        env.store(owner.get(), std::memory_order_release);
        counting.store(opts.statistics, std::memory_order_relaxed);
    }
    store_state(const store_state&) = delete;
    store_state& operator=(const store_state&) = delete;
    ~store_state() {
        if (owner && owner->generation != fork_generation.load(std::memory_order_relaxed)) {
            // An ancestor's environment: keep it (and its mutexes, which a thread of the parent
            // may have held at fork) alive for good rather than destroy it here.
            new std::shared_ptr<environment>(std::move(owner)); // NOLINT: deliberate leak
        }
    }

    // The environment to use now: after a fork, the child's own.
    environment& current() {
        environment* e = env.load(std::memory_order_acquire);
        if (e->generation == fork_generation.load(std::memory_order_relaxed)) [[likely]] {
            return *e;
        }
        return reopen();
    }
    environment& reopen() {
        std::lock_guard lock(mutex);
        environment* e = env.load(std::memory_order_acquire);
        if (e->generation == fork_generation.load(std::memory_order_relaxed)) return *e;
        auto fresh = acquire(opts.directory, opts);
        // The ancestor's environment stays alive (never closed, see ~store_state), since other
        // threads of this process may still hold its address from before.
        new std::shared_ptr<environment>(std::move(owner)); // NOLINT: deliberate leak
        owner = std::move(fresh);
        env.store(owner.get(), std::memory_order_release);
        return *owner;
    }
};

FLYTECACHE_INLINE void validate(const lmdb_store_options& o) {
    if (o.directory.empty()) {
        throw invalid_argument("flytecache: lmdb_store: options.directory is empty; give the "
                               "directory that holds (or will hold) data.mdb");
    }
    if (o.initial_map_size == 0 || o.max_map_size < o.initial_map_size) {
        throw invalid_argument("flytecache: lmdb_store: options.max_map_size (" +
                               std::to_string(o.max_map_size) +
                               ") must be at least initial_map_size (" +
                               std::to_string(o.initial_map_size) + "), which must not be 0");
    }
    if (o.max_readers == 0) {
        throw invalid_argument("flytecache: lmdb_store: options.max_readers must not be 0");
    }
}

FLYTECACHE_INLINE lmdb_store_options validated(lmdb_store_options o) {
    validate(o);
    return o;
}

} // namespace detail::lmdb

// --- lmdb_store
// -------------------------------------------------------------------------------------

FLYTECACHE_INLINE lmdb_store::lmdb_store(std::filesystem::path directory)
    : lmdb_store(options{.directory = std::move(directory)}) {}

FLYTECACHE_INLINE lmdb_store::lmdb_store(options opts)
    : s_(std::make_unique<detail::lmdb::store_state>(detail::lmdb::validated(std::move(opts)))) {}

FLYTECACHE_INLINE lmdb_store::lmdb_store(lmdb_store&&) noexcept = default;
FLYTECACHE_INLINE lmdb_store& lmdb_store::operator=(lmdb_store&&) noexcept = default;
FLYTECACHE_INLINE lmdb_store::~lmdb_store() = default;

FLYTECACHE_INLINE const std::filesystem::path& lmdb_store::directory() const noexcept {
    return s_->opts.directory;
}

FLYTECACHE_INLINE const lmdb_store::options& lmdb_store::settings() const noexcept {
    return s_->opts;
}

FLYTECACHE_INLINE std::optional<std::string> lmdb_store::get(std::string_view key) {
    detail::lmdb::check_key(key);
    detail::lmdb::environment& e = s_->current();
    std::optional<std::string> out;
    {
        detail::lmdb::read_scope r(e);
        const detail::lmdb::stored_key sk(key);
        MDB_val k = detail::lmdb::val_of(sk.view());
        MDB_val v;
        const int rc = ::mdb_get(r.txn(), e.entries, &k, &v);
        if (rc == MDB_SUCCESS) {
            if (v.mv_size < detail::lmdb::header_size) {
                e.fail("the entry of a key is damaged (short record)", MDB_CORRUPTED);
            }
            const char* p = static_cast<const char*>(v.mv_data);
            if ((static_cast<unsigned char>(p[0]) & detail::lmdb::has_deadline) == 0 ||
                !detail::lmdb::header::read(p).expired(detail::lmdb::now_us())) {
                out.emplace(p + detail::lmdb::header_size, v.mv_size - detail::lmdb::header_size);
            }
        } else if (rc != MDB_NOTFOUND) {
            e.fail("reading", rc);
        }
    }
    if (s_->counting.load(std::memory_order_relaxed)) {
        (out ? e.hits : e.misses).fetch_add(1, std::memory_order_relaxed);
    }
    return out;
}

FLYTECACHE_INLINE std::optional<timed_value> lmdb_store::get_with_ttl(std::string_view key) {
    detail::lmdb::check_key(key);
    detail::lmdb::environment& e = s_->current();
    std::optional<timed_value> out;
    {
        detail::lmdb::read_scope r(e);
        const detail::lmdb::stored_key sk(key);
        MDB_val k = detail::lmdb::val_of(sk.view());
        MDB_val v;
        const int rc = ::mdb_get(r.txn(), e.entries, &k, &v);
        if (rc == MDB_SUCCESS) {
            if (v.mv_size < detail::lmdb::header_size) {
                e.fail("the entry of a key is damaged (short record)", MDB_CORRUPTED);
            }
            const char* p = static_cast<const char*>(v.mv_data);
            const detail::lmdb::header h = detail::lmdb::header::read(p);
            const std::int64_t now = detail::lmdb::now_us();
            if (!h.expired(now)) {
                out.emplace();
                out->value.assign(p + detail::lmdb::header_size,
                                  v.mv_size - detail::lmdb::header_size);
                if ((h.flags & detail::lmdb::has_deadline) != 0) {
                    out->ttl = float_seconds(static_cast<double>(h.deadline - now) / 1e6);
                }
            }
        } else if (rc != MDB_NOTFOUND) {
            e.fail("reading", rc);
        }
    }
    if (s_->counting.load(std::memory_order_relaxed)) {
        (out ? e.hits : e.misses).fetch_add(1, std::memory_order_relaxed);
    }
    return out;
}

FLYTECACHE_INLINE bool lmdb_store::next_values(std::string& after, std::vector<std::string>& out) {
    constexpr std::size_t chunk = 256;
    out.clear();
    detail::lmdb::environment& e = s_->current();
    detail::lmdb::read_scope r(e);
    MDB_cursor* c = nullptr;
    if (const int rc = ::mdb_cursor_open(r.txn(), e.entries, &c); rc != MDB_SUCCESS) {
        e.fail("opening a cursor", rc);
    }
    MDB_val k = detail::lmdb::val_of(after);
    MDB_val v;
    int rc = after.empty() ? ::mdb_cursor_get(c, &k, &v, MDB_FIRST)
                           : ::mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    if (rc == MDB_SUCCESS && !after.empty() && detail::lmdb::view_of(k) == after) {
        rc = ::mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    const std::int64_t now = detail::lmdb::now_us();
    std::size_t seen = 0;
    while (rc == MDB_SUCCESS && seen < chunk) {
        ++seen;
        after.assign(detail::lmdb::view_of(k)); // the stored key: where the next chunk starts
        if (detail::lmdb::entry_key_of(after) && v.mv_size >= detail::lmdb::header_size &&
            !detail::lmdb::header::read(static_cast<const char*>(v.mv_data)).expired(now)) {
            out.emplace_back(detail::lmdb::view_of(v).substr(detail::lmdb::header_size));
        }
        rc = ::mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    ::mdb_cursor_close(c);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) e.fail("scanning entries", rc);
    return rc == MDB_SUCCESS;
}

FLYTECACHE_INLINE std::vector<std::optional<std::string>>
lmdb_store::get_many(std::span<const std::string_view> keys) {
    for (const std::string_view key : keys) detail::lmdb::check_key(key);
    detail::lmdb::environment& e = s_->current();
    std::vector<std::optional<std::string>> out;
    out.reserve(keys.size());
    std::int64_t hits = 0;
    {
        detail::lmdb::read_scope r(e);
        const std::int64_t now = detail::lmdb::now_us();
        for (const std::string_view key : keys) {
            const detail::lmdb::stored_key sk(key);
            MDB_val k = detail::lmdb::val_of(sk.view());
            MDB_val v;
            const int rc = ::mdb_get(r.txn(), e.entries, &k, &v);
            if (rc == MDB_NOTFOUND) {
                out.emplace_back();
                continue;
            }
            if (rc != MDB_SUCCESS) e.fail("reading", rc);
            if (v.mv_size < detail::lmdb::header_size) {
                e.fail("the entry of a key is damaged (short record)", MDB_CORRUPTED);
            }
            const char* p = static_cast<const char*>(v.mv_data);
            if (detail::lmdb::header::read(p).expired(now)) {
                out.emplace_back();
            } else {
                out.emplace_back(std::in_place, p + detail::lmdb::header_size,
                                 v.mv_size - detail::lmdb::header_size);
                ++hits;
            }
        }
    }
    if (s_->counting.load(std::memory_order_relaxed)) {
        e.hits.fetch_add(hits, std::memory_order_relaxed);
        e.misses.fetch_add(static_cast<std::int64_t>(keys.size()) - hits,
                           std::memory_order_relaxed);
    }
    return out;
}

FLYTECACHE_INLINE void lmdb_store::set(std::string_view key, std::string_view value) {
    set(key, value, write_options{});
}

FLYTECACHE_INLINE void lmdb_store::set(std::string_view key, std::string_view value,
                                       const write_options& opts) {
    const key_value item{key, value};
    set_many(std::span<const key_value>(&item, 1), opts);
}

FLYTECACHE_INLINE void lmdb_store::set_many(std::span<const key_value> items,
                                            const write_options& opts) {
    if (opts.tag) {
        throw invalid_argument("flytecache: lmdb_store keeps no tags; write without "
                               "write_options::tag");
    }
    for (const key_value& item : items) detail::lmdb::check_key(item.key);
    if (items.empty()) return;
    const detail::lmdb::header h = detail::lmdb::deadline_of(opts.expire, "set");
    const std::uint64_t limit = s_->opts.size_limit;
    detail::lmdb::write(s_->current(), [&](detail::lmdb::write_state& w) {
        const std::uint64_t first = w.sequence + 1;
        for (const key_value& item : items) (void)w.store(item.key, item.value, h);
        return w.evict(limit, first);
    });
}

FLYTECACHE_INLINE bool lmdb_store::erase(std::string_view key) {
    detail::lmdb::check_key(key);
    return detail::lmdb::write(s_->current(), [&](detail::lmdb::write_state& w) {
        auto old = w.find(key);
        if (!old) return false;
        const bool live = !old->first.expired(detail::lmdb::now_us());
        w.remove(key, old->first, old->second.size());
        return live;
    });
}

FLYTECACHE_INLINE std::size_t lmdb_store::clear() {
    detail::lmdb::environment& e = s_->current();
    return detail::lmdb::write(e, [&](detail::lmdb::write_state& w) {
        // The main database also names the other databases: remove the entries' records only.
        std::vector<std::string> stored;
        MDB_cursor* c = nullptr;
        e.check(::mdb_cursor_open(w.txn, e.entries, &c), "opening a cursor");
        MDB_val k;
        MDB_val v;
        int rc = ::mdb_cursor_get(c, &k, &v, MDB_FIRST);
        while (rc == MDB_SUCCESS) {
            if (detail::lmdb::entry_key_of(detail::lmdb::view_of(k))) {
                stored.emplace_back(detail::lmdb::view_of(k));
            }
            rc = ::mdb_cursor_get(c, &k, &v, MDB_NEXT);
        }
        ::mdb_cursor_close(c);
        if (rc != MDB_NOTFOUND) e.fail("scanning entries", rc);
        for (const std::string& key : stored) {
            MDB_val sk = detail::lmdb::val_of(key);
            (void)w.del_checked(e.entries, sk);
        }
        e.check(::mdb_drop(w.txn, e.order, 0), "clearing");
        w.volume = 0;
        w.dirty = true;
        return stored.size();
    });
}

FLYTECACHE_INLINE bool lmdb_store::touch(std::string_view key, float_seconds ttl) {
    detail::lmdb::check_key(key);
    const detail::lmdb::header fresh = detail::lmdb::deadline_of(ttl, "touch");
    detail::lmdb::environment& e = s_->current();
    return detail::lmdb::write(e, [&](detail::lmdb::write_state& w) {
        auto old = w.find(key);
        if (!old || old->first.expired(detail::lmdb::now_us())) return false;
        detail::lmdb::header h = old->first;
        h.flags = fresh.flags;
        h.deadline = fresh.deadline;
        // The value stays where it is: rewrite the header in a copy of the record.
        std::string record(detail::lmdb::header_size + old->second.size(), '\0');
        h.write(record.data());
        std::memcpy(record.data() + detail::lmdb::header_size, old->second.data(),
                    old->second.size());
        const detail::lmdb::stored_key sk(key);
        MDB_val k = detail::lmdb::val_of(sk.view());
        MDB_val v = detail::lmdb::val_of(record);
        w.put_checked(e.entries, k, v, 0);
        return true;
    });
}

FLYTECACHE_INLINE std::size_t lmdb_store::expire() {
    detail::lmdb::environment& e = s_->current();
    return detail::lmdb::write(e, [&](detail::lmdb::write_state& w) {
        const std::int64_t now = detail::lmdb::now_us();
        std::vector<std::string> expired;
        MDB_cursor* c = nullptr;
        e.check(::mdb_cursor_open(w.txn, e.entries, &c), "opening a cursor");
        MDB_val k;
        MDB_val v;
        int rc = ::mdb_cursor_get(c, &k, &v, MDB_FIRST);
        while (rc == MDB_SUCCESS) {
            const auto key = detail::lmdb::entry_key_of(detail::lmdb::view_of(k));
            if (key && v.mv_size >= detail::lmdb::header_size &&
                detail::lmdb::header::read(static_cast<const char*>(v.mv_data)).expired(now)) {
                expired.emplace_back(*key);
            }
            rc = ::mdb_cursor_get(c, &k, &v, MDB_NEXT);
        }
        ::mdb_cursor_close(c);
        if (rc != MDB_NOTFOUND) e.fail("scanning entries", rc);
        for (const auto& key : expired) {
            if (auto old = w.find(key)) w.remove(key, old->first, old->second.size());
        }
        return expired.size();
    });
}

FLYTECACHE_INLINE store_stats lmdb_store::stats(bool enable, bool reset) {
    detail::lmdb::environment& e = s_->current();
    store_stats old{.hits = e.hits.load(std::memory_order_relaxed),
                    .misses = e.misses.load(std::memory_order_relaxed)};
    if (reset) {
        old.hits = e.hits.exchange(0, std::memory_order_relaxed);
        old.misses = e.misses.exchange(0, std::memory_order_relaxed);
    }
    s_->counting.store(enable, std::memory_order_relaxed);
    return old;
}

FLYTECACHE_INLINE std::uint64_t lmdb_store::volume() {
    detail::lmdb::environment& e = s_->current();
    detail::lmdb::read_scope r(e);
    MDB_val k = detail::lmdb::val_of("volume");
    MDB_val v;
    const int rc = ::mdb_get(r.txn(), e.meta, &k, &v);
    if (rc == MDB_NOTFOUND) return 0;
    if (rc != MDB_SUCCESS) e.fail("reading the volume", rc);
    std::uint64_t n = 0;
    if (v.mv_size == 8) std::memcpy(&n, v.mv_data, 8);
    return n;
}

FLYTECACHE_INLINE std::uint64_t lmdb_store::size_limit() const noexcept {
    return s_->opts.size_limit;
}

FLYTECACHE_INLINE std::size_t lmdb_store::size() {
    detail::lmdb::environment& e = s_->current();
    detail::lmdb::read_scope r(e);
    MDB_stat st{};
    if (const int rc = ::mdb_stat(r.txn(), e.entries, &st); rc != MDB_SUCCESS) {
        e.fail("counting entries", rc);
    }
    // Less the records that are not entries (the named databases', and any other whose key
    // begins with "flytecache.", which scans skip too): they sort together, so count them there.
    MDB_cursor* c = nullptr;
    if (const int rc = ::mdb_cursor_open(r.txn(), e.entries, &c); rc != MDB_SUCCESS) {
        e.fail("opening a cursor", rc);
    }
    MDB_val k = detail::lmdb::val_of(detail::lmdb::reserved_prefix);
    MDB_val v;
    std::size_t others = 0;
    int rc = ::mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    while (rc == MDB_SUCCESS && !detail::lmdb::entry_key_of(detail::lmdb::view_of(k))) {
        ++others;
        rc = ::mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    ::mdb_cursor_close(c);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) e.fail("counting entries", rc);
    const auto all = static_cast<std::size_t>(st.ms_entries);
    return all > others ? all - others : 0;
}

FLYTECACHE_INLINE std::size_t lmdb_store::cull() {
    const std::size_t expired = expire();
    const std::uint64_t limit = s_->opts.size_limit;
    return expired + detail::lmdb::write(s_->current(), [&](detail::lmdb::write_state& w) {
               return w.evict(limit, 0);
           });
}

FLYTECACHE_INLINE bool lmdb_store::try_reserve(std::string_view key, std::string_view owner,
                                               float_seconds ttl) {
    detail::lmdb::check_key(key);
    if (!(ttl.count() > 0)) { // NaN too
        throw invalid_argument("flytecache: lmdb_store: try_reserve needs a positive time to "
                               "live; got " +
                               std::to_string(ttl.count()) + " s");
    }
    const detail::lmdb::header h = detail::lmdb::deadline_of(ttl, "try_reserve");
    const std::int64_t deadline =
        h.flags != 0 ? h.deadline : std::numeric_limits<std::int64_t>::max();
    detail::lmdb::environment& e = s_->current();
    return detail::lmdb::write(e, [&](detail::lmdb::write_state& w) {
        MDB_val k = detail::lmdb::val_of(key);
        MDB_val v;
        const int rc = ::mdb_get(w.txn, e.reservations, &k, &v);
        if (rc == MDB_SUCCESS) {
            if (v.mv_size < 8) e.fail("a reservation record is damaged", MDB_CORRUPTED);
            std::int64_t held_until = 0;
            std::memcpy(&held_until, v.mv_data, 8);
            const std::string_view holder = detail::lmdb::view_of(v).substr(8);
            if (holder != owner && held_until > detail::lmdb::now_us()) return false;
        } else if (rc != MDB_NOTFOUND) {
            e.fail("reading a reservation", rc);
        }
        std::string record(8 + owner.size(), '\0');
        std::memcpy(record.data(), &deadline, 8);
        if (!owner.empty()) std::memcpy(record.data() + 8, owner.data(), owner.size());
        MDB_val rv = detail::lmdb::val_of(record);
        w.put_checked(e.reservations, k, rv, 0);
        return true;
    });
}

FLYTECACHE_INLINE bool lmdb_store::release(std::string_view key, std::string_view owner) {
    detail::lmdb::check_key(key);
    detail::lmdb::environment& e = s_->current();
    return detail::lmdb::write(e, [&](detail::lmdb::write_state& w) {
        MDB_val k = detail::lmdb::val_of(key);
        MDB_val v;
        const int rc = ::mdb_get(w.txn, e.reservations, &k, &v);
        if (rc == MDB_NOTFOUND) return false;
        if (rc != MDB_SUCCESS) e.fail("reading a reservation", rc);
        if (v.mv_size < 8 || detail::lmdb::view_of(v).substr(8) != owner) return false;
        (void)w.del_checked(e.reservations, k);
        return true;
    });
}

FLYTECACHE_NAMESPACE_END
