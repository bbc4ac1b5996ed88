// flytecache — a container task exported as a Flyte TaskTemplate, to register with a cluster
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <iostream>
#include <string>

namespace fc = flytecache;

struct ellipse {
    BOOST_HANA_DEFINE_STRUCT(ellipse, (double, a), (double, b));
};
struct area_out {
    BOOST_HANA_DEFINE_STRUCT(area_out, (double, area));
};

int main() {
    fc::container_task_options options;
    options.arguments = {
        "awk 'BEGIN { print 3.14159265 * {{.inputs.a}} * {{.inputs.b}} }' > /var/outputs/area"};
    options.input_data_dir = "/var/inputs";
    options.output_data_dir = "/var/outputs";
    options.requests = {.cpu = "250m", .mem = "128Mi"};
    options.limits = {.mem = "256Mi"};
    options.environment = {{"LC_ALL", "C"}};
    // Cached, versioned by its image: Flyte's backend caches it under the same version the local
    // cache uses, because the template carries that version as discovery_version.
    options.metadata = {.cache = true, .retries = 2, .timeout = 300};
    const fc::container_task<ellipse, area_out> area(
        "ellipse-area", "ghcr.io/flyteorg/rawcontainers-shell:v2", {"sh", "-c"}, options);

    // project/domain/version identify the registration; the version here is Flyte's registration
    // version (e.g. a git sha), not the cache version.
    const fc::task_template_options registration{
        .project = "flytesnacks", .domain = "development", .version = "0f3c2a1"};
    std::cout << fc::to_task_template_json(area, registration) << '\n';
    std::cout << "cache version: " << area.version() << '\n';
}
