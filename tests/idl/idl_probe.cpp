// flytecache — tests: the C++ side of the conformance tests against flyteidl
// SPDX-License-Identifier: MIT
// tests: the C++ side of the conformance tests against the real flyteidl. It writes what flytecache
// produces (TaskTemplate documents, registration packages) and answers for flytecache on literals
// the Python side builds or mutates; conformance.py judges with the classes protoc generated from
// the pinned flyteidl.
//
//   idl_probe documents DIR    every document the exporter can produce, plus DIR/manifest.json
//   idl_probe package DIR      a registration package (archive, directory), plus DIR/manifest.json
//   idl_probe literals T V     stdin: lines "<hex LiteralMap>\t<ignored: '-' or hex names, ','>"
//                              stdout: "OK\t<re-encoded hex>\t<placed hex>\t<flytekit key>"
//   idl_probe mutations        stdin: lines "<hex>"; stdout: "OK\t<re-encoded hex>\t<newer fields>"
//                              or "REFUSED\t<message>"; "BUG\t<what>" for anything else
//   idl_probe json-names       stdin: proto field names; stdout: flytecache's JSON name of each
#include <flytecache/flytecache.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace fc = flytecache;
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

std::string to_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out += digits[b >> 4];
        out += digits[b & 15U];
    }
    return out;
}

std::string from_hex(std::string_view hex) {
    if (hex.size() % 2 != 0) throw std::runtime_error("odd hex length");
    const auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        throw std::runtime_error("bad hex digit");
    };
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2)
        out += static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1]));
    return out;
}

void write_file(const std::filesystem::path& p, std::string_view bytes) {
    std::ofstream out(p, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + p.string());
}

std::string json_string(std::string_view s) {
    std::string out;
    fc::detail::json_write_canonical_string(out, s);
    return out;
}

// ----- documents ------------------------------------------------------------------------------

class document_writer {
public:
    explicit document_writer(std::filesystem::path dir) : dir_(std::move(dir)) {
        std::filesystem::create_directories(dir_);
    }

    // Every form of one task with one set of options: TaskTemplate JSON in both field-name
    // styles, indented and on one line; TaskCreateRequest JSON in both styles; the binary
    // TaskTemplate and TaskSpec.
    template <class Task>
    void all_forms(const std::string& label, const Task& task, fc::task_template_options o) {
        for (const auto names :
             {fc::json_field_names::lower_camel_case, fc::json_field_names::proto}) {
            const char* style = names == fc::json_field_names::proto ? "proto" : "json";
            o.field_names = names;
            for (const int indent : {2, 0}) {
                o.indent = indent;
                add(label, "flyteidl.core.TaskTemplate", style, fc::to_task_template_json(task, o),
                    ".json");
            }
            add(label, "flyteidl.admin.TaskCreateRequest", style,
                fc::to_task_create_request_json(task, o), ".json");
        }
        o.field_names = fc::json_field_names::lower_camel_case;
        o.indent = 2;
        const std::string json_template = std::to_string(count_ - 6);
        add(label, "flyteidl.core.TaskTemplate", "binary", fc::to_task_template_proto(task, o),
            ".pb", json_template);
        add(label, "flyteidl.admin.TaskSpec", "binary", fc::to_task_spec_proto(task, o), ".pb",
            json_template);
    }

    void finish() const {
        std::string manifest = "[\n" + entries_ + "\n]\n";
        write_file(dir_ / "manifest.json", manifest);
        std::cout << "idl_probe: wrote " << count_ << " documents to " << dir_.string() << '\n';
    }

private:
    // `same_as`: the number of a JSON document whose message the binary one must equal.
    void add(const std::string& label, std::string_view message, std::string_view style,
             const std::string& content, std::string_view extension,
             const std::string& same_as = "") {
        const std::string file = "doc" + std::to_string(count_) + std::string(extension);
        write_file(dir_ / file, content);
        if (!entries_.empty()) entries_ += ",\n";
        entries_ += "{\"index\":" + std::to_string(count_) + ",\"label\":" + json_string(label) +
                    ",\"file\":" + json_string(file) + ",\"message\":" + json_string(message) +
                    ",\"style\":" + json_string(style) +
                    (same_as.empty() ? "" : ",\"same_as\":" + same_as) + "}";
        ++count_;
    }

