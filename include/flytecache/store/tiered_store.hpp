// flytecache — tiered_store: a front store before a back store, composed at compile time
// SPDX-License-Identifier: MIT
#pragma once

// tiered_store: a front store (usually memory) before a back store, composed at compile time.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/cache_store.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// Construction options of a `tiered_store`.
struct tiered_options {
    /// Lets reads copy entries from the back into the front when the back can expire entries, and
    /// gives such copies this time to live in the front; needs a front that models
    /// `expiring_store`. Empty (the default): such a back's entries are never copied on read,
    /// because `get` does not say how long an entry has left, and a copy without that could be
    /// served after the entry expired. Set, a copy outlives its entry by at most this long.
    ///
    /// With a back that never expires entries, reads always copy into the front; then this option,
    /// if set, bounds how long a copy can stay stale when another process changes the back.
    std::optional<float_seconds> read_through_ttl{};
};

namespace detail {

// A store whose set takes write_options (what expiring_store and tagged_store add).
template <class S>
concept accepts_write_options =
    requires(S& s, std::string_view text, const write_options& opts) { s.set(text, text, opts); };

} // namespace detail

/// Two stores in series: reads try the `Front` (typically a `memory_store`) and fall back to the
/// `Back` (typically a shared, durable store); writes go to both. Both stores are held by value and
/// called directly: no virtual calls.
///
/// | operation | what it does |
/// | --- | --- |
/// | `get` | front hit: returned; else the back's answer, copied into the front on a hit
/// (read-through, see below) | | `set` | back first (the durable copy), then front (write-through)
/// | | `erase` | back, then front; `true` if either had the key | | `clear` | back, then front |
///
/// Capabilities: `tiered_store` models exactly the capabilities of `Back` among `expiring_store`,
/// `tagged_store`, `bounded_store`, `statistics_store` and `reserving_store`, and `batching_store`
/// when both stores model it; the members exist only when the stores have them.
/// - Expiring writes go to the back with their options. The front gets the value with the time the
///   entry has left after the back write (so the front copy never outlives the back's) when `Front`
///   models `expiring_store`, and otherwise loses the key. `touch` does the same; `expire` runs on
///   both and returns the back's count.
/// - Tags go to the back, and to the front when `Front` models `tagged_store`. `evict(tag)` evicts
/// in
///   the back, then in the front — by tag when the front can only hold copies this store wrote with
///   their tags, otherwise (an untagged front, or read-through copies that lost their tags) by
///   clearing the front.
/// - `volume`, `size_limit`, `cull`, `try_reserve` and `release` are the back's. The front's memory
///   is not in `volume`. `stats` is the back's counters plus the hits the front served while
///   counting was enabled through this `tiered_store`.
///
/// Read-through: every back hit is copied into the front when that cannot outlive the back's entry:
/// always for a back that never expires entries; with the entry's remaining time to live when the
/// back models `ttl_reporting_store` and the front `expiring_store` (`memory_store` before
/// `sqlite_store` or `memory_store`); otherwise only when `tiered_options`'s `read_through_ttl` is
/// set, and then with that time to live, which bounds how long a copy may outlive the original.
///
/// Coherence: the front is local to this process (for a `memory_store`). An entry another process
/// erases, evicts or overwrites in the back stays visible in this front until the front drops it;
/// so can an older value when two threads write different values under one key while a third reads
/// it through. For caching deterministic task outputs (equal keys, equal values) that is harmless;
/// `front().clear()` drops every copy, and a `read_through_ttl` bounds the staleness.
///
/// Thread safety: as safe as `Front` and `Back` are; the tiered store adds only relaxed atomic
/// counters.
template <cache_store Front, cache_store Back>
class tiered_store {
public:
    /// The front store type.
    using front_type = Front;
    /// The back store type.
    using back_type = Back;
    /// A write goes through to `Back`, so it pays what a write to `Back` pays (`group_commit`).
    static constexpr bool commits_each_write = requires { requires Back::commits_each_write; };

    /// Default-constructed front and back stores.
    /// @throws invalid_argument when `opts` is invalid (see the other constructors).
    explicit tiered_store(tiered_options opts = {})
        requires std::default_initializable<Front> && std::default_initializable<Back>
        : options_(checked(opts)) {}

