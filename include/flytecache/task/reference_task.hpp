// flytecache — reference tasks (flytekit's ReferenceTask): a task known by name, version and typed
// interface only; its cached outputs can be looked up, but it cannot run here
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/task/explain.hpp>
#include <flytecache/task/task_interface.hpp>
#include <flytecache/task/task_metadata.hpp>
#include <flytecache/task/task_options.hpp>

#include <span>
#include <string>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// A task defined elsewhere (by project, domain, name and version) whose interface is `In` → `Out`
/// (Hana structs, or no_values). Keys are computed from its name and version exactly as for the
/// task it references, so calls find what that task stored; a call the cache does not hold throws
/// task_error, because there is no body to run. Template arguments after In and Out: ignore<...>
/// (checked against In's fields) and serialized.
/// Thread safety: immutable after construction.
template <class In, class Out, class... Features>
class reference_task {
    using features = detail::task_features<Features...>;

public:
    static constexpr auto input_names = detail::value_names<In>();
    static constexpr auto output_names = detail::value_names<Out>();
    static constexpr bool serialized_statically = features::is_serialized;
    static_assert(!features::has_inputs, "flytecache: a reference task's inputs are the fields of In");
    static_assert(detail::all_names_in(features::ignored_names, input_names),
                  "flytecache: an ignored input (ignore<...>) is not an input of this task; check "
                  "the spelling against the task's inputs");

    using output_type = Out;
    using call_type = detail::struct_call<In>;

    reference_task(std::string project, std::string domain, std::string name, std::string version,
                   ::flytecache::input_names ignored = {})
        : project_(std::move(project)), domain_(std::move(domain)), name_(std::move(name)) {
        if (name_.empty()) throw configuration_error("flytecache: a reference task needs a name");
        if (version.empty()) throw configuration_error("flytecache: a reference task needs a version");
        metadata_.cache = true;
        metadata_.cache_version = std::move(version);
        metadata_.cache_serialize = features::is_serialized;
        std::vector<std::string> names = ignored.names();
        for (auto n : features::ignored_names) names.emplace_back(n);
        metadata_.cache_ignore_input_vars = ::flytecache::input_names(std::move(names));
        metadata_.validate();
        detail::check_runtime_ignored(name_, metadata_.cache_ignore_input_vars, input_names);
    }

    [[nodiscard]] const std::string& project() const noexcept { return project_; }
    [[nodiscard]] const std::string& domain() const noexcept { return domain_; }
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

    /// Reached only on a miss: there is nothing to run.
    [[noreturn]] output_type execute(call_type&) const {
        throw task_error("flytecache: reference task '" + name_ + "' (" + project_ + "/" + domain_ +
                         ", version " + version() +
                         ") has no body to run here, and the cache holds no outputs for these "
                         "inputs; run the referenced task first");
    }

    [[nodiscard]] literal_map outputs_to_map(const output_type& out) const {
        return detail::task_outputs<Out>::to_map(out);
    }
    [[nodiscard]] output_type outputs_from_map(const literal_map& m) const {
        return detail::task_outputs<Out>::from_map(m, name_);
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
    std::string project_;
    std::string domain_;
    std::string name_;
    task_metadata metadata_;
};

FLYTECACHE_NAMESPACE_END
