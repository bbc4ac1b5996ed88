// flytecache — the task-side concepts: executable_task, task_observer, container_runtime
// SPDX-License-Identifier: MIT
#pragma once

// Each concept comes with the vocabulary its expressions use and a requirement table; models and
// users include this header alone to write their own task kind, observer or runtime.
// docs/concepts.md lists them beside the store, key and policy concepts.

#include <flytecache/config.hpp>
#include <flytecache/detail/subprocess.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/task/explain.hpp>
#include <flytecache/task/task_metadata.hpp>

#include <chrono>
#include <concepts>
#include <exception>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

// ---- executable_task ----------------------------------------------------------------------------

/// What an `executor` needs from a task. function_task, container_task, reference_task and
/// echo_task model it; a task kind of your own can too. `t` a `const T&`, `call` a
/// `typename T::call_type&`, `out` a `const typename T::output_type&`, `m` a `const literal_map&`,
/// `e` a `call_explanation&`, `args...` the arguments of a call (of types `Args...`).
///
// clang-format off
/// | expression | semantics |
/// | --- | --- |
/// | `typename T::output_type` | what a call returns (`no_values` for none) |
/// | `typename T::call_type` | a prepared call; `call.inputs` converts to `const literal_map&` |
/// | `t.prepare(args...)` | exactly `call_type`: the arguments converted to the input types; it may refer to lvalue arguments, so run it while they live |
/// | `t.name()`, `t.version()` | convertible to `std::string_view`: name and cache version |
/// | `t.metadata()` | convertible to `const task_metadata&` |
/// | `t.ignored_inputs()` | convertible to `std::span<const std::string>`: left out of the key |
/// | `t.execute(call)` | exactly `output_type`: runs the body once (the executor retries) |
/// | `t.outputs_to_map(out)` | exactly `literal_map`: the outputs as they are stored |
/// | `t.outputs_from_map(m)` | exactly `output_type`; throws a `flytecache::error` when `m` does not convert |
/// | `t.explain_version(e)` | fills `e.version`, `e.explicit_version`, `e.salt`, `e.policies` |
/// | `T::serialized_statically` | convertible to `bool`: serialized at compile time |
// clang-format on
///
/// `prepare` is checked for the argument types given: the executor checks
/// `executable_task<Task, Args...>` with a call's arguments; `executable_task<T>` alone checks
/// everything else. Laws: `prepare` is deterministic (equal arguments give equal `call.inputs`);
/// `outputs_from_map(outputs_to_map(o)) == o`; `execute` has no effect on the cache; `name`,
/// `version`, `metadata` and `ignored_inputs` do not change over the task's life.
/// See docs/concepts.md#executable_task.
template <class T, class... Args>
concept executable_task = requires(const T& t, typename T::call_type& call,
                                   const typename T::output_type& out, const literal_map& m,
                                   call_explanation& e) {
    typename T::output_type;
    typename T::call_type;
    { call.inputs } -> std::convertible_to<const literal_map&>;
    { t.name() } -> std::convertible_to<std::string_view>;
    { t.version() } -> std::convertible_to<std::string_view>;
    { t.metadata() } -> std::convertible_to<const task_metadata&>;
    { t.ignored_inputs() } -> std::convertible_to<std::span<const std::string>>;
    { t.execute(call) } -> std::same_as<typename T::output_type>;
    { t.outputs_to_map(out) } -> std::same_as<literal_map>;
    { t.outputs_from_map(m) } -> std::same_as<typename T::output_type>;
    t.explain_version(e);
    { T::serialized_statically } -> std::convertible_to<bool>;
} && (sizeof...(Args) == 0 || requires(const T& t, Args&&... args) {
                              {
                                  t.prepare(std::forward<Args>(args)...)
                              } -> std::same_as<typename T::call_type>;
                          });

/// Deprecated: the former name of `executable_task` (it clashed with flyteidl's TaskTemplate,
/// which task_template_export.hpp writes). Kept for one release.
template <class T>
concept task_template = executable_task<T>;

