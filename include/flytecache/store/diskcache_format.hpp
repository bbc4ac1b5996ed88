// flytecache — deprecated path of store/sqlite/vocabulary.hpp
// SPDX-License-Identifier: MIT
#pragma once

// Deprecated forwarding header: diskcache's data model moved to store/sqlite/vocabulary.hpp.

#if defined(__GNUC__) || defined(__clang__)
#    pragma GCC warning                                                                            \
        "flytecache: <flytecache/store/diskcache_format.hpp> is deprecated and goes in the next release; include <flytecache/store/sqlite/vocabulary.hpp> (or <flytecache/store/sqlite_store.hpp>)"
#elif defined(_MSC_VER)
#    pragma message(                                                                               \
        "flytecache: <flytecache/store/diskcache_format.hpp> is deprecated and goes in the next release; include <flytecache/store/sqlite/vocabulary.hpp> (or <flytecache/store/sqlite_store.hpp>)")
#endif

#include <flytecache/store/sqlite/vocabulary.hpp>
