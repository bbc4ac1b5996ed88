// flytecache — compiled mode: the sqlite component's non-template definitions, compiled once
// SPDX-License-Identifier: MIT
//
// Built only with the CMake option FLYTECACHE_COMPILED_LIB, which also defines the macro for every
// consumer of the component's target. Each .ipp included here is, in header-only mode, included by
// its own header instead.
#if !defined(FLYTECACHE_COMPILED_LIB)
#    error "flytecache: src/ is compiled only in compiled mode (define FLYTECACHE_COMPILED_LIB)"
#endif

#include <flytecache/config.hpp>
#include <flytecache/store/sqlite/connection.ipp>
#include <flytecache/store/sqlite/engine.ipp>
#include <flytecache/store/sqlite/maintenance.ipp>
#include <flytecache/store/sqlite/open.ipp>
#include <flytecache/store/sqlite/operations.ipp>
#include <flytecache/store/sqlite/queue.ipp>
#include <flytecache/store/sqlite/rows.ipp>
#include <flytecache/store/sqlite/schema.ipp>
#include <flytecache/store/sqlite/value_files.ipp>
#include <flytecache/store/sqlite/vocabulary.ipp>
#include <flytecache/store/sqlite_store.ipp>
