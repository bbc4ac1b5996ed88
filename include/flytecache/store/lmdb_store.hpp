// flytecache — lmdb_store: a persistent cache in a memory-mapped LMDB environment
// SPDX-License-Identifier: MIT
#pragma once

// lmdb_store: an embedded, multi-process store on LMDB for sub-microsecond persistent hits. Link
// flytecache::lmdb (liblmdb). Not part of the umbrella header flytecache.hpp (nor of the single
// header), so that users of the other stores never need liblmdb. <lmdb.h> is included only by
// lmdb_store.ipp: the environment lives behind an opaque pointer.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/cache_store.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// How a commit of `lmdb_store` reaches the disk (LMDB's sync flags).
enum class lmdb_durability {
    /// Flush data and meta page before a write returns (LMDB's default): a returned write
    /// survives a process kill and a system crash. Costs one or two fsyncs per write.
    full,
    /// One flush per commit, the meta page lazily (`MDB_NOMETASYNC`): a system crash may undo the
    /// last commit but leaves the store consistent. A process kill loses nothing.
    lazy_meta,
    /// No flush (`MDB_NOSYNC`): a process kill loses nothing (the OS still writes the pages), but
    /// a system crash may lose recent writes or corrupt the store. Fastest writes.
    none,
};

/// How `lmdb_store` opens its environment (`lmdb_store::options`).
struct lmdb_store_options {
    /// The directory holding `data.mdb` and `lock.mdb`; created if missing.
    std::filesystem::path directory;
    /// The size bound in bytes (`bounded_store`): a write that takes `volume()` past it evicts the
    /// least recently stored entries until it holds again. 0: unbounded. The default is
    /// diskcache's (1 GiB). Each store enforces its own bound on its own writes.
    std::uint64_t size_limit = std::uint64_t{1} << 30;
    /// The memory map the environment starts with (rounded by LMDB to whole pages). An
    /// environment that already holds more keeps its size.
    std::size_t initial_map_size = std::size_t{64} << 20;
    /// The map never grows past this; a write that needs more throws `store_error`. Address
    /// space only: the file holds the pages in use, not the map.
    std::size_t max_map_size = sizeof(std::size_t) >= 8 ? std::size_t{1} << 36 // 64 GiB
                                                        : std::size_t{1} << 30;
    /// Slots of LMDB's reader table, shared by every process using the directory: each thread
    /// that reads through a store holds one until it exits (see `lmdb_store`). Only the process
    /// that creates the lock file sets it.
    unsigned max_readers = 1024;
    /// Count hits and misses from the start (as `stats(true)`).
    bool statistics = false;
    /// What a returned write survives. The environment is shared by the stores of a process on
    /// one directory: a store that asks for another durability than the open environment's is a
    /// `configuration_error` (it would silently get the other one).
    lmdb_durability durability = lmdb_durability::full;
};

namespace detail::lmdb {
struct store_state; // defined in lmdb_store.ipp, beside <lmdb.h>
// For tests: whether readers fence with membarrier(2) (`true`, where the kernel allows it) or with
// locked stores (`false`). Returns the previous setting. Safe at any time: a registered process's
// resizer calls membarrier whichever way its readers fence.
bool fence_readers_with_membarrier(bool on) noexcept;
} // namespace detail::lmdb

