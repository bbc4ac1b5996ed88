// flytecache — compiled mode: the literal model's and codecs' definitions, compiled once
// SPDX-License-Identifier: MIT
//
// Built only with the CMake option FLYTECACHE_COMPILED_LIB, which also defines the macro for every
// consumer of the component's target. Each .ipp included here is, in header-only mode, included by
// its own header instead.
#if !defined(FLYTECACHE_COMPILED_LIB)
#    error "flytecache: src/ is compiled only in compiled mode (define FLYTECACHE_COMPILED_LIB)"
#endif

#include <flytecache/config.hpp>

#include <flytecache/detail/json.ipp>
#include <flytecache/detail/protobuf.ipp>
#include <flytecache/detail/python_text.ipp>
#include <flytecache/detail/time_text.ipp>
#include <flytecache/hash/joblib.ipp>
#include <flytecache/hash/objecthash.ipp>
#include <flytecache/key/hash_placement.ipp>
#include <flytecache/literal/decode.ipp>
#include <flytecache/literal/encode.ipp>
#include <flytecache/literal/json.ipp>
#include <flytecache/literal/literal.ipp>