    std::filesystem::path dir_;
    std::string entries_;
    std::size_t count_ = 0;
};

fc::task_template_options registration() {
    return fc::task_template_options{
        .project = "flytesnacks", .domain = "development", .version = "v1.4.0"};
}

auto train_fn = [](std::string data, double lr, std::int64_t seed) {
    return lr * static_cast<double>(seed) + static_cast<double>(data.size());
};

void write_documents(const std::filesystem::path& dir) {
    document_writer out(dir);

    // Function tasks: cache policies, every metadata option, launch settings, tags, descriptions.
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
    o.launch.requests = {.cpu = "2", .mem = "4Gi", .gpu = "1", .ephemeral_storage = "1Gi"};
    o.launch.limits = {.mem = "8Gi", .ephemeral_storage = "10Gi"};
    o.launch.environment = {{"OMP_NUM_THREADS", "2"}, {"EMPTY", ""}};
    o.launch.secret_requests = {{.group = "aws", .key = "token"}};
    o.tags = {{"team", "ml"}, {"cost-center", "42"}};
    o.descriptions = {{"lr", "learning rate"}, {"o0", "final loss"}};
    out.all_forms("function task: policies, metadata, launch, tags, descriptions", train, o);

    fc::task_template_options renamed = o;
    renamed.name = "example.train_renamed";
    renamed.task_type = "python-task";
    renamed.runtime = {
        .type = fc::runtime_metadata::runtime_type::other, .version = "", .flavor = ""};
    out.all_forms("function task: name, type and runtime overridden", train, renamed);

    const auto plain = fc::task<fc::inputs<"x">>(
        "example.plain", [](std::int64_t x) { return x; },
        {.interruptible = true, .container_image = "ghcr.io/acme/plain:1"});
    out.all_forms("function task: uncached, interruptible", plain, registration());

    const auto legacy = fc::task<fc::inputs<"x">, fc::ignore<"x">>(
        "example.legacy", [](std::int64_t x) { return x; },
        {.cache = true, .cache_version = "7", .container_image = "ghcr.io/acme/plain:1"});
    out.all_forms("function task: legacy cache arguments", legacy, registration());

    // Every type the type engine names, and copilot with each metadata format.
    const auto mix = fc::task<fc::inputs<"paths", "weights", "model", "out_dir", "limit", "blob",
                                         "origin", "when", "took", "flag", "ratio">>(
        "example.mix",
        [](std::vector<fc::file>, std::map<std::string, double>, fc::file, fc::directory,
           std::optional<std::int64_t>, std::vector<std::byte>, point,
           std::chrono::sys_time<std::chrono::microseconds>, std::chrono::seconds, bool, float) {
            return std::tuple<fc::file, std::vector<std::string>,
                              std::map<std::string, std::vector<std::int64_t>>>{};
        },
        {.timeout = 90s, .container_image = "ghcr.io/acme/mix:2"});
    for (const auto format :
         {fc::metadata_format::json, fc::metadata_format::yaml, fc::metadata_format::proto}) {
        fc::task_template_options m = registration();
        m.launch.data_config =
            fc::data_loading_config{.input_path = "/in", .output_path = "/out", .format = format};
        out.all_forms("function task: every literal type, copilot format " +
                          std::to_string(static_cast<int>(format)),
                      mix, m);
    }

    // A function task with a pod template (the one its pod_template policy hashes).
    const auto podded =
        fc::task("example.podded", [] { return std::int64_t{1}; },
                 {.container_image = "ghcr.io/acme/f:1",
                  .pod_template = fc::pod_template{
                      .pod_spec = R"({"containers":[{"name":"primary","image":"custom:9"}],)"
                                  R"("terminationGracePeriodSeconds":30,"hostNetwork":false,)"
                                  R"("tolerations":[{"key":"gpu","operator":"Exists"}],)"
                                  R"("priority":null,"x":1.5e-3})",
                      .labels = {{"a", "1"}},
                      .annotations = {{"b", "2"}}}});
    fc::task_template_options po = registration();
    po.launch.data_config = fc::data_loading_config{.input_path = "/in", .output_path = "/out"};
    out.all_forms("function task: pod template", podded, po);

    // Container tasks: resources, environment, secrets of every kind, each io strategy.
    const std::vector<fc::io_strategy> strategies{
        {.download = fc::download_mode::stream, .upload = fc::upload_mode::on_exit},
        {.download = fc::download_mode::no_download, .upload = fc::upload_mode::eager},
        {.download = fc::download_mode::eager, .upload = fc::upload_mode::no_upload}};
    int n = 0;
    for (const auto& strategy : strategies) {
        fc::container_task_options options;
        options.arguments = {"-c", "wc -l < {{.inputs.data}} > /var/outputs/mean"};
        options.input_data_dir = "/var/inputs";
        options.output_data_dir = "/var/outputs";
        options.metadata_format = n == 0 ? fc::metadata_format::yaml : fc::metadata_format::proto;
        options.io_strategy = strategy;
        options.requests = {.cpu = "500m", .mem = "1Gi"};
        options.limits = {.cpu = "1", .gpu = "1"};
        options.environment = {{"LC_ALL", "C"}};
        options.secret_requests = {{.group = "db",
                                    .key = "password",
                                    .mount_requirement = fc::secret::mount_type::env_var,
                                    .env_var = "DB_PASSWORD"},
                                   {.group = "tls",
                                    .group_version = "3",
                                    .mount_requirement = fc::secret::mount_type::file},
                                   {.group = "plain"}};
        options.metadata = {.cache = true, .retries = 1, .timeout = 90};
        const fc::container_task<sample_in, sample_out> count(
            "count-lines-" + std::to_string(n), "ghcr.io/flyteorg/rawcontainers-shell:v2", {"sh"},
            options);
        out.all_forms("container task: io strategy " + std::to_string(n), count, registration());
        ++n;
    }

    // A container task with a pod template whose spec lacks the primary container.
    fc::container_task_options pod_options;
    pod_options.requests = {.cpu = "1"};
    pod_options.limits = {.mem = "2Gi"};
    pod_options.environment = {{"MODE", "fast"}};
    pod_options.input_data_dir = "/var/inputs";
    pod_options.pod_template =
        fc::pod_template{.pod_spec = R"({"containers":[{"name":"sidecar","image":"busybox"}],)"
                                     R"("nodeSelector":{"pool":"gpu"}})",
                         .primary_container_name = "main",
                         .labels = {{"team", "ml"}},
                         .annotations = {{"note", "x"}}};
    pod_options.pod_template_name = "base-template";
    const fc::container_task<fc::no_values, fc::no_values> job("pod-job", "ghcr.io/acme/job:3",
                                                               {"run"}, pod_options);
    out.all_forms("container task: pod template", job, registration());

    // Echo tasks.
    const fc::echo_task<greeting> echo("example.echo", {.cache = true, .cache_version = "e1"});
    out.all_forms("echo task", echo, registration());
    fc::task_template_options described = registration();
    described.descriptions = {{"text", "what to say"}};
    const fc::echo_task<greeting> echo2("example.echo_uncached", {});
    out.all_forms("echo task: uncached, described", echo2, described);

    out.finish();
}

