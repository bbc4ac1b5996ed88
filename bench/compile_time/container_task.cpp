// flytecache — compile-time probe: one cached container task on the default SQLite store
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <string>

namespace fc = flytecache;

struct ellipse {
    BOOST_HANA_DEFINE_STRUCT(ellipse, (double, a), (double, b));
};
struct area_out {
    BOOST_HANA_DEFINE_STRUCT(area_out, (double, area), (std::string, metadata));
};

int main(int argc, char** argv) {
    fc::container_task_options options;
    options.input_data_dir = "/var/inputs";
    options.output_data_dir = "/var/outputs";
    options.arguments = {"echo {{.inputs.a}} > /var/outputs/area; echo m > /var/outputs/metadata"};
    options.metadata = {.cache = true};
    const fc::container_task<ellipse, area_out> area("probe-area", "ghcr.io/acme/shell:1",
                                                     {"sh", "-c"}, options);
    fc::executor<fc::sqlite_store> exec(argc > 1 ? argv[1] : "/tmp/flytecache-probe");
    return exec.run(area, 2.0, 3.0).area > 0 ? 0 : 1;
}