// ---- task_observer ------------------------------------------------------------------------------

enum class task_event_kind {
    hit,   ///< the outputs came from the cache
    miss,  ///< the cache had no usable entry; the task will run (or wait, when serialized)
    stale, ///< an entry was there but unusable (`reason` says why: an output file it points at
           ///< is gone or changed, or it does not decode); a `miss` follows and the call recomputes
    wait,  ///< a serialized call waited for another owner; `elapsed` is the time spent waiting
    run,   ///< the task body finished; `elapsed` is how long the successful attempt took
    put,   ///< the outputs were written to the store; `elapsed` is the write time
    retry, ///< an attempt failed and the task runs again; `error` holds the failure
    error, ///< the call failed; `error` holds the exception the caller receives
};

[[nodiscard]] constexpr std::string_view to_string(task_event_kind k) noexcept {
    switch (k) {
    case task_event_kind::hit: return "hit";
    case task_event_kind::miss: return "miss";
    case task_event_kind::stale: return "stale";
    case task_event_kind::wait: return "wait";
    case task_event_kind::run: return "run";
    case task_event_kind::put: return "put";
    case task_event_kind::retry: return "retry";
    case task_event_kind::error: return "error";
    }
    return "unknown";
}

/// One thing that happened during a task call. The views are valid only during the callback.
struct task_event {
    task_event_kind kind;
    std::string_view task;              ///< the task's name
    std::string_view key;               ///< the cache key (empty: caching off, or a typed tier hit)
    std::chrono::nanoseconds elapsed{}; ///< see task_event_kind; the lookup time for hit and miss
    int attempt = 0;                    ///< 1-based attempt number for run, retry and error
    std::exception_ptr error{};         ///< for retry and error
    std::string_view reason{};          ///< for stale: why the entry could not be used
};

/// Something called with every event of every call an executor makes (`o` an `O&`, `e` a
/// `const task_event&`).
///
/// | expression | semantics |
/// | --- | --- |
/// | `o(e)` | handles one event; the views in `e` are valid only during the call |
///
/// It is called from the calling thread (or the thread running an async call), so it must be
/// thread-safe when calls are concurrent; exceptions it throws propagate to the caller. Models:
/// `no_observer` (observer.hpp; compiled out), any callable taking `const task_event&`.
/// See docs/concepts.md#task_observer.
template <class O>
concept task_observer = std::move_constructible<O> && requires(O& o, const task_event& e) { o(e); };

// ---- container_runtime --------------------------------------------------------------------------

/// A directory of the host made visible inside the container.
struct volume_binding {
    std::filesystem::path host;
    std::string container;
    bool read_only = false;
};

/// One container execution, as a container task asks a runtime for it. Paths in `argv` are the
/// container's; `input_dir` / `output_dir` are where the host side of the data dirs is.
struct container_run {
    std::string image;             ///< the image URI
    std::vector<std::string> argv; ///< command and arguments, templates already rendered
    std::vector<volume_binding> volumes;
    std::vector<std::pair<std::string, std::string>> environment;
    std::optional<std::chrono::duration<double>> timeout;
    std::function<void(std::string_view)> on_output; ///< each line the container prints
};

/// Runs a container task's command (`r` an `R&`, `run` a `const container_run&`).
///
/// | expression | semantics |
/// | --- | --- |
/// | `r.run(run)` | exactly `detail::process_result`: runs `run` to completion and says how it
/// ended (exit code or signal, timeout, the output's tail) |
///
/// Laws: the runtime makes `run.volumes` visible at their container paths and passes
/// `run.environment`; it reports each output line to `run.on_output` when set. Models:
/// `host_runtime`, `docker_cli_runtime` (container_runtime.hpp).
/// See docs/concepts.md#container_runtime.
template <class R>
concept container_runtime = requires(R& r, const container_run& run) {
    { r.run(run) } -> std::same_as<detail::process_result>;
};

FLYTECACHE_NAMESPACE_END
