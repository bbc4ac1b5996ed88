// flytecache — tests: tasks exported as flyteidl TaskTemplate JSON and protobuf, checked by value
// SPDX-License-Identifier: MIT
// tests: tasks exported as flyteidl TaskTemplate JSON and protobuf, checked by value (the real
// flyteidl classes judge every document the exporter can produce: tests/idl/).
#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/policy/constant_policy.hpp>
#include <flytecache/policy/image_policy.hpp>
#include <flytecache/task/container_task.hpp>
#include <flytecache/task/echo_task.hpp>
#include <flytecache/task/function_task.hpp>
#include <flytecache/task/task_template_export.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace fc = flytecache;
using fc::detail::json_value;
using namespace std::chrono_literals;

namespace {

struct sample_in {
    BOOST_HANA_DEFINE_STRUCT(sample_in, (std::int64_t, n), (fc::file, data), (std::string, label));
};
struct sample_out {
    BOOST_HANA_DEFINE_STRUCT(sample_out, (double, mean), (fc::directory, plots));
};
struct point {
    BOOST_HANA_DEFINE_STRUCT(point, (double, x), (double, y));
};
struct greeting {
    BOOST_HANA_DEFINE_STRUCT(greeting, (std::string, text), (std::int64_t, times));
};
struct lines_in {
    BOOST_HANA_DEFINE_STRUCT(lines_in, (fc::file, data));
};
struct lines_out {
    BOOST_HANA_DEFINE_STRUCT(lines_out, (std::int64_t, lines));
};

fc::task_template_options
registration(fc::json_field_names names = fc::json_field_names::lower_camel_case) {
    fc::task_template_options o{
        .project = "flytesnacks", .domain = "development", .version = "v1.4.0"};
    o.field_names = names;
    return o;
}

// Parses the text. Conformance with flyteidl is the idl tests' job (tests/idl/conformance.py
// parses every form of these documents with the classes protoc generates from the real .proto
// files); these tests check the values.
json_value checked(const std::string& text) { return fc::detail::parse_json(text); }

std::vector<std::string> strings_of(const json_value& array) {
    std::vector<std::string> out;
    for (const auto& e : array.as_array()) out.push_back(e.as_string());
    return out;
}

std::string canonical(const json_value& v) { return fc::detail::canonical_json(v); }

auto train_fn = [](std::string data, double lr, std::int64_t seed) {
    return lr * static_cast<double>(seed) + static_cast<double>(data.size());
};

} // namespace

TEST_CASE("task_template_export: JSON names are protobuf's default json_name") {
    // Every field of every flyteidl message is compared with protobuf's own json_name by
    // idl.export_documents; these are the shapes that matter.
    CHECK(fc::detail::proto_json_name("k8s_pod") == "k8sPod");
    CHECK(fc::detail::proto_json_name("oauth2_client") == "oauth2Client");
    CHECK(fc::detail::proto_json_name("cache_ignore_input_vars") == "cacheIgnoreInputVars");
}

