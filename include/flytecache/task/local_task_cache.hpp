// flytecache — local_task_cache: flytekit's LocalTaskCache (outputs by task, version, inputs)
// SPDX-License-Identifier: MIT
#pragma once

// local_task_cache: flytekit's LocalTaskCache (task outputs by task, version and inputs).

#include <flytecache/config.hpp>
#include <flytecache/detail/log_line.hpp>
#include <flytecache/error.hpp>
#include <flytecache/key/flytekit_local.hpp>
#include <flytecache/key/key_scheme.hpp>
#include <flytecache/literal/blob_walk.hpp>
#include <flytecache/literal/decode.hpp>
#include <flytecache/literal/encode.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/store/blob_area.hpp>
#include <flytecache/store/cache_store.hpp>
#include <flytecache/store/group_commit.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// flytekit's local-cache switches (`LocalConfig`): whether local executions use the cache at all,
/// and whether they skip lookups and overwrite what is stored.
struct local_cache_config {
    /// `FLYTE_LOCAL_CACHE_ENABLED` (default on): when off, `get` always misses and `set` stores
    /// nothing.
    bool enabled = true;
    /// `FLYTE_LOCAL_CACHE_OVERWRITE` (default off): when on, `get` always misses, so every call
    /// runs, and `set` replaces the stored outputs.
    bool overwrite = false;

    /// Reads the two environment variables with flytekit's rule for booleans: unset keeps the
    /// default; empty, `false`, `0`, `off` and `no` (any case) are false; anything else is true.
    [[nodiscard]] static local_cache_config from_environment();

    [[nodiscard]] static bool parse_flag(std::string_view text) noexcept;

private:
    static bool read_flag(const char* name, bool fallback);
};

/// flytekit's local cache location, `~/.flyte/local-cache`, with `~` found as Python's
/// `os.path.expanduser` finds it: `$HOME`, or — when `HOME` is unset or empty — the home directory
/// the password database gives the current user (so a service or cron job without `HOME` still
/// shares the cache flytekit uses for that user).
/// @throws configuration_error when neither says where home is (pass a location explicitly then).
[[nodiscard]] std::filesystem::path default_local_cache_location();

/// A cache entry that could not be used: its key and why (the store's or the decoder's message).
struct bad_cache_entry {
    std::string key;
    std::string reason;
};

/// What a lookup found: the usable outputs, or why an entry that is there cannot be used.
struct cache_lookup {
    /// The stored outputs, when the entry exists and can be used.
    std::optional<literal_map> outputs;
    /// Non-empty when an entry was there but could not be used (it does not decode, or a file or
    /// directory it points at is gone or changed); the lookup then counts as a miss.
    std::string unusable;
};

/// `cache_lookup` for outputs already converted to a task's output type.
template <class Out>
struct typed_cache_lookup {
    /// The stored outputs, when the entry exists, decodes and converts.
    std::optional<Out> outputs;
    /// Non-empty when an entry was there but could not be used; the lookup then counts as a miss.
    std::string unusable;
};

/// An output file of a stored entry that a hit cannot use, and why.
struct output_file_problem {
    std::string output;  ///< the name of the output (in the task's outputs) that points at it
    std::string message; ///< why: gone, changed in place, or a directory that lost files
};

/// The first output of `m` whose file, in the blob area `area_of()` returns, a hit cannot use:
/// the one rule for "are this entry's output files whole", which a hit and the command-line
/// tool's `check` both apply. Files outside the area (written by Python, remote URIs) are used
/// as they are and never a problem. A content-hashed output (its literal carries a hash) is
/// checked byte for byte; the others by existence, and a directory by its manifest (names and
/// sizes). `area_of` (returning `const blob_area*`, null for a store without one) is called at
/// most once, and only when `m` references a local file.
template <class AreaOf>
[[nodiscard]] std::optional<output_file_problem> first_output_file_problem(const literal_map& m,
                                                                           AreaOf&& area_of) {
    std::optional<output_file_problem> problem;
    const blob_area* area = nullptr;
    bool looked = false;
    detail::for_each_blob(m, [&](const blob& b, const literal& owner, std::string_view output) {
        if (problem || !detail::is_local_uri(b.uri)) return;
        if (!looked) {
            area = std::invoke(area_of);
            looked = true;
        }
        const std::filesystem::path p(detail::local_path_of(b.uri));
        if (area == nullptr || !area->owns(p)) return; // not ours: used as it is
        if (auto why = area->problem(p, owner.hash.has_value() && !owner.hash->empty())) {
            problem = output_file_problem{std::string(output), std::move(*why)};
        }
    });
    return problem;
}