    /// Moves the given stores in.
    /// @throws invalid_argument when `opts.read_through_ttl` is not positive, or is set while
    /// `Front` does not model `expiring_store`.
    tiered_store(Front front, Back back, tiered_options opts = {})
        requires std::move_constructible<Front> && std::move_constructible<Back>
        : front_(std::move(front)), back_(std::move(back)), options_(checked(opts)) {}

    /// Builds each store in place from its tuple of constructor arguments, for stores that cannot
    /// be moved.
    /// @throws invalid_argument as the constructor above.
    template <class... FrontArgs, class... BackArgs>
    tiered_store(std::piecewise_construct_t, std::tuple<FrontArgs...> front_args,
                 std::tuple<BackArgs...> back_args, tiered_options opts = {})
        : tiered_store(front_args, back_args, std::index_sequence_for<FrontArgs...>{},
                       std::index_sequence_for<BackArgs...>{}, opts) {}

    tiered_store(const tiered_store&) = delete;
    tiered_store& operator=(const tiered_store&) = delete;

    /// Moves both stores. Not safe while other threads use either tiered store.
    tiered_store(tiered_store&& other) noexcept(std::is_nothrow_move_constructible_v<Front> &&
                                                std::is_nothrow_move_constructible_v<Back>)
        requires std::move_constructible<Front> && std::move_constructible<Back>
        : front_(std::move(other.front_)),
          back_(std::move(other.back_)),
          options_(other.options_),
          counting_(other.counting_.load(std::memory_order_relaxed)),
          front_hits_(other.front_hits_.load(std::memory_order_relaxed)) {}

    ~tiered_store() = default;

    /// The front store, for direct use (for example `front().clear()` to drop every local copy).
    [[nodiscard]] Front& front() noexcept { return front_; }
    /// The front store.
    [[nodiscard]] const Front& front() const noexcept { return front_; }
    /// The back store, for direct use (reads and writes there bypass the front).
    [[nodiscard]] Back& back() noexcept { return back_; }
    /// The back store.
    [[nodiscard]] const Back& back() const noexcept { return back_; }
    /// The options given at construction.
    [[nodiscard]] const tiered_options& options() const noexcept { return options_; }

    /// The back's blob directory (it holds every entry, so the files its entries point at belong
    /// there), else the front's.
    [[nodiscard]] std::optional<std::filesystem::path> blob_directory()
        requires file_hosting_store<Back> || file_hosting_store<Front>
    {
        if constexpr (file_hosting_store<Back>) {
            return back_.blob_directory();
        } else {
            return front_.blob_directory();
        }
    }

    /// The back's values (the front holds only copies of them).
    template <class F>
        requires enumerable_store<Back> && std::invocable<F&, std::string_view>
    void for_each_value(F&& f) {
        back_.for_each_value(std::forward<F>(f));
    }

    /// The front's value, else the back's (copied into the front as the class comment says).
    /// Propagates either store's exceptions, including the front's while it takes the copy.
    [[nodiscard]] std::optional<std::string> get(std::string_view key) {
        if (auto hit = front_.get(key)) {
            if constexpr (statistics_store<Back>) {
                if (counting_.load(std::memory_order_relaxed))
                    front_hits_.fetch_add(1, std::memory_order_relaxed);
            }
            return hit;
        }
        if constexpr (ttl_reporting_store<Back> && expiring_store<Front>) {
            // The back says how long its entry has left, so the copy can expire with it.
            auto timed = back_.get_with_ttl(key);
            if (!timed) {
                return std::nullopt;
            }
            if (timed->ttl) {
                front_.set(key, timed->value, write_options{.expire = timed->ttl});
            } else {
                front_.set(key, timed->value);
            }
            return std::optional<std::string>(std::move(timed->value));
        } else {
            auto hit = back_.get(key);
            if (hit) read_through(key, *hit);
            return hit;
        }
    }

    /// Writes `value` to the back, then to the front.
    void set(std::string_view key, std::string_view value) {
        back_.set(key, value);
        front_.set(key, value);
    }