TEST_CASE("task_template_export: a cached, serialized function task with ignored inputs, retries, "
          "timeout") {
    const fc::cache train_cache{
        fc::cache_options{.serialize = true, .ignored_inputs = "seed", .salt = "s1"},
        fc::policies::image{}, fc::policies::constant<"train-3">{}};
    const auto train =
        fc::task<fc::inputs<"data", "lr", "seed">>("example.train", train_fn, train_cache,
                                                   {.retries = 3,
                                                    .timeout = 1500ms,
                                                    .interruptible = false,
                                                    .deprecated = "use example.train_v2",
                                                    .container_image = "ghcr.io/acme/train:1.4",
                                                    .pod_template_name = "gpu-pods",
                                                    .generates_deck = true});

    fc::task_template_options o = registration();
    o.launch.command = {"/usr/local/bin/train"};
    o.launch.args = {"--inputs", "{{.input}}", "--output-prefix", "{{.outputPrefix}}"};
    o.launch.requests = {.cpu = "2", .mem = "4Gi"};
    o.launch.limits = {.mem = "8Gi", .ephemeral_storage = "10Gi"};
    o.launch.environment = {{"OMP_NUM_THREADS", "2"}, {"EMPTY", ""}};
    o.tags = {{"team", "ml"}, {"cost-center", "42"}};
    o.descriptions = {{"lr", "learning rate"}, {"o0", "final loss"}};
    const json_value t = checked(fc::to_task_template_json(train, o));

    // id: the registration version, not the cache version.
    const json_value& id = t.at("id");
    CHECK(id.at("resourceType").as_string() == "TASK");
    CHECK(id.at("project").as_string() == "flytesnacks");
    CHECK(id.at("domain").as_string() == "development");
    CHECK(id.at("name").as_string() == "example.train");
    CHECK(id.at("version").as_string() == "v1.4.0");
    CHECK(t.at("type").as_string() == "container");

    // metadata: discovery_version is the version the cache computes, byte for byte.
    const json_value& md = t.at("metadata");
    const std::string expected_version = train_cache.get_version(
        fc::make_version_parameters(train_fn, {.container_image = "ghcr.io/acme/train:1.4"}));
    CHECK(md.at("discoveryVersion").as_string() == expected_version);
    CHECK(md.at("discoveryVersion").as_string() == train.version());
    CHECK(md.at("discoverable").as_bool());
    CHECK(md.at("cacheSerializable").as_bool());
    CHECK(strings_of(md.at("cacheIgnoreInputVars")) == std::vector<std::string>{"seed"});
    CHECK(md.at("retries").at("retries").number_text() == "3");
    CHECK(md.at("timeout").as_string() == "1.500s");
    // A oneof member that is set prints even when false.
    REQUIRE(md.contains("interruptible"));
    CHECK_FALSE(md.at("interruptible").as_bool());
    CHECK(md.at("deprecatedErrorMessage").as_string() == "use example.train_v2");
    CHECK(md.at("podTemplateName").as_string() == "gpu-pods");
    CHECK(md.at("generatesDeck").as_bool());
    CHECK_FALSE(md.contains("isEager"));
    CHECK(md.at("runtime").at("type").as_string() == "FLYTE_SDK");
    CHECK(md.at("runtime").at("flavor").as_string() == "cpp");
    CHECK(md.at("runtime").at("version").as_string() ==
          std::to_string(FLYTECACHE_VERSION_MAJOR) + "." +
              std::to_string(FLYTECACHE_VERSION_MINOR) + "." +
              std::to_string(FLYTECACHE_VERSION_PATCH));
    // Map entries sorted by key.
    CHECK(canonical(md.at("tags")) == R"({"cost-center":"42","team":"ml"})");
    CHECK(md.at("tags").as_object().front().first == "cost-center");

    // interface: one Variable per input and output, typed by literal_traits.
    const json_value& inputs = t.at("interface").at("inputs").at("variables");
    CHECK(canonical(inputs.at("data")) == R"({"type":{"simple":"STRING"}})");
    CHECK(canonical(inputs.at("lr")) ==
          R"({"description":"learning rate","type":{"simple":"FLOAT"}})");
    CHECK(canonical(inputs.at("seed")) == R"({"type":{"simple":"INTEGER"}})");
    CHECK(canonical(t.at("interface").at("outputs")) ==
          R"({"variables":{"o0":{"description":"final loss","type":{"simple":"FLOAT"}}}})");

    // container: the image the cache version hashed, and the launch settings.
    const json_value& c = t.at("container");
    CHECK(c.at("image").as_string() == "ghcr.io/acme/train:1.4");
    CHECK(strings_of(c.at("command")) == std::vector<std::string>{"/usr/local/bin/train"});
    CHECK(strings_of(c.at("args")).at(1) == "{{.input}}");
    CHECK(canonical(c.at("resources")) ==
          R"({"limits":[{"name":"EPHEMERAL_STORAGE","value":"10Gi"},)"
          R"({"name":"MEMORY","value":"8Gi"}],)"
          R"("requests":[{"name":"CPU","value":"2"},{"name":"MEMORY","value":"4Gi"}]})");
    // An empty value is proto3's default: the key alone is printed.
    CHECK(canonical(c.at("env")) == R"([{"key":"OMP_NUM_THREADS","value":"2"},{"key":"EMPTY"}])");
    CHECK_FALSE(c.contains("dataConfig"));
    CHECK_FALSE(t.contains("securityContext"));
    CHECK_FALSE(t.contains("k8sPod"));

    // Fields in field-number order, as protobuf's printers write them.
    std::vector<std::string> order;
    for (const auto& [key, value] : t.as_object()) order.push_back(key);
    CHECK(order == std::vector<std::string>{"id", "type", "metadata", "interface", "container"});
    std::vector<std::string> md_order;
    for (const auto& [key, value] : md.as_object()) md_order.push_back(key);
    CHECK(md_order == std::vector<std::string>{
                          "discoverable", "runtime", "timeout", "retries", "discoveryVersion",
                          "deprecatedErrorMessage", "interruptible", "cacheSerializable", "tags",
                          "podTemplateName", "cacheIgnoreInputVars", "generatesDeck"});
}