/// A `cache_store` in an LMDB environment (a memory-mapped, copy-on-write B+tree): a hit is a map
/// lookup and one copy, a few hundred nanoseconds, and the cache survives restarts and crashes.
///
/// Models `cache_store`, `expiring_store`, `ttl_reporting_store`, `statistics_store`,
/// `bounded_store`, `reserving_store`, `batching_store`, `file_hosting_store` and
/// `enumerable_store` (not `tagged_store`). The file format is flytecache's own (not diskcache's
/// and not readable by Python): four databases in `<directory>/data.mdb`,
///
/// | database | key → value |
/// | --- | --- |
/// | main (unnamed) | key → 17-byte header (flags, store sequence, deadline) + value |
/// | `flytecache.meta` | `format` → `flytecache-lmdb 2` (the magic), `sequence`, `volume` |
/// | `flytecache.order` | big-endian store sequence → key (eviction order) |
/// | `flytecache.reservations` | key → deadline + owner |
///
/// The main database also holds the three records that name the others. The entries are there
/// because LMDB finds its root without a lookup, where a named database's root is looked up
/// again in every read transaction (a quarter of a hit). A key beginning with `flytecache.` or
/// with a 0 byte is stored behind one 0 byte, so that no key can be mistaken for a database's
/// record. Format 1 (entries in a named database) is refused with a `store_error`; the directory
/// is a cache, so removing it is the remedy.
///
/// A directory whose `data.mdb` is not LMDB, was written by an incompatible LMDB, is truncated,
/// or is another application's LMDB environment (no `flytecache.meta`, or another magic) is a
/// `store_error` naming the file, raised by the constructor; nothing is written to it. LMDB does
/// not checksum pages, so damage inside a valid-looking file is found only where LMDB notices it
/// (`MDB_CORRUPTED`, `MDB_PAGE_NOTFOUND`: `store_error`). The environment must be the store's
/// alone: a program that opens `data.mdb` itself and creates a database of its own there puts
/// that database's record among the entries, where LMDB's API cannot tell it from one (a `get`
/// of its name would read the record's bytes; `clear()` and a `set` of that name fail).
///
/// Keys are 1 to 510 bytes (LMDB's key limit, less the escape byte); others are
/// `invalid_argument`. Values may be any size the map can hold.
///
/// Eviction (`size_limit`): `volume()` is an estimate kept in the environment, the bytes of the
/// keys and values plus 64 per entry. When a write (`set`, `set_many`) takes it past the bound,
/// the same transaction removes entries in the order they were last stored (least recently
/// stored first — reads do not count, so a hit stays read-only) until it holds, never an entry
/// that write just stored. `cull()` removes expired entries, then evicts the same way.
///
/// Expiry: a deadline in the entry; `get` treats a passed one as a miss, `expire()` and `cull()`
/// remove such entries (a full scan).
///
/// Statistics: hits and misses are counted in this process, in atomic counters shared by every
/// `lmdb_store` of the process on the same directory (counting in the file would cost a write
/// transaction per `get`); they are not persisted nor shared with other processes.
///
/// Durability: every write is one LMDB transaction, committed before it returns, so a write that
/// returned survives the process being killed (SIGKILL) and, with `lmdb_durability::full` (the
/// default: an fsync per write, milliseconds on slow disks), the machine crashing; see
/// `lmdb_durability` for the faster trade-offs. `set_many` is all or nothing, one commit.
///
/// Map size: the map starts at `initial_map_size` and doubles (up to `max_map_size`) when a
/// write finds it full; the write is then repeated. A process that sees another process's larger
/// map adopts it. Past `max_map_size`: `store_error` ("map is full"), nothing written.
///
/// Thread and process safety: one `lmdb_store` may be used from any number of threads at once,
/// and any number of `lmdb_store` objects and processes may use one directory. LMDB allows one
/// environment per file per process, so every store of a process on one directory (by canonical
/// path) shares one environment, opened by the first and closed with the last. Reads never wait
/// for writers (MVCC); writers are serialized across threads and processes. Each thread keeps
/// one read transaction per environment, reset between calls (it holds a reader slot, not a
/// snapshot, so old pages are not pinned), so a hit allocates nothing but the returned string;
/// the slot is given back when the thread exits or the environment closes. A map resize waits
/// until no thread of the process is inside a read.
///
/// fork(): the child never touches its parent's environment (LMDB forbids it; closing it would
/// also drop the child's own file locks): every store the child inherited opens the directory
/// afresh on its first call there, and the parent's environment is left unused and unclosed in
/// the child. Fork from a thread that is not inside a call on a store; what other threads of the
/// parent were doing is never resumed in the child. After exec the descriptors are closed
/// (LMDB's CLOEXEC).
///
/// Not supported: read-only directories (opening writes the format record, or checks it in a
/// write transaction), network filesystems (LMDB's locks need a local one), Windows.
/// A moved-from store may only be destroyed or assigned to.
///
/// See docs/concepts.md#cache_store.
class lmdb_store {
public:
    /// Every write is a write transaction with its own commit (and, by default, fsync), so
    /// concurrent task writes are combined (`group_commit_pays`).
    static constexpr bool commits_each_write = true;
    /// How the store opens its environment: see `lmdb_store_options`.
    using options = lmdb_store_options;

    /// Opens (creating if needed) the store in `directory` with the default options.
    explicit lmdb_store(std::filesystem::path directory);

    /// Opens (creating if needed) the store described by `opts`.
    /// @throws invalid_argument when `opts.directory` is empty or the map sizes are inconsistent.
    /// @throws store_error when the directory cannot be created, or its `data.mdb` is not a
    ///         flytecache LMDB store (foreign, corrupt, truncated, incompatible LMDB).
    explicit lmdb_store(options opts);

    lmdb_store(lmdb_store&&) noexcept;
    lmdb_store& operator=(lmdb_store&&) noexcept;
    lmdb_store(const lmdb_store&) = delete;
    lmdb_store& operator=(const lmdb_store&) = delete;
    ~lmdb_store();

    /// The directory given at construction.
    [[nodiscard]] const std::filesystem::path& directory() const noexcept;

    /// The options given at construction.
    [[nodiscard]] const options& settings() const noexcept;

    /// Where task output files of the entries are kept: `<directory>/blobs` (see `blob_area`).
    [[nodiscard]] std::filesystem::path blob_directory() const { return directory() / "blobs"; }

    // --- cache_store -----------------------------------------------------------------------------