/// The same for the blob area `area`.
[[nodiscard]] std::optional<output_file_problem> first_output_file_problem(const literal_map& m,
                                                                           const blob_area& area);

/// Removes from `area` the output files no entry of `store` references (entries are decoded as
/// LiteralMaps; those that do not decode reference nothing) and that were not placed within
/// `grace` (a writer may be about to store the entry that points at them), and temporary copies
/// left by crashed writers. What `local_task_cache::collect_garbage` and the command-line tool's
/// `gc` run.
/// @throws store_error when the store cannot be listed (then nothing is removed).
template <enumerable_store Store>
blob_sweep_report collect_unreferenced_blobs(Store& store, blob_area& area,
                                             std::chrono::duration<double> grace) {
    std::set<std::string> referenced;
    store.for_each_value([&](std::string_view bytes) {
        literal_map m;
        try {
            m = decode_literal_map(bytes);
        } catch (const error&) { // NOLINT(bugprone-empty-catch): not ours to keep alive
            return;
        }
        detail::for_each_blob(m, [&](const blob& b, const literal&, std::string_view) {
            if (!detail::is_local_uri(b.uri)) return;
            // A path inside a directory blob keeps that whole blob alive.
            if (auto owner = area.blob_of(detail::local_path_of(b.uri))) {
                referenced.insert(owner->string());
            }
        });
    });
    return area.sweep(referenced, grace);
}

/// flytekit's `LocalTaskCache`: task outputs (a LiteralMap) stored under the key of the task's
/// name, cache version and inputs, in any `cache_store`.
///
/// With the defaults (`sqlite_store` at `~/.flyte/local-cache`, `keys::flytekit_local`) it reads
/// and writes the very entries flytekit's local cache does: the same keys, and the outputs as
/// serialized LiteralMap bytes. A Python step and a C++ step with equal names, versions and inputs
/// share them.
///
/// Output files belong to the cache. When a task execution stores its outputs (`store_outputs`,
/// what `executor` calls), those that are local files or directories (Blob literals whose URI is
/// a path) are copied, before the entry is stored, into the store's blob area
/// (`blob_area`; for `sqlite_store` `<cache dir>/blobs`), and the stored literal points at the
/// copy — as flytekit's local execution copies outputs to a fresh raw-output location. So a later
/// run that overwrites or deletes the task's own file cannot change what a hit returns. A hit
/// whose copy is gone (or, for a content-hashed output, was changed) is an unusable entry: a miss,
/// reported, never an exception and never stale data. Entries that point elsewhere (written by
/// Python, or remote URIs such as `s3://…`) are used as they are. Copies no entry references any
/// more are removed by `clear`, `erase`, `collect_garbage` (which also runs by itself every
/// `options::gc_interval` while entries are written) and the command-line tool.
///
/// A broken cache never breaks a run: an entry that fails to decode (or a store that fails to
/// read) is reported through the `on_bad_entry` handler (by default one line on `std::clog`) and
/// treated as a miss; a failed write is reported and dropped. Set `strict` to get the exceptions
/// (an entry whose output file is gone stays a reported miss even then: recomputing is the fix).
///
/// Thread safety: as safe as `Store` (every flytecache store is); `initialize` is idempotent and
/// may race with itself.
template <cache_store Store, key_scheme Keys = keys::flytekit_local>
class local_task_cache {
public:
    struct options {
        local_cache_config config = local_cache_config::from_environment();
        /// Called for each unusable entry or failed write; empty: report on `std::clog`.
        std::function<void(const bad_cache_entry&)> on_bad_entry{};
        /// Let store and decode errors propagate instead of reporting them.
        bool strict = false;
        Keys keys{};
        /// Where output files are kept; empty: the store's `blob_directory()` (see
        /// `file_hosting_store`). With neither, an output that is a local file or directory is a
        /// configuration_error when it is stored.
        std::optional<std::filesystem::path> blob_directory{};
        /// Blobs placed more recently than this are never swept: a writer may be about to store
        /// the entry that points at them.
        std::chrono::duration<double> blob_grace = std::chrono::minutes(10);
        /// How often writes also run `collect_garbage` (for entries removed by eviction, expiry or
        /// other processes); zero or less: never by itself. Needs an `enumerable_store`.
        std::chrono::duration<double> gc_interval = std::chrono::minutes(10);
        /// With a store whose writes each pay a commit (`group_commit_pays`: SQLite, LMDB): task
        /// executions that store their outputs at the same moment (async calls completing together)
        /// share one transaction (`group_commit`) instead of one commit each. A lone write is not
        /// delayed, and every write has committed when `store_outputs` returns. False: one `set`
        /// per entry.
        bool group_writes = true;
    };

