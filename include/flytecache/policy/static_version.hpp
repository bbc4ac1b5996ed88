// flytecache — static_version: a version computed at compile time, kept for run time
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>

#include <cstddef>
#include <string>
#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN

/// A version string computed during compilation and stored in the binary.
///
/// `cache::get_version` returns a `std::string`, which cannot outlive constant evaluation; this
/// holds the characters instead. Capacity 64 fits every computed version (a SHA-256 hex digest).
template <std::size_t Capacity = 64>
class static_version {
public:
    constexpr static_version() = default;
    /// @throws invalid_argument when `text` is longer than `Capacity` (in constant evaluation:
    ///         a compile error pointing at that throw).
    constexpr explicit static_version(std::string_view text) {
        if (text.size() > Capacity) {
            throw invalid_argument("flytecache: version is longer than static_version's capacity; "
                                   "use a larger Capacity");
        }
        for (std::size_t i = 0; i != text.size(); ++i) data_[i] = text[i];
        size_ = text.size();
    }

    // A view into a temporary would dangle (the characters live inside the object), so views are
    // only handed out from lvalues.
    [[nodiscard]] constexpr std::string_view view() const& noexcept { return {data_, size_}; }
    std::string_view view() const&& = delete;
    constexpr operator std::string_view() const& noexcept {
        return view();
    } // NOLINT: implicit by design
    operator std::string_view() const&& = delete;
    [[nodiscard]] std::string str() const { return std::string(data_, size_); }
    friend constexpr bool operator==(const static_version& v, std::string_view s) noexcept {
        return std::string_view(v.data_, v.size_) == s;
    }

private:
    char data_[Capacity]{};
    std::size_t size_ = 0;
};

/// Evaluates `make()` (which returns a version string) at compile time.
///
/// ```cpp
/// constexpr auto v = flytecache::make_static_version([] {
///     return flytecache::cache{flytecache::policies::constant<"v1">{}}.get_version(
///         flytecache::version_parameters<>{});
/// });
/// static_assert(v == "3bfc2a...");
/// ```
/// Fails to compile when `make()` is not a constant expression, or when the version is longer than
/// `Capacity`.
template <std::size_t Capacity = 64, class Make>
consteval static_version<Capacity> make_static_version(Make make) {
    const std::string version = make();
    return static_version<Capacity>(version);
}

FLYTECACHE_NAMESPACE_END
