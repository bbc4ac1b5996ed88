// flytecache — container runtimes for local container tasks: the host, docker or podman
// (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/task/container_runtime.hpp>

#include <flytecache/detail/subprocess.hpp>
#include <flytecache/error.hpp>

#include <algorithm>
#include <string>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

FLYTECACHE_INLINE std::vector<std::string> host_runtime::host_argv(const container_run& run) {
    std::vector<std::string> out = run.argv;
    std::vector<const volume_binding*> by_length;
    for (const auto& v : run.volumes) {
        if (!v.container.empty()) by_length.push_back(&v);
    }
    std::sort(by_length.begin(), by_length.end(), [](const auto* a, const auto* b) {
        return a->container.size() > b->container.size();
    });
    for (auto& arg : out) {
        for (const auto* v : by_length) arg = replace_path(arg, v->container, v->host.string());
    }
    return out;
}

FLYTECACHE_INLINE detail::process_result host_runtime::run(const container_run& run) const {
    detail::process_options p;
    p.argv = host_argv(run);
    p.environment = run.environment;
    p.timeout = run.timeout;
    p.on_output = run.on_output;
    return detail::run_process(p);
}

FLYTECACHE_INLINE std::string
host_runtime::replace_path(const std::string& arg, const std::string& from, const std::string& to) {
    std::string out;
    std::size_t pos = 0;
    for (std::size_t hit = arg.find(from); hit != std::string::npos; hit = arg.find(from, pos)) {
        const std::size_t end = hit + from.size();
        const bool starts = hit == 0 || separates_paths(arg[hit - 1]);
        const bool ends = end == arg.size() || arg[end] == '/' || separates_paths(arg[end]);
        out.append(arg, pos, hit - pos);
        out += (starts && ends) ? to : from;
        pos = end;
    }
    out.append(arg, pos, std::string::npos);
    return out;
}

FLYTECACHE_INLINE std::vector<std::string>
docker_cli_runtime::argv(const container_run& run) const {
    if (run.image.empty()) {
        throw configuration_error("flytecache: a container run needs an image URI");
    }
    std::vector<std::string> out{cli, "run", "--rm"};
    out.insert(out.end(), extra_options.begin(), extra_options.end());
    for (const auto& v : run.volumes) {
        out.emplace_back("-v");
        out.push_back(v.host.string() + ":" + v.container + (v.read_only ? ":ro" : ":rw"));
    }
    for (const auto& [name, value] : run.environment) {
        out.emplace_back("-e");
        out.push_back(name + "=" + value);
    }
    out.push_back(run.image);
    out.insert(out.end(), run.argv.begin(), run.argv.end());
    return out;
}

FLYTECACHE_INLINE detail::process_result docker_cli_runtime::run(const container_run& run) const {
    detail::process_options p;
    p.argv = argv(run);
    p.timeout = run.timeout;
    p.on_output = run.on_output;
    return detail::run_process(p);
}

FLYTECACHE_NAMESPACE_END
