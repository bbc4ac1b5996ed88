// flytecache — redis_store: a cache shared by many machines through a Redis server (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/store/redis_store.hpp>

#include <cmath>

FLYTECACHE_NAMESPACE_BEGIN

FLYTECACHE_INLINE std::optional<std::string> redis_store::get(std::string_view key) {
    return s_->pool.run([&](detail::redis::connection& c) {
        detail::redis::reply_ptr reply;
        if (s_->counting.load(std::memory_order_relaxed)) {
            reply = c.eval(scripts().counted_get, 3, [&](detail::redis::command_writer& w) {
                w.arg("2");
                w.arg(s_->ns, "e:", key);
                w.arg(s_->stats_key);
            });
        } else {
            reply = c.call([&](detail::redis::command_writer& w) {
                w.begin(2);
                w.arg("GET");
                w.arg(s_->ns, "e:", key);
            });
        }
        return value_of(c.check(reply, "GET"), key);
    });
}

FLYTECACHE_INLINE std::optional<timed_value> redis_store::get_with_ttl(std::string_view key) {
    return s_->pool.run([&](detail::redis::connection& c) -> std::optional<timed_value> {
        detail::redis::command_writer w(c.buffer());
        w.begin(2);
        w.arg("GET");
        w.arg(s_->ns, "e:", key);
        w.begin(2);
        w.arg("PTTL");
        w.arg(s_->ns, "e:", key);
        const auto replies = c.exchange(w);
        std::optional<std::string> value = value_of(c.check(replies[0], "GET"), key);
        const long long ttl_ms = c.check(replies[1], "PTTL").integer;
        if (s_->counting.load(std::memory_order_relaxed)) count(c, value ? 1 : 0, value ? 0 : 1);
        // -2: the entry expired between the two commands.
        if (!value || ttl_ms == -2) return std::nullopt;
        timed_value out{std::move(*value), std::nullopt};
        if (ttl_ms >= 0) out.ttl = float_seconds(static_cast<double>(ttl_ms) / 1000.0);
        return out;
    });
}

FLYTECACHE_INLINE void redis_store::set(std::string_view key, std::string_view value) {
    s_->pool.run([&](detail::redis::connection& c) {
        c.check(c.call([&](detail::redis::command_writer& w) {
            w.begin(3);
            w.arg("SET");
            w.arg(s_->ns, "e:", key);
            w.arg(std::string_view("\0", 1), value);
        }),
                "SET");
    });
}

FLYTECACHE_INLINE void redis_store::set(std::string_view key, std::string_view value,
                                        const write_options& opts) {
    std::optional<long long> ttl_ms;
    if (opts.expire) {
        ttl_ms = to_ms(*opts.expire, "entry");
        if (*ttl_ms <= 0) {
            (void)erase(key);
            return;
        }
        if (*ttl_ms >= max_ttl_ms) ttl_ms.reset();
    }
    if (!ttl_ms && !opts.tag) {
        set(key, value);
        return;
    }
    std::string header(1, '\0');
    if (opts.tag) header = tag_header(*opts.tag);
    s_->pool.run([&](detail::redis::connection& c) {
        const bool tagged = opts.tag.has_value();
        c.check(c.eval(scripts().set, tagged ? 8 : 7,
                       [&](detail::redis::command_writer& w) {
                           w.arg(tagged ? "4" : "3");
                           w.arg(s_->ns, "e:", key);
                           w.arg(s_->index_key);
                           w.arg(s_->stats_key);
                           if (tagged) w.arg(s_->ns, "t:", *opts.tag);
                           w.arg(header, value);
                           if (ttl_ms) {
                               w.arg_integer(*ttl_ms);
                           } else {
                               w.arg("");
                           }
                           w.arg(s_->ns, "t:");
                       }),
                "set (script)");
    });
}

FLYTECACHE_INLINE bool redis_store::erase(std::string_view key) {
    return s_->pool.run([&](detail::redis::connection& c) {
        const auto reply = c.eval(scripts().erase, 4, [&](detail::redis::command_writer& w) {
            w.arg("2");
            w.arg(s_->ns, "e:", key);
            w.arg(s_->index_key);
            w.arg(s_->ns, "t:");
        });
        return c.check(reply, "erase (script)").integer > 0;
    });
}

FLYTECACHE_INLINE std::size_t redis_store::clear() {
    const std::size_t removed = unlink_matching(pattern("e:"));
    (void)unlink_matching(pattern("t:"));
    s_->pool.run([&](detail::redis::connection& c) {
        detail::redis::command_writer w(c.buffer());
        w.begin(2);
        w.arg("UNLINK");
        w.arg(s_->index_key);
        w.begin(3);
        w.arg("HDEL");
        w.arg(s_->stats_key);
        w.arg("expired");
        for (const auto& reply : c.exchange(w)) c.check(reply, "clear");
    });
    return removed;
}

