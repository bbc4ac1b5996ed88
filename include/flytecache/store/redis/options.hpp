// flytecache — redis_options: where a redis_store connects, its timeouts and key namespace
// SPDX-License-Identifier: MIT
#pragma once

// redis_options: where a redis_store connects, how long it waits, and its key namespace; parsed
// from a redis:// or unix:// connection string.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>

#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN

/// Connection options of a `redis_store` (also named `redis_store::options`). Declared outside the
/// class so that `redis_store({.port = 6380, .prefix = "team-a"})` works with designated
/// initializers; `redis_options::from_url` builds them from a connection string.
struct redis_options {
    /// Host name or address of the server (IPv4, IPv6 or a name; name resolution is not bounded by
    /// `connect_timeout`).
    std::string host = "127.0.0.1";
    /// TCP port of the server.
    std::uint16_t port = 6379;
    /// Path of the server's unix socket; when set, `host` and `port` are not used.
    std::string unix_socket{};
    /// Database number, selected on every connection (`SELECT`).
    int database = 0;
    /// ACL user (Redis 6 and newer); empty for the default user. Needs `password`.
    std::string username{};
    /// Password, sent with `AUTH` on every connection; empty for none. Never shown in messages.
    std::string password{};
    /// The store's namespace: every key it writes starts with `{prefix}`, and `clear()` removes
    /// only such keys. Two stores share entries exactly when their prefixes are equal. Braces are
    /// not allowed inside (they delimit the prefix, which also makes it a Redis Cluster hash tag).
    std::string prefix = "flytecache";
    /// Bound on establishing a connection: the TCP or unix connect and the AUTH/SELECT/PING
    /// handshake together.
    std::chrono::milliseconds connect_timeout{2000};
    /// Bound on one round trip (a command or a pipelined batch sent, and all its replies read,
    /// however slowly their bytes arrive); past it, `timeout_error`. Also how long a caller waits
    /// for a free pooled connection.
    std::chrono::milliseconds command_timeout{5000};
    /// After a connection is lost (the server closed it, restarted or refuses connections), how
    /// long an operation keeps reconnecting and retrying before it fails with `store_error`. 0: one
    /// immediate retry on a fresh connection, no more.
    std::chrono::milliseconds retry_timeout{1000};
    /// Most connections the store opens; each serves one thread at a time.
    std::size_t pool_size = 4;
    /// Where task output files of the entries are kept (see `blob_area`): a directory that every
    /// machine sharing this store sees at this same path (NFS, a cluster filesystem). Empty: none,
    /// and caching a task whose outputs are local files is a `configuration_error` at the call,
    /// since a path on one machine would be wrong on the next. Not part of connection strings.
    std::optional<std::filesystem::path> blob_directory{};

    /// Most connections `pool_size` may ask for.
    static constexpr std::size_t max_pool_size = 1024;
    /// Longest timeout accepted (one day); longer ones are configuration mistakes.
    static constexpr std::chrono::milliseconds max_timeout{86'400'000};

    /// Parses a connection string:
    ///
    ///     redis://[[user]:password@]host[:port][/database][?option=value&...]
    ///     unix://[[user]:password@]/path/to/redis.sock[?db=N&option=value&...]
    ///
    /// `host` may be a bracketed IPv6 address (`[::1]`); user, password, path and option values are
    /// percent-decoded. Options: `db` (unix only; the path gives it for redis://), `prefix`,
    /// `connect_timeout`, `command_timeout`, `retry_timeout` (a number with the unit `ms` or `s`,
    /// as in `250ms` or `1.5s`) and `pool_size`. Anything not given keeps its default.
    /// @throws configuration_error naming what is wrong: an unknown scheme (`rediss://` included:
    ///         TLS needs hiredis 1.0 with OpenSSL, and Debian 12's hiredis is 0.14), an unknown
    ///         option, a bad number or unit, or options that fail `validate()`.
    static redis_options from_url(std::string_view url);

    /// The server's address as a connection string, without the password (`:***@` marks one), for
    /// messages and logs: `redis://127.0.0.1:6379/0` or `unix:///run/redis.sock?db=2`.
    [[nodiscard]] std::string describe() const;

    /// @throws configuration_error when a field is out of range: port 0, a negative database, a
    ///         timeout of zero or less (or above `max_timeout`), a pool size of 0 or above
    ///         `max_pool_size`, a brace in the prefix, or a username without a password.
    void validate() const;
};

namespace detail::redis_url {

[[noreturn]] inline void fail(std::string_view url_for_message, const std::string& what) {
    throw configuration_error("flytecache: redis connection string '" +
                              std::string(url_for_message) + "': " + what);
}

int hex_value(char c) noexcept;

std::string percent_decode(std::string_view text, std::string_view shown, const char* part);

template <class Int>
Int parse_integer(std::string_view text, std::string_view shown, const char* what) {
    Int value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
        fail(shown, std::string(what) + " '" + std::string(text) + "' is not a number in range");
    }
    return value;
}

// "250ms", "2s", "1.5s": a unit is required, because bare numbers mean seconds to redis-py and
// milliseconds to most C clients.
std::chrono::milliseconds parse_duration(std::string_view text, std::string_view shown,
                                         const char* what);

} // namespace detail::redis_url

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/redis/options.ipp>
#endif
