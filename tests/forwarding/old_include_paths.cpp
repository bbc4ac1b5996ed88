// flytecache — every public header that moved, by its old path: it must still compile
// SPDX-License-Identifier: MIT
// Every public header that moved, by its old path: it must still compile, with one deprecation
// warning per header naming the new path (checked by check_forwarding_headers.cmake).
#include <flytecache/store/diskcache_format.hpp>
#include <flytecache/store/local_task_cache.hpp>
#include <flytecache/store/memoize.hpp>
#include <flytecache/store/redis_options.hpp>

// A name from each, so a forwarding header that stopped forwarding fails to compile.
using moved_vocabulary = flytecache::db_key;
template <flytecache::cache_store Store>
using moved_cache = flytecache::local_task_cache<Store>;
using moved_options = flytecache::redis_options;

int main() { return 0; }
