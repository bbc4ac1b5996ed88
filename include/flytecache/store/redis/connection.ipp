// flytecache — Redis plumbing behind redis_store: connections, scripts and a pool (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/store/redis/connection.hpp>

#include <flytecache/detail/evp.hpp>
#include <flytecache/hash/hex.hpp>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail::redis {

FLYTECACHE_INLINE script::script(std::string text) : source(std::move(text)) {
    evp_hasher<sha1_tag> hasher;
    hasher.update(source.data(), source.size());
    sha1 = to_hex(hasher.finish());
}

FLYTECACHE_INLINE connection::connection(const redis_options& opts, std::string where)
    : where_(std::move(where)) {
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

FLYTECACHE_INLINE const redisReply& connection::check(const reply_ptr& reply,
                                                      std::string_view what) const {
    if (reply->type == REDIS_REPLY_ERROR) {
        throw store_error(where_ + ": " + std::string(what) +
                          " failed: " + std::string(reply_text(*reply)));
    }
    return *reply;
}

FLYTECACHE_INLINE std::vector<reply_ptr> connection::exchange(const command_writer& w,
                                                              clock::time_point deadline) {
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

FLYTECACHE_INLINE void connection::send_all(clock::time_point deadline) {
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

FLYTECACHE_INLINE reply_ptr connection::receive(clock::time_point deadline) {
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

FLYTECACHE_INLINE void connection::wait_for(short events, clock::time_point deadline,
                                            const char* what) {
    for (;;) {
        const auto left =
            std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
        if (left <= 0) {
            broken_ = true;
            throw timeout_error(where_ + ": no " + what + " within the " + timeout_name_ + " (" +
                                std::to_string(timeout_ms_) + " ms)");
        }
        pollfd pfd{ctx_->fd, events, 0};
        const int ready =
            ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left, 1'000'000'000)));
        if (ready > 0) return;
        if (ready < 0 && errno != EINTR) fail_io(errno, "poll");
    }
}

FLYTECACHE_INLINE void connection::handshake(const redis_options& opts,
                                             clock::time_point deadline) {
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
        throw store_error(where_ +
                          ": the server refused the connection set-up (AUTH/SELECT): " + failure);
    }
    timeout_ms_ = opts.command_timeout.count();
    timeout_name_ = "command timeout";
    // Bounds the blocking hiredis calls of with_connection() users; our own I/O polls.
    if (redisSetTimeout(ctx_, to_timeval(opts.command_timeout)) != REDIS_OK) {
        throw connection_lost(where_ +
                              ": cannot set the socket timeout: " + std::string(ctx_->errstr));
    }
}

FLYTECACHE_INLINE void connection::fail_io(int err, const char* what) {
    broken_ = true;
    throw connection_lost(where_ + ": connection lost: " + what + ": " + std::strerror(err));
}

FLYTECACHE_INLINE pool::pool(const redis_options& opts)
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

FLYTECACHE_INLINE pool::~pool() {
    const std::lock_guard lock(registry().mutex);
    auto& pools = registry().pools;
    pools.erase(std::remove(pools.begin(), pools.end(), this), pools.end());
}

FLYTECACHE_INLINE pool::lease pool::checkout() {
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

FLYTECACHE_INLINE void pool::drop_idle() noexcept {
    std::vector<std::unique_ptr<connection>> dropped;
    {
        const std::lock_guard lock(mutex_);
        created_ -= idle_.size();
        dropped.swap(idle_);
    }
    available_.notify_all();
}

FLYTECACHE_INLINE void pool::give_back(std::unique_ptr<connection> c,
                                       unsigned generation) noexcept {
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

FLYTECACHE_INLINE void pool::adopt_fork_locked() {
    const unsigned now = fork_generation.load(std::memory_order_relaxed);
    if (now == generation_) return;
    generation_ = now;
    idle_.clear();
    created_ = 0;
}

FLYTECACHE_INLINE void watch_forks() {
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