TEST_CASE(
    "task_template_export: a container task with resources, environment, secrets and data config") {
    fc::container_task_options options;
    options.arguments = {"-c", "wc -l < {{.inputs.data}} > /var/outputs/lines"};
    options.input_data_dir = "/var/inputs";
    options.output_data_dir = "/var/outputs";
    options.metadata_format = fc::metadata_format::yaml;
    options.io_strategy =
        fc::io_strategy{.download = fc::download_mode::stream, .upload = fc::upload_mode::on_exit};
    options.requests = {.cpu = "500m", .mem = "1Gi"};
    options.limits = {.cpu = "1", .gpu = "1"};
    options.environment = {{"LC_ALL", "C"}};
    options.secret_requests = {
        {.group = "db",
         .key = "password",
         .mount_requirement = fc::secret::mount_type::env_var,
         .env_var = "DB_PASSWORD"},
        {.group = "tls", .group_version = "3", .mount_requirement = fc::secret::mount_type::file}};
    options.metadata = {.cache = true, .retries = 1, .timeout = 90};
    const fc::container_task<lines_in, lines_out> count(
        "count-lines", "ghcr.io/flyteorg/rawcontainers-shell:v2", {"sh"}, options);

    const std::string text = fc::to_task_template_json(count, registration());
    const json_value t = checked(text);
    CHECK(t.at("type").as_string() == "raw-container");
    // Caching on without a version: the default version (image and container work), as the
    // cache uses it.
    CHECK(t.at("metadata").at("discoveryVersion").as_string() == count.version());
    CHECK(t.at("metadata").at("discoveryVersion").as_string() ==
          fc::sha256_hex(
              fc::policies::image{}.get_version(
                  "", fc::version_parameters<>{.container_image =
                                                   "ghcr.io/flyteorg/rawcontainers-shell:v2"}) +
              count.work_version()));
    CHECK(t.at("metadata").at("timeout").as_string() == "90s");

    // The whole document, as the cluster receives it.
    const std::string version = count.version();
    CHECK(text == R"({
  "id": {
    "resourceType": "TASK",
    "project": "flytesnacks",
    "domain": "development",
    "name": "count-lines",
    "version": "v1.4.0"
  },
  "type": "raw-container",
  "metadata": {
    "discoverable": true,
    "runtime": {
      "type": "FLYTE_SDK",
      "version": ")" + std::to_string(FLYTECACHE_VERSION_MAJOR) +
                      "." + std::to_string(FLYTECACHE_VERSION_MINOR) + "." +
                      std::to_string(FLYTECACHE_VERSION_PATCH) + R"(",
      "flavor": "cpp"
    },
    "timeout": "90s",
    "retries": {
      "retries": 1
    },
    "discoveryVersion": ")" +
                      version + R"("
  },
  "interface": {
    "inputs": {
      "variables": {
        "data": {
          "type": {
            "blob": {}
          }
        }
      }
    },
    "outputs": {
      "variables": {
        "lines": {
          "type": {
            "simple": "INTEGER"
          }
        }
      }
    }
  },
  "container": {
    "image": "ghcr.io/flyteorg/rawcontainers-shell:v2",
    "command": [
      "sh"
    ],
    "args": [
      "-c",
      "wc -l < {{.inputs.data}} > /var/outputs/lines"
    ],
    "resources": {
      "requests": [
        {
          "name": "CPU",
          "value": "500m"
        },
        {
          "name": "MEMORY",
          "value": "1Gi"
        }
      ],
      "limits": [
        {
          "name": "CPU",
          "value": "1"
        },
        {
          "name": "GPU",
          "value": "1"
        }
      ]
    },
    "env": [
      {
        "key": "LC_ALL",
        "value": "C"
      }
    ],
    "dataConfig": {
      "enabled": true,
      "inputPath": "/var/inputs",
      "outputPath": "/var/outputs",
      "format": "YAML",
      "ioStrategy": {
        "downloadMode": "DOWNLOAD_STREAM"
      }
    }
  },
  "securityContext": {
    "secrets": [
      {
        "group": "db",
        "key": "password",
        "mountRequirement": "ENV_VAR",
        "envVar": "DB_PASSWORD"
      },
      {
        "group": "tls",
        "groupVersion": "3",
        "mountRequirement": "FILE"
      }
    ]
  }
})");

    // Proto field names: the same document, every field named as in the .proto files.
    const std::string proto_text =
        fc::to_task_template_json(count, registration(fc::json_field_names::proto));
    const json_value p = checked(proto_text);
    CHECK(p.at("container").at("data_config").at("io_strategy").at("download_mode").as_string() ==
          "DOWNLOAD_STREAM");
    CHECK(p.at("security_context").at("secrets").at(0).at("env_var").as_string() == "DB_PASSWORD");
    CHECK(p.at("metadata").at("discovery_version").as_string() == version);
    CHECK_FALSE(p.contains("securityContext"));

    // One line, no insignificant whitespace: the same value.
    fc::task_template_options compact = registration();
    compact.indent = 0;
    const std::string one_line = fc::to_task_template_json(count, compact);
    CHECK(one_line.find('\n') == std::string::npos);
    CHECK(one_line.find(": ") == std::string::npos);
    CHECK(canonical(fc::detail::parse_json(one_line)) == canonical(t));
}

