// flytecache — joblib.hash of a bytes object: MD5 over its pickle (protocol 3) framing
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/md5.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN

/// The pickle bytes joblib writes before a `bytes` payload of `size` bytes: PROTO 3, then
/// SHORT_BINBYTES with a 1-byte length (size ≤ 255) or BINBYTES with a 4-byte little-endian length.
/// @throws invalid_argument for payloads of 4 GiB or more, which protocol 3 cannot frame.
[[nodiscard]] std::string joblib_frame_header(std::size_t size);

/// `joblib.hash(data)` for a Python `bytes` object: lowercase MD5 hex of its pickle framing, as
/// flytekit's local cache computes over the serialized inputs. The payload is streamed, not copied.
[[nodiscard]] std::string joblib_hash(std::string_view data);

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/hash/joblib.ipp>
#endif
