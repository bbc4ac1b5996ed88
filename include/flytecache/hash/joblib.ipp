// flytecache — joblib.hash of a bytes object (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/hash/joblib.hpp>

FLYTECACHE_NAMESPACE_BEGIN

FLYTECACHE_INLINE std::string joblib_frame_header(std::size_t size) {
    std::string header{'\x80', '\x03'};
    if (size <= 255) {
        header += 'C';
        header += static_cast<char>(size);
    } else if (size <= 0xFFFFFFFFULL) {
        header += 'B';
        for (int shift = 0; shift != 32; shift += 8) {
            header += static_cast<char>((size >> shift) & 0xFFU);
        }
    } else {
        throw invalid_argument("flytecache: joblib (pickle protocol 3) cannot hash 4 GiB or more");
    }
    return header;
}

FLYTECACHE_INLINE std::string joblib_hash(std::string_view data) {
    md5 h;
    h.update(joblib_frame_header(data.size()));
    h.update(data);
    h.update(std::string_view(".", 1)); // STOP
    return h.hex_digest();
}

FLYTECACHE_NAMESPACE_END
