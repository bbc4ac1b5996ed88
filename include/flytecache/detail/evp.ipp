// flytecache — OpenSSL EVP plumbing: fetched digests and pooled contexts (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/detail/evp.hpp>

#include <flytecache/error.hpp>

#include <openssl/err.h>

#include <array>
#include <string>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

[[noreturn]] FLYTECACHE_INLINE void throw_openssl_error(const char* what, const char* algorithm) {
    std::string message = "flytecache: OpenSSL ";
    message += what;
    message += '(';
    message += algorithm;
    message += ") failed";
    if (const unsigned long code = ERR_get_error(); code != 0) {
        std::array<char, 256> reason{};
        ERR_error_string_n(code, reason.data(), reason.size());
        message += " (";
        message += reason.data();
        message += ')';
    }
    ERR_clear_error();
    message +=
        "; check that libcrypto's default provider is available (MD5 is absent in FIPS mode)";
    throw crypto_error(message);
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
