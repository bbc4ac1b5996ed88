// flytecache — reference tasks (flytekit's ReferenceTask): known by name and interface only
// SPDX-License-Identifier: MIT
#pragma once

// Reference tasks (flytekit's ReferenceTask): a task known by name, version and typed interface
// only; its cached outputs can be looked up, but it cannot run here.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/task/explain.hpp>
#include <flytecache/task/task_base.hpp>
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
class reference_task
    : public detail::struct_task<reference_task<In, Out, Features...>, In, Out, Features...> {
    using base = detail::struct_task<reference_task<In, Out, Features...>, In, Out, Features...>;

public:
    using typename base::call_type;
    using typename base::output_type;

    reference_task(std::string project, std::string domain, std::string name, std::string version,
                   ::flytecache::input_names ignored = {})
        : base(std::move(name)), project_(std::move(project)), domain_(std::move(domain)) {
        if (version.empty())
            throw configuration_error("flytecache: a reference task needs a version");
        this->metadata_ = detail::build_metadata<detail::task_features<Features...>>(
            this->name_,
            task_options{.cache = true,
                         .cache_version = std::move(version),
                         .cache_ignore_input_vars = std::move(ignored)},
            legacy_cache{}, version_parameters<>{}, base::input_names);
    }

    [[nodiscard]] const std::string& project() const noexcept { return project_; }
    [[nodiscard]] const std::string& domain() const noexcept { return domain_; }

    /// Reached only on a miss: there is nothing to run.
    [[noreturn]] output_type execute(call_type&) const {
        throw task_error("flytecache: reference task '" + this->name_ + "' (" + project_ + "/" +
                         domain_ + ", version " + this->version() +
                         ") has no body to run here, and the cache holds no outputs for these "
                         "inputs; run the referenced task first");
    }
    void explain_version(call_explanation& e) const {
        e.version = this->version();
        e.explicit_version = true;
    }

private:
    std::string project_;
    std::string domain_;
};

FLYTECACHE_NAMESPACE_END
