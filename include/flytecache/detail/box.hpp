// flytecache — box<T>: a heap-allocated value with value semantics, for recursive message types
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>

#include <memory>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// Protobuf messages nest recursively (a Literal inside a Union inside a Literal); a member of the
// type being defined needs indirection, and the literal model must still copy and compare as a
// value. A box holds a value, except after it was moved from: then it may only be assigned to,
// copied or destroyed (like a moved-from std::vector, it is valid but unspecified).
template <class T>
class box {
public:
    box() : p_(std::make_unique<T>()) {}
    box(T value) : p_(std::make_unique<T>(std::move(value))) {} // NOLINT: implicit by design
    box(const box& other) : p_(other.p_ ? std::make_unique<T>(*other.p_) : nullptr) {}
    box(box&& other) noexcept = default;
    box& operator=(const box& other) {
        if (this != &other) p_ = other.p_ ? std::make_unique<T>(*other.p_) : nullptr;
        return *this;
    }
    box& operator=(box&& other) noexcept = default;
    ~box() = default;

    [[nodiscard]] T& operator*() noexcept { return *p_; }
    [[nodiscard]] const T& operator*() const noexcept { return *p_; }
    [[nodiscard]] T* operator->() noexcept { return p_.get(); }
    [[nodiscard]] const T* operator->() const noexcept { return p_.get(); }

    friend bool operator==(const box& a, const box& b) {
        if (!a.p_ || !b.p_) return a.p_ == b.p_;
        return *a.p_ == *b.p_;
    }

private:
    std::unique_ptr<T> p_;
};

} // namespace detail
FLYTECACHE_NAMESPACE_END
