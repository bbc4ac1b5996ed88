// flytecache — CLI: `flytecache package`, binary TaskTemplates packaged for flytectl
// SPDX-License-Identifier: MIT
#pragma once

#include "../command.hpp"

#include <flytecache/flytecache.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace flytecache_cli {

/// Reads each file as a binary flyteidl TaskTemplate (what fc::to_task_template_proto writes),
/// gives it the project, domain and version asked for, and writes the TaskSpec files in
/// `pyflyte package`'s layout: an archive (.tgz, .tar.gz, .tar) or, for an output ending in '/',
/// a directory. Prints what goes where, as pyflyte does; returns the exit status.
/// @throws flytecache::error naming the file that could not be read, parsed or written.
inline int run_package(const invocation& in) {
    namespace fc = flytecache;
    fc::registration_package pkg(in.project, in.domain, in.registration_version);
    const std::vector<std::string>& templates = in.operands;
    for (const auto& path : templates) {
        std::ifstream file(path, std::ios::binary);
        if (!file) throw fc::error("flytecache: cannot read " + path);
        const std::string bytes{std::istreambuf_iterator<char>(file),
                                std::istreambuf_iterator<char>()};
        if (file.bad()) throw fc::error("flytecache: cannot read " + path);
        try {
            pkg.add_task_template_proto(bytes);
        } catch (const fc::decode_error& e) {
            throw fc::error("flytecache: " + path + " is not a binary TaskTemplate " +
                            "(fc::to_task_template_proto writes one): " + e.what());
        } catch (const fc::configuration_error& e) {
            throw fc::error("flytecache: " + path + ": " + e.what());
        }
    }
    const auto files = pkg.files();
    const bool to_directory = in.output.ends_with('/');
    for (std::size_t i = 0; i < files.size(); ++i)
        std::printf("  Packaging %s -> %s\n", templates[i].c_str(), files[i].name.c_str());
    if (to_directory) {
        pkg.write_directory(in.output);
        std::printf("packaged %zu task%s into %s (flytectl register files '%s*' -p %s -d %s)\n",
                    files.size(), files.size() == 1 ? "" : "s", in.output.c_str(),
                    in.output.c_str(), in.project.c_str(), in.domain.c_str());
    } else {
        pkg.write_archive(in.output);
        std::printf(
            "packaged %zu task%s into %s (flytectl register files --archive %s -p %s -d %s)\n",
            files.size(), files.size() == 1 ? "" : "s", in.output.c_str(), in.output.c_str(),
            in.project.c_str(), in.domain.c_str());
    }
    return 0;
}

inline constexpr command_spec package_command{
    .name = "package",
    .synopsis = "--project P --domain D --version V [--output OUT] TEMPLATE.pb...",
    .summary = "package binary TaskTemplates as flytectl register files reads them",
    .min_operands = 1,
    .max_operands = unlimited,
    .takes_registration = true,
    .uses_cache_dir = false, // needs no cache directory
    .run = run_package};

} // namespace flytecache_cli
