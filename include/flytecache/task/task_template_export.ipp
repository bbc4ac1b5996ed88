// flytecache — TaskTemplate export: a task as flyteidl's TaskTemplate in protobuf JSON
// (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/task/task_template_export.hpp>

#include <flytecache/detail/json.hpp>
#include <flytecache/detail/time_text.hpp>
#include <flytecache/error.hpp>
#include <flytecache/literal/json.hpp>
#include <flytecache/policy/image_spec.hpp>
#include <flytecache/policy/pod_template.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

FLYTECACHE_INLINE void json_newline(std::string& out, std::size_t indent, std::size_t depth) {
    if (indent == 0) return;
    out += '\n';
    out.append(indent * depth, ' ');
}

FLYTECACHE_INLINE void json_write_indented(std::string& out, const json_value& v,
                                           std::size_t indent, std::size_t depth) {
    if (v.is_array() && v.size() != 0) {
        out += '[';
        bool first = true;
        for (const auto& e : v.as_array()) {
            if (!first) out += ',';
            first = false;
            json_newline(out, indent, depth + 1);
            json_write_indented(out, e, indent, depth + 1);
        }
        json_newline(out, indent, depth);
        out += ']';
    } else if (v.is_object() && v.size() != 0) {
        out += '{';
        bool first = true;
        for (const auto& [key, member] : v.as_object()) {
            if (!first) out += ',';
            first = false;
            json_newline(out, indent, depth + 1);
            json_write_canonical_string(out, key);
            out += indent == 0 ? ":" : ": ";
            json_write_indented(out, member, indent, depth + 1);
        }
        json_newline(out, indent, depth);
        out += '}';
    } else {
        json_write_canonical(out, v);
    }
}

FLYTECACHE_INLINE std::string image_name(const image_reference& image) {
    if (const auto* uri = std::get_if<std::string>(&image)) return *uri;
    if (const auto* spec = std::get_if<image_spec>(&image)) return spec->image_name();
    return {};
}