TEST_CASE("task_template_export: collections, maps, files, directories, optionals and structs") {
    const auto t = fc::task<fc::inputs<"paths", "weights", "model", "out_dir", "limit", "blob",
                                       "origin", "when", "took">>(
        "example.mix",
        [](std::vector<fc::file>, std::map<std::string, double>, fc::file, fc::directory,
           std::optional<std::int64_t>, std::vector<std::byte>, point,
           std::chrono::sys_time<std::chrono::microseconds>, std::chrono::seconds) {
            return std::tuple<fc::file, std::vector<std::string>,
                              std::map<std::string, std::vector<std::int64_t>>>{};
        },
        {.container_image = "ghcr.io/acme/mix:2"});
    fc::task_template_options o = registration();
    o.launch.data_config = fc::data_loading_config{
        .input_path = "/in", .output_path = "/out", .format = fc::metadata_format::proto};
    const json_value doc = checked(fc::to_task_template_json(t, o));
    const json_value& in = doc.at("interface").at("inputs").at("variables");
    CHECK(canonical(in.at("paths").at("type")) == R"({"collectionType":{"blob":{}}})");
    CHECK(canonical(in.at("weights").at("type")) == R"({"mapValueType":{"simple":"FLOAT"}})");
    CHECK(canonical(in.at("model").at("type")) == R"({"blob":{}})");
    CHECK(canonical(in.at("out_dir").at("type")) == R"({"blob":{"dimensionality":"MULTIPART"}})");
    CHECK(canonical(in.at("limit").at("type")) ==
          R"({"unionType":{"variants":[{"simple":"INTEGER","structure":{"tag":"int"}},)"
          R"({"simple":"NONE","structure":{"tag":"none"}}]}})");
    CHECK(canonical(in.at("blob").at("type")) == R"({"simple":"BINARY"})");
    // A struct's fields keep their names in dataclassType (map keys are data, never renamed).
    CHECK(canonical(in.at("origin").at("type")) ==
          R"({"simple":"STRUCT","structure":{"dataclassType":)"
          R"({"x":{"simple":"FLOAT"},"y":{"simple":"FLOAT"}}}})");
    CHECK(canonical(in.at("when").at("type")) == R"({"simple":"DATETIME"})");
    CHECK(canonical(in.at("took").at("type")) == R"({"simple":"DURATION"})");
    // Variables print sorted by name.
    std::vector<std::string> names;
    for (const auto& [key, value] : in.as_object()) names.push_back(key);
    CHECK(names == std::vector<std::string>{"blob", "limit", "model", "origin", "out_dir", "paths",
                                            "took", "weights", "when"});

    const json_value& out = doc.at("interface").at("outputs").at("variables");
    CHECK(out.size() == 3);
    CHECK(canonical(out.at("o0").at("type")) == R"({"blob":{}})");
    CHECK(canonical(out.at("o1").at("type")) == R"({"collectionType":{"simple":"STRING"}})");
    CHECK(canonical(out.at("o2").at("type")) ==
          R"({"mapValueType":{"collectionType":{"simple":"INTEGER"}}})");

    // Copilot for a function task: data_config as asked, with "enabled".
    CHECK(canonical(doc.at("container").at("dataConfig")) ==
          R"({"enabled":true,"format":"PROTO","inputPath":"/in","outputPath":"/out"})");
    // No command or args: the image's entrypoint runs; resources are still printed (flytekit
    // always sets the message).
    CHECK_FALSE(doc.at("container").contains("command"));
    CHECK(canonical(doc.at("container").at("resources")) == "{}");

    // Inputs from a struct's fields, outputs from a struct's fields.
    const auto s = fc::task(
        "example.sample", [](sample_in in_) { return sample_out{static_cast<double>(in_.n), {}}; },
        {.container_image = "ghcr.io/acme/sample:1"});
    const json_value sd = checked(fc::to_task_template_json(s, registration()));
    const json_value& sin = sd.at("interface").at("inputs").at("variables");
    CHECK(sin.size() == 3);
    CHECK(canonical(sin.at("n").at("type")) == R"({"simple":"INTEGER"})");
    CHECK(canonical(sin.at("data").at("type")) == R"({"blob":{}})");
    CHECK(canonical(sd.at("interface").at("outputs").at("variables").at("plots").at("type")) ==
          R"({"blob":{"dimensionality":"MULTIPART"}})");

    // A task without inputs or outputs still prints both (empty) variable maps.
    const auto nothing =
        fc::task("example.nothing", [] {}, {.container_image = "ghcr.io/acme/x:1"});
    const json_value nd = checked(fc::to_task_template_json(nothing, registration()));
    CHECK(canonical(nd.at("interface")) == R"({"inputs":{},"outputs":{}})");
}