    /// Writes to the back with `opts`, then to the front as the class comment says (an expiring
    /// write reaches the front only if the front can expire it, with the time it has left).
    void set(std::string_view key, std::string_view value, const write_options& opts)
        requires detail::accepts_write_options<Back>
    {
        if (!opts.expire) {
            back_.set(key, value, opts);
            if constexpr (tagged_store<Front>) {
                if (opts.tag) {
                    front_.set(key, value, write_options{.tag = opts.tag});
                    return;
                }
            }
            front_.set(key, value);
            return;
        }
        const auto start = std::chrono::steady_clock::now();
        back_.set(key, value, opts);
        if constexpr (expiring_store<Front>) {
            const float_seconds left = *opts.expire - (std::chrono::steady_clock::now() - start);
            if (left.count() > 0) {
                write_options front_opts{.expire = left};
                if constexpr (tagged_store<Front>) front_opts.tag = opts.tag;
                front_.set(key, value, front_opts);
                return;
            }
        }
        front_.erase(key);
    }

    /// Writes every entry of `items` to the back in one batch (all or none, as the back's
    /// `set_many` promises), then to the front in one batch, with the options as `set` passes them
    /// on (an expiring batch reaches the front only if the front can expire it, with the time it
    /// has left; otherwise its keys are erased from the front). When the back's batch fails the
    /// front is not touched; when the front's fails the back holds the batch and the front may hold
    /// older copies, as when `set`'s front write fails.
    void set_many(std::span<const key_value> items, const write_options& opts = {})
        requires batching_store<Front> && batching_store<Back>
    {
        const auto start = std::chrono::steady_clock::now();
        back_.set_many(items, opts);
        if (!opts.expire) {
            write_options front_opts;
            if constexpr (tagged_store<Front>) front_opts.tag = opts.tag;
            front_.set_many(items, front_opts);
            return;
        }
        if constexpr (expiring_store<Front>) {
            const float_seconds left = *opts.expire - (std::chrono::steady_clock::now() - start);
            if (left.count() > 0) {
                write_options front_opts{.expire = left};
                if constexpr (tagged_store<Front>) front_opts.tag = opts.tag;
                front_.set_many(items, front_opts);
                return;
            }
        }
        for (const auto& item : items) {
            (void)front_.erase(item.key);
        }
    }

    /// The answers of the front's `get_many`, its misses filled by one `get_many` of the back.
    /// Back hits are copied into the front as `get` copies them, except where `get` needs the
    /// entry's remaining time to live (an expiring back without `read_through_ttl`): a batch read
    /// does not learn it, so those hits are not copied (the front never outlives the back).
    [[nodiscard]] std::vector<std::optional<std::string>>
    get_many(std::span<const std::string_view> keys)
        requires batching_store<Front> && batching_store<Back>
    {
        std::vector<std::optional<std::string>> out = front_.get_many(keys);
        std::vector<std::size_t> missing;
        std::vector<std::string_view> missing_keys;
        for (std::size_t i = 0; i < out.size(); ++i) {
            if (!out[i]) {
                missing.push_back(i);
                missing_keys.push_back(keys[i]);
            }
        }
        if constexpr (statistics_store<Back>) {
            if (counting_.load(std::memory_order_relaxed)) {
                front_hits_.fetch_add(static_cast<std::int64_t>(out.size() - missing.size()),
                                      std::memory_order_relaxed);
            }
        }
        if (missing.empty()) {
            return out;
        }
        std::vector<std::optional<std::string>> back = back_.get_many(missing_keys);
        for (std::size_t j = 0; j < missing.size(); ++j) {
            if (back[j]) {
                read_through(missing_keys[j], *back[j]);
                out[missing[j]] = std::move(back[j]);
            }
        }
        return out;
    }

    /// Erases from the back, then the front; `true` if either held the key.
    bool erase(std::string_view key) {
        const bool in_back = static_cast<bool>(back_.erase(key));
        const bool in_front = static_cast<bool>(front_.erase(key));
        return in_back || in_front;
    }

    /// Clears the back, then the front.
    void clear() {
        back_.clear();
        front_.clear();
    }

    /// Gives the back's live entry a new time to live; the front's copy gets the time left after
    /// that, or is dropped when the front cannot expire entries or the back had no live entry.
    /// Returns the back's answer.
    bool touch(std::string_view key, float_seconds ttl)
        requires expiring_store<Back>
    {
        const auto start = std::chrono::steady_clock::now();
        const bool live = static_cast<bool>(back_.touch(key, ttl));
        if constexpr (expiring_store<Front>) {
            const float_seconds left = ttl - (std::chrono::steady_clock::now() - start);
            if (live && left.count() > 0) {
                front_.touch(key, left);
                return live;
            }
        }
        front_.erase(key);
        return live;
    }