    /// The bytes stored under `key`, or empty when missing or expired. One read transaction (the
    /// thread's, renewed), one lookup, one copy.
    /// @throws invalid_argument for an empty key or one longer than 510 bytes.
    /// @throws store_error when the entry is damaged or LMDB fails.
    [[nodiscard]] std::optional<std::string> get(std::string_view key);

    /// Stores `value` under `key` with no expiry, replacing any previous entry; may evict (see
    /// the class comment). Durable when it returns.
    void set(std::string_view key, std::string_view value);

    /// As `set(key, value)`, expiring after `opts.expire` (0 or less: already expired; infinite:
    /// never).
    /// @throws invalid_argument when `opts.expire` is NaN or `opts.tag` is given (no tags here).
    void set(std::string_view key, std::string_view value, const write_options& opts);

    /// Removes `key`; `true` when there was a live entry.
    bool erase(std::string_view key);

    /// Removes every entry (not reservations) in one transaction; returns how many there were.
    std::size_t clear();

    /// `get` plus the time the entry has left to live (empty: it never expires).
    [[nodiscard]] std::optional<timed_value> get_with_ttl(std::string_view key);

    // --- expiring_store --------------------------------------------------------------------------

    /// Gives the live entry under `key` a new time to live counted from now (0 or less: expired;
    /// infinite: never). Not a store: the eviction order is unchanged. `false` when none.
    /// @throws invalid_argument when `ttl` is NaN.
    bool touch(std::string_view key, float_seconds ttl);

    /// Removes the entries whose deadline has passed (a full scan); returns how many.
    std::size_t expire();

    // --- statistics_store ------------------------------------------------------------------------

    /// The hit and miss counters as they were (this process's, on this directory); then counting
    /// by this object is turned on or off and, if `reset`, the counters are zeroed.
    store_stats stats(bool enable = true, bool reset = false);

    // --- bounded_store ---------------------------------------------------------------------------

    /// The estimated size in bytes: keys and values plus 64 per entry, expired entries included.
    [[nodiscard]] std::uint64_t volume();
    /// `options::size_limit` (0: unbounded).
    [[nodiscard]] std::uint64_t size_limit() const noexcept;
    /// Removes expired entries, then evicts least recently stored entries until `volume()` is
    /// within `size_limit()`; returns how many entries went.
    std::size_t cull();
    /// Number of entries, expired ones included.
    [[nodiscard]] std::size_t size();

    // --- reserving_store -------------------------------------------------------------------------

    /// Takes or renews the reservation of `key` for `owner` for `ttl` (see `reserving_store`); one
    /// write transaction, so it is exclusive across threads and processes.
    /// @throws invalid_argument when `ttl` is NaN, zero or negative.
    bool try_reserve(std::string_view key, std::string_view owner, float_seconds ttl);
    /// Gives up `owner`'s reservation of `key`; `true` if `owner` held it.
    bool release(std::string_view key, std::string_view owner);

    // --- batching_store --------------------------------------------------------------------------

    /// Stores every item in one write transaction: all or none (an exception leaves the store as
    /// it was). A key given twice ends with its last value. Evicts once, after the last item.
    void set_many(std::span<const key_value> items, const write_options& opts = {});

    /// The values of `keys` in their order (a miss as empty), read in one read transaction, so
    /// from one snapshot.
    [[nodiscard]] std::vector<std::optional<std::string>>
    get_many(std::span<const std::string_view> keys);

    // --- enumerable_store ------------------------------------------------------------------------

    /// Calls `f(std::string_view value)` for every live entry, in key order. Reads 256 entries per
    /// read transaction and calls `f` outside it (so `f` may use the store); entries written or
    /// removed meanwhile may or may not be seen. Not an access (no statistics).
    template <class F>
        requires std::invocable<F&, std::string_view>
    void for_each_value(F&& f) {
        std::vector<std::string> chunk;
        std::string after;
        bool more = true;
        while (more) {
            more = next_values(after, chunk);
            for (const std::string& v : chunk) f(std::string_view(v));
        }
    }

    /// The longest key: LMDB's limit (511 bytes) less the byte that escapes a key beginning
    /// with `flytecache.` or a 0 byte.
    static constexpr std::size_t max_key_size = 510;

private:
    // Fills `out` with the values of up to 256 live entries whose keys follow `after` (all keys
    // when `after` is empty) and sets `after` to the last key read; `false` when none remain.
    bool next_values(std::string& after, std::vector<std::string>& out);

    std::unique_ptr<detail::lmdb::store_state> s_;
};

static_assert(cache_store<lmdb_store>);
static_assert(expiring_store<lmdb_store>);
static_assert(statistics_store<lmdb_store>);
static_assert(bounded_store<lmdb_store>);
static_assert(reserving_store<lmdb_store>);
static_assert(batching_store<lmdb_store>);
static_assert(ttl_reporting_store<lmdb_store>);
static_assert(file_hosting_store<lmdb_store>);
static_assert(enumerable_store<lmdb_store>);

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/lmdb_store.ipp>
#endif