// ----- package ----------------------------------------------------------------------------------

void write_package(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    fc::registration_package pkg("flytesnacks", "development", "0f3c2a1");
    std::vector<std::string> names;
    // Eleven tasks, so that the index takes two digits; added in an order that is not sorted.
    // The same tasks as binary TaskTemplates registered elsewhere, for `flytecache package`,
    // which must write the very same archive from them.
    std::filesystem::create_directories(dir / "templates");
    const fc::task_template_options elsewhere{
        .project = "other", .domain = "staging", .version = "old"};
    int written = 0;
    const auto save_template = [&](const auto& task) {
        const std::string file = (written < 10 ? "0" : "") + std::to_string(written) + ".pb";
        write_file(dir / "templates" / file, fc::to_task_template_proto(task, elsewhere));
        ++written;
    };
    for (const char* name : {"wf.zeta", "wf.alpha", "wf.mid", "wf.b", "wf.c", "wf.d", "wf.e",
                             "wf.f", "wf.g", "wf.h"}) {
        const auto t = fc::task<fc::inputs<"x">>(name, [](std::int64_t x) { return x * 2; },
                                                 fc::cache{fc::cache_options{.version = "3"}},
                                                 {.container_image = "ghcr.io/acme/f:1"});
        pkg.add(t);
        save_template(t);
        names.emplace_back(name);
    }
    fc::container_task_options options;
    options.input_data_dir = "/var/inputs";
    options.output_data_dir = "/var/outputs";
    options.metadata = {.cache = true};
    const fc::container_task<sample_in, sample_out> count(
        "count", "ghcr.io/flyteorg/rawcontainers-shell:v2", {"sh", "-c", "true"}, options);
    pkg.add(count);
    save_template(count);
    names.emplace_back("count");

    pkg.write_archive(dir / "flyte-package.tgz");
    pkg.write_archive(dir / "flyte-package.tar");
    pkg.write_directory(dir / "files");
    std::string manifest = "{\"project\":\"flytesnacks\",\"domain\":\"development\","
                           "\"version\":\"0f3c2a1\",\"tasks\":[";
    for (std::size_t i = 0; i < names.size(); ++i)
        manifest += (i == 0 ? "" : ",") + json_string(names[i]);
    manifest += "],\"files\":[";
    const auto files = pkg.files();
    for (std::size_t i = 0; i < files.size(); ++i)
        manifest += (i == 0 ? "" : ",") + json_string(files[i].name);
    manifest += "]}\n";
    write_file(dir / "manifest.json", manifest);

    // A small package (one digit) and one with a long name (a pax header in the tar).
    fc::registration_package small(std::string(fc::registration_project_placeholder),
                                   std::string(fc::registration_domain_placeholder),
                                   std::string(fc::registration_version_placeholder));
    const std::string long_name = "wf." + std::string(120, 'l');
    const auto t = fc::task<fc::inputs<"x">>(long_name, [](std::int64_t x) { return x; },
                                             {.container_image = "ghcr.io/acme/f:1"});
    small.add(t);
    small.write_archive(dir / "placeholders.tar.gz");
    std::cout << "idl_probe: wrote a package of " << pkg.size() << " tasks to " << dir.string()
              << '\n';
}