    /// A cache over an already open store.
    explicit local_task_cache(Store store, options opts = {})
        : store_(std::move(store)), opts_(std::move(opts)) {}

    /// A cache that opens `Store(location)` on first use (flytekit's lazy `initialize`).
    explicit local_task_cache(std::filesystem::path location, options opts = {})
        requires std::constructible_from<Store, std::filesystem::path>
        : location_(std::move(location)), opts_(std::move(opts)) {}

    /// A cache at flytekit's location, `~/.flyte/local-cache`, opened on first use.
    local_task_cache()
        requires std::constructible_from<Store, std::filesystem::path>
        : local_task_cache(default_local_cache_location()) {}

    local_task_cache(const local_task_cache&) = delete;
    local_task_cache& operator=(const local_task_cache&) = delete;

    /// Opens the store if it is not open yet (flytekit's `initialize`); the other calls do this
    /// themselves. @throws store_error if the store cannot be opened.
    void initialize() {
        if (ready_.load(std::memory_order_acquire)) {
            return;
        }
        std::lock_guard lock(init_mutex_);
        if (!store_) {
            if constexpr (std::constructible_from<Store, std::filesystem::path>) {
                store_.emplace(location_);
            }
        }
        ready_.store(true, std::memory_order_release);
    }

    /// The outputs stored for these inputs, or empty (a miss, a disabled or overwriting cache, or
    /// an entry that could not be used — which is reported).
    [[nodiscard]] std::optional<literal_map> get(std::string_view task_name,
                                                 std::string_view cache_version,
                                                 const literal_map& inputs,
                                                 std::span<const std::string> ignored_inputs = {}) {
        if (!opts_.config.enabled || opts_.config.overwrite) {
            return std::nullopt;
        }
        return get_entry(make_key(task_name, cache_version, inputs, ignored_inputs));
    }

    /// The outputs stored under `key` (from `make_key`), with `get`'s rules: a miss when caching
    /// is disabled or in overwrite mode, and an unusable entry reported and treated as a miss
    /// unless `strict`. Tasks use this to compute a key once per call.
    [[nodiscard]] std::optional<literal_map> get_entry(const std::string& key) {
        return lookup(key).outputs;
    }

    /// The outputs stored under `key` converted by `from_map` (`Out from_map(const literal_map&)`,
    /// e.g. a task's `outputs_from_map`), with `get`'s rules. An entry that does not decode, whose
    /// output file is gone, or that `from_map` refuses (the output types changed without a version
    /// bump) is one kind of unusable entry: reported once and a miss, or thrown when `strict`.
    template <class Out, class FromMap>
    [[nodiscard]] std::optional<Out> get_entry(const std::string& key, FromMap&& from_map) {
        return lookup_as<Out>(key, std::forward<FromMap>(from_map)).outputs;
    }

    /// `get_entry` that also says why an entry was not usable. With `honour_overwrite` false, an
    /// overwriting cache still reads (a serialized call uses that to pick up the result another
    /// caller just computed); with `report` false, an unusable entry is not reported (`explain`).
    /// @throws what the store or decoder throws, only when `strict` (never for a missing file).
    [[nodiscard]] cache_lookup lookup(const std::string& key, bool honour_overwrite = true,
                                      bool report = true) {
        auto found = lookup_as<literal_map>(
            key, [](literal_map& m) -> literal_map { return std::move(m); }, honour_overwrite,
            report);
        return {std::move(found.outputs), std::move(found.unusable)};
    }

