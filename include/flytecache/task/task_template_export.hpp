// flytecache — TaskTemplate export: a task as flyteidl's TaskTemplate in protobuf JSON
// SPDX-License-Identifier: MIT
#pragma once

// TaskTemplate export: a function, container or echo task as flyteidl's TaskTemplate in protobuf's
// JSON mapping, so that it can be registered with a Flyte cluster.

// What the export writes, and why (field names are flyteidl's, flyteidl/core/tasks.proto):
//
//   id          Identifier{TASK, project, domain, name, version}: `version` is Flyte's registration
//               version, which is not the cache version (a task re-registered under a new version
//               keeps its cache as long as its discovery_version stays the same).
//   type        "container" for a function task, "raw-container" for a container task (flytekit's
//               ContainerTask), "echo" for an echo task. A C++ function task does not declare
//               flytekit's "python-task": that type tells Flyte tooling (FlyteRemote, pyflyte, the
//               console) that a flytekit resolver runs the task, which is not true here.
//               "container" is the generic type that Flyte's default pod plugin registers, together
//               with "python-task" and "raw-container", so the task runs the same way on the
//               cluster. (flytekit-java declares "java-task", which reaches that plugin only as
//               the fallback for unknown types; task_template_options.task_type can override.)
//   metadata    discoverable = caching is on; discovery_version = the task's cache version exactly
//               as the task computed it (the same string that keys its local cache);
//               cache_serializable, cache_ignore_input_vars, retries (always present, as flytekit
//               writes it), timeout (a Duration, when set and non-zero), interruptible (a oneof:
//               present whenever it was set, even to false), deprecated_error_message,
//               pod_template_name, generates_deck (a BoolValue, written when true), tags, and
//               runtime = {FLYTE_SDK, flytecache's version, flavor "cpp"} (flytekit writes
//               {FLYTE_SDK, its version, "python"}).
//   interface   TypedInterface: every input and output as a Variable{LiteralType, description},
//               the LiteralType from literal_traits<T>::type() (the type engine's, see
//               literal/literal_traits.hpp).
//   container   image, command, args, resources {requests, limits} (entries in flytekit's order:
//               EPHEMERAL_STORAGE, CPU, GPU, MEMORY), env, data_config. A container task always
//               has data_config enabled, as flytekit's ContainerTask does (Flyte's copilot then
//               writes the inputs into input_path and uploads the outputs from output_path).
//   k8s_pod     instead of `container` when the task has a pod template: the pod spec with the
//               task's container merged into the primary container, as flytekit's
//               _serialize_pod_spec does, plus config {"primary_container_name": …}. Unlike
//               flytekit's ContainerTask, the data_config is kept in K8sPod.data_config (flytekit
//               drops it there, which leaves a raw container with a pod template without copilot).
//   security_context  the task's secret requests.
//
// The JSON is protobuf's JSON mapping as protobuf's own printers write it: lowerCamelCase names
// (or the proto field names, json_field_names::proto; protobuf's parsers accept both), fields
// in field-number order, default values of plain fields omitted, set message and oneof fields
// always written, enums by name, int64/uint64 as strings, Duration as "90s" / "1.500s",
// BoolValue as a bare bool, Struct as a plain JSON object, map entries as an object (sorted by
// key here, as the text must be deterministic).
//
// See README.md, "Registering with a Flyte cluster", for what to do with the text.

#include <flytecache/config.hpp>
#include <flytecache/detail/json.hpp>
#include <flytecache/detail/struct_fields.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/base64url.hpp>
#include <flytecache/literal/json.hpp>
#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/literal/literal_type.hpp>
#include <flytecache/literal/protobuf_struct.hpp>
#include <flytecache/policy/image_spec.hpp>
#include <flytecache/policy/pod_template.hpp>
#include <flytecache/policy/version_parameters.hpp>
#include <flytecache/task/container_task.hpp>
#include <flytecache/task/echo_task.hpp>
#include <flytecache/task/function_task.hpp>
#include <flytecache/task/task_interface.hpp>
#include <flytecache/task/task_metadata.hpp>
#include <flytecache/version.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// How the export spells field names: protobuf's lowerCamelCase JSON names (what protobuf's JSON
/// printers write by default), or the field names of the .proto files (Python's
/// `preserving_proto_field_name=True`, Go's `UseProtoNames`). Parsers accept either.
enum class json_field_names { lower_camel_case, proto };