TEST_CASE(
    "task_template_export: an uncached task is not discoverable and has no discovery version") {
    const auto t = fc::task<fc::inputs<"x">>("example.plain", [](std::int64_t x) { return x; },
                                             {.container_image = "ghcr.io/acme/plain:1"});
    const json_value doc = checked(fc::to_task_template_json(t, registration()));
    const json_value& md = doc.at("metadata");
    CHECK_FALSE(md.contains("discoverable"));
    CHECK_FALSE(md.contains("discoveryVersion"));
    CHECK_FALSE(md.contains("cacheSerializable"));
    CHECK_FALSE(md.contains("cacheIgnoreInputVars"));
    CHECK_FALSE(md.contains("timeout"));
    CHECK_FALSE(md.contains("interruptible"));
    // flytekit always sets the retry strategy, so it prints as an empty message.
    CHECK(canonical(md.at("retries")) == "{}");

    // Legacy cache arguments: the version is cache_version as given.
    const auto legacy = fc::task<fc::inputs<"x">, fc::ignore<"x">>(
        "example.legacy", [](std::int64_t x) { return x; },
        {.cache = true, .cache_version = "7", .container_image = "ghcr.io/acme/plain:1"});
    const json_value ld = checked(fc::to_task_template_json(legacy, registration()));
    CHECK(ld.at("metadata").at("discoveryVersion").as_string() == "7");
    CHECK(strings_of(ld.at("metadata").at("cacheIgnoreInputVars")) ==
          std::vector<std::string>{"x"});
}