    /// The one place the bad-entry rule lives: the stored bytes are read, decoded, checked for
    /// their output files and converted by `from_map` under one `try`. Whatever fails makes the
    /// entry unusable: counted and reported once (when `report`), a miss, or rethrown when
    /// `strict` and `report` (a missing or changed output file is never thrown). `executor::run`
    /// and `executor::explain` both go through here, so `explain` calls "cached" exactly what
    /// `run` would use.
    template <class Out, class FromMap>
    [[nodiscard]] typed_cache_lookup<Out> lookup_as(const std::string& key, FromMap&& from_map,
                                                    bool honour_overwrite = true,
                                                    bool report = true) {
        typed_cache_lookup<Out> out;
        if (!opts_.config.enabled || (honour_overwrite && opts_.config.overwrite)) {
            return out;
        }
        try {
            std::optional<std::string> bytes = store().get(key);
            if (!bytes) {
                return out;
            }
            literal_map outputs = decode_literal_map(*bytes);
            if (std::optional<std::string> problem = blob_problem(outputs)) {
                out.unusable = std::move(*problem);
            } else {
                out.outputs.emplace(std::invoke(from_map, outputs));
            }
        } catch (const error& e) {
            if (opts_.strict && report) {
                throw;
            }
            out.outputs.reset();
            out.unusable = e.what();
        }
        if (!out.unusable.empty() && report) report_bad_entry({key, out.unusable});
        return out;
    }

    /// Stores `outputs` for these inputs (as flytekit does: the serialized LiteralMap bytes), as
    /// given: like flytekit's `LocalTaskCache.set`, this does not copy files (flytekit's task
    /// execution uploads them before it caches; `executor` and `store_outputs` do the same here).
    void set(std::string_view task_name, std::string_view cache_version, const literal_map& inputs,
             std::span<const std::string> ignored_inputs, const literal_map& outputs) {
        set_entry(make_key(task_name, cache_version, inputs, ignored_inputs), outputs);
    }

    /// Stores `outputs` under `key` (from `make_key`), with `set`'s rules. Advances `generation`.
    void set_entry(const std::string& key, const literal_map& outputs) {
        if (!opts_.config.enabled) {
            return;
        }
        const generation_bump bump{generation_};
        try {
            store().set(key, encode(outputs));
        } catch (const store_error& e) {
            if (opts_.strict) {
                throw;
            }
            report_bad_entry({key, std::string("write failed: ") + e.what()});
        }
    }

    /// What a task execution stores: `outputs` under `key`, after copying its local files and
    /// directories into the blob area and pointing `outputs` at the copies; `true` when it
    /// rewrote `outputs` (the caller hands the rewritten values on, so that they too point at data
    /// the cache owns). Nothing happens when caching is disabled. A write the store refuses (or a
    /// copy the blob area cannot make) is reported and dropped unless `strict`, and `outputs` is
    /// then left as it was. Unlike `set_entry`, it leaves `generation` as it is: it is the
    /// executor's own write, which updates the executor's typed tier itself (to store outputs of
    /// your own, use `set_entry`).
    /// @throws configuration_error when an output is a local file but no blob directory is known;
    ///         task_error when an output names a file or directory that does not exist.
    /// With `expire` (a store that models `expiring_store`), the entry is written with that time
    /// to live.
    bool store_outputs(const std::string& key, literal_map& outputs,
                       std::optional<float_seconds> expire = std::nullopt) {
        if (!opts_.config.enabled) {
            return false;
        }
        literal_map placed;
        const literal_map* to_store = &outputs;
        bool rewritten = false;
        try {
            if (has_local_blobs(outputs)) {
                placed = outputs;
                place_blobs(placed);
                to_store = &placed;
                rewritten = true;
            }
            if (expire) {
                if constexpr (expiring_store<Store>) {
                    write_entry(key, encode(*to_store), write_options{.expire = expire});
                } else {
                    throw configuration_error("flytecache: an entry with a time to live needs a "
                                              "store that can expire entries (expiring_store)");
                }
            } else {
                write_entry(key, encode(*to_store), {});
            }
        } catch (const store_error& e) {
            if (opts_.strict) {
                throw;
            }
            report_bad_entry({key, std::string("write failed: ") + e.what()});
            return false;
        }
        if (rewritten) {
            outputs = std::move(placed);
            maybe_collect_garbage();
        }
        return rewritten;
    }

    /// Removes the entry under `key` (`true` if there was one) and then the output files it
    /// pointed at that no other entry references (when the store can list its entries). Advances
    /// `generation`.
    bool erase(const std::string& key) {
        const generation_bump bump{generation_};
        std::optional<std::string> bytes;
        try {
            bytes = store().get(key);
        } catch (const error&) { // NOLINT(bugprone-empty-catch): an unreadable entry owns no blobs
                                 // we can name
        }
        const bool removed = store().erase(key);
        if (removed && bytes && owns_any_blob(*bytes)) {
            if constexpr (enumerable_store<Store>) {
                (void)collect_garbage();
            }
        }
        return removed;
    }

