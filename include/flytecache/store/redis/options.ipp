// flytecache — redis_options (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/store/redis/options.hpp>

#include <cmath>

FLYTECACHE_NAMESPACE_BEGIN

namespace detail::redis_url {

FLYTECACHE_INLINE int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

FLYTECACHE_INLINE std::string percent_decode(std::string_view text, std::string_view shown,
                                             const char* part) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        const int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
        const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) fail(shown, std::string("bad percent-escape in the ") + part);
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

FLYTECACHE_INLINE std::chrono::milliseconds
parse_duration(std::string_view text, std::string_view shown, const char* what) {
    double scale = 0;
    std::string_view number = text;
    if (text.ends_with("ms")) {
        scale = 1.0;
        number.remove_suffix(2);
    } else if (text.ends_with('s')) {
        scale = 1000.0;
        number.remove_suffix(1);
    } else {
        fail(shown, std::string(what) + " '" + std::string(text) +
                        "' needs a unit: ms or s (as in 250ms or 2s)");
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || ec != std::errc{} || end != number.data() + number.size() ||
        !std::isfinite(value) || value < 0 || value * scale > 1e12) {
        fail(shown, std::string(what) + " '" + std::string(text) + "' is not a duration");
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(value * scale)));
}

} // namespace detail::redis_url

FLYTECACHE_INLINE redis_options redis_options::from_url(std::string_view url) {
    using namespace detail::redis_url;
    redis_options o;

    // Messages show the string with its credentials masked, from the first check on.
    const std::size_t scheme_end = url.find("://");
    std::string_view rest = scheme_end == std::string_view::npos ? url : url.substr(scheme_end + 3);
    const std::string_view scheme_part = url.substr(0, url.size() - rest.size());
    std::string shown(url);
    std::string_view credentials;
    bool has_credentials = false;
    // Credentials end at the last '@', so a password may hold '@', '/' or '?' unescaped (an '@'
    // in an option value must then be written %40). A lone "secret@" may be a password, so it is
    // masked too.
    if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
        has_credentials = true;
        credentials = rest.substr(0, at);
        const std::size_t colon = credentials.find(':');
        shown =
            std::string(scheme_part) +
            (colon == std::string_view::npos ? std::string("***")
                                             : std::string(credentials.substr(0, colon)) + ":***") +
            std::string(rest.substr(at));
        rest = rest.substr(at + 1);
    }
    if (scheme_end == std::string_view::npos) fail(shown, "expected redis://… or unix://…");
    const std::string_view scheme = url.substr(0, scheme_end);
    if (scheme == "rediss") {
        fail(
            shown,
            "TLS (rediss://) is not supported: it needs hiredis 1.0 built with OpenSSL, and Debian "
            "12 ships hiredis 0.14; reach a TLS server through a local tunnel (stunnel, spiped) or "
            "a unix socket");
    }
    if (scheme != "redis" && scheme != "unix") {
        fail(shown, "unknown scheme '" + std::string(scheme) + "' (expected redis:// or unix://)");
    }
    const bool is_unix = scheme == "unix";
    if (has_credentials) {
        const std::size_t colon = credentials.find(':');
        if (colon == std::string_view::npos) {
            o.username = percent_decode(credentials, shown, "user name");
        } else {
            o.username = percent_decode(credentials.substr(0, colon), shown, "user name");
            o.password = percent_decode(credentials.substr(colon + 1), shown, "password");
        }
    }

    std::string_view query;
    if (const std::size_t q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }

    if (is_unix) {
        if (rest.empty() || rest.front() != '/')
            fail(shown, "unix:// needs an absolute socket path");
        o.unix_socket = percent_decode(rest, shown, "socket path");
    } else {
        std::string_view authority = rest;
        std::string_view path;
        if (const std::size_t slash = rest.find('/'); slash != std::string_view::npos) {
            authority = rest.substr(0, slash);
            path = rest.substr(slash + 1);
        }
        std::string_view port_text;
        if (!authority.empty() && authority.front() == '[') {
            const std::size_t close = authority.find(']');
            if (close == std::string_view::npos) fail(shown, "unterminated [IPv6] host");
            o.host = std::string(authority.substr(1, close - 1));
            const std::string_view after = authority.substr(close + 1);
            if (!after.empty()) {
                if (after.front() != ':') fail(shown, "expected ':port' after the [IPv6] host");
                port_text = after.substr(1);
            }
        } else if (const std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
            if (authority.find(':', colon + 1) != std::string_view::npos) {
                fail(shown, "an IPv6 address needs brackets, as in redis://[::1]:6379");
            }
            o.host = std::string(authority.substr(0, colon));
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) fail(shown, "empty port after ':'");
        } else {
            o.host = std::string(authority);
        }
        if (o.host.empty()) fail(shown, "no host");
        if (!port_text.empty()) {
            const auto port = parse_integer<unsigned>(port_text, shown, "port");
            if (port == 0 || port > 65535)
                fail(shown, "port " + std::to_string(port) + " is out of range");
            o.port = static_cast<std::uint16_t>(port);
        }
        if (!path.empty()) o.database = parse_integer<int>(path, shown, "database number");
    }

    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) continue;
        const std::size_t eq = pair.find('=');
        if (eq == std::string_view::npos)
            fail(shown, "option '" + std::string(pair) + "' has no value");
        const std::string_view name = pair.substr(0, eq);
        const std::string value = percent_decode(pair.substr(eq + 1), shown, "option value");
        if (name == "db") {
            o.database = parse_integer<int>(value, shown, "database number");
        } else if (name == "prefix") {
            o.prefix = value;
        } else if (name == "connect_timeout") {
            o.connect_timeout = parse_duration(value, shown, "connect_timeout");
        } else if (name == "command_timeout") {
            o.command_timeout = parse_duration(value, shown, "command_timeout");
        } else if (name == "retry_timeout") {
            o.retry_timeout = parse_duration(value, shown, "retry_timeout");
        } else if (name == "pool_size") {
            o.pool_size = parse_integer<std::size_t>(value, shown, "pool_size");
        } else {
            fail(shown, "unknown option '" + std::string(name) +
                            "' (known: db, prefix, connect_timeout, command_timeout, "
                            "retry_timeout, pool_size)");
        }
    }

    try {
        o.validate();
    } catch (const configuration_error& e) {
        fail(shown, e.what());
    }
    return o;
}

