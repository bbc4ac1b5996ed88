// flytecache — executor: runs tasks through a store as flytekit's local execution does
// SPDX-License-Identifier: MIT
#pragma once

// executor: runs tasks through a store the way flytekit's local execution does (key, lookup, run
// with retries, store), exactly once per key under serialize.

#include <flytecache/config.hpp>
#include <flytecache/detail/log_line.hpp>
#include <flytecache/error.hpp>
#include <flytecache/key/flytekit_local.hpp>
#include <flytecache/key/key_scheme.hpp>
#include <flytecache/literal/blob_walk.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/store/blob_area.hpp>
#include <flytecache/store/cache_store.hpp>
#include <flytecache/task/explain.hpp>
#include <flytecache/task/local_task_cache.hpp>
#include <flytecache/task/observer.hpp>
#include <flytecache/task/task_concepts.hpp>
#include <flytecache/task/task_metadata.hpp>
#include <flytecache/task/typed_tier.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <concepts>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN

namespace detail {
// Owner tokens name the host and process (readable in the store when debugging) and carry a
// per-process random part, so two hosts with one PID never share a token.
std::string make_owner_token();
} // namespace detail

/// How an executor caches, waits and reports. Defaults suit interactive work and CI alike.
struct executor_options {
    /// flytekit's FLYTE_LOCAL_CACHE_ENABLED / FLYTE_LOCAL_CACHE_OVERWRITE.
    local_cache_config config = local_cache_config::from_environment();
    /// Called for an entry that cannot be used (it counts as a miss); default: a line on std::clog.
    std::function<void(const bad_cache_entry&)> on_bad_entry{};
    /// Unusable entries and failed writes throw instead of counting as misses.
    bool strict = false;
    /// Serialize: how often the running owner renews its reservation.
    float_seconds heartbeat_interval{5.0};
    /// Serialize: how long a reservation outlives its last renewal, so that a crashed owner's
    /// reservation lapses and a waiter takes over. 0 means three heartbeat intervals.
    float_seconds reservation_ttl{0.0};
    /// Serialize: the longest pause between a waiter's checks (it starts at 1 ms and doubles).
    float_seconds poll_interval{0.05};
    /// Serialize: give up waiting for another owner after this long (task_timeout_error). Unset:
    /// wait as long as the owner keeps its reservation alive.
    std::optional<float_seconds> max_wait{};
    /// Deprecation warnings (once per task name and executor); default: a line on std::clog.
    std::function<void(std::string_view)> on_warning{};
    /// Where output files are kept; empty: the store's own blob directory (see
    /// `local_task_cache::options::blob_directory`).
    std::optional<std::filesystem::path> blob_directory{};
    /// Output files placed more recently than this are never swept (a writer may be about to
    /// store the entry that points at them); `local_task_cache::options::blob_grace`.
    float_seconds blob_grace = std::chrono::minutes(10);
    /// How often writes that keep output files also sweep the ones no entry references;
    /// zero: never by itself. `local_task_cache::options::gc_interval`.
    float_seconds gc_interval = std::chrono::minutes(10);
    /// Calls whose outputs are stored at the same moment (`submit`ted calls completing together)
    /// share one transaction when each write to the store pays a commit (`group_commit_pays`:
    /// SQLite, LMDB); `local_task_cache::options::group_writes`.
    bool group_writes = true;
    /// The typed in-process tier in front of the store (see `typed_tier`): set it to memoize the
    /// outputs of repeated calls by their C++ argument values, so that such a call skips the
    /// literals, the key and the store. Unset (the default): every call goes to the store.
    std::optional<typed_tier_options> typed_tier{};

    /// The longest interval, lifetime or wait the options take (about 11.6 days): longer ones are
    /// mistakes, and would overflow the clocks they are converted to.
    static constexpr double max_seconds = 1e6;

    /// Checks the serialize timings: every interval positive and finite, and the reservation
    /// lifetime at least twice the heartbeat interval, so that a running owner always renews its
    /// reservation before it lapses (otherwise a waiter would take over a live owner's work, and
    /// identical calls would run more than once). `executor` calls it on construction.
    /// @throws configuration_error naming the setting.
    void validate() const;

    /// The reservation lifetime in effect: `reservation_ttl`, or three heartbeat intervals.
    [[nodiscard]] float_seconds effective_reservation_ttl() const noexcept {
        return reservation_ttl.count() != 0 ? reservation_ttl : 3 * heartbeat_interval;
    }
};

