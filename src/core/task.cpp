// flytecache — compiled mode: the task-side machinery's non-template definitions, compiled once
// SPDX-License-Identifier: MIT
//
// Built only with the CMake option FLYTECACHE_COMPILED_LIB, which also defines the macro for every
// consumer of the component's target. Each .ipp included here is, in header-only mode, included by
// its own header instead.
#if !defined(FLYTECACHE_COMPILED_LIB)
#    error "flytecache: src/ is compiled only in compiled mode (define FLYTECACHE_COMPILED_LIB)"
#endif

#include <flytecache/config.hpp>

#include <flytecache/detail/subprocess.ipp>
#include <flytecache/detail/tar_archive.ipp>
#include <flytecache/detail/task_template_identity.ipp>
#include <flytecache/policy/pod_template.ipp>
#include <flytecache/task/container_runtime.ipp>
#include <flytecache/task/container_task.ipp>
#include <flytecache/task/executor.ipp>
#include <flytecache/task/explain.ipp>
#include <flytecache/task/local_task_cache.ipp>
#include <flytecache/task/registration_package.ipp>
#include <flytecache/task/task_metadata.ipp>
#include <flytecache/task/task_template_export.ipp>
#include <flytecache/task/task_template_proto.ipp>
#include <flytecache/task/typed_tier.ipp>