/// flyteidl's RuntimeMetadata: which SDK produced the template. The default names flytecache
/// (flytekit-java declares itself the same way, with flavor "java"). Thread safety: a value type.
struct runtime_metadata {
    /// RuntimeMetadata.RuntimeType.
    enum class runtime_type { other, flyte_sdk };
    runtime_type type = runtime_type::flyte_sdk;
    std::string version = std::to_string(FLYTECACHE_VERSION_MAJOR) + "." +
                          std::to_string(FLYTECACHE_VERSION_MINOR) + "." +
                          std::to_string(FLYTECACHE_VERSION_PATCH);
    std::string flavor = "cpp";
    friend bool operator==(const runtime_metadata&, const runtime_metadata&) = default;
};

/// flyteidl's DataLoadingConfig, always written with `enabled: true`: Flyte's copilot writes the
/// inputs into `input_path` (one file per input plus the literal map in `format`) before the
/// container starts, and uploads `output_path`'s files as the outputs when it ends, so that the
/// program needs no flyteidl code of its own. Thread safety: a value type.
struct data_loading_config {
    std::string input_path{};
    std::string output_path{};
    ::flytecache::metadata_format format = metadata_format::json;
    std::optional<::flytecache::io_strategy> io_strategy{};
    friend bool operator==(const data_loading_config&, const data_loading_config&) = default;
};

/// How the cluster starts a function task's program. A function task has no container of its
/// own: locally it is a C++ callable, on a cluster it is whatever program `image` runs, and that
/// program must take the task's inputs and give back its outputs the way Flyte expects. Two ways:
///  - `data_config` (Flyte's copilot): inputs arrive as local files in `input_path`, outputs are
///    files the program writes into `output_path`; the program needs no Flyte code at all.
///  - the templated arguments Flyte substitutes in `args`: "{{.input}}" is the blob-store URI of
///    the input LiteralMap (inputs.pb), "{{.outputPrefix}}" the prefix under which outputs.pb
///    goes. flytecache's decode_literal_map and encode read and write those bytes, but fetching and
///    storing them (S3, GCS, …) is up to the program.
///
/// Thread safety: a value type.
struct cluster_launch {
    /// The image to run. Empty: the task's `container_image` (the one its `image` policy hashes).
    /// When both are set they must name the same image, or the cache version would describe an
    /// image that does not run.
    image_reference image{};
    /// Empty: the image's entrypoint.
    std::vector<std::string> command{};
    std::vector<std::string> args{};
    resources requests{};
    resources limits{};
    std::vector<std::pair<std::string, std::string>> environment{};
    std::optional<data_loading_config> data_config{};
    std::vector<secret> secret_requests{};
    friend bool operator==(const cluster_launch&, const cluster_launch&) = default;
};

/// Everything a TaskTemplate needs that the task itself does not know.
///
/// An aggregate: `task_template_options{.project = "flytesnacks", .domain = "development",
/// .version = "v1"}`. Thread safety: a value type.
struct task_template_options {
    /// Identifier.project, .domain and .version (Flyte's registration version, not the cache
    /// version); all three are required.
    std::string project{};
    std::string domain{};
    std::string version{};
    /// Identifier.name. Empty: the task's name.
    std::string name{};
    /// TaskTemplate.type. Empty: "container", "raw-container" or "echo" by the kind of task.
    std::string task_type{};
    ::flytecache::runtime_metadata runtime{};
    /// Function tasks only: the program the cluster runs. Container tasks bring their own.
    cluster_launch launch{};
    /// TaskMetadata.tags; names must be unique.
    std::vector<std::pair<std::string, std::string>> tags{};
    /// Variable.description by input or output name (a name that is both, as in an echo task,
    /// describes both).
    std::vector<std::pair<std::string, std::string>> descriptions{};
    json_field_names field_names = json_field_names::lower_camel_case;
    /// Spaces per nesting level; 0 writes one line with no insignificant whitespace.
    int indent = 2;
};

