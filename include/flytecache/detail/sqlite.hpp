// flytecache — deprecated path of store/sqlite/connection.hpp
// SPDX-License-Identifier: MIT
#pragma once

// Deprecated forwarding header: the SQLite connection moved to store/sqlite/connection.hpp.

#if defined(__GNUC__) || defined(__clang__)
#    pragma GCC warning                                                                            \
        "flytecache: <flytecache/detail/sqlite.hpp> is deprecated and goes in the next release; include <flytecache/store/sqlite/connection.hpp>"
#elif defined(_MSC_VER)
#    pragma message(                                                                               \
        "flytecache: <flytecache/detail/sqlite.hpp> is deprecated and goes in the next release; include <flytecache/store/sqlite/connection.hpp>")
#endif

#include <flytecache/store/sqlite/connection.hpp>