FLYTECACHE_INLINE bool redis_store::touch(std::string_view key, float_seconds ttl) {
    long long ms = to_ms(ttl, "touch");
    if (ms >= max_ttl_ms) ms = -1;
    return s_->pool.run([&](detail::redis::connection& c) {
        const auto reply = c.eval(scripts().touch, 5, [&](detail::redis::command_writer& w) {
            w.arg("2");
            w.arg(s_->ns, "e:", key);
            w.arg(s_->index_key);
            if (ms < 0) {
                w.arg("");
            } else {
                w.arg_integer(ms);
            }
            w.arg(s_->ns, "t:");
        });
        return c.check(reply, "touch (script)").integer > 0;
    });
}

FLYTECACHE_INLINE std::size_t redis_store::expire() {
    std::size_t expired = 0;
    for (bool first = true;; first = false) {
        const auto [gone, seen] = s_->pool.run([&](detail::redis::connection& c) {
            const auto reply = c.eval(scripts().expire, 5, [&](detail::redis::command_writer& w) {
                w.arg("2");
                w.arg(s_->index_key);
                w.arg(s_->stats_key);
                w.arg_integer(static_cast<long long>(batch));
                w.arg(first ? "1" : "0");
            });
            return pair_of(c.check(reply, "expire (script)"), "expire");
        });
        expired += static_cast<std::size_t>(gone);
        if (static_cast<std::size_t>(seen) < batch) return expired;
    }
}

FLYTECACHE_INLINE std::size_t redis_store::evict(std::string_view tag) {
    const std::string header = tag_header(tag);
    std::size_t removed = 0;
    // Bounded by the set's size after the first batch, so writers that keep adding members
    // with this tag cannot keep evict() going forever.
    std::optional<std::size_t> rounds_left;
    for (;;) {
        const auto [gone, left] = s_->pool.run([&](detail::redis::connection& c) {
            const auto reply = c.eval(scripts().evict, 5, [&](detail::redis::command_writer& w) {
                w.arg("2");
                w.arg(s_->ns, "t:", tag);
                w.arg(s_->index_key);
                w.arg(header);
                w.arg_integer(static_cast<long long>(batch));
            });
            return pair_of(c.check(reply, "evict (script)"), "evict");
        });
        removed += static_cast<std::size_t>(gone);
        if (!rounds_left) rounds_left = static_cast<std::size_t>(left) / batch + 1;
        if (left == 0 || (*rounds_left)-- == 0) return removed;
    }
}

FLYTECACHE_INLINE store_stats redis_store::stats(bool enable, bool reset) {
    const store_stats before = s_->pool.run([&](detail::redis::connection& c) {
        const auto reply = c.eval(scripts().stats, 3, [&](detail::redis::command_writer& w) {
            w.arg("1");
            w.arg(s_->stats_key);
            w.arg(reset ? "1" : "0");
        });
        const auto [hits, misses] = pair_of(c.check(reply, "stats (script)"), "stats");
        return store_stats{.hits = hits, .misses = misses};
    });
    s_->counting.store(enable, std::memory_order_relaxed);
    return before;
}

FLYTECACHE_INLINE bool redis_store::try_reserve(std::string_view key, std::string_view owner,
                                                float_seconds ttl) {
    long long ms = to_ms(ttl, "reservation");
    if (ms <= 0) {
        throw invalid_argument(
            "flytecache: redis_store: a reservation's time to live must be positive, not " +
            std::to_string(ttl.count()) + " s");
    }
    ms = std::min(ms, max_ttl_ms);
    return s_->pool.run([&](detail::redis::connection& c) {
        const auto reply = c.eval(scripts().reserve, 4, [&](detail::redis::command_writer& w) {
            w.arg("1");
            w.arg(s_->ns, "r:", key);
            w.arg(owner);
            w.arg_integer(ms);
        });
        return c.check(reply, "reserve (script)").integer == 1;
    });
}

FLYTECACHE_INLINE bool redis_store::release(std::string_view key, std::string_view owner) {
    return s_->pool.run([&](detail::redis::connection& c) {
        const auto reply = c.eval(scripts().release, 3, [&](detail::redis::command_writer& w) {
            w.arg("1");
            w.arg(s_->ns, "r:", key);
            w.arg(owner);
        });
        return c.check(reply, "release (script)").integer == 1;
    });
}

FLYTECACHE_INLINE const redis_store::script_set& redis_store::scripts() {
    static const script_set s;
    return s;
}

FLYTECACHE_INLINE long long redis_store::to_ms(float_seconds ttl, const char* what) {
    const double seconds = ttl.count();
    if (std::isnan(seconds)) {
        throw invalid_argument(std::string("flytecache: redis_store: ") + what +
                               " time to live is NaN");
    }
    if (!(seconds > 0)) return 0;
    const double ms = std::ceil(seconds * 1000.0);
    return ms >= static_cast<double>(max_ttl_ms) ? max_ttl_ms : static_cast<long long>(ms);
}

