// flytecache — compiled mode: the lmdb component's non-template definitions, compiled once
// SPDX-License-Identifier: MIT
//
// Built only with the CMake option FLYTECACHE_COMPILED_LIB, which also defines the macro for every
// consumer of the component's target. Each .ipp included here is, in header-only mode, included by
// its own header instead.
#if !defined(FLYTECACHE_COMPILED_LIB)
#    error "flytecache: src/ is compiled only in compiled mode (define FLYTECACHE_COMPILED_LIB)"
#endif

#include <flytecache/config.hpp>

#include <flytecache/store/lmdb_store.ipp>
