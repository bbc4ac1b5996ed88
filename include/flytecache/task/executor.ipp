// flytecache — executor: runs tasks through a store as flytekit's local execution does
// (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/task/executor.hpp>

#include <flytecache/error.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN

FLYTECACHE_INLINE std::string detail::make_owner_token() {
    static const std::string process_part = [] {
        char host[256] = {};
        if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
        std::random_device rd;
        const std::uint64_t r = (std::uint64_t{rd()} << 32) ^ rd();
        return std::string(host) + ":" + std::to_string(::getpid()) + ":" + std::to_string(r);
    }();
    static std::atomic<std::uint64_t> counter{0};
    // getpid again: a forked child inherits process_part but must not share its tokens.
    return process_part + ":" + std::to_string(::getpid()) + ":" +
           std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
}

FLYTECACHE_INLINE void executor_options::validate() const {
    const auto check_positive = [](float_seconds v, const char* name) {
        if (!(v.count() > 0) || !(v.count() <= max_seconds)) {
            throw configuration_error(std::string("flytecache: executor_options::") + name +
                                      " must be a positive time of at most 1e6 s; got " +
                                      std::to_string(v.count()) + " s");
        }
    };
    check_positive(heartbeat_interval, "heartbeat_interval");
    check_positive(poll_interval, "poll_interval");
    if (reservation_ttl.count() != 0) check_positive(reservation_ttl, "reservation_ttl");
    if (effective_reservation_ttl() < 2 * heartbeat_interval) {
        throw configuration_error(
            "flytecache: executor_options::reservation_ttl (" +
            std::to_string(effective_reservation_ttl().count()) +
            " s) must be at least twice heartbeat_interval (" +
            std::to_string(heartbeat_interval.count()) +
            " s): a reservation that can lapse between two heartbeats lets identical "
            "serialized calls run more than once");
    }
    if (max_wait && !(max_wait->count() >= 0 && max_wait->count() <= max_seconds)) {
        throw configuration_error("flytecache: executor_options::max_wait must be from 0 to 1e6 s");
    }
    for (const auto& [value, name] :
         {std::pair{blob_grace, "blob_grace"}, std::pair{gc_interval, "gc_interval"}}) {
        if (!(value.count() >= 0 && value.count() <= max_seconds * 100)) {
            throw configuration_error(std::string("flytecache: executor_options::") + name +
                                      " must be from 0 to 1e8 s");
        }
    }
}

FLYTECACHE_NAMESPACE_END
