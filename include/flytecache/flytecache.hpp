// flytecache — umbrella header: the whole core and the SQLite store (link flytecache::sqlite)
// SPDX-License-Identifier: MIT
#pragma once

// This header is also the root that scripts/amalgamate.py inlines into
// single_include/flytecache/flytecache.hpp: whatever it includes ships in the single header.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/version.hpp>

#include <flytecache/hash/base32.hpp>
#include <flytecache/hash/base64url.hpp>
#include <flytecache/hash/field_hasher.hpp>
#include <flytecache/hash/hex.hpp>
#include <flytecache/hash/joblib.hpp>
#include <flytecache/hash/md5.hpp>
#include <flytecache/hash/objecthash.hpp>
#include <flytecache/hash/sha256.hpp>

#include <flytecache/literal/decode.hpp>
#include <flytecache/literal/encode.hpp>
#include <flytecache/literal/file.hpp>
#include <flytecache/literal/hash_method.hpp>
#include <flytecache/literal/json.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/literal/literal_type.hpp>
#include <flytecache/literal/protobuf_struct.hpp>
#include <flytecache/literal/type_error.hpp>

#include <flytecache/key/datacatalog.hpp>
#include <flytecache/key/flytekit_local.hpp>
#include <flytecache/key/hash_placement.hpp>
#include <flytecache/key/key_scheme.hpp>
#include <flytecache/key/native.hpp>

#include <flytecache/policy/cache.hpp>
#include <flytecache/policy/cache_policy.hpp>
#include <flytecache/policy/composite_policy.hpp>
#include <flytecache/policy/constant_policy.hpp>
#include <flytecache/policy/default_policies.hpp>
#include <flytecache/policy/function_body_policy.hpp>
#include <flytecache/policy/image_policy.hpp>
#include <flytecache/policy/image_spec.hpp>
#include <flytecache/policy/pod_template.hpp>
#include <flytecache/policy/pod_template_policy.hpp>
#include <flytecache/policy/static_version.hpp>
#include <flytecache/policy/version_parameters.hpp>

#include <flytecache/store/blob_area.hpp>
#include <flytecache/store/cache_store.hpp>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/sqlite_store.hpp>
#include <flytecache/store/tiered_store.hpp>

#include <flytecache/task/captured_state.hpp>
#include <flytecache/task/container_runtime.hpp>
#include <flytecache/task/container_task.hpp>
#include <flytecache/task/default_executor.hpp>
#include <flytecache/task/echo_task.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/explain.hpp>
#include <flytecache/task/function_task.hpp>
#include <flytecache/task/local_task_cache.hpp>
#include <flytecache/task/memoize.hpp>
#include <flytecache/task/observer.hpp>
#include <flytecache/task/reference_task.hpp>
#include <flytecache/task/registration_package.hpp>
#include <flytecache/task/task_arguments.hpp>
#include <flytecache/task/task_base.hpp>
#include <flytecache/task/task_concepts.hpp>
#include <flytecache/task/task_interface.hpp>
#include <flytecache/task/task_metadata.hpp>
#include <flytecache/task/task_options.hpp>
#include <flytecache/task/task_template_export.hpp>
#include <flytecache/task/task_template_proto.hpp>
#include <flytecache/task/typed_tier.hpp>