// ----- literals ---------------------------------------------------------------------------------

int answer_literals(const std::string& task, const std::string& version) {
    std::string line;
    std::size_t n = 0;
    while (std::getline(std::cin, line)) {
        const auto tab = line.find('\t');
        const std::string bytes = from_hex(line.substr(0, tab));
        // "-": none; otherwise the names, each in hex, separated by ','.
        std::vector<std::string> ignored;
        const std::string names = tab == std::string::npos ? "-" : line.substr(tab + 1);
        if (names != "-") {
            std::size_t start = 0;
            while (true) {
                const auto end = names.find(',', start);
                ignored.push_back(from_hex(names.substr(start, end - start)));
                if (end == std::string::npos) break;
                start = end + 1;
            }
        }
        try {
            const fc::literal_map m = fc::decode_literal_map(bytes);
            const std::string placed = fc::encode(fc::flytekit_effective_inputs(m, ignored));
            std::cout << "OK\t" << to_hex(fc::encode(m)) << '\t' << to_hex(placed) << '\t'
                      << fc::keys::flytekit_local{}.make_key(task, version, m, ignored) << '\n';
        } catch (const std::exception& e) {
            std::cout << "ERR\t" << e.what() << '\n';
        }
        ++n;
    }
    std::cerr << "idl_probe: answered " << n << " literal maps\n";
    return 0;
}

// The fields of the literal model newer than the pinned flyteidl, found in a decoded value.
struct newer_fields {
    bool json = false;
    bool offloaded_type = false;

    void type(const fc::literal_type& t) {
        std::visit(
            [&](const auto& k) {
                using K = std::decay_t<decltype(k)>;
                if constexpr (std::is_same_v<K, fc::offloaded_type>) {
                    offloaded_type = true;
                    if (k.actual_literal_type) type(**k.actual_literal_type);
                } else if constexpr (std::is_same_v<K, fc::collection_type>) {
                    type(*k.element);
                } else if constexpr (std::is_same_v<K, fc::map_value_type>) {
                    type(*k.value);
                } else if constexpr (std::is_same_v<K, fc::union_type>) {
                    for (const auto& v : k.variants) type(v);
                } else if constexpr (std::is_same_v<K, fc::structured_dataset_type>) {
                    for (const auto& c : k.columns)
                        if (c.literal_type) type(**c.literal_type);
                }
            },
            t.type);
        if (t.structure)
            for (const auto& [name, field] : t.structure->dataclass_type) type(*field);
    }

