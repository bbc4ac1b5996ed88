// flytecache — test support: the flyteidl messages a TaskTemplate is made of, as data (proto
// field name, JSON name, kind), and a validator for protobuf's JSON mapping of them
// SPDX-License-Identifier: MIT
#pragma once

// Written by hand from the .proto files of github.com/flyteorg/flyte (flyteidl/protos/flyteidl/),
// at these commits:
//   core/tasks.proto       0263abc0eb85c8c2991cd8b887a4f26c9b89978a  (TaskMetadata up to field 16,
//                          `metadata`; TaskTemplate.extended_resources;
//                          K8sPod.primary_container_name)
//   core/interface.proto   16539ddc050e009ae843f1efb03d00c2a4a7671b  (Variable with artifact
//   fields) core/types.proto       0a08dfc32c2e9e931175ca398b2052cbb9551017  (LiteralType with
//   offloaded_type) core/identifier.proto  03ef411650f4a15d5be49f3d8f83390f5d254a1b
//   core/literals.proto    0b32845e92cfe354c197ddf5ae3c8605a17f079b  (KeyValuePair, RetryStrategy)
//   core/security.proto    00dcebe1fe2f35e9f8bf944fd9ea304fc91b049d
//   (SecurityContext.connection_ref) admin/task.proto 63e4ca269409d17939bd4f09c2491eebf4980e8c
//   (TaskCreateRequest, TaskSpec)
// plus one field the security.proto snapshot above does not have: Secret.env_var, which
// flytekit's Secret.to_flyte_idl sets (flytekit/models/security.py, flytekit 1.16), so the flyteidl
// release flytekit 1.16 depends on has it. Newer flyteidl also has Identifier.org; flytecache never
// writes it, so it is left out (a document that used it would fail here, on purpose).
//
// Field numbers do not matter to the JSON mapping and are not recorded; enum values are listed in
// number order (each of these enums numbers its values 0, 1, 2, … without gaps), so values[0] is
// the default that protobuf's printer omits. JSON names are written out, not derived, so that the
// test can check flytecache's name conversion against them.

#include <flytecache/detail/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flytecache_test::flyteidl {

using flytecache::detail::json_value;

enum class kind {
    string,
    boolean,
    int32,
    uint32,
    int64,
    uint64,
    double_,
    bytes,
    enumeration, ///< `type` names the enum
    message,     ///< `type` names the message
    duration,    ///< google.protobuf.Duration
    bool_value,  ///< google.protobuf.BoolValue
    struct_,     ///< google.protobuf.Struct
};

enum class label { single, repeated, map }; ///< map: map<string, kind>

struct field {
    std::string_view proto;
    std::string_view json;
    flyteidl::kind kind;
    std::string_view type{};
    flyteidl::label label = flyteidl::label::single;
    std::string_view oneof{};
};

struct message {
    std::string_view name;
    std::vector<field> fields;
};

struct enumeration {
    std::string_view name;
    std::vector<std::string_view> values;
};

struct schema {
    std::vector<message> messages;
    std::vector<enumeration> enums;

    [[nodiscard]] const message* find_message(std::string_view name) const {
        for (const auto& m : messages) {
            if (m.name == name) return &m;
        }
        return nullptr;
    }
    [[nodiscard]] const enumeration* find_enum(std::string_view name) const {
        for (const auto& e : enums) {
            if (e.name == name) return &e;
        }
        return nullptr;
    }
};

// Short spellings for the table below.
namespace k {
inline constexpr auto str = kind::string;
inline constexpr auto boolean = kind::boolean;
inline constexpr auto i32 = kind::int32;
inline constexpr auto u32 = kind::uint32;
inline constexpr auto bytes = kind::bytes;
inline constexpr auto en = kind::enumeration;
inline constexpr auto msg = kind::message;
inline constexpr auto duration = kind::duration;
inline constexpr auto bool_value = kind::bool_value;
inline constexpr auto strct = kind::struct_;
} // namespace k
inline constexpr auto rep = label::repeated;
inline constexpr auto map = label::map;
inline constexpr auto one = label::single;