FLYTECACHE_INLINE std::string redis_store::tag_header(std::string_view tag) {
    if (tag.size() > 0xFFFFFFFFu)
        throw invalid_argument("flytecache: redis_store: tag longer than 4 GiB");
    const auto n = static_cast<std::uint32_t>(tag.size());
    std::string header;
    header.reserve(5 + tag.size());
    header += '\1';
    for (int shift = 24; shift >= 0; shift -= 8) header += static_cast<char>((n >> shift) & 0xFFu);
    header += tag;
    return header;
}

FLYTECACHE_INLINE std::optional<std::string> redis_store::value_of(const redisReply& reply,
                                                                   std::string_view key) const {
    if (reply.type == REDIS_REPLY_NIL) return std::nullopt;
    if (reply.type != REDIS_REPLY_STRING) bad_entry(key, "the reply is not a string");
    const std::string_view blob = detail::redis::reply_text(reply);
    if (blob.empty()) bad_entry(key, "it is empty (no header byte)");
    const auto kind = static_cast<unsigned char>(blob[0]);
    if (kind == 0) return std::string(blob.substr(1));
    if (kind != 1) {
        bad_entry(key, "its header byte is " + std::to_string(kind) + " (expected 0 or 1)");
    }
    if (blob.size() < 5) bad_entry(key, "its tag header is truncated");
    std::uint32_t n = 0;
    for (std::size_t i = 1; i < 5; ++i) n = (n << 8) | static_cast<unsigned char>(blob[i]);
    if (blob.size() - 5 < n) bad_entry(key, "its tag is longer than the entry");
    return std::string(blob.substr(5 + n));
}

FLYTECACHE_INLINE void redis_store::bad_entry(std::string_view key, const std::string& why) const {
    throw store_error(s_->pool.where() + ": entry '" + std::string(key) + "' under " + s_->ns +
                      "e: was not written by flytecache's redis_store: " + why);
}

FLYTECACHE_INLINE std::pair<std::int64_t, std::int64_t>
redis_store::pair_of(const redisReply& reply, const char* what) {
    if (reply.type != REDIS_REPLY_ARRAY || reply.elements != 2 ||
        reply.element[0]->type != REDIS_REPLY_INTEGER ||
        reply.element[1]->type != REDIS_REPLY_INTEGER) {
        throw store_error(std::string("flytecache: redis_store: unexpected reply to ") + what);
    }
    return {reply.element[0]->integer, reply.element[1]->integer};
}

FLYTECACHE_INLINE void redis_store::count(detail::redis::connection& c, std::int64_t hits,
                                          std::int64_t misses) {
    detail::redis::command_writer w(c.buffer());
    for (const auto& [field, n] : {std::pair{"hits", hits}, std::pair{"misses", misses}}) {
        w.begin(4);
        w.arg("HINCRBY");
        w.arg(s_->stats_key);
        w.arg(std::string_view(field));
        w.arg_integer(n);
    }
    for (const auto& reply : c.exchange(w)) c.check(reply, "HINCRBY");
}

FLYTECACHE_INLINE std::string redis_store::pattern(std::string_view kind) const {
    std::string out;
    for (const char ch : s_->ns) {
        if (ch == '*' || ch == '?' || ch == '[' || ch == ']' || ch == '\\') out += '\\';
        out += ch;
    }
    out += kind;
    out += '*';
    return out;
}

FLYTECACHE_INLINE std::size_t redis_store::unlink_matching(const std::string& match) {
    std::size_t removed = 0;
    std::string cursor = "0";
    do {
        s_->pool.run([&](detail::redis::connection& c) {
            const auto reply = c.call([&](detail::redis::command_writer& w) {
                w.begin(6);
                w.arg("SCAN");
                w.arg(cursor);
                w.arg("MATCH");
                w.arg(match);
                w.arg("COUNT");
                w.arg_integer(static_cast<long long>(batch));
            });
            const redisReply& r = c.check(reply, "SCAN");
            if (r.type != REDIS_REPLY_ARRAY || r.elements != 2 ||
                r.element[0]->type != REDIS_REPLY_STRING ||
                r.element[1]->type != REDIS_REPLY_ARRAY) {
                throw store_error(s_->pool.where() + ": unexpected reply to SCAN");
            }
            const redisReply& keys = *r.element[1];
            if (keys.elements > 0) {
                detail::redis::command_writer w(c.buffer());
                w.begin(1 + keys.elements);
                w.arg("UNLINK");
                for (std::size_t i = 0; i < keys.elements; ++i)
                    w.arg(detail::redis::reply_text(*keys.element[i]));
                removed +=
                    static_cast<std::size_t>(c.check(c.exchange(w).front(), "UNLINK").integer);
            }
            cursor = std::string(detail::redis::reply_text(*r.element[0]));
        });
    } while (cursor != "0");
    return removed;
}

FLYTECACHE_NAMESPACE_END
