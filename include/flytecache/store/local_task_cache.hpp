// flytecache — deprecated path: local_task_cache moved to <flytecache/task/local_task_cache.hpp>
// SPDX-License-Identifier: MIT
#pragma once

// Kept for one release so that old include paths keep compiling; include the new path instead.
#if defined(__GNUC__) || defined(__clang__)
#    pragma GCC warning                                                                            \
        "flytecache: <flytecache/store/local_task_cache.hpp> is deprecated and goes in the next release; include <flytecache/task/local_task_cache.hpp>"
#elif defined(_MSC_VER)
#    pragma message(                                                                               \
        "flytecache: <flytecache/store/local_task_cache.hpp> is deprecated and goes in the next release; include <flytecache/task/local_task_cache.hpp>")
#endif

#include <flytecache/task/local_task_cache.hpp>