/// The messages of a TaskTemplate and of admin's TaskCreateRequest.
inline const schema& task_template_schema() {
    static const schema s{
        {
            // ----- admin/task.proto
            {"flyteidl.admin.TaskCreateRequest",
             {{"id", "id", k::msg, "flyteidl.core.Identifier"},
              {"spec", "spec", k::msg, "flyteidl.admin.TaskSpec"}}},
            {"flyteidl.admin.TaskSpec",
             {{"template", "template", k::msg, "flyteidl.core.TaskTemplate"},
              {"description", "description", k::msg, "flyteidl.admin.DescriptionEntity"}}},
            // ----- core/identifier.proto
            {"flyteidl.core.Identifier",
             {{"resource_type", "resourceType", k::en, "flyteidl.core.ResourceType"},
              {"project", "project", k::str},
              {"domain", "domain", k::str},
              {"name", "name", k::str},
              {"version", "version", k::str}}},
            // ----- core/tasks.proto
            {"flyteidl.core.Resources",
             {{"requests", "requests", k::msg, "flyteidl.core.Resources.ResourceEntry", rep},
              {"limits", "limits", k::msg, "flyteidl.core.Resources.ResourceEntry", rep}}},
            {"flyteidl.core.Resources.ResourceEntry",
             {{"name", "name", k::en, "flyteidl.core.Resources.ResourceName"},
              {"value", "value", k::str}}},
            {"flyteidl.core.GPUAccelerator",
             {{"device", "device", k::str},
              {"unpartitioned", "unpartitioned", k::boolean, {}, one, "partition_size_value"},
              {"partition_size", "partitionSize", k::str, {}, one, "partition_size_value"}}},
            {"flyteidl.core.SharedMemory",
             {{"mount_path", "mountPath", k::str},
              {"mount_name", "mountName", k::str},
              {"size_limit", "sizeLimit", k::str}}},
            {"flyteidl.core.ExtendedResources",
             {{"gpu_accelerator", "gpuAccelerator", k::msg, "flyteidl.core.GPUAccelerator"},
              {"shared_memory", "sharedMemory", k::msg, "flyteidl.core.SharedMemory"}}},
            {"flyteidl.core.RuntimeMetadata",
             {{"type", "type", k::en, "flyteidl.core.RuntimeMetadata.RuntimeType"},
              {"version", "version", k::str},
              {"flavor", "flavor", k::str}}},
            {"flyteidl.core.TaskMetadata",
             {{"discoverable", "discoverable", k::boolean},
              {"runtime", "runtime", k::msg, "flyteidl.core.RuntimeMetadata"},
              {"timeout", "timeout", k::duration},
              {"retries", "retries", k::msg, "flyteidl.core.RetryStrategy"},
              {"discovery_version", "discoveryVersion", k::str},
              {"deprecated_error_message", "deprecatedErrorMessage", k::str},
              {"interruptible", "interruptible", k::boolean, {}, one, "interruptible_value"},
              {"cache_serializable", "cacheSerializable", k::boolean},
              {"tags", "tags", k::str, {}, map},
              {"pod_template_name", "podTemplateName", k::str},
              {"cache_ignore_input_vars", "cacheIgnoreInputVars", k::str, {}, rep},
              {"is_eager", "isEager", k::boolean},
              {"generates_deck", "generatesDeck", k::bool_value},
              {"metadata", "metadata", k::msg, "flyteidl.core.K8sObjectMetadata"}}},
            {"flyteidl.core.TaskTemplate",
             {{"id", "id", k::msg, "flyteidl.core.Identifier"},
              {"type", "type", k::str},
              {"metadata", "metadata", k::msg, "flyteidl.core.TaskMetadata"},
              {"interface", "interface", k::msg, "flyteidl.core.TypedInterface"},
              {"custom", "custom", k::strct},
              {"container", "container", k::msg, "flyteidl.core.Container", one, "target"},
              {"k8s_pod", "k8sPod", k::msg, "flyteidl.core.K8sPod", one, "target"},
              {"sql", "sql", k::msg, "flyteidl.core.Sql", one, "target"},
              {"task_type_version", "taskTypeVersion", k::i32},
              {"security_context", "securityContext", k::msg, "flyteidl.core.SecurityContext"},
              {"extended_resources", "extendedResources", k::msg,
               "flyteidl.core.ExtendedResources"},
              {"config", "config", k::str, {}, map}}},
            {"flyteidl.core.ContainerPort",
             {{"container_port", "containerPort", k::u32}, {"name", "name", k::str}}},
            {"flyteidl.core.Container",
             {{"image", "image", k::str},
              {"command", "command", k::str, {}, rep},
              {"args", "args", k::str, {}, rep},
              {"resources", "resources", k::msg, "flyteidl.core.Resources"},
              {"env", "env", k::msg, "flyteidl.core.KeyValuePair", rep},
              {"config", "config", k::msg, "flyteidl.core.KeyValuePair", rep},
              {"ports", "ports", k::msg, "flyteidl.core.ContainerPort", rep},
              {"data_config", "dataConfig", k::msg, "flyteidl.core.DataLoadingConfig"},
              {"architecture", "architecture", k::en, "flyteidl.core.Container.Architecture"}}},
            {"flyteidl.core.IOStrategy",
             {{"download_mode", "downloadMode", k::en, "flyteidl.core.IOStrategy.DownloadMode"},
              {"upload_mode", "uploadMode", k::en, "flyteidl.core.IOStrategy.UploadMode"}}},
            {"flyteidl.core.DataLoadingConfig",
             {{"enabled", "enabled", k::boolean},
              {"input_path", "inputPath", k::str},
              {"output_path", "outputPath", k::str},
              {"format", "format", k::en, "flyteidl.core.DataLoadingConfig.LiteralMapFormat"},
              {"io_strategy", "ioStrategy", k::msg, "flyteidl.core.IOStrategy"}}},
            {"flyteidl.core.K8sPod",
             {{"metadata", "metadata", k::msg, "flyteidl.core.K8sObjectMetadata"},
              {"pod_spec", "podSpec", k::strct},
              {"data_config", "dataConfig", k::msg, "flyteidl.core.DataLoadingConfig"},
              {"primary_container_name", "primaryContainerName", k::str}}},
            {"flyteidl.core.K8sObjectMetadata",
             {{"labels", "labels", k::str, {}, map},
              {"annotations", "annotations", k::str, {}, map}}},
            {"flyteidl.core.Sql",
             {{"statement", "statement", k::str},
              {"dialect", "dialect", k::en, "flyteidl.core.Sql.Dialect"}}},
            // ----- core/literals.proto
            {"flyteidl.core.KeyValuePair", {{"key", "key", k::str}, {"value", "value", k::str}}},
            {"flyteidl.core.RetryStrategy", {{"retries", "retries", k::u32}}},
            // ----- core/interface.proto
            {"flyteidl.core.Variable",
             {{"type", "type", k::msg, "flyteidl.core.LiteralType"},
              {"description", "description", k::str},
              {"artifact_partial_id", "artifactPartialId", k::msg, "flyteidl.core.ArtifactID"},
              {"artifact_tag", "artifactTag", k::msg, "flyteidl.core.ArtifactTag"}}},
            {"flyteidl.core.VariableMap",
             {{"variables", "variables", k::msg, "flyteidl.core.Variable", map}}},
            {"flyteidl.core.TypedInterface",
             {{"inputs", "inputs", k::msg, "flyteidl.core.VariableMap"},
              {"outputs", "outputs", k::msg, "flyteidl.core.VariableMap"}}},
            // ----- core/types.proto
            {"flyteidl.core.SchemaType",
             {{"columns", "columns", k::msg, "flyteidl.core.SchemaType.SchemaColumn", rep}}},
            {"flyteidl.core.SchemaType.SchemaColumn",
             {{"name", "name", k::str},
              {"type", "type", k::en, "flyteidl.core.SchemaType.SchemaColumn.SchemaColumnType"}}},
            {"flyteidl.core.StructuredDatasetType",
             {{"columns", "columns", k::msg, "flyteidl.core.StructuredDatasetType.DatasetColumn",
               rep},
              {"format", "format", k::str},
              {"external_schema_type", "externalSchemaType", k::str},
              {"external_schema_bytes", "externalSchemaBytes", k::bytes}}},
            {"flyteidl.core.StructuredDatasetType.DatasetColumn",
             {{"name", "name", k::str},
              {"literal_type", "literalType", k::msg, "flyteidl.core.LiteralType"}}},
            {"flyteidl.core.BlobType",
             {{"format", "format", k::str},
              {"dimensionality", "dimensionality", k::en,
               "flyteidl.core.BlobType.BlobDimensionality"}}},
            {"flyteidl.core.EnumType", {{"values", "values", k::str, {}, rep}}},
            {"flyteidl.core.UnionType",
             {{"variants", "variants", k::msg, "flyteidl.core.LiteralType", rep}}},
            {"flyteidl.core.OffloadedType",
             {{"actual_literal_type", "actualLiteralType", k::msg, "flyteidl.core.LiteralType"}}},
            {"flyteidl.core.TypeStructure",
             {{"tag", "tag", k::str},
              {"dataclass_type", "dataclassType", k::msg, "flyteidl.core.LiteralType", map}}},
            {"flyteidl.core.TypeAnnotation", {{"annotations", "annotations", k::strct}}},
            {"flyteidl.core.LiteralType",
             {{"simple", "simple", k::en, "flyteidl.core.SimpleType", one, "type"},
              {"schema", "schema", k::msg, "flyteidl.core.SchemaType", one, "type"},
              {"collection_type", "collectionType", k::msg, "flyteidl.core.LiteralType", one,
               "type"},
              {"map_value_type", "mapValueType", k::msg, "flyteidl.core.LiteralType", one, "type"},
              {"blob", "blob", k::msg, "flyteidl.core.BlobType", one, "type"},
              {"enum_type", "enumType", k::msg, "flyteidl.core.EnumType", one, "type"},
              {"structured_dataset_type", "structuredDatasetType", k::msg,
               "flyteidl.core.StructuredDatasetType", one, "type"},
              {"union_type", "unionType", k::msg, "flyteidl.core.UnionType", one, "type"},
              {"offloaded_type", "offloadedType", k::msg, "flyteidl.core.OffloadedType", one,
               "type"},
              {"metadata", "metadata", k::strct},
              {"annotation", "annotation", k::msg, "flyteidl.core.TypeAnnotation"},
              {"structure", "structure", k::msg, "flyteidl.core.TypeStructure"}}},
            // ----- core/security.proto
            {"flyteidl.core.Secret",
             {{"group", "group", k::str},
              {"group_version", "groupVersion", k::str},
              {"key", "key", k::str},
              {"mount_requirement", "mountRequirement", k::en, "flyteidl.core.Secret.MountType"},
              {"env_var", "envVar", k::str}}},
            {"flyteidl.core.OAuth2Client",
             {{"client_id", "clientId", k::str},
              {"client_secret", "clientSecret", k::msg, "flyteidl.core.Secret"}}},
            {"flyteidl.core.Identity",
             {{"iam_role", "iamRole", k::str},
              {"k8s_service_account", "k8sServiceAccount", k::str},
              {"oauth2_client", "oauth2Client", k::msg, "flyteidl.core.OAuth2Client"},
              {"execution_identity", "executionIdentity", k::str}}},
            {"flyteidl.core.OAuth2TokenRequest",
             {{"name", "name", k::str},
              {"type", "type", k::en, "flyteidl.core.OAuth2TokenRequest.Type"},
              {"client", "client", k::msg, "flyteidl.core.OAuth2Client"},
              {"idp_discovery_endpoint", "idpDiscoveryEndpoint", k::str},
              {"token_endpoint", "tokenEndpoint", k::str}}},
            {"flyteidl.core.SecurityContext",
             {{"run_as", "runAs", k::msg, "flyteidl.core.Identity"},
              {"secrets", "secrets", k::msg, "flyteidl.core.Secret", rep},
              {"tokens", "tokens", k::msg, "flyteidl.core.OAuth2TokenRequest", rep},
              {"connection_ref", "connectionRef", k::str}}},
        },
        {
            {"flyteidl.core.ResourceType",
             {"UNSPECIFIED", "TASK", "WORKFLOW", "LAUNCH_PLAN", "DATASET"}},
            {"flyteidl.core.Resources.ResourceName",
             {"UNKNOWN", "CPU", "GPU", "MEMORY", "STORAGE", "EPHEMERAL_STORAGE"}},
            {"flyteidl.core.RuntimeMetadata.RuntimeType", {"OTHER", "FLYTE_SDK"}},
            {"flyteidl.core.Container.Architecture",
             {"UNKNOWN", "AMD64", "ARM64", "ARM_V6", "ARM_V7"}},
            {"flyteidl.core.IOStrategy.DownloadMode",
             {"DOWNLOAD_EAGER", "DOWNLOAD_STREAM", "DO_NOT_DOWNLOAD"}},
            {"flyteidl.core.IOStrategy.UploadMode",
             {"UPLOAD_ON_EXIT", "UPLOAD_EAGER", "DO_NOT_UPLOAD"}},
            {"flyteidl.core.DataLoadingConfig.LiteralMapFormat", {"JSON", "YAML", "PROTO"}},
            {"flyteidl.core.Sql.Dialect", {"UNDEFINED", "ANSI", "HIVE", "OTHER"}},
            {"flyteidl.core.SimpleType",
             {"NONE", "INTEGER", "FLOAT", "STRING", "BOOLEAN", "DATETIME", "DURATION", "BINARY",
              "ERROR", "STRUCT"}},
            {"flyteidl.core.SchemaType.SchemaColumn.SchemaColumnType",
             {"INTEGER", "FLOAT", "STRING", "BOOLEAN", "DATETIME", "DURATION"}},
            {"flyteidl.core.BlobType.BlobDimensionality", {"SINGLE", "MULTIPART"}},
            {"flyteidl.core.Secret.MountType", {"ANY", "ENV_VAR", "FILE"}},
            {"flyteidl.core.OAuth2TokenRequest.Type", {"CLIENT_CREDENTIALS"}},
        },
    };
    return s;
}

