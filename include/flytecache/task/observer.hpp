// flytecache — task observers: hit, miss, stale, wait, run, put, retry and error events with
// the key and timings, at no cost when no observer is given
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>

#include <chrono>
#include <concepts>
#include <exception>
#include <string_view>
#include <type_traits>

FLYTECACHE_NAMESPACE_BEGIN

enum class task_event_kind {
    hit,   ///< the outputs came from the cache
    miss,  ///< the cache had no usable entry; the task will run (or wait, when serialized)
    stale, ///< an entry was there but unusable (`reason` says why: an output file it points at
           ///< is gone or changed, or it does not decode); a `miss` follows and the call recomputes
    wait,  ///< a serialized call waited for another owner; `elapsed` is the time spent waiting
    run,   ///< the task body finished; `elapsed` is how long the successful attempt took
    put,   ///< the outputs were written to the store; `elapsed` is the write time
    retry, ///< an attempt failed and the task runs again; `error` holds the failure
    error, ///< the call failed; `error` holds the exception the caller receives
};

[[nodiscard]] constexpr std::string_view to_string(task_event_kind k) noexcept {
    switch (k) {
    case task_event_kind::hit: return "hit";
    case task_event_kind::miss: return "miss";
    case task_event_kind::stale: return "stale";
    case task_event_kind::wait: return "wait";
    case task_event_kind::run: return "run";
    case task_event_kind::put: return "put";
    case task_event_kind::retry: return "retry";
    case task_event_kind::error: return "error";
    }
    return "unknown";
}

/// One thing that happened during a task call. The views are valid only during the callback.
struct task_event {
    task_event_kind kind;
    std::string_view task;              ///< the task's name
    std::string_view key;               ///< the cache key of the call (empty when caching is off)
    std::chrono::nanoseconds elapsed{}; ///< see task_event_kind; the lookup time for hit and miss
    int attempt = 0;                    ///< 1-based attempt number for run, retry and error
    std::exception_ptr error{};         ///< for retry and error
    std::string_view reason{};          ///< for stale: why the entry could not be used
};

/// An observer is called with every event of every call an executor makes. It is called from the
/// calling thread (or the thread running an async call), so it must be thread-safe when calls are
/// concurrent. Exceptions it throws propagate to the caller.
template <class O>
concept task_observer = std::move_constructible<O> && requires(O& o, const task_event& e) { o(e); };

/// The default observer: none. The executor skips the clock reads and the events entirely.
struct no_observer {
    void operator()(const task_event&) const noexcept {}
};

namespace detail {
template <class O>
inline constexpr bool observing_v = !std::is_same_v<O, no_observer>;
} // namespace detail

FLYTECACHE_NAMESPACE_END
