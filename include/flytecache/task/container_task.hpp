// flytecache — container tasks (flytekit's ContainerTask): a command in an image, run locally
// SPDX-License-Identifier: MIT
#pragma once

// Container tasks (flytekit's ContainerTask): a command in an image with typed inputs and outputs
// passed through data directories, run locally through a container runtime.

#include <flytecache/config.hpp>
#include <flytecache/detail/log_line.hpp>
#include <flytecache/detail/python_text.hpp>
#include <flytecache/detail/struct_fields.hpp>
#include <flytecache/detail/type_name.hpp>
#include <flytecache/error.hpp>
#include <flytecache/hash/sha256.hpp>
#include <flytecache/literal/encode.hpp>
#include <flytecache/literal/file.hpp>
#include <flytecache/literal/json.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/policy/cache.hpp>
#include <flytecache/policy/image_policy.hpp>
#include <flytecache/policy/version_parameters.hpp>
#include <flytecache/task/container_runtime.hpp>
#include <flytecache/task/explain.hpp>
#include <flytecache/task/task_base.hpp>
#include <flytecache/task/task_interface.hpp>
#include <flytecache/task/task_metadata.hpp>
#include <flytecache/task/task_options.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// How the input literal map is written next to the inputs (flytekit's
/// ContainerTask.MetadataFormat): `inputs.json` (protobuf's JSON mapping), `inputs.yaml` (the same
/// JSON text, which is valid YAML) or `inputs.pb` (the binary LiteralMap).
enum class metadata_format { json, yaml, proto };

/// flytekit's ContainerTask.IOStrategy: when Flyte's copilot downloads inputs and uploads outputs.
/// Locally, inputs are always written before the run and outputs read after it.
enum class download_mode { eager, stream, no_download };
enum class upload_mode { on_exit, eager, no_upload };
struct io_strategy {
    download_mode download = download_mode::eager;
    upload_mode upload = upload_mode::on_exit;
    friend bool operator==(const io_strategy&, const io_strategy&) = default;
};

/// flytekit's Resources: quantities as Kubernetes writes them ("500m", "2Gi"); unset means none.
struct resources {
    std::optional<std::string> cpu{};
    std::optional<std::string> mem{};
    std::optional<std::string> gpu{};
    std::optional<std::string> ephemeral_storage{};
    friend bool operator==(const resources&, const resources&) = default;
};

/// flytekit's Secret request (group, key, version, mount requirement, env var name).
struct secret {
    enum class mount_type { any, env_var, file };
    std::string group;
    std::optional<std::string> key{};
    std::optional<std::string> group_version{};
    mount_type mount_requirement = mount_type::any;
    std::optional<std::string> env_var{};
    friend bool operator==(const secret&, const secret&) = default;
};

/// Everything flytekit's ContainerTask takes besides name, image, command, inputs and outputs.
struct container_task_options {
    std::vector<std::string> arguments{};
    /// Where the container finds its inputs (e.g. "/var/inputs"): one file per input, named as
    /// the input, plus the literal map in `metadata_format`. Empty: inputs only via templates.
    std::string input_data_dir{};
    /// Where the container writes one file per output, named as the output (e.g. "/var/outputs").
    std::string output_data_dir{};
    ::flytecache::metadata_format metadata_format = metadata_format::json;
    std::optional<::flytecache::io_strategy> io_strategy{};
    resources requests{};
    resources limits{};
    std::vector<secret> secret_requests{};
    std::vector<std::pair<std::string, std::string>> environment{};
    std::optional<::flytecache::pod_template> pod_template{};
    std::optional<std::string> pod_template_name{};
    /// Print the container's output lines locally ("[Local Container] …" on std::clog).
    bool local_logs = false;
    /// Caching, retries, timeout … (flytekit's `metadata=TaskMetadata(...)`). With caching on and
    /// no version, the version is computed from the image (the `image` policy).
    task_metadata metadata{};
    /// Where file and directory outputs are kept after a run (each run gets its own directory).
    /// Empty: `<temp>/flytecache-outputs`, as flytekit keeps them in a random local directory.
    std::filesystem::path raw_output_prefix{};
};

