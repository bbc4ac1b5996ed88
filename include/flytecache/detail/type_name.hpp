// flytecache — the compiler's spelling of a type, for error messages that name the offending type
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>

#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// flytekit prints the failing policy's repr in its error; the closest C++ equivalent is the type's
// name, which the compiler spells out in the signature of this function.
template <class T>
[[nodiscard]] constexpr std::string_view type_name() noexcept {
#if defined(__clang__)
    constexpr std::string_view sig = __PRETTY_FUNCTION__;
    constexpr std::string_view marker = "T = ";
    constexpr auto start = sig.find(marker) + marker.size();
    constexpr auto end = sig.rfind(']');
    return sig.substr(start, end - start);
#elif defined(__GNUC__)
    constexpr std::string_view sig = __PRETTY_FUNCTION__;
    constexpr std::string_view marker = "T = ";
    constexpr auto start = sig.find(marker) + marker.size();
    // GCC appends "; std::string_view = ..." after the template argument; a type's own name may
    // contain ';' (in a string template argument), so look for that suffix, not for any ';'.
    constexpr auto suffix = sig.rfind("; std::string_view = ");
    constexpr auto end = suffix == std::string_view::npos ? sig.rfind(']') : suffix;
    return sig.substr(start, end - start);
#elif defined(_MSC_VER)
    constexpr std::string_view sig = __FUNCSIG__;
    constexpr std::string_view marker = "type_name<";
    constexpr auto start = sig.find(marker) + marker.size();
    constexpr auto end = sig.rfind(">(void)");
    return sig.substr(start, end - start);
#else
    return "<unknown type>";
#endif
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
