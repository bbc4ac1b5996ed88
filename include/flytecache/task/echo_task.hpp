// flytecache — echo tasks (flytekit's Echo): outputs are the inputs, unchanged
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/policy/cache.hpp>
#include <flytecache/task/explain.hpp>
#include <flytecache/task/task_base.hpp>
#include <flytecache/task/task_interface.hpp>
#include <flytecache/task/task_metadata.hpp>
#include <flytecache/task/task_options.hpp>

#include <span>
#include <string>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN

/// A task whose outputs are its inputs (`In`, a Hana struct or no_values): Flyte runs it without
/// a pod, as a pass-through node. Caching follows `options` (off by default, as in flytekit).
/// Thread safety: immutable after construction.
template <class In, class... Features>
class echo_task : public detail::struct_task<echo_task<In, Features...>, In, In, Features...> {
    using base = detail::struct_task<echo_task<In, Features...>, In, In, Features...>;

public:
    using typename base::call_type;
    using typename base::output_type;

    explicit echo_task(std::string name, task_options options = {}) : base(std::move(name)) {
        this->metadata_ = detail::build_metadata<detail::task_features<Features...>>(
            this->name_, options, legacy_cache{}, version_parameters<>{}, base::input_names);
    }

    [[nodiscard]] output_type execute(call_type& call) const { return call.args; }
    void explain_version(call_explanation& e) const {
        e.version = this->version();
        e.explicit_version = true;
    }
};

FLYTECACHE_NAMESPACE_END
