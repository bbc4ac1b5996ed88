// flytecache — the default executor: flytekit's local cache, used when a task is called
// SPDX-License-Identifier: MIT
#pragma once

// The default executor: flytekit's local cache (SQLite, ~/.flyte/local-cache), used when a task is
// called directly.

#include <flytecache/config.hpp>
#include <flytecache/store/sqlite_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/local_task_cache.hpp>

#include <future>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN

/// The executor behind `task(args...)`: an SQLite store in flytekit's local cache directory
/// (`~/.flyte/local-cache`, shared with flytekit in Python), opened on the first call, honouring
/// FLYTE_LOCAL_CACHE_ENABLED and FLYTE_LOCAL_CACHE_OVERWRITE as read at that time.
/// Thread safety: safe to use from any thread; it lives until the program exits.
inline executor<sqlite_store>& default_executor() {
    static executor<sqlite_store> instance(default_local_cache_location());
    return instance;
}

// Found by argument-dependent lookup from the tasks' call operators, so task headers need not
// include SQLite.
template <class Task, class... Args>
    requires executable_task<Task, Args...>
typename Task::output_type run_with_default_executor(const Task& task, Args&&... args) {
    return default_executor().run(task, std::forward<Args>(args)...);
}

template <class Task, class... Args>
    requires executable_task<Task, Args...>
std::future<typename Task::output_type> submit_with_default_executor(const Task& task,
                                                                     Args&&... args) {
    return default_executor().submit(task, std::forward<Args>(args)...);
}

FLYTECACHE_NAMESPACE_END