TEST_CASE(
    "task_template_export: a pod template makes a k8s_pod target with the container merged in") {
    fc::container_task_options options;
    options.requests = {.cpu = "1"};
    options.limits = {.mem = "2Gi"};
    options.environment = {{"MODE", "fast"}};
    options.input_data_dir = "/var/inputs";
    options.pod_template = fc::pod_template{
        .pod_spec = R"({"containers":[{"name":"main","env":[{"name":"FROM_POD","value":"1"}]},)"
                    R"({"name":"sidecar","image":"busybox"}],"nodeSelector":{"pool":"gpu"}})",
        .primary_container_name = "main",
        .labels = {{"team", "ml"}},
        .annotations = {{"note", "x"}}};
    options.pod_template_name = "base-template";
    const fc::container_task<fc::no_values, fc::no_values> job("pod-job", "ghcr.io/acme/job:3",
                                                               {"run"}, options);
    const json_value doc = checked(fc::to_task_template_json(job, registration()));
    CHECK_FALSE(doc.contains("container"));
    // config's key is data (a map key), so it keeps its underscores.
    CHECK(canonical(doc.at("config")) == R"({"primary_container_name":"main"})");
    CHECK(doc.at("metadata").at("podTemplateName").as_string() == "base-template");
    const json_value& pod = doc.at("k8sPod");
    CHECK(canonical(pod.at("metadata")) ==
          R"({"annotations":{"note":"x"},"labels":{"team":"ml"}})");
    CHECK(canonical(pod.at("dataConfig")) == R"({"enabled":true,"inputPath":"/var/inputs"})");
    const json_value& spec = pod.at("podSpec");
    CHECK(canonical(spec.at("nodeSelector")) == R"({"pool":"gpu"})");
    const json_value& main = spec.at("containers").at(0);
    CHECK(canonical(main) ==
          R"({"command":["run"],)"
          R"("env":[{"name":"MODE","value":"fast"},{"name":"FROM_POD","value":"1"}],)"
          R"("image":"ghcr.io/acme/job:3","name":"main",)"
          R"("resources":{"limits":{"memory":"2Gi"},"requests":{"cpu":"1"}}})");
    CHECK(canonical(spec.at("containers").at(1)) == R"({"image":"busybox","name":"sidecar"})");

    // A pod spec without the primary container gets one; an image the spec names is kept.
    options.pod_template->pod_spec = R"({"containers":[{"name":"other","image":"busybox"}]})";
    options.pod_template->primary_container_name = "primary";
    const fc::container_task<fc::no_values, fc::no_values> job2("pod-job2", "ghcr.io/acme/job:3",
                                                                {"run"}, options);
    const json_value doc2 = checked(fc::to_task_template_json(job2, registration()));
    const json_value& containers = doc2.at("k8sPod").at("podSpec").at("containers");
    REQUIRE(containers.size() == 2);
    CHECK(containers.at(1).at("name").as_string() == "primary");
    CHECK(containers.at(1).at("image").as_string() == "ghcr.io/acme/job:3");

    // A function task's pod template (the one its pod_template policy hashes) works the same way.
    const auto f =
        fc::task("example.podded", [] { return std::int64_t{1}; },
                 {.container_image = "ghcr.io/acme/f:1",
                  .pod_template = fc::pod_template{
                      .pod_spec = R"({"containers":[{"name":"primary","image":"custom:9"}]})"}});
    const json_value fd = checked(fc::to_task_template_json(f, registration()));
    CHECK(fd.at("k8sPod").at("podSpec").at("containers").at(0).at("image").as_string() ==
          "custom:9");
    CHECK(canonical(fd.at("config")) == R"({"primary_container_name":"primary"})");
}