    /// Removes every entry (flytekit's `clear`) and every output file kept for them. Advances
    /// `generation`.
    void clear() {
        const generation_bump bump{generation_};
        store().clear();
        if (blob_area* area = blobs()) area->clear();
    }

    /// Removes the output files that no entry references any more: left by evicted, expired or
    /// erased entries, by entries Python or another process removed, and by writers that crashed
    /// between copying a file and storing its entry. Blobs placed within `options::blob_grace`
    /// are kept. Entries that do not decode are skipped (they reference nothing usable).
    /// @throws store_error when the store cannot be listed (then nothing is removed).
    blob_sweep_report collect_garbage()
        requires enumerable_store<Store>
    {
        blob_area* area = blobs();
        if (area == nullptr) return {};
        last_gc_.store(clock::now().time_since_epoch().count(), std::memory_order_relaxed);
        return collect_unreferenced_blobs(store(), *area, opts_.blob_grace);
    }

    /// The blob area output files are kept in, or nullptr when there is none (a store without a
    /// blob directory, and none given in the options).
    [[nodiscard]] blob_area* blobs() {
        std::call_once(blobs_once_, [&] {
            if (opts_.blob_directory) {
                blobs_.emplace(*opts_.blob_directory);
            } else if constexpr (file_hosting_store<Store>) {
                if (std::optional<std::filesystem::path> dir = store().blob_directory()) {
                    blobs_.emplace(*dir);
                }
            }
        });
        return blobs_ ? &*blobs_ : nullptr;
    }

    /// The key these arguments are stored under.
    [[nodiscard]] std::string make_key(std::string_view task_name, std::string_view cache_version,
                                       const literal_map& inputs,
                                       std::span<const std::string> ignored_inputs = {}) const {
        return std::string(opts_.keys.make_key(task_name, cache_version, inputs, ignored_inputs));
    }

    /// The underlying store (opened if needed).
    Store& store() {
        initialize();
        return *store_; // NOLINT(bugprone-unchecked-optional-access): initialize() opened it
    }
    [[nodiscard]] const local_cache_config& config() const noexcept { return opts_.config; }
    /// How many unusable entries and failed writes have been reported.
    [[nodiscard]] std::uint64_t bad_entries() const noexcept { return bad_entries_.load(); }

    /// Counts an unusable entry and passes it to `on_bad_entry` (by default, a line on std::clog).
    void report_bad_entry(const bad_cache_entry& bad) {
        bad_entries_.fetch_add(1, std::memory_order_relaxed);
        if (opts_.on_bad_entry) {
            opts_.on_bad_entry(bad);
        } else {
            detail::log_line("flytecache: local cache entry '" + bad.key +
                             "' is unusable and counts as a miss (the call runs and stores its "
                             "outputs anew; local_task_cache::erase(key) or `flytecache rm` "
                             "removes it): " +
                             bad.reason);
        }
    }
    /// Whether unusable entries throw instead of counting as misses.
    [[nodiscard]] bool strict() const noexcept { return opts_.strict; }

    /// A counter advanced after every change made through this cache other than a task
    /// execution's own write (`set`, `set_entry`, `erase`, `clear`; not `store_outputs`), also
    /// when the change fails part-way. An executor's typed tier stamps each entry with the value
    /// it read before it looked in the store, and uses an entry only while the counter still has
    /// that value: whatever this cache removes or replaces is never answered from the tier.
    [[nodiscard]] std::uint64_t generation() const noexcept {
        return generation_.load(std::memory_order_acquire);
    }

private:
    using clock = std::chrono::steady_clock;

    // Advances the generation when the change is over (or has failed): a reader that saw the old
    // value read the store before the change finished, so what it learnt is stamped stale.
    struct generation_bump {
        explicit generation_bump(std::atomic<std::uint64_t>& c) noexcept : counter_(c) {}
        generation_bump(const generation_bump&) = delete;
        generation_bump& operator=(const generation_bump&) = delete;
        ~generation_bump() { counter_.fetch_add(1, std::memory_order_release); }

    private:
        std::atomic<std::uint64_t>& counter_;
    };

    static bool has_local_blobs(const literal_map& m) {
        bool any = false;
        detail::for_each_blob(m, [&](const blob& b, const literal&, std::string_view) {
            any = any || detail::is_local_uri(b.uri);
        });
        return any;
    }