/// Which field names a document is expected to use.
enum class names { json, proto };

/// Checks a document against protobuf's JSON mapping of `schema`, as protobuf's printer writes it:
/// every member names a field of its message (spelled the expected way), each value has the JSON
/// kind of its field (int64 as a string, int32 as an integral number, enums by one of their
/// names, Duration as "<seconds>[.fff|.ffffff|.fffffffff]s", …), oneofs hold at most one member,
/// and no plain field is written with its default value (the printer omits those). Returns one
/// line per problem, each starting with the JSON path; empty means valid.
class validator {
public:
    validator(const schema& s, names expected) : schema_(s), expected_(expected) {}

    [[nodiscard]] std::vector<std::string> check(const json_value& doc,
                                                 std::string_view message_name) const {
        std::vector<std::string> problems;
        check_message(doc, message_name, "$", problems);
        return problems;
    }

private:
    void check_message(const json_value& v, std::string_view message_name, const std::string& path,
                       std::vector<std::string>& problems) const {
        const message* m = schema_.find_message(message_name);
        if (m == nullptr) {
            problems.push_back(path + ": message " + std::string(message_name) +
                               " is not in the schema");
            return;
        }
        if (!v.is_object()) {
            problems.push_back(path + ": " + std::string(message_name) +
                               " must be a JSON object, got " + json_value::describe(v.type()));
            return;
        }
        std::vector<std::string_view> oneofs_seen;
        for (const auto& [key, value] : v.as_object()) {
            const std::string at = path + "." + key;
            const field* f = nullptr;
            for (const auto& candidate : m->fields) {
                if (key == (expected_ == names::json ? candidate.json : candidate.proto))
                    f = &candidate;
            }
            if (f == nullptr) {
                bool other_spelling = false;
                for (const auto& candidate : m->fields) {
                    if (key == (expected_ == names::json ? candidate.proto : candidate.json))
                        other_spelling = true;
                }
                problems.push_back(
                    at + ": " +
                    (other_spelling ? "field spelled the other way (" : "unknown field (") +
                    std::string(message_name) + ")");
                continue;
            }
            if (!f->oneof.empty()) {
                for (auto seen : oneofs_seen) {
                    if (seen == f->oneof)
                        problems.push_back(at + ": second member of oneof " +
                                           std::string(f->oneof));
                }
                oneofs_seen.push_back(f->oneof);
            }
            check_field(value, *f, at, problems);
        }
    }