/// Runs tasks through a `cache_store`: computes the key (flytekit's local cache key by default),
/// returns the stored outputs on a hit, and otherwise runs the task (retrying up to its `retries`),
/// stores the outputs and returns them. With `serialize`, identical concurrent calls — in other
/// threads or other processes sharing the store — run the task once: the first caller takes a
/// reservation (owner, expiry, heartbeat) and the others wait for its stored result, taking over
/// if its reservation lapses.
///
/// Thread safety: `run`, `submit` and `explain` may be called concurrently from any threads (the
/// store must be thread-safe, as every flytecache store is). The executor must outlive the
/// futures `submit` returns.
template <cache_store Store, key_scheme Keys = keys::flytekit_local,
          task_observer Observer = no_observer>
class executor {
public:
    using store_type = Store;

    /// @throws configuration_error when `options` fail `executor_options::validate`.
    explicit executor(Store store, executor_options options = {}, Observer observer = {})
        : results_(std::move(store), cache_options(options)),
          opts_(std::move(options)),
          observer_(std::move(observer)),
          tier_(make_tier(opts_)) {}

    /// A store opened (lazily, on the first call) at `location`.
    explicit executor(std::filesystem::path location, executor_options options = {},
                      Observer observer = {})
        requires std::constructible_from<Store, std::filesystem::path>
        : results_(std::move(location), cache_options(options)),
          opts_(std::move(options)),
          observer_(std::move(observer)),
          tier_(make_tier(opts_)) {}

    executor(const executor&) = delete;
    executor& operator=(const executor&) = delete;

    /// Calls `task` with `args` through the cache and returns its outputs.
    ///
    /// Output files and directories are copied into the store's blob area before they are stored,
    /// and the returned outputs point at those copies (see `local_task_cache`). With a typed tier
    /// (`executor_options::typed_tier`), a call of a `typed_tier_eligible_v` task whose equal
    /// arguments the tier has seen returns a copy of the memoized outputs without touching the
    /// store (see `typed_tier` for what it memoizes, and what it cannot see).
    /// @throws whatever the task throws after its last retry; configuration_error for a
    ///         serialized task on a store without reservations (on every call, hit or miss, cache
    ///         on or off), or for file outputs on a store without a blob directory;
    ///         task_timeout_error past `max_wait`.
    template <class Task, class... Args>
        requires executable_task<Task, Args...>
    typename Task::output_type run(const Task& task, Args&&... args) {
        static_assert(!Task::serialized_statically || reserving_store<Store>,
                      "flytecache: this task is serialized, but the executor's store cannot hold "
                      "reservations (it has no try_reserve/release); use sqlite_store, "
                      "memory_store or another reserving_store");
        if constexpr (!reserving_store<Store>) {
            if (task.metadata().cache_serialize) {
                throw configuration_error(
                    "flytecache: task '" + std::string(task.name()) +
                    "' is serialized (cache_serialize), but the executor's store cannot hold "
                    "reservations, so identical calls could run more than once; use "
                    "sqlite_store, memory_store or another reserving_store");
            }
        }
        warn_if_deprecated(task);
        if constexpr (typed_tier_eligible_v<Task, Args...>) {
            // Tasks with max_age bypass the tier: their entries expire on the store's clock.
            if (tier_ && task.metadata().cache && results_.config().enabled &&
                !task.metadata().cache_max_age) {
                return run_tiered(task, std::forward<Args>(args)...);
            }
        }
        typename Task::call_type call = task.prepare(std::forward<Args>(args)...);
        return run_prepared(task, call);
    }

    /// `run` on another thread: independent calls proceed concurrently, and identical serialized
    /// calls still run once. The task and the arguments are copied into the call.
    template <class Task, class... Args>
        requires executable_task<Task, Args...>
    std::future<typename Task::output_type> submit(const Task& task, Args&&... args) {
        return std::async(
            std::launch::async,
            [this, t = task](std::decay_t<Args>... a) { return run(t, std::move(a)...); },
            std::forward<Args>(args)...);
    }

