// flytecache — a registration package: tasks as the files `flytectl register files` reads
// (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/task/registration_package.hpp>

#include <flytecache/detail/protobuf.hpp>
#include <flytecache/detail/tar_archive.hpp>
#include <flytecache/detail/task_template_identity.hpp>
#include <flytecache/error.hpp>

#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

namespace detail {

FLYTECACHE_INLINE void write_file_atomically(const std::filesystem::path& path,
                                             std::string_view bytes) {
    std::filesystem::path tmp = path;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.close();
        if (!out) {
            const int err = errno;
            std::error_code ignored;
            std::filesystem::remove(tmp, ignored);
            throw error("flytecache: cannot write " + path.string() + ": " +
                        std::generic_category().message(err));
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::error_code ignored;
        std::filesystem::remove(tmp, ignored);
        throw error("flytecache: cannot write " + path.string() + ": " + ec.message());
    }
}

} // namespace detail

FLYTECACHE_INLINE registration_package::registration_package(std::string project,
                                                             std::string domain,
                                                             std::string version)
    : project_(std::move(project)), domain_(std::move(domain)), version_(std::move(version)) {
    for (const auto* field : {&project_, &domain_, &version_}) {
        if (field->empty()) {
            const char* which = field == &project_  ? "project"
                                : field == &domain_ ? "domain"
                                                    : "version";
            throw configuration_error(std::string("flytecache: registration_package needs a ") +
                                      which + " (or registration_" + which +
                                      "_placeholder for flytectl to fill in)");
        }
    }
}

FLYTECACHE_INLINE registration_package&
registration_package::add_task_template_proto(std::string_view bytes) {
    auto [name, template_bytes] = detail::restamp_task_template(bytes, project_, domain_, version_);
    if (name.find('/') != std::string::npos || name.find('\0') != std::string::npos ||
        name == "." || name == "..") {
        throw configuration_error("flytecache: task name '" + name +
                                  "' cannot be part of a file name in the package");
    }
    for (const auto& [existing, ignored] : tasks_) {
        if (existing == name) {
            throw configuration_error("flytecache: the package already holds a task named '" +
                                      name + "'; Flyte identifies a task by its name");
        }
    }
    detail::proto_writer spec; // TaskSpec{1: template}
    spec.string_field(1, template_bytes);
    tasks_.emplace_back(std::move(name), spec.take());
    return *this;
}

FLYTECACHE_INLINE std::vector<registration_file> registration_package::files() const {
    std::vector<registration_file> out;
    out.reserve(tasks_.size());
    const std::size_t width = tasks_.empty() ? 1 : std::to_string(tasks_.size() - 1).size();
    for (std::size_t i = 0; i < tasks_.size(); ++i) {
        std::string index = std::to_string(i);
        index.insert(0, width - index.size(), '0');
        out.push_back({index + "_" + tasks_[i].first + "_1.pb", tasks_[i].second});
    }
    return out;
}

FLYTECACHE_INLINE std::string registration_package::archive(archive_format format) const {
    if (tasks_.empty()) {
        throw configuration_error("flytecache: the registration package holds no task");
    }
    std::vector<detail::archive_file> members;
    for (auto& f : files()) members.push_back({std::move(f.name), std::move(f.content)});
    std::string tar = detail::tar_archive(members);
    return format == archive_format::tgz ? detail::gzip_stored(tar) : tar;
}

FLYTECACHE_INLINE void
registration_package::write_archive(const std::filesystem::path& path) const {
    const std::string name = path.filename().string();
    const auto ends = [&](std::string_view suffix) { return name.ends_with(suffix); };
    archive_format format = archive_format::tgz;
    if (ends(".tar")) {
        format = archive_format::tar;
    } else if (!ends(".tgz") && !ends(".tar.gz")) {
        throw configuration_error("flytecache: " + path.string() +
                                  ": a registration archive must end in .tgz, .tar.gz or .tar "
                                  "(the extensions flytectl register files accepts)");
    }
    detail::write_file_atomically(path, archive(format));
}

FLYTECACHE_INLINE void
registration_package::write_directory(const std::filesystem::path& directory) const {
    if (tasks_.empty()) {
        throw configuration_error("flytecache: the registration package holds no task");
    }
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec) {
        throw error("flytecache: cannot create " + directory.string() + ": " + ec.message());
    }
    for (const auto& f : files()) detail::write_file_atomically(directory / f.name, f.content);
}

FLYTECACHE_NAMESPACE_END
