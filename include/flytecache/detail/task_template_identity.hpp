// flytecache — the identifier of a binary flyteidl TaskTemplate, read and rewritten
// SPDX-License-Identifier: MIT
#pragma once

// The identifier of a binary flyteidl TaskTemplate, read and rewritten in place (for registration
// packages made from templates written elsewhere).

#include <flytecache/config.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

/// How deep restamp_task_template lets unknown groups nest (protobuf's default limit).
inline constexpr std::size_t restamp_max_depth = 100;

/// The parts of a binary TaskTemplate the package needs: the task's name, and the template with
/// its identifier rewritten to {TASK, project, domain, name, version} (any other identifier field,
/// such as a newer flyteidl's `org`, is kept). The other fields are copied byte for byte.
/// @throws decode_error when `bytes` is not a TaskTemplate with a task identifier and a name.
std::pair<std::string, std::string> restamp_task_template(std::string_view bytes,
                                                          std::string_view project,
                                                          std::string_view domain,
                                                          std::string_view version);

} // namespace detail
FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/detail/task_template_identity.ipp>
#endif
