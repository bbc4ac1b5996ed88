// flytecache — echo tasks (flytekit's Echo): outputs are the inputs, unchanged
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/policy/cache.hpp>
#include <flytecache/task/explain.hpp>
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
class echo_task {
    using features = detail::task_features<Features...>;

public:
    static constexpr auto input_names = detail::value_names<In>();
    static constexpr bool serialized_statically = features::is_serialized;
    static_assert(!features::has_inputs, "flytecache: an echo task's inputs are the fields of In");
    static_assert(detail::all_names_in(features::ignored_names, input_names),
                  "flytecache: an ignored input (ignore<...>) is not an input of this task; check "
                  "the spelling against the task's inputs");

    using output_type = In;
    using call_type = detail::struct_call<In>;

    explicit echo_task(std::string name, task_options options = {}) : name_(std::move(name)) {
        if (name_.empty()) throw configuration_error("flytecache: a task needs a non-empty name");
        metadata_ = detail::build_metadata<features>(name_, options, legacy_cache{}, version_parameters<>{},
                                                     input_names);
    }

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] const std::string& version() const noexcept { return metadata_.cache_version; }
    [[nodiscard]] const task_metadata& metadata() const noexcept { return metadata_; }
    [[nodiscard]] std::span<const std::string> ignored_inputs() const noexcept {
        return metadata_.cache_ignore_input_vars.names();
    }

    template <class... Args>
    [[nodiscard]] call_type prepare(Args&&... args) const {
        return detail::prepare_struct_call<In>(std::forward<Args>(args)...);
    }
    [[nodiscard]] output_type execute(call_type& call) const { return call.args; }

    [[nodiscard]] literal_map outputs_to_map(const output_type& out) const {
        return detail::task_outputs<In>::to_map(out);
    }
    [[nodiscard]] output_type outputs_from_map(const literal_map& m) const {
        return detail::task_outputs<In>::from_map(m, name_);
    }
    void explain_version(call_explanation& e) const {
        e.version = version();
        e.explicit_version = true;
    }

    template <class... Args>
    output_type operator()(Args&&... args) const {
        return run_with_default_executor(*this, std::forward<Args>(args)...);
    }

private:
    std::string name_;
    task_metadata metadata_;
};

FLYTECACHE_NAMESPACE_END
