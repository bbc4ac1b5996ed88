// flytecache — redis_store: a cache shared by many machines through a Redis server
// SPDX-License-Identifier: MIT
#pragma once

// redis_store: a cache shared by many processes and machines through a Redis server, with expiry,
// tags, statistics and the reservations behind serialize. Link flytecache::redis (hiredis). Not
// part of the umbrella header flytecache.hpp, so that users of the other stores never need hiredis.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/cache_store.hpp>
#include <flytecache/store/redis/connection.hpp>
#include <flytecache/store/redis/options.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// A `cache_store` in a Redis server (5.0 or newer; standalone, or one primary with replicas), so
/// that many processes on many machines share one cache and run a serialized task once.
///
/// Models `cache_store`, `expiring_store`, `ttl_reporting_store`, `tagged_store`,
/// `statistics_store` and `reserving_store`. Layout, all under the hash tag `{prefix}`:
///
/// | key | holds |
/// | --- | --- |
/// | `{prefix}e:<key>` | string: a one-byte header (0, or 1 + the tag's 4-byte big-endian length +
/// the tag) and the value; expiry is Redis's own (PX) | | `{prefix}t:<tag>` | set of the entry keys
/// written with that tag; lives as long as its longest-lived member | | `{prefix}x` | sorted set of
/// expiring entry keys by deadline, so `expire()` can say how many expired | | `{prefix}s` | hash:
/// `hits`, `misses` (shared by every client) and expirations not yet reported | | `{prefix}r:<key>`
/// | string: the owner of a reservation, with PX |
///
/// A plain `set` (no expiry, no tag) is a single `SET`, and `get` a single `GET`; writes with an
/// expiry or a tag, and the other operations that touch several keys, are Lua scripts, so each is
/// atomic on the server. `clear()` walks the namespace with SCAN and UNLINKs in batches (never
/// FLUSHDB), so it is not atomic against concurrent writers.
///
/// Failures: construction connects once and throws `store_error` (within `connect_timeout`) when
/// the server cannot be reached or refuses AUTH/SELECT. Afterwards, a lost connection is replaced
/// and the operation repeated until `retry_timeout` has passed, then `store_error`; a server that
/// does not answer within `command_timeout` raises `timeout_error`. Every operation is safe to
/// repeat, so a retried write is never applied twice in a way that matters. Data durability is
/// the server's: without persistence (RDB/AOF) a restarted server has lost every entry and
/// reservation.
///
/// Thread safety: every member function may be called from any number of threads at once; each
/// call borrows one pooled connection. After fork() the child drops the connections it inherited
/// and opens its own; connections are close-on-exec. A moved-from store may only be destroyed or
/// assigned to.
class redis_store {
public:
    using options = redis_options;

    /// Connects to the server described by `opts` (by default 127.0.0.1:6379, prefix
    /// "flytecache").
    /// @throws configuration_error when `opts` fail `validate()`; store_error when the server
    /// cannot
    ///         be reached within the connect timeout or refuses AUTH/SELECT.
    explicit redis_store(const redis_options& opts = {}) : s_(std::make_unique<state>(opts)) {}

    /// As `redis_store(redis_options::from_url(url))`.
    explicit redis_store(std::string_view url) : redis_store(redis_options::from_url(url)) {}

    /// The options given at construction.
    [[nodiscard]] const redis_options& settings() const noexcept { return s_->pool.options(); }

    /// `options::blob_directory`: where task output files are kept, or empty when none was given.
    [[nodiscard]] std::optional<std::filesystem::path> blob_directory() const {
        return settings().blob_directory;
    }

    /// The server and namespace, for messages: `redis://127.0.0.1:6379/0 {flytecache}`.
    [[nodiscard]] std::string describe() const { return settings().describe() + " " + s_->ns; }

    /// The value under `key`, or empty.
    /// @throws store_error when the key holds something redis_store did not write.
    [[nodiscard]] std::optional<std::string> get(std::string_view key);

