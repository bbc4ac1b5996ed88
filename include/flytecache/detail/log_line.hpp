// flytecache — one diagnostic line on std::clog, the default of every on_warning-style handler
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>

#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

/// Writes `text` and a newline to std::clog. Out of line so that the headers that report through
/// it (executor, local task cache, container task) need not include <iostream>.
void log_line(std::string_view text);

} // namespace detail
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/detail/log_line.ipp>
#endif