namespace detail {

void json_newline(std::string& out, std::size_t indent, std::size_t depth);

/// Writes `v` keeping member order (protobuf's field order), `indent` spaces per level, with the
/// canonical writer's string escapes.
void json_write_indented(std::string& out, const json_value& v, std::size_t indent,
                         std::size_t depth);

/// Named Flyte types: the variables of one side of an interface, in declaration order.
using variable_types = std::vector<std::pair<std::string, literal_type>>;

/// The outputs of a result type R, named as task_outputs<R> names them.
template <class R>
variable_types output_types() {
    variable_types out;
    for_each_output_type<R>([&]<class T>(std::string name, std::type_identity<T>) {
        out.emplace_back(std::move(name), literal_traits<T>::type());
    });
    return out;
}

template <class S>
variable_types struct_input_types() {
    variable_types out;
    if constexpr (!std::is_same_v<S, no_values>) {
        for_each_field_type<S>([&]<class T>(std::string_view name, std::type_identity<T>) {
            out.emplace_back(std::string(name), literal_traits<T>::type());
        });
    }
    return out;
}

/// What runs on the cluster, whatever kind of task describes it.
struct launch_target {
    std::string image;
    std::vector<std::string> command;
    std::vector<std::string> args;
    resources requests;
    resources limits;
    std::vector<std::pair<std::string, std::string>> environment;
    std::optional<data_loading_config> data_config;
    std::optional<::flytecache::pod_template> pod;
    std::vector<secret> secrets;
};

/// Everything the writer needs, gathered from a task and the options.
struct template_parts {
    std::string name;
    std::string type;
    const task_metadata* metadata = nullptr;
    variable_types inputs;
    variable_types outputs;
    std::optional<launch_target> target;
};

std::string image_name(const image_reference& image);

class task_template_proto_writer;

/// Builds the TaskTemplate JSON value from the parts, spelling field names as asked.
class task_template_writer {
    // The binary writer takes the same decisions and shares the pod-template merge.
    friend class task_template_proto_writer;

public:
    using object = json_value::object_type;

    explicit task_template_writer(const task_template_options& options) : options_(options) {}

    [[nodiscard]] json_value task_template(const template_parts& parts) const;

    /// flyteidl.admin.TaskCreateRequest{id, spec: TaskSpec{template}}: the body of flyteadmin's
    /// `POST /api/v1/tasks`.
    [[nodiscard]] json_value task_create_request(const template_parts& parts) const;

    [[nodiscard]] std::string text(const json_value& v) const;

    [[nodiscard]] json_value literal_type_value(const literal_type& t) const {
        return literal_types().value(t);
    }

private:
    // ----- small builders ------------------------------------------------------------------------

    void add(object& o, std::string_view proto_name, json_value v) const;
    static json_value str(std::string s) { return json_value::make_string(std::move(s)); }
    // A registered template must be valid, so an unnamed enum value is an error here.
    [[nodiscard]] literal_type_json literal_types() const {
        return {.proto_names = options_.field_names == json_field_names::proto,
                .reject_unknown_enums = true};
    }
    static json_value strings(const std::vector<std::string>& values);
    static json_value uint_number(std::uint64_t n) {
        return json_value::make_number(std::to_string(n));
    }
    // Map entries sorted by key, so that equal maps print equal text.
    static object sorted(object entries);
    static object string_map(const std::vector<std::pair<std::string, std::string>>& entries,
                             std::string_view what);

    // ----- checks --------------------------------------------------------------------------------

    void check_options(const template_parts& parts) const;

    // ----- messages ------------------------------------------------------------------------------

    json_value identifier(const std::string& name) const;

    json_value task_metadata_value(const task_metadata& m) const;

    json_value typed_interface(const template_parts& parts) const;

    json_value variable_map(const variable_types& vars) const;

    // Resources.ResourceEntry list in flytekit's order (its _get_container_definition).
    json_value resource_entries(const resources& r) const;

    json_value resources_value(const launch_target& t) const;

    json_value container(const launch_target& t) const;

    json_value data_config_value(const data_loading_config& d) const;

    json_value security_context(const std::vector<secret>& secrets) const;

    // The pod spec with the task's container merged into the primary container, as flytekit's
    // _serialize_pod_spec merges it: the primary container (added when the spec has none of that
    // name) gets the task's image unless it names one, the task's command and args in place of its
    // own (an empty one is left out, which Kubernetes reads as flytekit's empty list: the image's
    // entrypoint), its resources when it has any (Kubernetes names: "cpu", "memory", "gpu",
    // "ephemeral-storage"), and its environment ahead of the container's own.
    json_value k8s_pod(const launch_target& t) const;

    static json_value primary_container(const json_value& c, const launch_target& t);

    static bool has_resources(const resources& r);

    static json_value k8s_quantities(const resources& r);

    const task_template_options& options_;
};

template <class Task>
std::string task_name_for(const Task& task, const task_template_options& options) {
    return options.name.empty() ? task.name() : options.name;
}

void check_no_launch(const std::string& task, std::string_view kind,
                     const task_template_options& options);

template <class F, class Cache, class... Features>
template_parts task_template_parts(const function_task<F, Cache, Features...>& task,
                                   const task_template_options& options) {
    using task_type = function_task<F, Cache, Features...>;
    template_parts parts;
    parts.name = task_name_for(task, options);
    parts.type = options.task_type.empty() ? "container" : options.task_type;
    parts.metadata = &task.metadata();
    if constexpr (task_type::inputs_from_struct) {
        parts.inputs =
            struct_input_types<std::tuple_element_t<0, typename task_type::args_tuple>>();
    } else {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (parts.inputs.emplace_back(
                 std::string(task_type::input_names[I]),
                 literal_traits<std::tuple_element_t<I, typename task_type::args_tuple>>::type()),
             ...);
        }(std::make_index_sequence<task_type::input_names.size()>{});
    }
    parts.outputs = output_types<typename task_type::output_type>();

