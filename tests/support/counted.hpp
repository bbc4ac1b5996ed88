// flytecache — test support: an input type that counts its copies
// SPDX-License-Identifier: MIT
// Test support: `counted` counts its copies (construction and assignment), to see what a cached
// call or a typed-tier hit copies. Converts to and from an integer literal; compares by value.
#pragma once

#include <flytecache/literal/literal_traits.hpp>

#include <cstdint>
#include <type_traits>

namespace flytecache_test {

struct counted {
    std::int64_t value = 0;
    static inline int copies = 0;
    counted() = default;
    explicit counted(std::int64_t v) : value(v) {}
    counted(const counted& other) : value(other.value) { ++copies; }
    counted(counted&&) noexcept = default;
    counted& operator=(const counted& other) {
        value = other.value;
        ++copies;
        return *this;
    }
    counted& operator=(counted&&) noexcept = default;
    ~counted() = default;
    friend bool operator==(const counted& a, const counted& b) { return a.value == b.value; }
};
inline flytecache::literal to_literal(const counted& c) { return flytecache::to_literal(c.value); }
inline void from_literal(const flytecache::literal& l, counted& c) {
    c.value = flytecache::from_literal<std::int64_t>(l);
}
inline flytecache::literal_type literal_type_of(std::type_identity<counted>) {
    return flytecache::literal_type_of<std::int64_t>();
}

} // namespace flytecache_test
