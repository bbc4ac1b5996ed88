// flytecache — Redis plumbing behind redis_store: connections, scripts and a pool
// SPDX-License-Identifier: MIT
#pragma once

// Redis plumbing behind redis_store: RESP command writing, a hiredis connection with bounded I/O
// that never raises SIGPIPE, Lua scripts by SHA-1, and a thread-safe pool that reconnects and
// retries within a deadline.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/store/redis/options.hpp>

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::redis {

struct reply_deleter {
    void operator()(redisReply* r) const noexcept {
        if (r != nullptr) freeReplyObject(r);
    }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

/// The connection itself failed (refused, reset, closed by the server, a protocol error) or the
/// server is still loading its data: the pool retries these on a fresh connection.
class connection_lost : public store_error {
public:
    using store_error::store_error;
};

/// Writes RESP arrays of bulk strings. An argument may be given in pieces that the server sees as
/// one string, which spares concatenating a namespace and a key (or a header and a value) first.
class command_writer {
public:
    explicit command_writer(std::string& out) noexcept : out_(out) {}

    void begin(std::size_t argc) {
        complete();
        missing_ = argc;
        ++commands_;
        out_ += '*';
        number(argc);
    }

    /// Throws std::logic_error when the last command got fewer or more arguments than announced,
    /// which would desynchronize the connection.
    void complete() const {
        if (missing_ != 0)
            throw std::logic_error("flytecache: redis command written with a wrong argument count");
    }

    /// How many commands were written.
    [[nodiscard]] std::size_t commands() const noexcept { return commands_; }

    template <class... Pieces>
    void arg(const Pieces&... pieces) {
        if (missing_-- == 0)
            throw std::logic_error("flytecache: redis command written with a wrong argument count");
        const std::size_t size = (std::string_view(pieces).size() + ...);
        out_ += '$';
        number(size);
        (out_.append(std::string_view(pieces)), ...);
        out_ += "\r\n";
    }

    void arg_integer(long long value) {
        char buf[24];
        const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
        (void)ec;
        arg(std::string_view(buf, static_cast<std::size_t>(end - buf)));
    }

private:
    void number(std::size_t n) {
        char buf[24];
        const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
        (void)ec;
        out_.append(buf, end);
        out_ += "\r\n";
    }

    std::string& out_;
    std::size_t missing_ = 0;
    std::size_t commands_ = 0;
};

inline timeval to_timeval(std::chrono::milliseconds ms) noexcept {
    timeval tv{};
    tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
    tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
    return tv;
}

inline std::string_view reply_text(const redisReply& r) noexcept {
    return r.str == nullptr ? std::string_view{} : std::string_view(r.str, r.len);
}

/// A Lua script and its SHA-1, the name EVALSHA calls it by.
struct script {
    std::string source;
    std::string sha1;

    explicit script(std::string text);
};

/// One hiredis connection, used by one thread at a time. Commands are written with our own
/// `send(2)` (MSG_NOSIGNAL: a server that went away yields an error, not a SIGPIPE that kills the
/// process) and replies parsed by hiredis's reader. Each exchange (a batch of commands and all
/// their replies) has one deadline, the command timeout from its start, and every wait polls for
/// the time left, so a server that trickles bytes cannot stretch it. After any I/O failure the
/// connection is `broken()` and must not be reused.
class connection {
public:
    using clock = std::chrono::steady_clock;

    connection(const redis_options& opts, std::string where);

    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() {
        if (ctx_ != nullptr) redisFree(ctx_);
    }

    /// The write buffer for the next batch of commands (see `exchange`), emptied of anything an
    /// earlier, abandoned batch left.
    std::string& buffer() noexcept {
        out_.clear();
        return out_;
    }

    /// Sends what `w` wrote and reads every reply before any is looked at, so that an error reply
    /// leaves the connection in step; all within one command timeout.
    std::vector<reply_ptr> exchange(const command_writer& w) {
        return exchange(w, clock::now() + std::chrono::milliseconds(timeout_ms_));
    }

    /// Throws store_error when `reply` is a server error.
    const redisReply& check(const reply_ptr& reply, std::string_view what) const;

    /// Sends one command and returns its reply (server errors included).
    template <class Write>
    reply_ptr call(Write&& write) {
        command_writer w(buffer());
        write(w);
        return std::move(exchange(w).front());
    }

    /// Runs a Lua script by its SHA-1, loading it by its text when the server does not know it (a
    /// new or restarted server). `write_rest` writes numkeys, the keys and the arguments, and
    /// `argc` counts them.
    template <class Write>
    reply_ptr eval(const script& s, std::size_t argc, Write&& write_rest) {
        const auto send_as = [&](std::string_view command, std::string_view body) {
            command_writer w(buffer());
            w.begin(2 + argc);
            w.arg(command);
            w.arg(body);
            write_rest(w);
            return std::move(exchange(w).front());
        };
        reply_ptr reply = send_as("EVALSHA", s.sha1);
        if (reply->type == REDIS_REPLY_ERROR && reply_text(*reply).starts_with("NOSCRIPT")) {
            reply = send_as("EVAL", s.source);
        }
        return reply;
    }

    /// `true` once an I/O error happened or replies are still owed: the connection is unusable.
    [[nodiscard]] bool broken() const noexcept {
        return broken_ || pending_ != 0 || ctx_->err != 0;
    }
    void mark_broken() noexcept { broken_ = true; }
    [[nodiscard]] redisContext* native() noexcept { return ctx_; }

private:
    std::vector<reply_ptr> exchange(const command_writer& w, clock::time_point deadline);

    void send_all(clock::time_point deadline);

    reply_ptr receive(clock::time_point deadline);

    void wait_for(short events, clock::time_point deadline, const char* what);

    void handshake(const redis_options& opts, clock::time_point deadline);

    [[noreturn]] void fail_io(int err, const char* what);

    redisContext* ctx_ = nullptr;
    std::string where_;
    std::string out_;
    std::size_t pending_ = 0;
    long long timeout_ms_ = 0;
    const char* timeout_name_ = "command timeout";
    bool broken_ = false;
};

class pool;

/// Bumped in every child after fork(): a pool then drops the connections it inherited, whose
/// sockets the parent is still using.
inline std::atomic<unsigned> fork_generation{0};

/// The live pools, so that fork() can hold every pool's mutex across the fork: a child must not
/// inherit a mutex another thread held at that instant (nobody would release it there).
struct pool_registry {
    std::mutex mutex;
    std::vector<pool*> pools;
};

// Never destroyed: the fork handlers may run during static destruction.
inline pool_registry& registry() {
    static auto* const r = new pool_registry;
    return *r;
}

// fork() holds every pool's mutex (prepare), and the child then drops what it inherited.
void watch_forks();

/// Up to `pool_size` connections shared by any number of threads. `run(f)` lends one connection
/// to `f`; when the connection is lost, `run` reconnects and calls `f` again until `retry_timeout`
/// has passed, so `f` must be safe to repeat (every redis_store operation is).
class pool {
public:
    using clock = std::chrono::steady_clock;

    explicit pool(const redis_options& opts);

    pool(const pool&) = delete;
    pool& operator=(const pool&) = delete;
    ~pool();

    const std::string& where() const noexcept { return where_; }
    const redis_options& options() const noexcept { return opts_; }

    /// A connection lent to one caller; returned to the pool when done, or closed if broken.
    class lease {
    public:
        lease(pool& owner, std::unique_ptr<connection> c, unsigned generation) noexcept
            : owner_(&owner), conn_(std::move(c)), generation_(generation) {}
        lease(lease&& other) noexcept = default;
        lease& operator=(lease&&) = delete;
        lease(const lease&) = delete;
        lease& operator=(const lease&) = delete;
        ~lease() {
            if (owner_ != nullptr && conn_ != nullptr)
                owner_->give_back(std::move(conn_), generation_);
        }
        connection& operator*() const noexcept { return *conn_; }
        connection* operator->() const noexcept { return conn_.get(); }

    private:
        pool* owner_;
        std::unique_ptr<connection> conn_;
        unsigned generation_;
    };

    /// A connection: an idle one, a new one while fewer than `pool_size` exist, or the first one
    /// returned within the command timeout.
    lease checkout();

    /// Calls `f(connection&)`, reconnecting and calling again after a lost connection until
    /// `retry_timeout` has passed; then throws store_error with the first and the last failure.
    template <class F>
    decltype(auto) run(F&& f) {
        const auto deadline = clock::now() + opts_.retry_timeout;
        auto pause = std::chrono::milliseconds(10);
        std::string first_failure;
        for (int attempt = 1;; ++attempt) {
            try {
                lease conn = checkout();
                return f(*conn);
            } catch (const connection_lost& e) {
                if (first_failure.empty()) first_failure = e.what();
                // What killed this connection (a restart, a network cut) most likely killed the
                // idle ones too: retry on a fresh connection, not on the next stale one.
                drop_idle();
                // The first retry is immediate: a connection the server closed while idle (a
                // restart, its `timeout` setting) is the common case, and a fresh one just works.
                if (attempt > 1) {
                    const auto now = clock::now();
                    if (now + pause > deadline) {
                        throw connection_lost(first_failure + "; retried " +
                                              std::to_string(attempt - 1) + " time(s) over " +
                                              std::to_string(opts_.retry_timeout.count()) +
                                              " ms (retry_timeout), last: " + e.what());
                    }
                    std::this_thread::sleep_for(pause);
                    pause = std::min(pause * 2, std::chrono::milliseconds(250));
                }
            }
        }
    }

private:
    friend void watch_forks();

    void drop_idle() noexcept;

    void give_back(std::unique_ptr<connection> c, unsigned generation) noexcept;

    // In a forked child every inherited connection is the parent's: forget them (closing our copy
    // of a socket does not disturb the parent).
    void adopt_fork_locked();

    redis_options opts_;
    std::string where_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<connection>> idle_;
    std::size_t created_ = 0;
    unsigned generation_ = 0;
};

} // namespace detail::redis
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/redis/connection.ipp>
#endif
