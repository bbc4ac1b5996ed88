// flytecache — local_task_cache: flytekit's LocalTaskCache (task outputs by task, version and
// inputs) SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/key/flytekit_local.hpp>
#include <flytecache/key/key_scheme.hpp>
#include <flytecache/literal/decode.hpp>
#include <flytecache/literal/encode.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/store/cache_store.hpp>

#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

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
    [[nodiscard]] static local_cache_config from_environment() {
        local_cache_config c;
        c.enabled = read_flag("FLYTE_LOCAL_CACHE_ENABLED", c.enabled);
        c.overwrite = read_flag("FLYTE_LOCAL_CACHE_OVERWRITE", c.overwrite);
        return c;
    }

    [[nodiscard]] static bool parse_flag(std::string_view text) noexcept {
        std::string lower(text);
        for (auto& ch : lower) {
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        }
        return !(lower.empty() || lower == "false" || lower == "0" || lower == "off" ||
                 lower == "no");
    }

private:
    static bool read_flag(const char* name, bool fallback) {
        const char* v = std::getenv(name); // NOLINT(concurrency-mt-unsafe): read once, at setup
        return v == nullptr ? fallback : parse_flag(v);
    }
};

/// flytekit's local cache location, `~/.flyte/local-cache`, with `~` taken from `$HOME`.
/// @throws configuration_error when `$HOME` is not set (pass a location explicitly then).
[[nodiscard]] inline std::filesystem::path default_local_cache_location() {
    const char* home = std::getenv("HOME"); // NOLINT(concurrency-mt-unsafe)
    if (home == nullptr || *home == '\0') {
        throw configuration_error("flytecache: HOME is not set, so flytekit's local cache location "
                                  "~/.flyte/local-cache is unknown; give the location explicitly");
    }
    return std::filesystem::path(home) / ".flyte" / "local-cache";
}

/// A cache entry that could not be used: its key and why (the store's or the decoder's message).
struct bad_cache_entry {
    std::string key;
    std::string reason;
};

/// flytekit's `LocalTaskCache`: task outputs (a LiteralMap) stored under the key of the task's
/// name, cache version and inputs, in any `cache_store`.
///
/// With the defaults (`sqlite_store` at `~/.flyte/local-cache`, `keys::flytekit_local`) it reads
/// and writes the very entries flytekit's local cache does: the same keys, and the outputs as
/// serialized LiteralMap bytes. A Python step and a C++ step with equal names, versions and inputs
/// share them.
///
/// A broken cache never breaks a run: an entry that fails to decode (or a store that fails to
/// read) is reported through the `on_bad_entry` handler (by default one line on `std::clog`) and
/// treated as a miss; a failed write is reported and dropped. Set `strict` to get the exceptions.
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
        if (!opts_.config.enabled || opts_.config.overwrite) {
            return std::nullopt;
        }
        try {
            std::optional<std::string> bytes = store().get(key);
            if (!bytes) {
                return std::nullopt;
            }
            return decode_literal_map(*bytes);
        } catch (const error& e) {
            if (opts_.strict) {
                throw;
            }
            report_bad_entry({key, e.what()});
            return std::nullopt;
        }
    }

    /// Stores `outputs` for these inputs (as flytekit does: the serialized LiteralMap bytes).
    void set(std::string_view task_name, std::string_view cache_version, const literal_map& inputs,
             std::span<const std::string> ignored_inputs, const literal_map& outputs) {
        set_entry(make_key(task_name, cache_version, inputs, ignored_inputs), outputs);
    }

    /// Stores `outputs` under `key` (from `make_key`), with `set`'s rules.
    void set_entry(const std::string& key, const literal_map& outputs) {
        if (!opts_.config.enabled) {
            return;
        }
        try {
            store().set(key, encode(outputs));
        } catch (const store_error& e) {
            if (opts_.strict) {
                throw;
            }
            report_bad_entry({key, std::string("write failed: ") + e.what()});
        }
    }

    /// Removes every entry (flytekit's `clear`).
    void clear() { store().clear(); }

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
            std::clog << "flytecache: local cache entry '" << bad.key
                      << "' is unusable and counts as a miss: " << bad.reason << '\n';
        }
    }
    /// Whether unusable entries throw instead of counting as misses.
    [[nodiscard]] bool strict() const noexcept { return opts_.strict; }

private:
    std::optional<Store> store_;
    std::filesystem::path location_;
    options opts_;
    std::mutex init_mutex_;
    std::atomic<bool> ready_{false};
    std::atomic<std::uint64_t> bad_entries_{0};
};

FLYTECACHE_NAMESPACE_END
