// flytecache — a string usable as a template argument (constant<"v1">, FLYTECACHE_SOURCE)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>

#include <cstddef>
#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// A structural type (all members public) so that string literals can be class-type template
// arguments; N excludes the terminating NUL.
template <std::size_t N>
struct fixed_string {
    char data[N + 1]{};

    constexpr fixed_string() = default;
    constexpr fixed_string(const char (&text)[N + 1]) noexcept { // NOLINT: implicit by design
        for (std::size_t i = 0; i != N + 1; ++i) data[i] = text[i];
    }
    [[nodiscard]] static constexpr std::size_t size() noexcept { return N; }
    [[nodiscard]] constexpr std::string_view view() const noexcept { return {data, N}; }
};

template <std::size_t M>
fixed_string(const char (&)[M]) -> fixed_string<M - 1>;

} // namespace detail
FLYTECACHE_NAMESPACE_END
