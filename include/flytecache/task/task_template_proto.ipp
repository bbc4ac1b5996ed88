// flytecache — TaskTemplate export in protobuf's binary wire format (TaskSpec files) (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/task/task_template_proto.hpp>

#include <flytecache/detail/json.hpp>
#include <flytecache/detail/protobuf.hpp>
#include <flytecache/literal/encode.hpp>
#include <flytecache/literal/protobuf_struct.hpp>

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

FLYTECACHE_INLINE protobuf_struct protobuf_struct_from_json(const json_value& object) {
    protobuf_struct s;
    for (const auto& member : object.as_object()) {
        const std::string& key = member.first;
        auto it = std::find_if(s.fields.begin(), s.fields.end(),
                               [&](const auto& field) { return field.first == key; });
        if (it != s.fields.end()) {
            it->second = protobuf_value_from_json(member.second);
        } else {
            s.fields.emplace_back(key, protobuf_value_from_json(member.second));
        }
    }
    std::sort(s.fields.begin(), s.fields.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return s;
}

FLYTECACHE_INLINE protobuf_value protobuf_value_from_json(const json_value& v) {
    protobuf_value out;
    switch (v.type()) {
    case json_value::kind::null: out.kind.emplace<protobuf_null>(); break;
    case json_value::kind::boolean: out.kind.emplace<bool>(v.as_bool()); break;
    case json_value::kind::number: out.kind.emplace<double>(v.as_double()); break;
    case json_value::kind::string: out.kind.emplace<std::string>(v.as_string()); break;
    case json_value::kind::array: {
        protobuf_list list;
        for (const auto& item : v.as_array()) list.values.push_back(protobuf_value_from_json(item));
        out.kind.emplace<protobuf_list>(std::move(list));
        break;
    }
    case json_value::kind::object:
        out.kind.emplace<box<protobuf_struct>>(protobuf_struct_from_json(v));
        break;
    }
    return out;
}

FLYTECACHE_INLINE std::string
task_template_proto_writer::task_template(const template_parts& parts) const {
    json_.check_options(parts);
    proto_writer w;
    literal_encoder enc(w);
    task_template_body(w, enc, parts);
    return w.take();
}

FLYTECACHE_INLINE std::string
task_template_proto_writer::task_spec(const template_parts& parts) const {
    json_.check_options(parts);
    proto_writer w;
    literal_encoder enc(w);
    const auto t = w.begin_message(1);
    task_template_body(w, enc, parts);
    w.end_message(t);
    return w.take();
}

FLYTECACHE_INLINE void
task_template_proto_writer::string_map(proto_writer& w, std::uint32_t field,
                                       const json_value::object_type& sorted_entries) {
    for (const auto& [k, v] : sorted_entries) {
        const auto e = w.begin_message(field);
        w.string_field(1, k);
        w.string_field(2, v.as_string());
        w.end_message(e);
    }
}

FLYTECACHE_INLINE void
task_template_proto_writer::task_template_body(proto_writer& w, literal_encoder& enc,
                                               const template_parts& parts) const {
    {
        const auto id = w.begin_message(1);
        w.enum_field(1, 1); // ResourceType.TASK
        text(w, 2, options_.project);
        text(w, 3, options_.domain);
        text(w, 4, parts.name);
        text(w, 5, options_.version);
        w.end_message(id);
    }
    text(w, 2, parts.type);
    {
        const auto m = w.begin_message(3);
        task_metadata_body(w, *parts.metadata);
        w.end_message(m);
    }
    {
        const auto i = w.begin_message(4);
        variable_map(w, enc, 1, parts.inputs);
        variable_map(w, enc, 2, parts.outputs);
        w.end_message(i);
    }
    const std::optional<launch_target>& t = parts.target;
    if (t && !t->pod) {
        const auto c = w.begin_message(6);
        container_body(w, *t);
        w.end_message(c);
    }
    if (t && !t->secrets.empty()) {
        const auto sc = w.begin_message(8);
        for (const auto& s : t->secrets) {
            const auto m = w.begin_message(2);
            text(w, 1, s.group);
            if (s.group_version) text(w, 2, *s.group_version);
            if (s.key) text(w, 3, *s.key);
            enumeration(w, 4,
                        s.mount_requirement == secret::mount_type::env_var ? 1
                        : s.mount_requirement == secret::mount_type::file  ? 2
                                                                           : 0);
            if (s.env_var) text(w, 5, *s.env_var);
            w.end_message(m);
        }
        w.end_message(sc);
    }
    if (t && t->pod) {
        const auto e = w.begin_message(16);
        w.string_field(1, "primary_container_name");
        w.string_field(2, t->pod->primary_container_name);
        w.end_message(e);
        const auto k = w.begin_message(17);
        k8s_pod_body(w, enc, *t);
        w.end_message(k);
    }
}

FLYTECACHE_INLINE void
task_template_proto_writer::task_metadata_body(proto_writer& w, const task_metadata& m) const {
    flag(w, 1, m.cache);
    {
        const auto rt = w.begin_message(2);
        enumeration(w, 1,
                    options_.runtime.type == runtime_metadata::runtime_type::flyte_sdk ? 1 : 0);
        text(w, 2, options_.runtime.version);
        text(w, 3, options_.runtime.flavor);
        w.end_message(rt);
    }
    if (m.timeout && m.timeout.value() != std::chrono::microseconds::zero()) {
        const auto us = m.timeout.value().count();
        const auto d = w.begin_message(4);
        if (us / 1'000'000 != 0) w.int64_field(1, us / 1'000'000);
        if (us % 1'000'000 != 0)
            w.int32_field(2, static_cast<std::int32_t>((us % 1'000'000) * 1000));
        w.end_message(d);
    }
    {
        // flytekit always sets the RetryStrategy message.
        const auto r = w.begin_message(5);
        if (m.retries > 0) w.uint32_field(5, static_cast<std::uint32_t>(m.retries));
        w.end_message(r);
    }
    text(w, 6, m.cache_version);
    text(w, 7, m.deprecated);
    if (m.interruptible) w.bool_field(8, *m.interruptible); // a oneof: written even if false
    flag(w, 9, m.cache_serialize);
    if (!options_.tags.empty())
        string_map(w, 11,
                   task_template_writer::string_map(options_.tags, "task_template_options.tags"));
    if (m.pod_template_name) text(w, 12, *m.pod_template_name);
    if (!m.cache_ignore_input_vars.empty()) strings(w, 13, m.cache_ignore_input_vars.names());
    flag(w, 14, m.is_eager);
    if (m.generates_deck) {
        const auto b = w.begin_message(15); // google.protobuf.BoolValue
        w.bool_field(1, true);
        w.end_message(b);
    }
}

FLYTECACHE_INLINE void task_template_proto_writer::variable_map(proto_writer& w,
                                                                literal_encoder& enc,
                                                                std::uint32_t field,
                                                                const variable_types& vars) const {
    const auto vm = w.begin_message(field);
    std::vector<const std::pair<std::string, literal_type>*> sorted;
    sorted.reserve(vars.size());
    for (const auto& v : vars) sorted.push_back(&v);
    std::sort(sorted.begin(), sorted.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    for (const auto* v : sorted) {
        const auto e = w.begin_message(1);
        w.string_field(1, v->first);
        const auto var = w.begin_message(2);
        const auto type = w.begin_message(1);
        enc.literal_type_body(v->second);
        w.end_message(type);
        for (const auto& [described, description] : options_.descriptions) {
            if (described == v->first) text(w, 2, description);
        }
        w.end_message(var);
        w.end_message(e);
    }
    w.end_message(vm);
}

FLYTECACHE_INLINE void task_template_proto_writer::resource_entries(proto_writer& w,
                                                                    std::uint32_t field,
                                                                    const resources& r) {
    // ResourceName: CPU 1, GPU 2, MEMORY 3, EPHEMERAL_STORAGE 5; flytekit's order.
    const auto entry = [&](const std::optional<std::string>& quantity, std::int32_t name) {
        if (!quantity || quantity->empty()) return;
        const auto e = w.begin_message(field);
        w.enum_field(1, name);
        w.string_field(2, *quantity);
        w.end_message(e);
    };
    entry(r.ephemeral_storage, 5);
    entry(r.cpu, 1);
    entry(r.gpu, 2);
    entry(r.mem, 3);
}

FLYTECACHE_INLINE void task_template_proto_writer::data_config_body(proto_writer& w,
                                                                    const data_loading_config& d) {
    w.bool_field(1, true);
    text(w, 2, d.input_path);
    text(w, 3, d.output_path);
    enumeration(w, 4,
                d.format == metadata_format::yaml    ? 1
                : d.format == metadata_format::proto ? 2
                                                     : 0);
    if (d.io_strategy) {
        const auto io = w.begin_message(5);
        enumeration(w, 1,
                    d.io_strategy->download == download_mode::stream        ? 1
                    : d.io_strategy->download == download_mode::no_download ? 2
                                                                            : 0);
        enumeration(w, 2,
                    d.io_strategy->upload == upload_mode::eager       ? 1
                    : d.io_strategy->upload == upload_mode::no_upload ? 2
                                                                      : 0);
        w.end_message(io);
    }
}

FLYTECACHE_INLINE void task_template_proto_writer::container_body(proto_writer& w,
                                                                  const launch_target& t) {
    text(w, 1, t.image);
    strings(w, 2, t.command);
    strings(w, 3, t.args);
    {
        const auto r = w.begin_message(4); // flytekit always sets it
        resource_entries(w, 1, t.requests);
        resource_entries(w, 2, t.limits);
        w.end_message(r);
    }
    for (const auto& [k, v] : t.environment) {
        const auto kv = w.begin_message(5);
        text(w, 1, k);
        text(w, 2, v);
        w.end_message(kv);
    }
    if (t.data_config) {
        const auto d = w.begin_message(9);
        data_config_body(w, *t.data_config);
        w.end_message(d);
    }
}

FLYTECACHE_INLINE void task_template_proto_writer::k8s_pod_body(proto_writer& w,
                                                                literal_encoder& enc,
                                                                const launch_target& t) const {
    // The merge is the JSON writer's; its result is converted member by member.
    const json_value pod = json_.k8s_pod(t);
    {
        const auto md = w.begin_message(1);
        if (const json_value* meta = pod.find("metadata")) {
            if (const json_value* labels = meta->find("labels"))
                string_map(w, 1, labels->as_object());
            if (const json_value* annotations = meta->find("annotations"))
                string_map(w, 2, annotations->as_object());
        }
        w.end_message(md);
    }
    if (const json_value* spec = pod.find("pod_spec")) {
        const auto s = w.begin_message(2);
        enc.struct_body(protobuf_struct_from_json(*spec));
        w.end_message(s);
    }
    if (t.data_config) {
        const auto d = w.begin_message(3);
        data_config_body(w, *t.data_config);
        w.end_message(d);
    }
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
