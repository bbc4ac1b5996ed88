// flytecache — library version: the single source of truth (CMakeLists.txt, amalgamate.py)
// SPDX-License-Identifier: MIT
#pragma once

// Library version: the single source of truth, parsed by CMakeLists.txt and amalgamate.py.

#define FLYTECACHE_VERSION_MAJOR 0
#define FLYTECACHE_VERSION_MINOR 1
#define FLYTECACHE_VERSION_PATCH 0

/// The version as one integer (major * 10000 + minor * 100 + patch), for preprocessor comparisons.
#define FLYTECACHE_VERSION                                                                         \
    (FLYTECACHE_VERSION_MAJOR * 10000 + FLYTECACHE_VERSION_MINOR * 100 + FLYTECACHE_VERSION_PATCH)