FLYTECACHE_INLINE std::string redis_options::describe() const {
    std::string credentials;
    if (!password.empty()) credentials = username + ":***@";
    if (!unix_socket.empty()) {
        return "unix://" + credentials + unix_socket + "?db=" + std::to_string(database);
    }
    const bool ipv6 = host.find(':') != std::string::npos;
    return "redis://" + credentials + (ipv6 ? "[" + host + "]" : host) + ":" +
           std::to_string(port) + "/" + std::to_string(database);
}

FLYTECACHE_INLINE void redis_options::validate() const {
    const auto bad = [](const std::string& what) {
        throw configuration_error("flytecache: redis_options: " + what);
    };
    if (unix_socket.empty() && host.empty()) bad("no host and no unix socket");
    if (unix_socket.empty() && port == 0) bad("port 0 is not a server port");
    if (database < 0) bad("database " + std::to_string(database) + " is negative");
    if (connect_timeout.count() <= 0)
        bad("connect_timeout must be positive, not " + std::to_string(connect_timeout.count()) +
            " ms");
    if (command_timeout.count() <= 0)
        bad("command_timeout must be positive, not " + std::to_string(command_timeout.count()) +
            " ms");
    if (retry_timeout.count() < 0) bad("retry_timeout must not be negative");
    for (const auto& [name, value] : {std::pair{"connect_timeout", connect_timeout},
                                      std::pair{"command_timeout", command_timeout},
                                      std::pair{"retry_timeout", retry_timeout}}) {
        if (value > max_timeout) {
            bad(std::string(name) + " must be at most " + std::to_string(max_timeout.count()) +
                " ms (one day)");
        }
    }
    if (pool_size == 0 || pool_size > max_pool_size) {
        bad("pool_size must be between 1 and " + std::to_string(max_pool_size) + ", not " +
            std::to_string(pool_size));
    }
    if (prefix.find_first_of("{}") != std::string::npos)
        bad("prefix '" + prefix + "' contains a brace");
    // The name is not repeated: written without a ':', a password parses as a user name.
    if (!username.empty() && password.empty()) {
        bad("a user name without a password (AUTH needs one; a password alone is written "
            ":password@)");
    }
}

FLYTECACHE_NAMESPACE_END