    /// `get` of many keys in one round trip (pipelined): the values in the order of `keys`.
    /// Statistics, when on, count each key.
    template <std::ranges::input_range Keys>
        requires std::convertible_to<std::ranges::range_reference_t<Keys>, std::string_view>
    [[nodiscard]] std::vector<std::optional<std::string>> get_many(const Keys& keys) {
        // A range that makes its keys on the fly (a transform view) hands out temporaries: keep
        // copies of those, views of the others.
        std::vector<std::string> owned;
        std::vector<std::string_view> list;
        if constexpr (std::is_lvalue_reference_v<std::ranges::range_reference_t<const Keys&>>) {
            for (const auto& k : keys) list.emplace_back(std::string_view(k));
        } else {
            for (auto&& k : keys) owned.emplace_back(std::string_view(k));
            list.assign(owned.begin(), owned.end());
        }
        return s_->pool.run([&](detail::redis::connection& c) {
            detail::redis::command_writer w(c.buffer());
            for (const std::string_view key : list) {
                w.begin(2);
                w.arg("GET");
                w.arg(s_->ns, "e:", key);
            }
            const auto replies = c.exchange(w);
            std::vector<std::optional<std::string>> out;
            out.reserve(list.size());
            std::int64_t hits = 0;
            for (std::size_t i = 0; i < list.size(); ++i) {
                out.push_back(value_of(c.check(replies[i], "GET"), list[i]));
                hits += out.back().has_value() ? 1 : 0;
            }
            if (s_->counting.load(std::memory_order_relaxed)) {
                count(c, hits, static_cast<std::int64_t>(list.size()) - hits);
            }
            return out;
        });
    }

    /// `get` plus the entry's remaining time to live (empty: it never expires).
    [[nodiscard]] std::optional<timed_value> get_with_ttl(std::string_view key);

    /// Stores `value` under `key` with no expiry and no tag, replacing any previous entry.
    void set(std::string_view key, std::string_view value);

    /// As `set(key, value)`, expiring after `opts.expire` (a time to live of 0 or less: the
    /// previous entry is removed and nothing is written; an infinite one, or one beyond
    /// `max_ttl`, never expires) and labelled `opts.tag` for `evict`.
    /// @throws invalid_argument when `opts.expire` is NaN.
    void set(std::string_view key, std::string_view value, const write_options& opts);

    /// Removes `key`; `true` when there was a live entry.
    bool erase(std::string_view key);

    /// Removes every entry of this store's namespace (and its tag sets and expiry index; not its
    /// statistics or reservations) and returns how many entries went. Walks the namespace with
    /// SCAN, so entries written meanwhile may or may not survive.
    std::size_t clear();

    /// Gives the live entry under `key` a new time to live counted from now (0 or less: it is
    /// removed; infinite or beyond `max_ttl`: it never expires). `false` when there is no live
    /// entry.
    /// @throws invalid_argument when `ttl` is NaN.
    bool touch(std::string_view key, float_seconds ttl);

    /// How many entries expired since the last call (or since `clear()`). Redis removes expired
    /// entries itself; this only settles the count, from the expiry index.
    std::size_t expire();

    /// Removes every entry written with tag `tag` (and not re-written since without it) and
    /// returns how many went.
    std::size_t evict(std::string_view tag);

    /// The hit and miss counters as they were (shared by every client of this namespace); then
    /// counting by this object is turned on or off and, if `reset`, the counters are zeroed.
    /// Counting is off until turned on; when on, each `get` is a small Lua script instead of a GET.
    store_stats stats(bool enable = true, bool reset = false);

    /// `true` if `owner` now holds the reservation of `key` for `ttl` from now: it was free
    /// (`SET NX PX`), had lapsed, or was already `owner`'s (then its expiry is renewed).
    /// @throws invalid_argument when `ttl` is NaN, zero or negative.
    bool try_reserve(std::string_view key, std::string_view owner, float_seconds ttl);

