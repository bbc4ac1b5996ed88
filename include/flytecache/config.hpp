// flytecache — namespace and feature macros shared by every header
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/version.hpp>

// The inline namespace carries the ABI generation. If the derivation of versions or keys ever
// changes, bump it: two copies of flytecache in one program then fail to link instead of silently
// computing different keys for the same inputs.
#define FLYTECACHE_ABI_NAMESPACE v0

#define FLYTECACHE_NAMESPACE_BEGIN                                                                 \
    namespace flytecache {                                                                         \
    inline namespace FLYTECACHE_ABI_NAMESPACE {
#define FLYTECACHE_NAMESPACE_END                                                                   \
    }                                                                                              \
    }

// Forces inlining of the few tiny functions on the cache-key hot path (the protobuf writer), which
// GCC otherwise leaves as calls.
#if defined(__GNUC__) || defined(__clang__)
#    define FLYTECACHE_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#    define FLYTECACHE_ALWAYS_INLINE inline
#endif

// Compiled mode (opt-in; header-only is the default). Heavy non-template machinery (the SQLite
// store's internals, the literal decoder and encoder, JSON, subprocess, the blob area, Redis
// internals) is declared in its header and defined in a `.ipp` file beside it. Header-only, the
// header includes its `.ipp` and FLYTECACHE_INLINE is `inline`; with FLYTECACHE_COMPILED_LIB
// defined (the CMake option of the same name defines it for consumers of the installed targets),
// only the declarations are seen and the definitions are compiled once into libflytecache,
// libflytecache_sqlite and libflytecache_redis (src/), as spdlog's SPDLOG_COMPILED_LIB and
// Boost.Asio's separate compilation do. Both modes compute the same values: only where the code is
// compiled changes.
#if defined(FLYTECACHE_COMPILED_LIB)
#    define FLYTECACHE_INLINE
#else
#    define FLYTECACHE_INLINE inline
#endif

#if __cplusplus < 202002L && !defined(_MSVC_LANG)
#    error "flytecache requires C++20 (-std=c++20 or newer)"
#endif