namespace detail {

template <class T>
struct is_sys_time : std::false_type {};
template <class D>
struct is_sys_time<std::chrono::time_point<std::chrono::system_clock, D>> : std::true_type {};
template <class T>
struct is_chrono_duration : std::false_type {};
template <class R, class P>
struct is_chrono_duration<std::chrono::duration<R, P>> : std::true_type {};

// Types a container can pass through a text file, as flytekit's
// _convert_output_val_to_correct_type.
template <class T>
inline constexpr bool container_value_v =
    std::is_same_v<T, bool> || std::is_integral_v<T> || std::is_floating_point_v<T> ||
    std::is_same_v<T, std::string> || is_sys_time<T>::value || is_chrono_duration<T>::value ||
    std::is_same_v<T, file> || std::is_same_v<T, directory>;

// The C++ type of a container value, spelled the same by every compiler (it is part of a cached
// container task's version, which caches shared between machines must agree on).
template <class T>
std::string container_value_kind() {
    if constexpr (std::is_same_v<T, bool>) {
        return "bool";
    } else if constexpr (std::is_integral_v<T>) {
        return (std::is_signed_v<T> ? "int" : "uint") + std::to_string(sizeof(T) * 8);
    } else if constexpr (std::is_floating_point_v<T>) {
        return "float" + std::to_string(sizeof(T) * 8);
    } else if constexpr (std::is_same_v<T, std::string>) {
        return "string";
    } else if constexpr (is_sys_time<T>::value) {
        return "sys_time/" + std::to_string(T::period::num) + "/" + std::to_string(T::period::den);
    } else if constexpr (is_chrono_duration<T>::value) {
        return "duration/" + std::to_string(T::period::num) + "/" + std::to_string(T::period::den);
    } else if constexpr (std::is_same_v<T, file>) {
        return "file";
    } else {
        return "directory";
    }
}

template <class T>
std::string container_text(const T& v) {
    if constexpr (std::is_integral_v<T>) { // bool included: python_str(bool) prints True/False
        return python_str(v);
    } else if constexpr (std::is_floating_point_v<T>) {
        return python_str(static_cast<double>(v));
    } else if constexpr (std::is_same_v<T, std::string>) {
        return v;
    } else if constexpr (is_sys_time<T>::value) {
        return python_str(std::chrono::time_point_cast<std::chrono::microseconds>(v));
    } else if constexpr (is_chrono_duration<T>::value) {
        return python_str(std::chrono::duration_cast<std::chrono::microseconds>(v));
    } else {
        return v.uri;
    }
}

template <class T>
T container_value(std::string_view text) {
    if constexpr (std::is_same_v<T, bool>) {
        return parse_python_bool(text);
    } else if constexpr (std::is_integral_v<T>) {
        return parse_python_int<T>(text);
    } else if constexpr (std::is_floating_point_v<T>) {
        return parse_python_float<T>(text);
    } else if constexpr (std::is_same_v<T, std::string>) {
        return std::string(text);
    } else if constexpr (is_sys_time<T>::value) {
        return std::chrono::time_point_cast<typename T::duration>(parse_python_datetime(text));
    } else {
        return std::chrono::duration_cast<T>(parse_python_timedelta(text));
    }
}

/// A random name part for a call's input and output directories.
std::string random_suffix();

/// Writes `bytes` to `p` (replacing it); a task_error if it cannot.
void write_text_file(const std::filesystem::path& p, std::string_view bytes);

/// The whole of the file at `p`, or nullopt if it cannot be read.
std::optional<std::string> read_text_file(const std::filesystem::path& p);

// The `{{.inputs.name}}` references in a template argument (spaces inside the braces allowed, as
// Flyte's template engine allows them).
struct template_ref {
    std::size_t begin;
    std::size_t end;
    std::string name;
};
std::vector<template_ref> find_input_refs(std::string_view arg);

} // namespace detail

