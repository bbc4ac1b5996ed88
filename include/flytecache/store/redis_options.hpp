// flytecache — deprecated path: redis_options moved to <flytecache/store/redis/options.hpp>
// SPDX-License-Identifier: MIT
#pragma once

// Kept for one release so that old include paths keep compiling; include the new path instead.
#if defined(__GNUC__) || defined(__clang__)
#    pragma GCC warning                                                                            \
        "flytecache: <flytecache/store/redis_options.hpp> is deprecated and goes in the next release; include <flytecache/store/redis/options.hpp>"
#elif defined(_MSC_VER)
#    pragma message(                                                                               \
        "flytecache: <flytecache/store/redis_options.hpp> is deprecated and goes in the next release; include <flytecache/store/redis/options.hpp>")
#endif

#include <flytecache/store/redis/options.hpp>