    void literal(const fc::literal& l) {
        if (const auto* s = std::get_if<fc::scalar>(&l.value)) {
            if (std::holds_alternative<fc::json_bytes>(s->value)) json = true;
            if (const auto* u = std::get_if<fc::union_value>(&s->value)) {
                if (u->value) literal(**u->value);
                if (u->type) type(*u->type);
            }
            if (const auto* sd = std::get_if<fc::structured_dataset>(&s->value)) {
                if (sd->metadata && sd->metadata->structured_dataset_type)
                    for (const auto& c : sd->metadata->structured_dataset_type->columns)
                        if (c.literal_type) type(**c.literal_type);
            }
        } else if (const auto* c = std::get_if<fc::literal_collection>(&l.value)) {
            for (const auto& item : c->literals) literal(item);
        } else if (const auto* m = std::get_if<fc::detail::box<fc::literal_map>>(&l.value)) {
            for (const auto& [name, item] : (*m)->literals) literal(item);
        } else if (const auto* o = std::get_if<fc::offloaded_metadata>(&l.value)) {
            if (o->inferred_type) type(*o->inferred_type);
        }
    }

    [[nodiscard]] std::string text() const {
        std::string out;
        if (json) out += "json";
        if (offloaded_type) out += out.empty() ? "offloaded_type" : ",offloaded_type";
        return out.empty() ? "-" : out;
    }
};

int answer_mutations() {
    std::string line;
    std::size_t accepted = 0;
    std::size_t refused = 0;
    while (std::getline(std::cin, line)) {
        const std::string bytes = from_hex(line);
        std::string answer;
        try {
            const fc::literal_map m = fc::decode_literal_map(bytes);
            const std::string once = fc::encode(m);
            if (fc::encode(fc::decode_literal_map(once)) != once) {
                answer = "BUG\tre-encoding is not a fixed point";
            } else {
                newer_fields found;
                for (const auto& [name, item] : m.literals) found.literal(item);
                // The text paths must not throw anything but flytecache's own refusals.
                const fc::literal whole{m, std::nullopt, {}};
                (void)whole.short_string();
                (void)whole.verbose_string();
                try {
                    (void)fc::keys::datacatalog{}.make_key("t", "v", m);
                } catch (const fc::invalid_argument&) {}
                (void)fc::keys::flytekit_local{}.make_key("t", "v", m);
                answer = "OK\t" + to_hex(once) + "\t" + found.text();
            }
            ++accepted;
        } catch (const fc::decode_error& e) {
            answer = std::string("REFUSED\t") + e.what();
            ++refused;
        } catch (const std::exception& e) {
            answer = std::string("BUG\t") + typeid(e).name() + ": " + e.what();
        }
        for (char& c : answer)
            if (c == '\n') c = ' ';
        std::cout << answer << '\n';
    }
    std::cerr << "idl_probe: " << accepted << " accepted, " << refused << " refused\n";
    return 0;
}

int json_names() {
    std::string line;
    while (std::getline(std::cin, line)) std::cout << fc::detail::proto_json_name(line) << '\n';
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::ios::sync_with_stdio(false);
    const std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.size() == 2 && args[0] == "documents") {
            write_documents(args[1]);
            return 0;
        }
        if (args.size() == 2 && args[0] == "package") {
            write_package(args[1]);
            return 0;
        }
        if (args.size() == 3 && args[0] == "literals") return answer_literals(args[1], args[2]);
        if (args.size() == 1 && args[0] == "mutations") return answer_mutations();
        if (args.size() == 1 && args[0] == "json-names") return json_names();
    } catch (const std::exception& e) {
        std::cerr << "idl_probe: " << e.what() << '\n';
        return 1;
    }
    std::cerr << "usage: idl_probe documents DIR | package DIR | literals TASK VERSION | "
                 "mutations | json-names\n";
    return 2;
}