    /// The parts of this call's key, and whether the store holds it, without running anything.
    template <class Task, class... Args>
        requires executable_task<Task, Args...>
    call_explanation explain(const Task& task, Args&&... args) {
        typename Task::call_type call = task.prepare(std::forward<Args>(args)...);
        call_explanation e;
        e.task = std::string(task.name());
        e.cache_enabled = task.metadata().cache;
        if (!e.cache_enabled) return e;
        task.explain_version(e);
        key_files_by_content(call.inputs);
        e.inputs = detail::explain_inputs(call.inputs, task.ignored_inputs());
        e.key = results_.make_key(task.name(), task.version(), call.inputs, task.ignored_inputs());
        // The rule `run` applies (local_task_cache::lookup_as, overwrite mode included), without
        // reporting: cached means a call would hit.
        e.overwrite = results_.config().overwrite;
        e.cached = results_
                       .template lookup_as<typename Task::output_type>(
                           e.key, outputs_from_map_of(task), true, false)
                       .outputs.has_value();
        return e;
    }

    /// The typed tier, or nullptr when `executor_options::typed_tier` is unset. Its `clear` forgets
    /// everything it memoized (after changing the store behind the executor's back); `stats`
    /// counts its hits.
    flytecache::typed_tier* tier() noexcept { return tier_.get(); }

    /// The local cache the executor reads and writes (for `clear`, `bad_entries`, …).
    local_task_cache<Store, Keys>& cache() noexcept { return results_; }
    /// The store (opened if needed).
    Store& store() { return results_.store(); }
    Observer& observer() noexcept { return observer_; }
    [[nodiscard]] const executor_options& options() const noexcept { return opts_; }

private:
    using clock = std::chrono::steady_clock;
    static constexpr bool observing = detail::observing_v<Observer>;

    static std::unique_ptr<flytecache::typed_tier> make_tier(const executor_options& o) {
        if (!o.typed_tier) return nullptr;
        return std::make_unique<flytecache::typed_tier>(*o.typed_tier);
    }

    // A prepared call of a cached or uncached task: the key, the lookup, the run and the write.
    template <class Task>
    typename Task::output_type run_prepared(const Task& task, typename Task::call_type& call) {
        if (!task.metadata().cache) {
            return run_body(task, call, std::string_view{});
        }
        if constexpr (!expiring_store<Store>) {
            if (task.metadata().cache_max_age) {
                throw configuration_error(
                    "flytecache: task '" + std::string(task.name()) +
                    "' has a cache max_age, but the executor's store cannot expire entries; use "
                    "sqlite_store, memory_store, redis_store or another expiring_store");
            }
        }
        if (results_.config().enabled) key_files_by_content(call.inputs);
        const std::string key =
            results_.make_key(task.name(), task.version(), call.inputs, task.ignored_inputs());
        if (auto hit = lookup(task, key, true)) {
            return std::move(*hit);
        }
        if constexpr (reserving_store<Store>) {
            if (task.metadata().cache_serialize && results_.config().enabled) {
                return results_.config().overwrite ? run_overwriting(task, call, key)
                                                   : run_serialized(task, call, key);
            }
        }
        auto out = run_body(task, call, key);
        put(task, key, out);
        return out;
    }

    // A call through the typed tier. The arguments are converted to the parameter types but not
    // to literals; equal arguments under the task's identity, stored in the cache's current
    // generation, answer at once. Otherwise the call goes the usual way (the literals, the key,
    // the store, the run) and what it returns is memoized, stamped with the generation read
    // before the store was: an entry the cache changed meanwhile is never used. In overwrite mode
    // the tier is not read (every call recomputes) and each result replaces its entry.
    template <class Task, class... Args>
    typename Task::output_type run_tiered(const Task& task, Args&&... args) {
        using out_type = typename Task::output_type;
        using args_tuple = typename Task::args_tuple;
        typename Task::call_type call = task.bind_arguments(std::forward<Args>(args)...);
        const auto probe = [&]<std::size_t... I>(std::index_sequence<I...>) {
            return std::tuple<const std::tuple_element_t<I, args_tuple>&...>(
                call.template arg<I>()...);
        }(std::make_index_sequence<std::tuple_size_v<args_tuple>>{});
        const typed_tier_identity id{&detail::tier_type_tag<Task>, task.name(), task.version(),
                                     task.ignored_inputs()};
        const std::size_t hash = flytecache::typed_tier::hash_of(id, probe);
        const std::uint64_t generation = results_.generation();
        if (!results_.config().overwrite) {
            const auto start = now_if_observing();
            if (auto hit =
                    tier_->template find<args_tuple, out_type>(id, hash, probe, generation)) {
                emit(task, task_event_kind::hit, std::string_view{}, start);
                return std::move(*hit);
            }
        }
        task.build_inputs(call);
        out_type out = run_prepared(task, call);
        // The cache changed during the call: what it learnt may be stale, and a newer entry
        // another call stored must not be replaced by it.
        if (results_.generation() == generation) {
            tier_->template insert<args_tuple, out_type>(id, hash, probe, out, generation);
        }
        return out;
    }

