// flytecache — CLI: the command table, the one list that drives parsing, help and dispatch
// SPDX-License-Identifier: MIT
#pragma once

#include "commands/check.hpp"
#include "commands/clear.hpp"
#include "commands/explain.hpp"
#include "commands/gc.hpp"
#include "commands/help.hpp"
#include "commands/ls.hpp"
#include "commands/package.hpp"
#include "commands/prune.hpp"
#include "commands/rm.hpp"
#include "commands/show.hpp"
#include "commands/stats.hpp"

#include <array>

namespace flytecache_cli {

/// Every command, in the order the usage lists them. A new command is a file in commands/ that
/// defines its `command_spec` (options, operands, run function) and one line here.
inline constexpr std::array commands{ls_command,      show_command,    rm_command,    prune_command,
                                     clear_command,   gc_command,      stats_command, check_command,
                                     explain_command, package_command, help_command};

} // namespace flytecache_cli