TEST_CASE("task_template_export: echo tasks, and the TaskCreateRequest admin accepts") {
    const fc::echo_task<greeting> echo("example.echo", {.cache = true, .cache_version = "e1"});
    const json_value doc = checked(fc::to_task_template_json(echo, registration()));
    CHECK(doc.at("type").as_string() == "echo");
    CHECK_FALSE(doc.contains("container"));
    CHECK_FALSE(doc.contains("k8sPod"));
    CHECK(canonical(doc.at("interface").at("inputs")) ==
          canonical(doc.at("interface").at("outputs")));
    CHECK(doc.at("metadata").at("discoveryVersion").as_string() == "e1");

    const auto t = fc::task<fc::inputs<"x">>("example.inc", [](std::int64_t x) { return x + 1; },
                                             fc::cache{fc::cache_options{.version = "2"}},
                                             {.container_image = "ghcr.io/acme/inc:1"});
    fc::task_template_options o = registration();
    o.name = "example.inc_renamed";
    o.task_type = "python-task";
    const json_value req = checked(fc::to_task_create_request_json(t, o));
    CHECK(canonical(req.at("id")) == canonical(req.at("spec").at("template").at("id")));
    CHECK(req.at("id").at("name").as_string() == "example.inc_renamed");
    CHECK(req.at("spec").at("template").at("type").as_string() == "python-task");
    CHECK(checked(fc::to_task_create_request_json(t, registration(fc::json_field_names::proto)))
              .at("spec")
              .contains("template"));
}

TEST_CASE("task_template_export: configuration errors name what is missing") {
    const auto t = fc::task<fc::inputs<"x">>("example.inc", [](std::int64_t x) { return x + 1; },
                                             {.container_image = "ghcr.io/acme/inc:1"});
    fc::task_template_options o = registration();
    o.domain.clear();
    CHECK_THROWS_WITH_AS((void)fc::to_task_template_json(t, o),
                         doctest::Contains("task_template_options.domain is empty"),
                         fc::configuration_error);

    o = registration();
    o.descriptions = {{"y", "no such input"}};
    CHECK_THROWS_WITH_AS((void)fc::to_task_template_json(t, o), doctest::Contains("names 'y'"),
                         fc::configuration_error);

    o = registration();
    o.descriptions = {{"x", "one"}, {"x", "two"}};
    CHECK_THROWS_WITH_AS((void)fc::to_task_template_json(t, o),
                         doctest::Contains("descriptions names 'x' 2 times"),
                         fc::configuration_error);

    o = registration();
    o.launch.image = std::string("ghcr.io/acme/other:1");
    CHECK_THROWS_WITH_AS((void)fc::to_task_template_json(t, o),
                         doctest::Contains("which its cache version was computed from"),
                         fc::configuration_error);
    o.launch.image = std::string("ghcr.io/acme/inc:1"); // the same image is fine
    (void)checked(fc::to_task_template_json(t, o));

    const auto no_image =
        fc::task<fc::inputs<"x">>("example.noimage", [](std::int64_t x) { return x; });
    CHECK_THROWS_WITH_AS((void)fc::to_task_template_json(no_image, registration()),
                         doctest::Contains("has no image to run on the cluster"),
                         fc::configuration_error);
    o = registration();
    o.launch.image = fc::image_spec{.name = "noimage", .registry = "ghcr.io/acme", .tag = "5"};
    const json_value d = checked(fc::to_task_template_json(no_image, o));
    CHECK(d.at("container").at("image").as_string() == "ghcr.io/acme/noimage:5");

    const fc::echo_task<greeting> echo("example.echo");
    o = registration();
    o.launch.command = {"x"};
    CHECK_THROWS_WITH_AS((void)fc::to_task_template_json(echo, o),
                         doctest::Contains("brings its own"), fc::configuration_error);

    o = registration();
    o.tags = {{"a", "1"}, {"a", "2"}};
    CHECK_THROWS_WITH_AS((void)fc::to_task_template_json(t, o),
                         doctest::Contains("names 'a' twice"), fc::invalid_argument);
}