    bool owns_any_blob(std::string_view bytes) {
        blob_area* area = blobs();
        if (area == nullptr) return false;
        bool any = false;
        try {
            const literal_map m = decode_literal_map(bytes);
            detail::for_each_blob(m, [&](const blob& b, const literal&, std::string_view) {
                any = any ||
                      (detail::is_local_uri(b.uri) && area->owns(detail::local_path_of(b.uri)));
            });
        } catch (const error&) { // NOLINT(bugprone-empty-catch): undecodable: owns nothing
        }
        return any;
    }

    // Copies every local file and directory of `m` into the blob area and points `m` at them.
    void place_blobs(literal_map& m) {
        detail::for_each_blob(m, [&](blob& b, const literal&, std::string_view output) {
            if (!detail::is_local_uri(b.uri)) return;
            blob_area* area = blobs();
            if (area == nullptr) {
                throw configuration_error(
                    "flytecache: output '" + std::string(output) + "' is the local path '" + b.uri +
                    "', but this cache has no blob directory to keep a copy in (a path alone "
                    "would be wrong on another machine, or after the file changes); give the "
                    "store a blob directory shared by every machine that uses it (e.g. "
                    "redis_options::blob_directory) or executor_options::blob_directory");
            }
            const std::filesystem::path source(detail::local_path_of(b.uri));
            const auto refuse = [&](const std::string& why) {
                return task_error("flytecache: output '" + std::string(output) +
                                  "' names the file or directory '" + b.uri +
                                  "', which cannot be kept: " + why);
            };
            std::error_code ec;
            const bool multipart =
                b.metadata && b.metadata->type &&
                b.metadata->type->dimensionality == blob_dimensionality::multipart;
            if (!source.empty() && std::filesystem::exists(source, ec) &&
                multipart != std::filesystem::is_directory(source, ec)) {
                throw refuse(multipart ? "a directory output names something that is not a "
                                         "directory"
                                       : "a file output names a directory (return a "
                                         "flytecache::directory for that)");
            }
            try {
                if (area->is_blob(source)) { // already the cache's: keep it as it is
                    if (!std::filesystem::exists(source, ec)) {
                        throw refuse("it is a blob of this cache that no longer exists");
                    }
                    b.uri = area->blob_of(source)->generic_string();
                    return;
                }
                b.uri = area->place(source).generic_string();
            } catch (const invalid_argument& e) {
                throw refuse(std::string(e.what()) +
                             " (a task must write its output files before it returns)");
            } catch (const std::filesystem::filesystem_error& e) {
                throw refuse(e.what());
            }
        });
    }

    std::optional<std::string> blob_problem(const literal_map& m) {
        auto problem =
            first_output_file_problem(m, [this]() -> const blob_area* { return blobs(); });
        if (!problem) return std::nullopt;
        return std::move(problem->message);
    }

    void maybe_collect_garbage() {
        if constexpr (enumerable_store<Store>) {
            if (opts_.gc_interval.count() <= 0) return;
            const auto now = clock::now().time_since_epoch().count();
            auto last = last_gc_.load(std::memory_order_relaxed);
            const auto interval =
                std::chrono::duration_cast<clock::duration>(opts_.gc_interval).count();
            if (now - last < interval) return;
            // One writer runs it; the others go on.
            if (!last_gc_.compare_exchange_strong(last, now, std::memory_order_relaxed)) return;
            try {
                (void)collect_garbage();
            } catch (const error& e) {
                report_bad_entry(
                    {"", std::string("collecting unreferenced output files failed: ") + e.what()});
            }
        }
    }

    // A task execution's write: through the group commit when the store can batch.
    void write_entry(const std::string& key, const std::string& bytes, const write_options& wo) {
        if constexpr (group_commit_pays<Store>) {
            if (opts_.group_writes) {
                commits_.set(store(), key, bytes, wo);
                return;
            }
        }
        if (!wo.expire) {
            store().set(key, bytes);
        } else if constexpr (expiring_store<Store>) {
            store().set(key, bytes, wo);
        } else {
            throw configuration_error("flytecache: an entry with a time to live needs a store "
                                      "that can expire entries (expiring_store)");
        }
    }

    std::optional<Store> store_;
    std::filesystem::path location_;
    options opts_;
    std::mutex init_mutex_;
    std::atomic<bool> ready_{false};
    std::atomic<std::uint64_t> bad_entries_{0};
    std::atomic<std::uint64_t> generation_{0};
    std::once_flag blobs_once_;
    std::optional<blob_area> blobs_;
    std::atomic<clock::rep> last_gc_{clock::now().time_since_epoch().count()};
    group_commit commits_;
};

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/task/local_task_cache.ipp>
#endif