    const cluster_launch& launch = options.launch;
    const std::string task_image = image_name(task.version_params().container_image);
    const std::string launch_image = image_name(launch.image);
    if (!launch_image.empty() && !task_image.empty() && launch_image != task_image) {
        throw configuration_error(
            "flytecache: task_template_options.launch.image (" + launch_image +
            ") differs from the container_image of task '" + task.name() + "' (" + task_image +
            "), which its cache version was computed from; leave launch.image empty");
    }
    launch_target t;
    t.image = launch_image.empty() ? task_image : launch_image;
    if (t.image.empty()) {
        throw configuration_error(
            "flytecache: function task '" + task.name() +
            "' has no image to run on the cluster; give the task a container_image or set "
            "task_template_options.launch.image");
    }
    t.command = launch.command;
    t.args = launch.args;
    t.requests = launch.requests;
    t.limits = launch.limits;
    t.environment = launch.environment;
    t.data_config = launch.data_config;
    t.pod = task.version_params().pod_template;
    t.secrets = launch.secret_requests;
    parts.target = std::move(t);
    return parts;
}

template <class In, class Out, container_runtime Runtime, class... Features>
template_parts task_template_parts(const container_task<In, Out, Runtime, Features...>& task,
                                   const task_template_options& options) {
    check_no_launch(task.name(), "container task", options);
    template_parts parts;
    parts.name = task_name_for(task, options);
    parts.type = options.task_type.empty() ? "raw-container" : options.task_type;
    parts.metadata = &task.metadata();
    parts.inputs = struct_input_types<In>();
    parts.outputs = output_types<Out>();

    const container_task_options& o = task.options();
    launch_target t;
    t.image = image_name(task.image());
    t.command = task.command();
    t.args = o.arguments;
    t.requests = o.requests;
    t.limits = o.limits;
    t.environment = o.environment;
    t.data_config =
        data_loading_config{o.input_data_dir, o.output_data_dir, o.metadata_format, o.io_strategy};
    t.pod = o.pod_template;
    t.secrets = o.secret_requests;
    parts.target = std::move(t);
    return parts;
}

template <class In, class... Features>
template_parts task_template_parts(const echo_task<In, Features...>& task,
                                   const task_template_options& options) {
    check_no_launch(task.name(), "echo task", options);
    template_parts parts;
    parts.name = task_name_for(task, options);
    parts.type = options.task_type.empty() ? "echo" : options.task_type;
    parts.metadata = &task.metadata();
    parts.inputs = struct_input_types<In>();
    parts.outputs = parts.inputs;
    return parts;
}

} // namespace detail

/// A task as flyteidl's `TaskTemplate`, in protobuf's JSON mapping (see the top of this header for
/// what each field holds). Works for function tasks, container tasks and echo tasks; a reference
/// task is already registered by whoever defined it, so it has no template of its own.
///
/// `metadata.discoveryVersion` is the task's cache version, so the Flyte backend caches the task's
/// executions under the version a flytekit task with the same cache configuration would use.
///
/// @throws configuration_error when project, domain or version is missing, a description names no
///         input or output, a function task has no image (or two different ones), `launch` is
///         given for a task that brings its own container, or a variable has no Flyte type.
/// @throws invalid_argument when a pod template's spec is not a JSON object, or a map names a
///         key twice.
/// Thread safety: reads the task only; safe to call concurrently.
template <class Task>
    requires requires(const Task& t, const task_template_options& o) {
        detail::task_template_parts(t, o);
    }
[[nodiscard]] std::string to_task_template_json(const Task& task,
                                                const task_template_options& options) {
    const detail::task_template_writer writer(options);
    return writer.text(writer.task_template(detail::task_template_parts(task, options)));
}

/// flyteadmin's `TaskCreateRequest` for the task — `{"id": …, "spec": {"template": …}}` — the
/// body of `POST /api/v1/tasks` on a Flyte cluster's admin HTTP endpoint.
/// @throws as to_task_template_json.
template <class Task>
    requires requires(const Task& t, const task_template_options& o) {
        detail::task_template_parts(t, o);
    }
[[nodiscard]] std::string to_task_create_request_json(const Task& task,
                                                      const task_template_options& options) {
    const detail::task_template_writer writer(options);
    return writer.text(writer.task_create_request(detail::task_template_parts(task, options)));
}

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/task/task_template_export.ipp>
#endif
