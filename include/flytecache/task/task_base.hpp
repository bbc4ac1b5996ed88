// flytecache — the task base classes: what every task kind shares, and struct-interface tasks
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/task/task_arguments.hpp>
#include <flytecache/task/task_interface.hpp>
#include <flytecache/task/task_metadata.hpp>

#include <span>
#include <string>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

/// What every task kind shares (function, echo, reference and container tasks): a name checked
/// on construction, flytekit's task metadata (which holds the cache version), the conversions of
/// the outputs to and from a literal map, and the calls that go through the default executor.
/// `Derived` (CRTP) supplies `call_type`, `prepare`, `execute` and `explain_version`; the
/// executor is found by argument-dependent lookup so that this header does not need SQLite.
template <class Derived, class Out>
class task_base {
public:
    using output_type = Out;

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    /// The cache version, computed once when the task was built.
    [[nodiscard]] const std::string& version() const noexcept { return metadata_.cache_version; }
    [[nodiscard]] const task_metadata& metadata() const noexcept { return metadata_; }
    [[nodiscard]] std::span<const std::string> ignored_inputs() const noexcept {
        return metadata_.cache_ignore_input_vars.names();
    }

    [[nodiscard]] literal_map outputs_to_map(const output_type& out) const {
        return task_outputs<Out>::to_map(out);
    }
    [[nodiscard]] output_type outputs_from_map(const literal_map& m) const {
        return task_outputs<Out>::from_map(m, name_);
    }

    /// Runs through the default executor (flytekit's local cache at ~/.flyte/local-cache; needs
    /// <flytecache/task/default_executor.hpp>, which the umbrella header includes).
    template <class... Args>
    output_type operator()(Args&&... args) const {
        return run_with_default_executor(static_cast<const Derived&>(*this),
                                         std::forward<Args>(args)...);
    }
    /// `operator()` on another thread.
    template <class... Args>
    auto async(Args&&... args) const {
        return submit_with_default_executor(static_cast<const Derived&>(*this),
                                            std::forward<Args>(args)...);
    }

private:
    // Private, so only the task it describes (the CRTP Derived, or struct_task on its behalf)
    // can build this base.
    friend Derived;
    template <class D, class In, class O, class... Features>
    friend class struct_task;
    /// @throws configuration_error for an empty name.
    explicit task_base(std::string name) : name_(std::move(name)) {
        if (name_.empty()) throw configuration_error("flytecache: a task needs a non-empty name");
    }

protected:
    std::string name_;
    task_metadata metadata_; // set by the task kind's constructor
};

/// Base of tasks whose inputs and outputs are Hana structs (or no_values): echo, reference and
/// container tasks. Adds the interface's names and `prepare` over the input struct.
template <class Derived, class In, class Out, class... Features>
class struct_task : public task_base<Derived, Out> {
    using features = task_features<Features...>;

public:
    static constexpr auto input_names = value_names<In>();
    static constexpr auto output_names = value_names<Out>();
    static constexpr bool serialized_statically = features::is_serialized;
    static_assert(!features::has_inputs,
                  "flytecache: this task's inputs are the fields of its input struct");
    static_assert(all_names_in(features::ignored_names, input_names),
                  "flytecache: an ignored input (ignore<...>) is not an input of this task; check "
                  "the spelling against the task's inputs");

    using call_type = struct_call<In>;

    /// The call's inputs: one `In`, or one argument per field, in order, each of the field's type
    /// or converting to it without changing its value (the rule of task_arguments.hpp, the same
    /// as a function task's). Anything else does not compile, with a `flytecache:` message.
    template <class... Args>
    [[nodiscard]] call_type prepare(Args&&... args) const {
        return prepare_struct_call<In>(std::forward<Args>(args)...);
    }

private:
    // Private, so only the task it describes (the CRTP Derived) can build this base.
    friend Derived;
    explicit struct_task(std::string name) : task_base<Derived, Out>(std::move(name)) {}
};

} // namespace detail
FLYTECACHE_NAMESPACE_END