    void check_field(const json_value& v, const field& f, const std::string& path,
                     std::vector<std::string>& problems) const {
        if (v.is_null()) {
            problems.push_back(path + ": null (protobuf's printer omits unset fields)");
            return;
        }
        if (f.label == label::repeated) {
            if (!v.is_array()) {
                problems.push_back(path + ": a repeated field must be an array, got " +
                                   json_value::describe(v.type()));
                return;
            }
            if (v.size() == 0) problems.push_back(path + ": empty repeated field printed");
            std::size_t i = 0;
            for (const auto& e : v.as_array())
                check_value(e, f, path + "[" + std::to_string(i++) + "]", true, problems);
            return;
        }
        if (f.label == label::map) {
            if (!v.is_object()) {
                problems.push_back(path + ": a map field must be an object, got " +
                                   json_value::describe(v.type()));
                return;
            }
            if (v.size() == 0) problems.push_back(path + ": empty map printed");
            for (const auto& [key, value] : v.as_object())
                check_value(value, f, path + "[\"" + key + "\"]", true, problems);
            return;
        }
        check_value(v, f, path, !f.oneof.empty(), problems);
    }

    // `present` values (oneof members, repeated elements, map values) may hold the default.
    void check_value(const json_value& v, const field& f, const std::string& path, bool present,
                     std::vector<std::string>& problems) const {
        const auto wrong = [&](const char* expected) {
            problems.push_back(path + ": expected " + expected + ", got " +
                               json_value::describe(v.type()));
        };
        const auto printed_default = [&] { problems.push_back(path + ": default value printed"); };
        switch (f.kind) {
        case kind::string:
            if (!v.is_string()) return wrong("a string");
            if (!present && v.as_string().empty()) printed_default();
            return;
        case kind::boolean:
            if (!v.is_bool()) return wrong("a boolean");
            if (!present && !v.as_bool()) printed_default();
            return;
        case kind::int32:
        case kind::uint32: {
            if (!v.is_number())
                return wrong("an integral number (32-bit integers print as numbers)");
            const std::string_view text = v.number_text();
            if (text.find_first_of(".eE") != std::string_view::npos)
                return wrong("an integral number");
            const std::int64_t n = v.as_int64();
            const bool in_range = f.kind == kind::int32 ? (n >= INT32_MIN && n <= INT32_MAX)
                                                        : (n >= 0 && n <= UINT32_MAX);
            if (!in_range) problems.push_back(path + ": " + std::string(text) + " is out of range");
            if (!present && n == 0) printed_default();
            return;
        }
        case kind::int64:
        case kind::uint64: {
            if (!v.is_string())
                return wrong("a string of digits (64-bit integers print as strings)");
            const std::string& text = v.as_string();
            const std::size_t start =
                f.kind == kind::int64 && !text.empty() && text[0] == '-' ? 1 : 0;
            bool digits = text.size() > start;
            for (std::size_t i = start; i < text.size(); ++i)
                digits = digits && text[i] >= '0' && text[i] <= '9';
            if (!digits) problems.push_back(path + ": \"" + text + "\" is not a decimal integer");
            if (!present && text == "0") printed_default();
            return;
        }
        case kind::double_:
            if (v.is_number()) return;
            if (v.is_string() && (v.as_string() == "NaN" || v.as_string() == "Infinity" ||
                                  v.as_string() == "-Infinity")) {
                return;
            }
            return wrong("a number");
        case kind::bytes: {
            if (!v.is_string()) return wrong("a base64 string");
            for (char c : v.as_string()) {
                const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
                if (!ok) return problems.push_back(path + ": not standard base64");
            }
            if (!present && v.as_string().empty()) printed_default();
            return;
        }
        case kind::enumeration: {
            const enumeration* e = schema_.find_enum(f.type);
            if (e == nullptr)
                return problems.push_back(path + ": enum " + std::string(f.type) +
                                          " is not in the schema");
            if (!v.is_string()) return wrong("an enum value name");
            bool known = false;
            for (auto name : e->values) known = known || name == v.as_string();
            if (!known) {
                problems.push_back(path + ": \"" + v.as_string() + "\" is not a value of " +
                                   std::string(f.type));
            } else if (!present && v.as_string() == e->values.front()) {
                printed_default();
            }
            return;
        }
        case kind::message: return check_message(v, f.type, path, problems);
        case kind::duration: {
            if (!v.is_string()) return wrong("a Duration string such as \"1.500s\"");
            if (!is_duration(v.as_string())) {
                problems.push_back(path + ": \"" + v.as_string() +
                                   "\" is not a Duration (\"90s\", \"1.500s\")");
            }
            return;
        }
        case kind::bool_value:
            if (!v.is_bool()) return wrong("a boolean (BoolValue prints as a bare bool)");
            return;
        case kind::struct_:
            if (!v.is_object()) return wrong("an object (Struct prints as a plain object)");
            return;
        }
    }

    // protobuf's Duration text: optional '-', seconds, then no fraction or 3, 6 or 9 digits, 's'.
    static bool is_duration(std::string_view s) {
        if (s.size() < 2 || s.back() != 's') return false;
        s.remove_suffix(1);
        if (s.front() == '-') s.remove_prefix(1);
        const std::size_t dot = s.find('.');
        const std::string_view secs = s.substr(0, dot);
        const auto all_digits = [](std::string_view d) {
            for (char c : d) {
                if (c < '0' || c > '9') return false;
            }
            return !d.empty();
        };
        if (!all_digits(secs)) return false;
        if (dot == std::string_view::npos) return true;
        const std::string_view frac = s.substr(dot + 1);
        return all_digits(frac) && (frac.size() == 3 || frac.size() == 6 || frac.size() == 9);
    }

    const schema& schema_;
    names expected_;
};

} // namespace flytecache_test::flyteidl