    static typename local_task_cache<Store, Keys>::options
    cache_options(const executor_options& o) {
        o.validate();
        typename local_task_cache<Store, Keys>::options c;
        c.config = o.config;
        c.on_bad_entry = o.on_bad_entry;
        c.strict = o.strict;
        c.blob_directory = o.blob_directory;
        c.blob_grace = o.blob_grace;
        c.gc_interval = o.gc_interval;
        c.group_writes = o.group_writes;
        return c;
    }

    static clock::time_point now_if_observing() {
        if constexpr (observing) {
            return clock::now();
        } else {
            return {};
        }
    }

    template <class Task>
    void emit(const Task& task, task_event_kind kind, std::string_view key, clock::time_point since,
              int attempt = 0, const std::exception_ptr& error = {}, std::string_view reason = {}) {
        if constexpr (observing) {
            observer_(task_event{
                kind, task.name(), key,
                std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - since), attempt,
                error, reason});
        }
    }

    template <class Task>
    void warn_if_deprecated(const Task& task) {
        const std::string& message = task.metadata().deprecated;
        if (message.empty()) return;
        {
            std::lock_guard lock(warned_mutex_);
            if (!warned_.emplace(task.name()).second) return;
        }
        const std::string text =
            "flytecache: task '" + std::string(task.name()) + "' is deprecated: " + message;
        if (opts_.on_warning) {
            opts_.on_warning(text);
        } else {
            detail::log_line(text);
        }
    }

    template <class Task>
    static auto outputs_from_map_of(const Task& task) {
        return [&task](const literal_map& m) { return task.outputs_from_map(m); };
    }

    // The stored outputs as the task's values. An entry that no longer converts (the output types
    // changed without a version bump) is an unusable entry, like an undecodable one or one whose
    // output file is gone: reported (a `stale` event) and a miss.
    template <class Task>
    std::optional<typename Task::output_type> lookup(const Task& task, const std::string& key,
                                                     bool report_outcome,
                                                     bool honour_overwrite = true) {
        const auto start = now_if_observing();
        auto found = results_.template lookup_as<typename Task::output_type>(
            key, outputs_from_map_of(task), honour_overwrite);
        if (!found.unusable.empty()) {
            emit(task, task_event_kind::stale, key, start, 0, {}, found.unusable);
        }
        if (report_outcome) {
            emit(task, found.outputs ? task_event_kind::hit : task_event_kind::miss, key, start);
        }
        return std::move(found.outputs);
    }

    // A local file or directory input is keyed by its content, not its path: a path alone would
    // let an input rewritten in place (or a relative path from another directory) hit the entry
    // of different bytes. The hash goes in the literal's `hash` (flytekit's hash placement, as a
    // `content_file` has). Inputs that carry a hash already, remote URIs, and paths that do not
    // exist (an output location the task will write) keep their keys. Outputs of this cache are
    // named by their content, so they are hashed from their names.
    void key_files_by_content(literal_map& inputs) {
        detail::for_each_blob(inputs, [&](const blob& b, literal& owner, std::string_view) {
            if ((owner.hash && !owner.hash->empty()) || !detail::is_local_uri(b.uri)) return;
            const std::filesystem::path p(detail::local_path_of(b.uri));
            std::error_code ec;
            if (p.empty() || !std::filesystem::exists(p, ec)) return;
            blob_area* area = results_.blobs();
            owner.hash = area != nullptr ? area->content_hash(p) : blob_area::hash_content(p);
        });
    }

    // Stores the outputs (their files copied into the blob area) and points `out` at the copies.
    template <class Task>
    void put(const Task& task, const std::string& key, typename Task::output_type& out) {
        if (!results_.config().enabled) return;
        const auto start = now_if_observing();
        literal_map stored = task.outputs_to_map(out);
        // max_age: the entry is written with that time to live, in the same write (an entry
        // never exists without it, even if the process dies right after).
        std::optional<float_seconds> expire;
        if (const auto& max_age = task.metadata().cache_max_age) expire = float_seconds(*max_age);
        if (results_.store_outputs(key, stored, expire)) out = task.outputs_from_map(stored);
        emit(task, task_event_kind::put, key, start);
    }

    template <class Task>
    typename Task::output_type run_body(const Task& task, typename Task::call_type& call,
                                        std::string_view key) {
        const int attempts = task.metadata().retries + 1;
        for (int attempt = 1;; ++attempt) {
            const auto start = now_if_observing();
            try {
                auto out = task.execute(call);
                emit(task, task_event_kind::run, key, start, attempt);
                return out;
            } catch (...) {
                const bool last = attempt >= attempts;
                emit(task, last ? task_event_kind::error : task_event_kind::retry, key, start,
                     attempt, std::current_exception());
                if (last) throw;
            }
        }
    }

    [[nodiscard]] float_seconds reservation_ttl() const {
        return opts_.effective_reservation_ttl();
    }

    // Owner tokens name the host and process (readable in the store when debugging) and carry a
    // per-process random part, so two hosts with one PID never share a token.
    static std::string make_owner_token() { return detail::make_owner_token(); }

    // Renews the reservation while the owner runs. A failed renewal (a busy store) is retried at
    // the next beat; the reservation only lapses if renewals fail for a whole ttl.
    class heartbeat {
    public:
        heartbeat(Store& store, const std::string& key, const std::string& owner, float_seconds ttl,
                  float_seconds interval)
            : thread_([&store, &key, &owner, ttl, interval, this](std::stop_token stop) {
                  std::unique_lock lock(mutex_);
                  while (!stop.stop_requested()) {
                      cv_.wait_for(lock, stop,
                                   std::chrono::duration_cast<std::chrono::nanoseconds>(interval),
                                   [&] { return stop.stop_requested(); });
                      if (stop.stop_requested()) break;
                      try {
                          (void)store.try_reserve(key, owner, ttl);
                      } catch (...) { // NOLINT(bugprone-empty-catch)
                          // A missed renewal is retried next interval; if they all fail the
                          // reservation lapses and a waiter takes over, which serialize allows.
                      }
                  }
              }) {}
        heartbeat(const heartbeat&) = delete;
        heartbeat& operator=(const heartbeat&) = delete;
        ~heartbeat() {
            thread_.request_stop();
            thread_.join();
        }

    private:
        std::mutex mutex_;
        std::condition_variable_any cv_;
        std::jthread thread_; // last: started after the members it uses
    };

    class reservation {
    public:
        reservation(Store& store, const std::string& key, const std::string& owner)
            : store_(store), key_(key), owner_(owner) {}
        reservation(const reservation&) = delete;
        reservation& operator=(const reservation&) = delete;
        ~reservation() {
            try {
                (void)store_.release(key_, owner_);
            } catch (...) { // NOLINT(bugprone-empty-catch)
                // The reservation then lapses after its ttl; waiters take over or find the result.
            }
        }

    private:
        Store& store_;
        const std::string& key_;
        const std::string& owner_;
    };

    // Exactly once across threads and processes: the first caller to reserve the key runs the
    // task; the others poll until its result is stored (or its reservation lapses, and one of them
    // takes over). In overwrite mode (`overwriting`) an entry stored before the wait began is stale
    // by definition: the owner erases it before running, and a waiter accepts only an entry it
    // finds after it has seen the key empty (written by the owner it waited for); a waiter that
    // never sees the gap (the owner finished between two polls) recomputes.
    template <class Task>
    typename Task::output_type run_serialized(const Task& task, typename Task::call_type& call,
                                              const std::string& key, bool overwriting = false) {
        Store& store = results_.store();
        const std::string owner = make_owner_token();
        const float_seconds ttl = reservation_ttl();
        const auto wait_start = clock::now();
        auto pause = std::chrono::duration<double>(0.001);
        bool waited = false;
        bool seen_empty = false;
        const auto fresh_entry = [&]() -> std::optional<typename Task::output_type> {
            if (!overwriting) return lookup(task, key, false);
            auto hit = lookup(task, key, false, false);
            if (!hit) {
                seen_empty = true;
                return std::nullopt;
            }
            return seen_empty ? std::move(hit) : std::nullopt;
        };
        for (;;) {
            if (store.try_reserve(key, owner, ttl)) {
                reservation held(store, key, owner);
                // Another owner may have stored the result between our miss and our reservation.
                if (auto hit = fresh_entry()) {
                    if (waited) emit(task, task_event_kind::wait, key, wait_start);
                    return std::move(*hit);
                }
                if (overwriting) (void)store.erase(key);
                std::optional<typename Task::output_type> out;
                {
                    heartbeat beat(store, key, owner, ttl, opts_.heartbeat_interval);
                    out.emplace(run_body(task, call, key));
                }
                put(task, key, *out);
                return std::move(*out);
            }
            waited = true;
            if (auto hit = fresh_entry()) {
                emit(task, task_event_kind::wait, key, wait_start);
                return std::move(*hit);
            }
            if (opts_.max_wait && clock::now() - wait_start > *opts_.max_wait) {
                throw task_timeout_error(
                    "flytecache: task '" + std::string(task.name()) +
                    "' waited longer than max_wait for another owner of key '" + key + "'");
            }
            std::this_thread::sleep_for(pause);
            pause = std::min<std::chrono::duration<double>>(pause * 2, opts_.poll_interval);
        }
    }

    // One computation per key within this process while it is in flight, whatever the mode.
    struct flight {
        std::mutex mutex;
        std::condition_variable done_cv;
        bool done = false;
        std::optional<literal_map> outputs; // empty: the leader failed
    };

    // Overwrite mode with serialize: identical concurrent calls in this process share the one
    // recomputation (the cache cannot tell them apart from stale entries, so they must not look
    // there); across processes, run_serialized's overwrite protocol applies.
    template <class Task>
    typename Task::output_type run_overwriting(const Task& task, typename Task::call_type& call,
                                               const std::string& key) {
        const auto wait_start = clock::now();
        for (;;) {
            std::shared_ptr<flight> f;
            bool leader = false;
            {
                const std::lock_guard lock(flights_mutex_);
                auto [it, inserted] = flights_.try_emplace(key);
                if (inserted) it->second = std::make_shared<flight>();
                f = it->second;
                leader = inserted;
            }
            if (leader) {
                std::optional<literal_map> shared;
                struct land {
                    executor& self;
                    const std::string& key;
                    flight& f;
                    std::optional<literal_map>& shared;
                    ~land() {
                        {
                            const std::lock_guard lock(self.flights_mutex_);
                            self.flights_.erase(key);
                        }
                        const std::lock_guard lock(f.mutex);
                        f.outputs = std::move(shared);
                        f.done = true;
                        f.done_cv.notify_all();
                    }
                } landing{*this, key, *f, shared};
                auto out = run_serialized(task, call, key, true);
                shared.emplace(task.outputs_to_map(out));
                return out;
            }
            std::unique_lock lock(f->mutex);
            const auto finished = [&] { return f->done; };
            if (opts_.max_wait) {
                const auto deadline =
                    wait_start + std::chrono::duration_cast<clock::duration>(*opts_.max_wait);
                if (!f->done_cv.wait_until(lock, deadline, finished)) {
                    throw task_timeout_error(
                        "flytecache: task '" + std::string(task.name()) +
                        "' waited longer than max_wait for another call of key '" + key + "'");
                }
            } else {
                f->done_cv.wait(lock, finished);
            }
            if (const std::optional<literal_map>& shared = f->outputs; shared.has_value()) {
                emit(task, task_event_kind::wait, key, wait_start);
                return task.outputs_from_map(shared.value());
            }
            // The leader failed: this call tries itself (and may lead the next attempt).
        }
    }

    local_task_cache<Store, Keys> results_; // the task results: keys, codec and store
    executor_options opts_;
    [[no_unique_address]] Observer observer_;
    std::mutex warned_mutex_;
    std::set<std::string, std::less<>> warned_;
    std::mutex flights_mutex_;
    std::map<std::string, std::shared_ptr<flight>, std::less<>> flights_;
    std::unique_ptr<flytecache::typed_tier> tier_; // null: no typed tier
};

template <class Store>
executor(Store) -> executor<Store>;
template <class Store>
executor(Store, executor_options) -> executor<Store>;
template <class Store, class Observer>
executor(Store, executor_options, Observer) -> executor<Store, keys::flytekit_local, Observer>;

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/task/executor.ipp>
#endif