    /// Gives the reservation of `key` up if `owner` holds it (compare-and-delete, one Lua script);
    /// `true` if it did.
    bool release(std::string_view key, std::string_view owner);

    /// Calls `f(redisContext*)` with a pooled connection, for commands redis_store does not offer.
    /// The context is in blocking mode with the command timeout set; do not change its database
    /// or leave replies unread. A connection `f` leaves in error is closed. No retry.
    template <class F>
    decltype(auto) with_connection(F&& f) {
        auto conn = s_->pool.checkout();
        try {
            return std::forward<F>(f)(conn->native());
        } catch (...) {
            conn->mark_broken();
            throw;
        }
    }

    /// Times to live from here on (about 3000 years) count as "never expires".
    static constexpr long long max_ttl_ms = 100'000'000'000'000LL;

private:
    static constexpr std::size_t batch = 500;

    struct script_set {
        detail::redis::script counted_get{R"lua(
local v = redis.call('GET', KEYS[1])
redis.call('HINCRBY', KEYS[2], v and 'hits' or 'misses', 1)
return v
)lua"};
        // Shared by the scripts below.
        //   tag_set_of: the tag set an entry's header names (nil when untagged or absent).
        //   keep_tag_set: whether a tag set must be given `ttl` so that it lives as long as its
        //     longest-lived member (it neither outlives its entries forever nor vanishes first).
        //   settle: looks at index members whose deadline has passed; counts those Redis expired,
        //     forgets those made persistent, and re-files those still alive (touched, re-written,
        //     or exactly at their deadline) at their real deadline, so no expiry is lost.
        static constexpr std::string_view helpers = R"lua(
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function tag_set_of(key, tag_prefix)
  local head = redis.call('GETRANGE', key, 0, 4)
  if #head == 5 and string.byte(head, 1) == 1 then
    local b1, b2, b3, b4 = string.byte(head, 2, 5)
    local n = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
    return tag_prefix .. redis.call('GETRANGE', key, 5, 4 + n)
  end
  return nil
end
local function keep_tag_set(set, ttl)
  local left = redis.call('PTTL', set)
  if not ttl then
    if left >= 0 then redis.call('PERSIST', set) end
  elseif left == -2 or (left >= 0 and left < ttl) then
    return true
  end
  return false
end
local function settle(index, now, limit)
  local due = redis.call('ZRANGEBYSCORE', index, '-inf', '(' .. now, 'LIMIT', 0, limit)
  local gone = 0
  for _, k in ipairs(due) do
    local left = redis.call('PTTL', k)
    if left == -2 then
      gone = gone + 1
      redis.call('ZREM', index, k)
    elseif left == -1 then
      redis.call('ZREM', index, k)
    else
      redis.call('ZADD', index, now + left, k)
    end
  end
  return gone, #due
end
)lua";
        // KEYS: entry, expiry index, stats[, tag set]; ARGV: blob, ttl in ms or '', tag-set prefix.
        detail::redis::script set{std::string(helpers) + R"lua(
local ttl = tonumber(ARGV[2])
local old = tag_set_of(KEYS[1], ARGV[3])
if old and old ~= KEYS[4] then redis.call('SREM', old, KEYS[1]) end
local extend = KEYS[4] and keep_tag_set(KEYS[4], ttl)
if ttl then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
  local now = now_ms()
  redis.call('ZADD', KEYS[2], now + ttl, KEYS[1])
  local gone = settle(KEYS[2], now, 64)
  if gone > 0 then redis.call('HINCRBY', KEYS[3], 'expired', gone) end
else
  redis.call('SET', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], KEYS[1])
end
if KEYS[4] then
  redis.call('SADD', KEYS[4], KEYS[1])
  if extend then redis.call('PEXPIRE', KEYS[4], ttl) end
end
return 1
)lua"};
        // KEYS: entry, expiry index; ARGV: tag-set prefix.
        detail::redis::script erase{std::string(helpers) + R"lua(
local old = tag_set_of(KEYS[1], ARGV[1])
if old then redis.call('SREM', old, KEYS[1]) end
local n = redis.call('UNLINK', KEYS[1])
redis.call('ZREM', KEYS[2], KEYS[1])
return n
)lua"};
        // KEYS: entry, expiry index; ARGV: ttl in ms or '' (never expires), tag-set prefix.
        detail::redis::script touch{std::string(helpers) + R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local ttl = tonumber(ARGV[1])
local set = tag_set_of(KEYS[1], ARGV[2])
if ttl and ttl <= 0 then
  if set then redis.call('SREM', set, KEYS[1]) end
  redis.call('UNLINK', KEYS[1])
  redis.call('ZREM', KEYS[2], KEYS[1])
  return 1
end
if ttl then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('ZADD', KEYS[2], now_ms() + ttl, KEYS[1])
else
  redis.call('PERSIST', KEYS[1])
  redis.call('ZREM', KEYS[2], KEYS[1])
end
if set and keep_tag_set(set, ttl) then redis.call('PEXPIRE', set, ttl) end
return 1
)lua"};
        // KEYS: expiry index, stats; ARGV: batch size, '1' on the first batch of a call.
        detail::redis::script expire{std::string(helpers) + R"lua(
local gone = 0
if ARGV[2] == '1' then
  gone = tonumber(redis.call('HGET', KEYS[2], 'expired') or '0')
  redis.call('HDEL', KEYS[2], 'expired')
end
local settled, seen = settle(KEYS[1], now_ms(), tonumber(ARGV[1]))
return {gone + settled, seen}
)lua"};
        // KEYS: tag set, expiry index; ARGV: the tag's header, batch size.
        detail::redis::script evict{R"lua(
local members = redis.call('SPOP', KEYS[1], ARGV[2])
local removed = 0
for _, k in ipairs(members) do
  if redis.call('GETRANGE', k, 0, #ARGV[1] - 1) == ARGV[1] then
    removed = removed + redis.call('UNLINK', k)
    redis.call('ZREM', KEYS[2], k)
  end
end
return {removed, redis.call('SCARD', KEYS[1])}
)lua"};
        detail::redis::script stats{R"lua(
local r = redis.call('HMGET', KEYS[1], 'hits', 'misses')
if ARGV[1] == '1' then redis.call('HDEL', KEYS[1], 'hits', 'misses') end
return {tonumber(r[1] or '0'), tonumber(r[2] or '0')}
)lua"};
        detail::redis::script reserve{R"lua(
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
)lua"};
        detail::redis::script release{R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
)lua"};
    };

    static const script_set& scripts();

    static long long to_ms(float_seconds ttl, const char* what);

    static std::string tag_header(std::string_view tag);

    // The value of a GET reply: strips the header written by set().
    std::optional<std::string> value_of(const redisReply& reply, std::string_view key) const;

    [[noreturn]] void bad_entry(std::string_view key, const std::string& why) const;

    static std::pair<std::int64_t, std::int64_t> pair_of(const redisReply& reply, const char* what);

    void count(detail::redis::connection& c, std::int64_t hits, std::int64_t misses);

    // A SCAN MATCH pattern for keys of this namespace starting with `kind`; glob characters of the
    // prefix are escaped.
    std::string pattern(std::string_view kind) const;

    std::size_t unlink_matching(const std::string& match);

    // Behind a pointer so that the store can move (executors take their store by value) while
    // the pool's mutex stays put.
    struct state {
        explicit state(const redis_options& opts)
            : pool(opts), ns("{" + opts.prefix + "}"), stats_key(ns + "s"), index_key(ns + "x") {}
        detail::redis::pool pool;
        std::string ns;
        std::string stats_key;
        std::string index_key;
        std::atomic<bool> counting{false};
    };

    std::unique_ptr<state> s_;
};

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/redis_store.ipp>
#endif
