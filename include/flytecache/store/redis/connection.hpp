// flytecache — Redis plumbing behind redis_store: connections, scripts and a pool
// SPDX-License-Identifier: MIT
#pragma once

// Redis plumbing behind redis_store: RESP command writing, a hiredis connection with bounded I/O
// that never raises SIGPIPE, Lua scripts by SHA-1, and a thread-safe pool that reconnects and
// retries within a deadline.

#include <flytecache/config.hpp>
#include <flytecache/detail/evp.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/hex.hpp>
#include <flytecache/store/redis/options.hpp>

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstring>
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

    explicit script(std::string text) : source(std::move(text)) {
        evp_hasher<sha1_tag> hasher;
        hasher.update(source.data(), source.size());
        sha1 = to_hex(hasher.finish());
    }
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

    connection(const redis_options& opts, std::string where) : where_(std::move(where)) {
        const auto deadline = clock::now() + opts.connect_timeout;
        const timeval connect_tv = to_timeval(opts.connect_timeout);
        ctx_ = opts.unix_socket.empty()
                   ? redisConnectWithTimeout(opts.host.c_str(), opts.port, connect_tv)
                   : redisConnectUnixWithTimeout(opts.unix_socket.c_str(), connect_tv);
        if (ctx_ == nullptr) throw connection_lost(where_ + ": cannot allocate a connection");
        if (ctx_->err != 0) {
            const std::string reason = ctx_->errstr;
            redisFree(std::exchange(ctx_, nullptr));
            throw connection_lost(where_ + ": cannot connect: " + reason + " (connect timeout " +
                                  std::to_string(opts.connect_timeout.count()) + " ms)");
        }
        try {
            // hiredis 0.14 leaves the socket inheritable: a container task's command would get an
            // authenticated connection to the cache.
            (void)::fcntl(ctx_->fd, F_SETFD, ::fcntl(ctx_->fd, F_GETFD) | FD_CLOEXEC);
            handshake(opts, deadline);
        } catch (...) {
            redisFree(std::exchange(ctx_, nullptr));
            throw;
        }
    }

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
    const redisReply& check(const reply_ptr& reply, std::string_view what) const {
        if (reply->type == REDIS_REPLY_ERROR) {
            throw store_error(where_ + ": " + std::string(what) +
                              " failed: " + std::string(reply_text(*reply)));
        }
        return *reply;
    }

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
    std::vector<reply_ptr> exchange(const command_writer& w, clock::time_point deadline) {
        w.complete();
        const std::size_t n = w.commands();
        pending_ += n;
        send_all(deadline);
        std::vector<reply_ptr> replies;
        replies.reserve(n);
        for (std::size_t i = 0; i < n; ++i) replies.push_back(receive(deadline));
        // A server still loading its dataset after a restart answers everything with LOADING.
        for (const auto& reply : replies) {
            if (reply->type == REDIS_REPLY_ERROR && reply_text(*reply).starts_with("LOADING")) {
                throw connection_lost(where_ + ": " + std::string(reply_text(*reply)));
            }
        }
        return replies;
    }

    void send_all(clock::time_point deadline) {
        const char* p = out_.data();
        std::size_t left = out_.size();
        while (left > 0) {
            const ssize_t n = ::send(ctx_->fd, p, left, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n >= 0) {
                p += n;
                left -= static_cast<std::size_t>(n);
            } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                wait_for(POLLOUT, deadline, "send");
            } else if (errno != EINTR) {
                fail_io(errno, "send");
            }
        }
        out_.clear();
    }

    reply_ptr receive(clock::time_point deadline) {
        for (;;) {
            void* raw = nullptr;
            if (redisGetReplyFromReader(ctx_, &raw) != REDIS_OK) {
                broken_ = true;
                throw connection_lost(where_ + ": connection lost: " + std::string(ctx_->errstr));
            }
            if (raw != nullptr) {
                --pending_;
                return reply_ptr(static_cast<redisReply*>(raw));
            }
            wait_for(POLLIN, deadline, "reply");
            // The socket is readable, so this read does not block.
            if (redisBufferRead(ctx_) != REDIS_OK) {
                broken_ = true;
                throw connection_lost(where_ + ": connection lost: " + std::string(ctx_->errstr));
            }
        }
    }

    void wait_for(short events, clock::time_point deadline, const char* what) {
        for (;;) {
            const auto left =
                std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
            if (left <= 0) {
                broken_ = true;
                throw timeout_error(where_ + ": no " + what + " within the " + timeout_name_ +
                                    " (" + std::to_string(timeout_ms_) + " ms)");
            }
            pollfd pfd{ctx_->fd, events, 0};
            const int ready =
                ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left, 1'000'000'000)));
            if (ready > 0) return;
            if (ready < 0 && errno != EINTR) fail_io(errno, "poll");
        }
    }

    void handshake(const redis_options& opts, clock::time_point deadline) {
        timeout_ms_ = opts.connect_timeout.count();
        timeout_name_ = "connect timeout";
        if (opts.unix_socket.empty()) (void)redisEnableKeepAlive(ctx_);
        // AUTH, SELECT and a PING in one round trip, within what is left of the connect timeout;
        // the PING makes even a server needing neither prove it answers.
        command_writer w(buffer());
        if (!opts.password.empty()) {
            w.begin(opts.username.empty() ? 2 : 3);
            w.arg("AUTH");
            if (!opts.username.empty()) w.arg(opts.username);
            w.arg(opts.password);
        }
        if (opts.database != 0) {
            w.begin(2);
            w.arg("SELECT");
            w.arg_integer(opts.database);
        }
        w.begin(1);
        w.arg("PING");
        std::string failure;
        for (const reply_ptr& reply : exchange(w, deadline)) {
            if (reply->type == REDIS_REPLY_ERROR && failure.empty())
                failure = std::string(reply_text(*reply));
        }
        if (!failure.empty()) {
            // Wrong credentials or database: a configuration problem, not worth retrying.
            throw store_error(
                where_ + ": the server refused the connection set-up (AUTH/SELECT): " + failure);
        }
        timeout_ms_ = opts.command_timeout.count();
        timeout_name_ = "command timeout";
        // Bounds the blocking hiredis calls of with_connection() users; our own I/O polls.
        if (redisSetTimeout(ctx_, to_timeval(opts.command_timeout)) != REDIS_OK) {
            throw connection_lost(where_ +
                                  ": cannot set the socket timeout: " + std::string(ctx_->errstr));
        }
    }

    [[noreturn]] void fail_io(int err, const char* what) {
        broken_ = true;
        throw connection_lost(where_ + ": connection lost: " + what + ": " + std::strerror(err));
    }

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

