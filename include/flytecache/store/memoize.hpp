// flytecache — deprecated path: memoize moved to <flytecache/task/memoize.hpp>
// SPDX-License-Identifier: MIT
#pragma once

// Kept for one release so that old include paths keep compiling; include the new path instead.
#if defined(__GNUC__) || defined(__clang__)
#    pragma GCC warning                                                                            \
        "flytecache: <flytecache/store/memoize.hpp> is deprecated and goes in the next release; include <flytecache/task/memoize.hpp>"
#elif defined(_MSC_VER)
#    pragma message(                                                                               \
        "flytecache: <flytecache/store/memoize.hpp> is deprecated and goes in the next release; include <flytecache/task/memoize.hpp>")
#endif

#include <flytecache/task/memoize.hpp>