/// A typed container task: `In` and `Out` are Hana structs (or no_values) whose fields are the
/// inputs and outputs, each of a type a container passes as text — bool, integers, floating
/// point, std::string, system_clock time points, durations — or a file / directory.
///
/// Running it locally (through an executor, on a miss) writes the inputs into a fresh input
/// directory, renders `{{.inputs.name}}` in the command and arguments, runs the command with the
/// runtime (host by default; docker_cli_runtime for a real container), and reads each output
/// from `<output_data_dir>/<name>`, converting it as flytekit does. A non-zero exit, a timeout,
/// or a missing or malformed output file is a task_error naming the task (and the output).
/// Thread safety: immutable after construction; concurrent calls use separate directories.
template <class In, class Out, container_runtime Runtime = host_runtime, class... Features>
class container_task : public detail::struct_task<container_task<In, Out, Runtime, Features...>, In,
                                                  Out, Features...> {
    using base =
        detail::struct_task<container_task<In, Out, Runtime, Features...>, In, Out, Features...>;

public:
    using base::input_names;
    using typename base::call_type;
    using typename base::output_type;

    container_task(std::string name, image_reference image, std::vector<std::string> command,
                   container_task_options options = {}, Runtime runtime = {})
        : container_task(legacy_cache{}, std::move(name), std::move(image), std::move(command),
                         std::move(options), std::move(runtime)) {}

    /// With a cache<...> configuration (flytekit's `cache=Cache(...)`); `options.metadata` must
    /// then leave the legacy cache fields unset.
    template <class... Policies>
    container_task(std::string name, image_reference image, std::vector<std::string> command,
                   cache<Policies...> cache_config, container_task_options options = {},
                   Runtime runtime = {})
        : container_task(std::move(cache_config), std::move(name), std::move(image),
                         std::move(command), std::move(options), std::move(runtime)) {}

private:
    template <class Cache>
    container_task(Cache cache_config, std::string name, image_reference image,
                   std::vector<std::string> command, container_task_options options,
                   Runtime runtime)
        : base(std::move(name)),
          command_(std::move(command)),
          opts_(std::move(options)),
          runtime_(std::move(runtime)) {
        if (std::holds_alternative<std::monostate>(image)) {
            throw configuration_error("flytecache: container task '" + this->name_ +
                                      "' needs an image");
        }
        params_.container_image = std::move(image);
        params_.pod_template = opts_.pod_template;
        params_.pod_template_name = opts_.pod_template_name;
        check_templates();
        const task_metadata& md = opts_.metadata;
        work_ = work_digest();
        std::optional<std::string> default_version;
        if (md.cache && md.cache_version.empty()) {
            default_version = sha256_hex(
                std::string(policies::image{}.get_version(std::string_view{}, params_)) + work_);
        }
        task_options legacy{.cache = md.cache,
                            .cache_serialize = md.cache_serialize,
                            .cache_version = md.cache_version,
                            .cache_ignore_input_vars = md.cache_ignore_input_vars,
                            .retries = md.retries,
                            .timeout = md.timeout,
                            .interruptible = md.interruptible,
                            .deprecated = md.deprecated,
                            .pod_template_name = opts_.pod_template_name,
                            .generates_deck = md.generates_deck};
        this->metadata_ = detail::build_metadata<detail::task_features<Features...>>(
            this->name_, legacy, cache_config, params_, input_names, default_version, work_);
        if constexpr (!std::is_same_v<Cache, legacy_cache>) {
            policies_ = detail::policy_contributions(cache_config, params_);
            explicit_version_ = cache_config.version.has_value();
            salt_ = cache_config.salt;
        } else if (default_version) {
            policies_ = {{std::string(detail::type_name<policies::image>()),
                          policies::image{}.get_version(std::string_view{}, params_)}};
            explicit_version_ = false;
        }
        if (!explicit_version_) policies_.push_back({std::string(work_label), work_});
    }

public:
    /// What the container's work adds to a version computed without an explicit one (the
    /// default version, or a cache<...>'s policies): SHA-256 hex over the image, the command, the
    /// arguments, the environment, the data directories, the metadata format, the typed
    /// interface (input and output names with their Flyte and C++ types) and the runtime (its
    /// type, and a docker CLI's name and extra options such as `--platform`). Two tasks that run
    /// different commands therefore never share a version, even with the same name and image.
    /// (flytekit refuses a cached ContainerTask without `cache_version`; flytecache versions it by
    /// what defines its work instead, so an explicit version stays optional.)
    [[nodiscard]] const std::string& work_version() const noexcept { return work_; }

    /// The name `explain` gives the work contribution.
    static constexpr std::string_view work_label =
        "container work (image, command, arguments, environment, data dirs, metadata format, "
        "interface)";

    [[nodiscard]] const image_reference& image() const noexcept { return params_.container_image; }
    [[nodiscard]] const std::vector<std::string>& command() const noexcept { return command_; }
    [[nodiscard]] const container_task_options& options() const noexcept { return opts_; }
    [[nodiscard]] const Runtime& runtime() const noexcept { return runtime_; }

    /// The run a call makes, with the host side of the data dirs at `input_dir` / `output_dir`.
    [[nodiscard]] container_run make_run(const call_type& call,
                                         const std::filesystem::path& input_dir,
                                         const std::filesystem::path& output_dir) const {
        container_run run;
        if (const auto* uri = std::get_if<std::string>(&params_.container_image)) {
            run.image = *uri;
        } else {
            run.image = std::get<image_spec>(params_.container_image).image_name();
        }
        std::vector<std::string> texts = input_texts(call.args);
        for (const auto* list : {&command_, &opts_.arguments}) {
            for (const auto& arg : *list) run.argv.push_back(render(arg, texts));
        }
        if (!opts_.input_data_dir.empty())
            run.volumes.push_back({input_dir, normalized(opts_.input_data_dir), false});
        if (!opts_.output_data_dir.empty())
            run.volumes.push_back({output_dir, normalized(opts_.output_data_dir), false});
        run.environment = opts_.environment;
        if (this->metadata_.timeout)
            run.timeout = std::chrono::duration<double>(this->metadata_.timeout.value());
        if (opts_.local_logs) {
            run.on_output = [](std::string_view line) {
                detail::log_line("[Local Container] " + std::string(line));
            };
        }
        return run;
    }

    [[nodiscard]] output_type execute(call_type& call) const {
        const std::filesystem::path root =
            raw_output_root() / (this->name_ + "-" + detail::random_suffix());
        const std::filesystem::path input_dir = root / "inputs";
        const std::filesystem::path output_dir = root / "outputs";
        std::error_code ec;
        std::filesystem::create_directories(input_dir, ec);
        if (!ec) std::filesystem::create_directories(output_dir, ec);
        if (ec) {
            throw task_error("flytecache: container task '" + this->name_ +
                             "' cannot create its data directory " + root.string() + ": " +
                             ec.message());
        }
        struct cleanup {
            const std::filesystem::path& dir;
            bool keep = false;
            ~cleanup() {
                std::error_code ignored;
                if (!keep) std::filesystem::remove_all(dir, ignored);
            }
        } remove_root{root};
        struct cleanup_inputs {
            const std::filesystem::path& dir;
            ~cleanup_inputs() {
                std::error_code ignored;
                std::filesystem::remove_all(dir, ignored);
            }
        } remove_inputs{input_dir};

        write_inputs(call, input_dir);
        const container_run run = make_run(call, input_dir, output_dir);
        const detail::process_result result = runtime_.run(run);
        if (result.timed_out) {
            throw task_timeout_error("flytecache: container task '" + this->name_ + "' " +
                                     result.describe() + tail_note(result));
        }
        if (result.signaled || result.exit_code != 0) {
            throw task_error("flytecache: container task '" + this->name_ +
                             "' failed: the command " + result.describe() + tail_note(result));
        }
        output_type out = read_outputs(output_dir);
        remove_root.keep = has_path_outputs();
        return out;
    }

    void explain_version(call_explanation& e) const {
        e.version = this->version();
        e.explicit_version = explicit_version_;
        e.salt = salt_;
        e.policies = policies_;
    }

private:
    static std::string normalized(const std::string& dir) {
        std::string n = std::filesystem::path(dir).lexically_normal().generic_string();
        while (n.size() > 1 && n.back() == '/') n.pop_back();
        return n;
    }

    static constexpr bool has_path_outputs() {
        bool any = false;
        if constexpr (!std::is_same_v<Out, no_values>) {
            detail::for_each_field_type<Out>([&]<class T>(std::string_view, std::type_identity<T>) {
                any = any || std::is_same_v<T, file> || std::is_same_v<T, directory>;
            });
        }
        return any;
    }

    std::filesystem::path raw_output_root() const {
        if (!opts_.raw_output_prefix.empty()) return opts_.raw_output_prefix;
        return std::filesystem::temp_directory_path() / "flytecache-outputs";
    }

    static std::string tail_note(const detail::process_result& r) {
        if (r.output_tail.empty()) return {};
        std::string tail = r.output_tail;
        if (tail.size() > 2000) tail = "…" + tail.substr(tail.size() - 2000);
        return "; its last output:\n" + tail;
    }

    void check_templates() const {
        for (const auto* list : {&command_, &opts_.arguments}) {
            for (const auto& arg : *list) {
                for (const auto& ref : detail::find_input_refs(arg)) {
                    if (!detail::names_contain(input_names, ref.name)) {
                        throw configuration_error("flytecache: container task '" + this->name_ +
                                                  "' refers to {{.inputs." + ref.name +
                                                  "}}, which is not one of its inputs (" +
                                                  detail::join_names(input_names) + ")");
                    }
                }
            }
        }
    }

    // The text each input stands for in a template: its value as Python's str() writes it, and
    // for files and directories their path inside the container's input dir (flytekit binds them
    // there).
    std::vector<std::string> input_texts(const In& args) const {
        std::vector<std::string> texts;
        if constexpr (!std::is_same_v<In, no_values>) {
            detail::for_each_field(args, [&](std::string_view name, const auto& v) {
                using T = std::remove_cvref_t<decltype(v)>;
                static_assert(
                    detail::container_value_v<T>,
                    "flytecache: a container task input must be bool, an integer, floating "
                    "point, std::string, a system_clock time point, a duration, file or directory");
                if constexpr (std::is_same_v<T, file> || std::is_same_v<T, directory>) {
                    if (opts_.input_data_dir.empty()) {
                        texts.push_back(v.uri);
                    } else {
                        texts.push_back(normalized(opts_.input_data_dir) + "/" + std::string(name));
                    }
                } else {
                    texts.push_back(detail::container_text(v));
                }
            });
        }
        return texts;
    }

    std::string render(const std::string& arg, const std::vector<std::string>& texts) const {
        const auto refs = detail::find_input_refs(arg);
        if (refs.empty()) return arg;
        std::string out;
        std::size_t pos = 0;
        for (const auto& ref : refs) {
            out.append(arg, pos, ref.begin - pos);
            for (std::size_t i = 0; i < input_names.size(); ++i) {
                if (input_names[i] == ref.name) out += texts[i];
            }
            pos = ref.end;
        }
        out.append(arg, pos, std::string::npos);
        return out;
    }

    void write_inputs(const call_type& call, const std::filesystem::path& dir) const {
        if (opts_.input_data_dir.empty()) return;
        if constexpr (!std::is_same_v<In, no_values>) {
            detail::for_each_field(call.args, [&](std::string_view name, const auto& v) {
                using T = std::remove_cvref_t<decltype(v)>;
                const std::filesystem::path target = dir / name;
                if constexpr (std::is_same_v<T, file> || std::is_same_v<T, directory>) {
                    std::error_code ec;
                    std::filesystem::copy(v.path(), target,
                                          std::filesystem::copy_options::recursive, ec);
                    if (ec) {
                        throw task_error("flytecache: container task '" + this->name_ +
                                         "' cannot copy input '" + std::string(name) + "' from " +
                                         v.uri + ": " + ec.message());
                    }
                } else {
                    detail::write_text_file(target, detail::container_text(v));
                }
            });
        }
        switch (opts_.metadata_format) {
        case metadata_format::proto:
            detail::write_text_file(dir / "inputs.pb", encode(call.inputs));
            break;
        case metadata_format::json:
            detail::write_text_file(dir / "inputs.json", to_json(call.inputs));
            break;
        case metadata_format::yaml:
            detail::write_text_file(dir / "inputs.yaml", to_json(call.inputs));
            break;
        }
    }

    output_type read_outputs(const std::filesystem::path& dir) const {
        if constexpr (std::is_same_v<Out, no_values>) {
            return {};
        } else {
            Out out{};
            detail::for_each_field(out, [&](std::string_view name, auto& field) {
                using T = std::remove_cvref_t<decltype(field)>;
                static_assert(
                    detail::container_value_v<T>,
                    "flytecache: a container task output must be bool, an integer, floating "
                    "point, std::string, a system_clock time point, a duration, file or directory");
                const std::string output(name);
                const std::filesystem::path p = dir / output;
                std::error_code ec;
                const bool exists = std::filesystem::exists(p, ec);
                if (!exists) {
                    throw task_error("flytecache: container task '" + this->name_ +
                                     "' did not write output '" + output + "' (expected " +
                                     (opts_.output_data_dir.empty()
                                          ? std::string("<output_data_dir>")
                                          : normalized(opts_.output_data_dir)) +
                                     "/" + output + ")");
                }
                if constexpr (std::is_same_v<T, file> || std::is_same_v<T, directory>) {
                    field = T(p);
                } else {
                    const std::optional<std::string> read = detail::read_text_file(p);
                    if (!read) {
                        throw task_error("flytecache: container task '" + this->name_ +
                                         "' cannot read output '" + output + "'");
                    }
                    const std::string& text = *read;
                    try {
                        field = detail::container_value<T>(text);
                    } catch (const std::exception& e) {
                        throw task_error("flytecache: output '" + output + "' of container task '" +
                                         this->name_ + "' is malformed: " + e.what());
                    }
                }
            });
            return out;
        }
    }

    // Length-prefixed fields, so that no two different works share a text.
    std::string work_digest() const {
        std::string text;
        const auto field = [&](std::string_view v) {
            text += std::to_string(v.size());
            text += ':';
            text += v;
        };
        field("flytecache-container-work-v1");
        if (const auto* uri = std::get_if<std::string>(&params_.container_image)) {
            field(*uri);
        } else {
            field(std::get<image_spec>(params_.container_image).image_name());
        }
        for (const auto* list : {&command_, &opts_.arguments}) {
            field(std::to_string(list->size()));
            for (const auto& a : *list) field(a);
        }
        field(std::to_string(opts_.environment.size()));
        for (const auto& [k, v] : opts_.environment) {
            field(k);
            field(v);
        }
        field(normalized(opts_.input_data_dir));
        field(normalized(opts_.output_data_dir));
        field(std::to_string(static_cast<int>(opts_.metadata_format)));
        const auto interface = [&]<class S>(std::string_view side, std::type_identity<S>) {
            field(side);
            if constexpr (!std::is_same_v<S, no_values>) {
                detail::for_each_field_type<S>(
                    [&]<class T>(std::string_view name, std::type_identity<T>) {
                        field(name);
                        field(encode(literal_type_of<T>()));
                        // The C++ type too: float and double share a Flyte type, but the text the
                        // container writes converts differently to each.
                        field(detail::container_value_kind<T>());
                    });
            }
        };
        interface("inputs", std::type_identity<In>{});
        interface("outputs", std::type_identity<Out>{});
        // Where it runs: the host and a container (or a container on another platform) may
        // produce different outputs from one command.
        if constexpr (std::is_same_v<Runtime, host_runtime>) {
            field("host");
        } else if constexpr (std::is_same_v<Runtime, docker_cli_runtime>) {
            field("docker-cli");
        } else {
            field(detail::type_name<Runtime>());
        }
        if constexpr (requires { runtime_.cli; }) field(runtime_.cli);
        if constexpr (requires { runtime_.extra_options; }) {
            field(std::to_string(runtime_.extra_options.size()));
            for (const auto& o : runtime_.extra_options) field(o);
        }
        return sha256_hex(text);
    }

    std::vector<std::string> command_;
    container_task_options opts_;
    [[no_unique_address]] Runtime runtime_;
    version_parameters<> params_;
    std::vector<policy_contribution> policies_;
    bool explicit_version_ = true;
    std::string salt_;
    std::string work_;
};

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/task/container_task.ipp>
#endif