inline void watch_forks();

/// Up to `pool_size` connections shared by any number of threads. `run(f)` lends one connection
/// to `f`; when the connection is lost, `run` reconnects and calls `f` again until `retry_timeout`
/// has passed, so `f` must be safe to repeat (every redis_store operation is).
class pool {
public:
    using clock = std::chrono::steady_clock;

    explicit pool(const redis_options& opts)
        : opts_(opts), where_("flytecache: redis_store " + opts.describe()) {
        opts_.validate();
        watch_forks();
        // Read only once the fork handlers are installed, so no fork goes unnoticed.
        // NOLINTNEXTLINE(*-prefer-member-initializer)
        generation_ = fork_generation.load(std::memory_order_relaxed);
        // Connect now, so an unreachable server fails construction within the connect timeout.
        idle_.push_back(std::make_unique<connection>(opts_, where_));
        created_ = 1; // NOLINT(*-prefer-member-initializer): counts the connection made above
        const std::lock_guard lock(registry().mutex);
        registry().pools.push_back(this);
    }

    pool(const pool&) = delete;
    pool& operator=(const pool&) = delete;
    ~pool() {
        const std::lock_guard lock(registry().mutex);
        auto& pools = registry().pools;
        pools.erase(std::remove(pools.begin(), pools.end(), this), pools.end());
    }

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
    lease checkout() {
        std::unique_lock lock(mutex_);
        adopt_fork_locked();
        const unsigned generation = generation_;
        if (idle_.empty() && created_ >= opts_.pool_size) {
            const bool freed = available_.wait_for(lock, opts_.command_timeout, [&] {
                return !idle_.empty() || created_ < opts_.pool_size || generation_ != generation;
            });
            if (!freed) {
                throw timeout_error(where_ + ": all " + std::to_string(opts_.pool_size) +
                                    " connections stayed busy for the command timeout (" +
                                    std::to_string(opts_.command_timeout.count()) +
                                    " ms); raise pool_size");
            }
            adopt_fork_locked();
        }
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            return lease(*this, std::move(c), generation_);
        }
        ++created_;
        const unsigned current = generation_;
        lock.unlock();
        try {
            return lease(*this, std::make_unique<connection>(opts_, where_), current);
        } catch (...) {
            lock.lock();
            if (generation_ == current) --created_;
            available_.notify_one();
            throw;
        }
    }

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

    void drop_idle() noexcept {
        std::vector<std::unique_ptr<connection>> dropped;
        {
            const std::lock_guard lock(mutex_);
            created_ -= idle_.size();
            dropped.swap(idle_);
        }
        available_.notify_all();
    }

    void give_back(std::unique_ptr<connection> c, unsigned generation) noexcept {
        {
            const std::lock_guard lock(mutex_);
            if (generation != generation_) return; // created before a fork: not counted any more
            if (c->broken()) {
                --created_;
                c.reset();
            } else {
                try {
                    idle_.push_back(std::move(c));
                } catch (...) {
                    --created_; // no room to keep it: close it
                }
            }
        }
        available_.notify_one();
    }

    // In a forked child every inherited connection is the parent's: forget them (closing our copy
    // of a socket does not disturb the parent).
    void adopt_fork_locked() {
        const unsigned now = fork_generation.load(std::memory_order_relaxed);
        if (now == generation_) return;
        generation_ = now;
        idle_.clear();
        created_ = 0;
    }

    redis_options opts_;
    std::string where_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<connection>> idle_;
    std::size_t created_ = 0;
    unsigned generation_ = 0;
};

// fork() holds every pool's mutex (prepare), and the child then drops what it inherited.
inline void watch_forks() {
    static const bool registered = [] {
        (void)pthread_atfork(
            [] {
                registry().mutex.lock();
                for (pool* p : registry().pools) p->mutex_.lock();
            },
            [] {
                for (pool* p : registry().pools) p->mutex_.unlock();
                registry().mutex.unlock();
            },
            [] {
                fork_generation.fetch_add(1, std::memory_order_relaxed);
                for (pool* p : registry().pools) p->mutex_.unlock();
                registry().mutex.unlock();
            });
        return true;
    }();
    (void)registered;
}

} // namespace detail::redis
FLYTECACHE_NAMESPACE_END
