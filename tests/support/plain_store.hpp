// flytecache — test support: a store with only the four basic operations
// SPDX-License-Identifier: MIT
#pragma once

// Test support: a store with only the four basic operations (no reservations, no blob directory, no
// enumeration), as a minimal user store or a store shared by machines is.

#include <flytecache/store/memory_store.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace flytecache_test {

struct plain_store {
    flytecache::memory_store inner;
    std::optional<std::string> get(std::string_view k) { return inner.get(k); }
    void set(std::string_view k, std::string_view v) { inner.set(k, v); }
    bool erase(std::string_view k) { return inner.erase(k); }
    void clear() { inner.clear(); }
};

static_assert(flytecache::cache_store<plain_store>);
static_assert(!flytecache::reserving_store<plain_store>);
static_assert(!flytecache::file_hosting_store<plain_store>);

} // namespace flytecache_test
