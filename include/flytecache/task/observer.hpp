// flytecache — task observers: the default (none, at no cost); the events are in task_concepts.hpp
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/task/task_concepts.hpp>

#include <chrono>
#include <concepts>
#include <exception>
#include <string_view>
#include <type_traits>

FLYTECACHE_NAMESPACE_BEGIN

/// The default observer: none. The executor skips the clock reads and the events entirely.
struct no_observer {
    void operator()(const task_event&) const noexcept {}
};

namespace detail {
template <class O>
inline constexpr bool observing_v = !std::is_same_v<O, no_observer>;
} // namespace detail

FLYTECACHE_NAMESPACE_END