    /// Removes expired entries from both stores; returns the back's count (the front's are copies).
    std::size_t expire()
        requires expiring_store<Back>
    {
        const auto removed = static_cast<std::size_t>(back_.expire());
        if constexpr (expiring_store<Front>) front_.expire();
        return removed;
    }

    /// Evicts `tag` from the back, then from the front (by tag, or by clearing it when it may hold
    /// untagged copies); returns the back's count.
    std::size_t evict(std::string_view tag)
        requires tagged_store<Back>
    {
        const auto removed = static_cast<std::size_t>(back_.evict(tag));
        if constexpr (tagged_store<Front>) {
            if (!reads_through()) {
                front_.evict(tag);
                return removed;
            }
        }
        front_.clear();
        return removed;
    }

    /// The back's volume (the front's memory is not counted).
    [[nodiscard]] std::uint64_t volume()
        requires bounded_store<Back>
    {
        return static_cast<std::uint64_t>(back_.volume());
    }

    /// The back's size limit.
    [[nodiscard]] std::uint64_t size_limit()
        requires bounded_store<Back>
    {
        return static_cast<std::uint64_t>(back_.size_limit());
    }

    /// Culls the back; returns its count. (The front keeps its own bound as it goes.)
    std::size_t cull()
        requires bounded_store<Back>
    {
        return static_cast<std::size_t>(back_.cull());
    }

    /// The back's counters plus the hits the front served while counting was on, as they were;
    /// then turns counting on or off (the back's, and this store's count of front hits) and, if
    /// `reset`, zeroes them. Turn counting on here rather than through `back()`, or the front's
    /// hits are not counted. The front's own counters, if it has any, are left alone.
    store_stats stats(bool enable = true, bool reset = false)
        requires statistics_store<Back>
    {
        store_stats before = back_.stats(enable, reset);
        before.hits += reset ? front_hits_.exchange(0, std::memory_order_relaxed)
                             : front_hits_.load(std::memory_order_relaxed);
        counting_.store(enable, std::memory_order_relaxed);
        return before;
    }

    /// The back's reservation (the front plays no part in reservations).
    bool try_reserve(std::string_view key, std::string_view owner, float_seconds ttl)
        requires reserving_store<Back>
    {
        return static_cast<bool>(back_.try_reserve(key, owner, ttl));
    }

    /// Releases the back's reservation.
    bool release(std::string_view key, std::string_view owner)
        requires reserving_store<Back>
    {
        return static_cast<bool>(back_.release(key, owner));
    }

private:
    template <class FrontTuple, class BackTuple, std::size_t... I, std::size_t... J>
    tiered_store(FrontTuple& front_args, BackTuple& back_args, std::index_sequence<I...>,
                 std::index_sequence<J...>, tiered_options opts)
        : front_(std::get<I>(std::move(front_args))...),
          back_(std::get<J>(std::move(back_args))...),
          options_(checked(opts)) {}

    static tiered_options checked(tiered_options opts) {
        if (opts.read_through_ttl) {
            if (!(opts.read_through_ttl->count() > 0)) {
                throw invalid_argument(
                    "flytecache: tiered_store: read_through_ttl must be positive, got " +
                    std::to_string(opts.read_through_ttl->count()) + " s");
            }
            if constexpr (!expiring_store<Front>) {
                throw invalid_argument(
                    "flytecache: tiered_store: read_through_ttl needs a front store "
                    "that models expiring_store");
            }
        }
        return opts;
    }

    // Whether get copies back hits into the front.
    [[nodiscard]] bool reads_through() const noexcept {
        return !expiring_store<Back> || (ttl_reporting_store<Back> && expiring_store<Front>) ||
               options_.read_through_ttl.has_value();
    }

    void read_through(std::string_view key, std::string_view value) {
        if constexpr (expiring_store<Front>) {
            if (options_.read_through_ttl) {
                front_.set(key, value, write_options{.expire = options_.read_through_ttl});
                return;
            }
        }
        if constexpr (!expiring_store<Back>) front_.set(key, value);
    }

    Front front_;
    Back back_;
    tiered_options options_;
    std::atomic<bool> counting_{false};
    std::atomic<std::int64_t> front_hits_{0};
};

FLYTECACHE_NAMESPACE_END