FLYTECACHE_INLINE json_value
task_template_writer::task_template(const template_parts& parts) const {
    check_options(parts);
    object o;
    add(o, "id", identifier(parts.name));
    add(o, "type", str(parts.type));
    add(o, "metadata", task_metadata_value(*parts.metadata));
    add(o, "interface", typed_interface(parts));
    if (parts.target && !parts.target->pod) add(o, "container", container(*parts.target));
    if (parts.target && !parts.target->secrets.empty())
        add(o, "security_context", security_context(parts.target->secrets));
    if (parts.target && parts.target->pod) {
        object config;
        config.emplace_back("primary_container_name",
                            str(parts.target->pod->primary_container_name));
        add(o, "config", json_value::make_object(std::move(config)));
        add(o, "k8s_pod", k8s_pod(*parts.target));
    }
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE json_value
task_template_writer::task_create_request(const template_parts& parts) const {
    object spec;
    add(spec, "template", task_template(parts));
    object o;
    add(o, "id", identifier(parts.name));
    add(o, "spec", json_value::make_object(std::move(spec)));
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE std::string task_template_writer::text(const json_value& v) const {
    std::string out;
    json_write_indented(out, v, static_cast<std::size_t>(std::max(options_.indent, 0)), 0);
    return out;
}

FLYTECACHE_INLINE void task_template_writer::add(object& o, std::string_view proto_name,
                                                 json_value v) const {
    o.emplace_back(options_.field_names == json_field_names::proto ? std::string(proto_name)
                                                                   : proto_json_name(proto_name),
                   std::move(v));
}

FLYTECACHE_INLINE json_value task_template_writer::strings(const std::vector<std::string>& values) {
    json_value::array_type items;
    items.reserve(values.size());
    for (const auto& v : values) items.push_back(str(v));
    return json_value::make_array(std::move(items));
}

FLYTECACHE_INLINE task_template_writer::object task_template_writer::sorted(object entries) {
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return entries;
}

FLYTECACHE_INLINE task_template_writer::object
task_template_writer::string_map(const std::vector<std::pair<std::string, std::string>>& entries,
                                 std::string_view what) {
    object o;
    for (const auto& [k, v] : entries) {
        for (const auto& [seen, ignored] : o) {
            if (seen == k) {
                throw invalid_argument("flytecache: " + std::string(what) + " names '" + k +
                                       "' twice; a protobuf map holds each key once");
            }
        }
        o.emplace_back(k, str(v));
    }
    return sorted(std::move(o));
}

FLYTECACHE_INLINE void task_template_writer::check_options(const template_parts& parts) const {
    for (const auto* field : {&options_.project, &options_.domain, &options_.version}) {
        if (field->empty()) {
            const char* which = field == &options_.project  ? "project"
                                : field == &options_.domain ? "domain"
                                                            : "version";
            throw configuration_error(std::string("flytecache: task_template_options.") + which +
                                      " is empty; Flyte identifies task '" + parts.name +
                                      "' by project, domain, name and version (the registration "
                                      "version, not the cache version)");
        }
    }
    for (const auto& description : options_.descriptions) {
        const std::string& name = description.first;
        const auto has = [&](const variable_types& vars) {
            return std::any_of(vars.begin(), vars.end(),
                               [&](const auto& v) { return v.first == name; });
        };
        if (!has(parts.inputs) && !has(parts.outputs)) {
            throw configuration_error(
                "flytecache: task_template_options.descriptions names '" + name +
                "', which is neither an input nor an output of task '" + parts.name + "'");
        }
        const auto same = std::count_if(options_.descriptions.begin(), options_.descriptions.end(),
                                        [&](const auto& other) { return other.first == name; });
        if (same > 1) {
            throw configuration_error("flytecache: task_template_options.descriptions names '" +
                                      name + "' " + std::to_string(same) +
                                      " times; give each variable one description");
        }
    }
    for (const auto* side : {&parts.inputs, &parts.outputs}) {
        for (const auto& [name, type] : *side) {
            if (std::holds_alternative<std::monostate>(type.type)) {
                throw configuration_error(
                    "flytecache: " + std::string(side == &parts.inputs ? "input" : "output") +
                    " '" + name + "' of task '" + parts.name +
                    "' has no Flyte type (a flytecache::literal stands for any value); "
                    "Flyte's type checker needs one, so give it a typed C++ type");
            }
        }
    }
}

FLYTECACHE_INLINE json_value task_template_writer::identifier(const std::string& name) const {
    object o;
    add(o, "resource_type", str("TASK"));
    add(o, "project", str(options_.project));
    add(o, "domain", str(options_.domain));
    add(o, "name", str(name));
    add(o, "version", str(options_.version));
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE json_value
task_template_writer::task_metadata_value(const task_metadata& m) const {
    object o;
    if (m.cache) add(o, "discoverable", json_value::make_bool(true));
    {
        object rt;
        if (options_.runtime.type == runtime_metadata::runtime_type::flyte_sdk)
            add(rt, "type", str("FLYTE_SDK"));
        if (!options_.runtime.version.empty()) add(rt, "version", str(options_.runtime.version));
        if (!options_.runtime.flavor.empty()) add(rt, "flavor", str(options_.runtime.flavor));
        add(o, "runtime", json_value::make_object(std::move(rt)));
    }
    if (m.timeout && m.timeout.value() != std::chrono::microseconds::zero()) {
        const auto us = m.timeout.value().count();
        add(o, "timeout",
            str(duration_text(us / 1'000'000, static_cast<std::int32_t>((us % 1'000'000) * 1000))));
    }
    {
        // flytekit always sets the RetryStrategy message, so it prints even with 0 retries.
        object retries;
        if (m.retries > 0)
            add(retries, "retries", uint_number(static_cast<std::uint64_t>(m.retries)));
        add(o, "retries", json_value::make_object(std::move(retries)));
    }
    if (!m.cache_version.empty()) add(o, "discovery_version", str(m.cache_version));
    if (!m.deprecated.empty()) add(o, "deprecated_error_message", str(m.deprecated));
    if (m.interruptible) add(o, "interruptible", json_value::make_bool(*m.interruptible));
    if (m.cache_serialize) add(o, "cache_serializable", json_value::make_bool(true));
    if (!options_.tags.empty())
        add(o, "tags",
            json_value::make_object(string_map(options_.tags, "task_template_options.tags")));
    if (m.pod_template_name && !m.pod_template_name->empty())
        add(o, "pod_template_name", str(*m.pod_template_name));
    if (!m.cache_ignore_input_vars.empty())
        add(o, "cache_ignore_input_vars", strings(m.cache_ignore_input_vars.names()));
    if (m.is_eager) add(o, "is_eager", json_value::make_bool(true));
    if (m.generates_deck) add(o, "generates_deck", json_value::make_bool(true));
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE json_value
task_template_writer::typed_interface(const template_parts& parts) const {
    object o;
    add(o, "inputs", variable_map(parts.inputs));
    add(o, "outputs", variable_map(parts.outputs));
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE json_value task_template_writer::variable_map(const variable_types& vars) const {
    object entries;
    for (const auto& [name, type] : vars) {
        object var;
        add(var, "type", literal_type_value(type));
        for (const auto& [described, text] : options_.descriptions) {
            if (described == name && !text.empty()) add(var, "description", str(text));
        }
        entries.emplace_back(name, json_value::make_object(std::move(var)));
    }
    object o;
    if (!entries.empty()) add(o, "variables", json_value::make_object(sorted(std::move(entries))));
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE json_value task_template_writer::resource_entries(const resources& r) const {
    json_value::array_type entries;
    const auto entry = [&](const std::optional<std::string>& quantity, const char* name) {
        if (!quantity || quantity->empty()) return;
        object e;
        add(e, "name", str(name));
        add(e, "value", str(*quantity));
        entries.push_back(json_value::make_object(std::move(e)));
    };
    entry(r.ephemeral_storage, "EPHEMERAL_STORAGE");
    entry(r.cpu, "CPU");
    entry(r.gpu, "GPU");
    entry(r.mem, "MEMORY");
    return json_value::make_array(std::move(entries));
}

FLYTECACHE_INLINE json_value task_template_writer::resources_value(const launch_target& t) const {
    object o;
    if (const auto requests = resource_entries(t.requests); requests.size() != 0)
        add(o, "requests", requests);
    if (const auto limits = resource_entries(t.limits); limits.size() != 0)
        add(o, "limits", limits);
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE json_value task_template_writer::container(const launch_target& t) const {
    object o;
    if (!t.image.empty()) add(o, "image", str(t.image));
    if (!t.command.empty()) add(o, "command", strings(t.command));
    if (!t.args.empty()) add(o, "args", strings(t.args));
    add(o, "resources", resources_value(t)); // flytekit always sets it
    if (!t.environment.empty()) {
        json_value::array_type env;
        for (const auto& [k, v] : t.environment) {
            object kv;
            add(kv, "key", str(k));
            if (!v.empty()) add(kv, "value", str(v));
            env.push_back(json_value::make_object(std::move(kv)));
        }
        add(o, "env", json_value::make_array(std::move(env)));
    }
    if (t.data_config) add(o, "data_config", data_config_value(*t.data_config));
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE json_value
task_template_writer::data_config_value(const data_loading_config& d) const {
    object o;
    add(o, "enabled", json_value::make_bool(true));
    if (!d.input_path.empty()) add(o, "input_path", str(d.input_path));
    if (!d.output_path.empty()) add(o, "output_path", str(d.output_path));
    if (d.format == metadata_format::yaml) add(o, "format", str("YAML"));
    if (d.format == metadata_format::proto) add(o, "format", str("PROTO"));
    if (d.io_strategy) {
        object io;
        switch (d.io_strategy->download) {
        case download_mode::eager: break;
        case download_mode::stream: add(io, "download_mode", str("DOWNLOAD_STREAM")); break;
        case download_mode::no_download: add(io, "download_mode", str("DO_NOT_DOWNLOAD")); break;
        }
        switch (d.io_strategy->upload) {
        case upload_mode::on_exit: break;
        case upload_mode::eager: add(io, "upload_mode", str("UPLOAD_EAGER")); break;
        case upload_mode::no_upload: add(io, "upload_mode", str("DO_NOT_UPLOAD")); break;
        }
        add(o, "io_strategy", json_value::make_object(std::move(io)));
    }
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE json_value
task_template_writer::security_context(const std::vector<secret>& secrets) const {
    json_value::array_type items;
    for (const auto& s : secrets) {
        object o;
        if (!s.group.empty()) add(o, "group", str(s.group));
        if (s.group_version && !s.group_version->empty())
            add(o, "group_version", str(*s.group_version));
        if (s.key && !s.key->empty()) add(o, "key", str(*s.key));
        if (s.mount_requirement == secret::mount_type::env_var)
            add(o, "mount_requirement", str("ENV_VAR"));
        if (s.mount_requirement == secret::mount_type::file)
            add(o, "mount_requirement", str("FILE"));
        if (s.env_var && !s.env_var->empty()) add(o, "env_var", str(*s.env_var));
        items.push_back(json_value::make_object(std::move(o)));
    }
    object o;
    add(o, "secrets", json_value::make_array(std::move(items)));
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE json_value task_template_writer::k8s_pod(const launch_target& t) const {
    // NOLINTNEXTLINE(bugprone-unchecked-optional-access): called only when a pod is set
    const ::flytecache::pod_template& pod = *t.pod;
    pod.validate();
    const json_value spec = parse_json(pod.pod_spec);
    object spec_members = spec.as_object();
    json_value::array_type containers;
    bool has_containers = false;
    for (auto& [key, value] : spec_members) {
        if (key != "containers") continue;
        has_containers = true;
        if (!value.is_array()) {
            throw invalid_argument(
                "flytecache: pod_template.pod_spec.containers must be an array of containers");
        }
        containers = value.as_array();
    }
    bool found = false;
    for (auto& c : containers) {
        const json_value* name = c.find("name");
        if (name != nullptr && name->is_string() &&
            name->as_string() == pod.primary_container_name) {
            c = primary_container(c, t);
            found = true;
        }
    }
    if (!found) {
        object placeholder;
        placeholder.emplace_back("name", str(pod.primary_container_name));
        containers.push_back(primary_container(json_value::make_object(std::move(placeholder)), t));
    }
    if (has_containers) {
        // The merged list replaces the first "containers" member; any repeats (the last of
        // which was read above) go.
        bool placed = false;
        std::erase_if(spec_members, [&](auto& member) {
            if (member.first != "containers") return false;
            if (placed) return true;
            member.second = json_value::make_array(std::move(containers));
            placed = true;
            return false;
        });
    } else {
        spec_members.emplace_back("containers", json_value::make_array(std::move(containers)));
    }

    object metadata;
    if (!pod.labels.empty())
        add(metadata, "labels",
            json_value::make_object(string_map(pod.labels, "pod_template.labels")));
    if (!pod.annotations.empty()) {
        add(metadata, "annotations",
            json_value::make_object(string_map(pod.annotations, "pod_template.annotations")));
    }
    object o;
    add(o, "metadata", json_value::make_object(std::move(metadata)));
    add(o, "pod_spec", json_value::make_object(std::move(spec_members)));
    if (t.data_config) add(o, "data_config", data_config_value(*t.data_config));
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE json_value task_template_writer::primary_container(const json_value& c,
                                                                     const launch_target& t) {
    if (!c.is_object())
        throw invalid_argument("flytecache: pod_template.pod_spec.containers holds a non-object");
    object members;
    bool has_image = false;
    json_value::array_type env;
    for (const auto& [k, v] : t.environment) {
        object e;
        e.emplace_back("name", str(k));
        e.emplace_back("value", str(v));
        env.push_back(json_value::make_object(std::move(e)));
    }
    for (const auto& [key, value] : c.as_object()) {
        if (key == "command" || key == "args" || key == "env" ||
            (key == "resources" && (has_resources(t.requests) || has_resources(t.limits)))) {
            if (key == "env" && value.is_array()) {
                for (const auto& e : value.as_array()) env.push_back(e);
            }
            continue; // replaced below
        }
        if (key == "image" && !value.is_null()) has_image = true;
        if (key == "image" && value.is_null()) continue;
        members.emplace_back(key, value);
    }
    if (!has_image && !t.image.empty()) members.emplace_back("image", str(t.image));
    if (!t.command.empty()) members.emplace_back("command", strings(t.command));
    if (!t.args.empty()) members.emplace_back("args", strings(t.args));
    if (has_resources(t.requests) || has_resources(t.limits)) {
        object r;
        r.emplace_back("limits", k8s_quantities(t.limits));
        r.emplace_back("requests", k8s_quantities(t.requests));
        members.emplace_back("resources", json_value::make_object(std::move(r)));
    }
    if (!env.empty()) members.emplace_back("env", json_value::make_array(std::move(env)));
    return json_value::make_object(std::move(members));
}

FLYTECACHE_INLINE bool task_template_writer::has_resources(const resources& r) {
    for (const auto* q : {&r.cpu, &r.mem, &r.gpu, &r.ephemeral_storage}) {
        if (*q && !(*q)->empty()) return true;
    }
    return false;
}

FLYTECACHE_INLINE json_value task_template_writer::k8s_quantities(const resources& r) {
    object o;
    const auto put = [&](const std::optional<std::string>& q, const char* name) {
        if (q && !q->empty()) o.emplace_back(name, str(*q));
    };
    put(r.ephemeral_storage, "ephemeral-storage");
    put(r.cpu, "cpu");
    put(r.gpu, "gpu");
    put(r.mem, "memory");
    return json_value::make_object(std::move(o));
}

FLYTECACHE_INLINE void check_no_launch(const std::string& task, std::string_view kind,
                                       const task_template_options& options) {
    if (!(options.launch == cluster_launch{})) {
        throw configuration_error(
            "flytecache: task_template_options.launch describes how a function task runs on the "
            "cluster; " +
            std::string(kind) + " '" + task + "' brings its own (leave launch empty)");
    }
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
