// flytecache — TaskTemplate export in protobuf's binary wire format (TaskSpec files)
// SPDX-License-Identifier: MIT
#pragma once

// TaskTemplate export in protobuf's binary wire format: the TaskSpec files that `flytectl register
// files` reads (as `pyflyte package` writes them).

// The same document as to_task_template_json (see task_template_export.hpp for what each field
// holds), written as the bytes of protobuf's SerializeToString(deterministic=True) of the message
// the JSON parses into: fields in field-number order, proto3 defaults omitted, set oneof members
// and present messages always written, map entries sorted by key with both key and value written,
// google.protobuf.Struct (the pod spec) with its JSON numbers as doubles. The field numbers are
// flyteidl 1.16.5's (docs/flyteidl.md); the idl tests parse every file with the classes protoc
// generates from that release and compare the bytes with protobuf's own serialization.

#include <flytecache/config.hpp>
#include <flytecache/detail/json.hpp>
#include <flytecache/detail/protobuf.hpp>
#include <flytecache/error.hpp>
#include <flytecache/literal/encode.hpp>
#include <flytecache/literal/protobuf_struct.hpp>
#include <flytecache/task/task_template_export.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

/// google.protobuf.Struct from a JSON object, as protobuf's JSON parser builds it (numbers become
/// doubles; a member given twice keeps its last value).
protobuf_value protobuf_value_from_json(const json_value& v);

protobuf_struct protobuf_struct_from_json(const json_value& object);

/// Writes the TaskTemplate of `parts` with the decisions task_template_writer takes for the JSON.
class task_template_proto_writer {
public:
    explicit task_template_proto_writer(const task_template_options& options)
        : options_(proto_names(options)), json_(options_) {}

    /// flyteidl.core.TaskTemplate.
    [[nodiscard]] std::string task_template(const template_parts& parts) const;

    /// flyteidl.admin.TaskSpec{template}: what `pyflyte package` writes in its `_1.pb` files.
    [[nodiscard]] std::string task_spec(const template_parts& parts) const;

private:
    static task_template_options proto_names(task_template_options o) {
        o.field_names = json_field_names::proto;
        return o;
    }

    // Proto3 plain fields: written only when not the default.
    static void text(proto_writer& w, std::uint32_t field, std::string_view s) {
        if (!s.empty()) w.string_field(field, s);
    }
    static void strings(proto_writer& w, std::uint32_t field, const std::vector<std::string>& v) {
        for (const auto& s : v) w.string_field(field, s);
    }
    static void flag(proto_writer& w, std::uint32_t field, bool b) {
        if (b) w.bool_field(field, true);
    }
    static void enumeration(proto_writer& w, std::uint32_t field, std::int32_t value) {
        if (value != 0) w.enum_field(field, value);
    }
    // A map<string, string>: entries sorted by key, key and value always written.
    static void string_map(proto_writer& w, std::uint32_t field,
                           const json_value::object_type& sorted_entries);

    void task_template_body(proto_writer& w, literal_encoder& enc,
                            const template_parts& parts) const;

    void task_metadata_body(proto_writer& w, const task_metadata& m) const;

    void variable_map(proto_writer& w, literal_encoder& enc, std::uint32_t field,
                      const variable_types& vars) const;

    static void resource_entries(proto_writer& w, std::uint32_t field, const resources& r);

    static void data_config_body(proto_writer& w, const data_loading_config& d);

    static void container_body(proto_writer& w, const launch_target& t);

    void k8s_pod_body(proto_writer& w, literal_encoder& enc, const launch_target& t) const;

    task_template_options options_;
    task_template_writer json_;
};

} // namespace detail

/// A task as flyteidl's `TaskTemplate` in protobuf's binary wire format: the bytes protobuf's
/// deterministic serialization writes for the message to_task_template_json describes.
/// @throws as to_task_template_json.
/// Thread safety: reads the task only; safe to call concurrently.
template <class Task>
    requires requires(const Task& t, const task_template_options& o) {
        detail::task_template_parts(t, o);
    }
[[nodiscard]] std::string to_task_template_proto(const Task& task,
                                                 const task_template_options& options) {
    return detail::task_template_proto_writer(options).task_template(
        detail::task_template_parts(task, options));
}

/// flyteadmin's `TaskSpec{template}` for the task in protobuf's binary wire format: the content of
/// the `<n>_<name>_1.pb` files `pyflyte package` writes and `flytectl register files` reads (see
/// registration_package for the whole archive).
/// @throws as to_task_template_json.
/// Thread safety: reads the task only; safe to call concurrently.
template <class Task>
    requires requires(const Task& t, const task_template_options& o) {
        detail::task_template_parts(t, o);
    }
[[nodiscard]] std::string to_task_spec_proto(const Task& task,
                                             const task_template_options& options) {
    return detail::task_template_proto_writer(options).task_spec(
        detail::task_template_parts(task, options));
}

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/task/task_template_proto.ipp>
#endif
