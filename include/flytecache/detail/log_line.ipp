// flytecache — one diagnostic line on std::clog (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/detail/log_line.hpp>

#include <iostream>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

FLYTECACHE_INLINE void log_line(std::string_view text) { std::clog << text << '\n'; }

} // namespace detail
FLYTECACHE_NAMESPACE_END
