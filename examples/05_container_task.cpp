// flytecache — a container task run locally on the host runtime, cached by its image
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <iostream>
#include <string>

namespace fc = flytecache;

struct ellipse {
    BOOST_HANA_DEFINE_STRUCT(ellipse, (double, a), (double, b));
};
struct area_out {
    BOOST_HANA_DEFINE_STRUCT(area_out, (double, area), (std::string, metadata));
};

int main() {
    fc::container_task_options options;
    options.input_data_dir = "/var/inputs";
    options.output_data_dir = "/var/outputs";
    options.arguments = {
        "awk 'BEGIN { print 3.14159265 * {{.inputs.a}} * {{.inputs.b}} }' > /var/outputs/area;"
        " printf 'a=%s b=%s' $(cat /var/inputs/a) $(cat /var/inputs/b) > /var/outputs/metadata"};
    // Caching on without a version: the version covers the image, the command and arguments,
    // the environment, the data dirs and the typed interface.
    options.metadata = {.cache = true};

    // The host runtime runs the command as a child process, with /var/inputs and /var/outputs
    // mapped to fresh temporary directories; fc::docker_cli_runtime runs it in the image instead.
    const fc::container_task<ellipse, area_out> area(
        "ellipse-area", "ghcr.io/flyteorg/rawcontainers-shell:v2", {"sh", "-c"}, options);

    fc::executor exec(fc::memory_store{});
    const area_out out = exec.run(area, 2.0, 3.0);
    std::cout << "area = " << out.area << " (" << out.metadata << ")\n";
    std::cout << "version from image and command: " << area.version() << '\n';
    std::cout << "second call cached: " << (exec.explain(area, 2.0, 3.0).cached ? "yes" : "no")
              << '\n';
}
