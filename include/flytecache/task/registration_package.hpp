// flytecache — a registration package: tasks as the files `flytectl register files` reads
// SPDX-License-Identifier: MIT
#pragma once

// A registration package: tasks as the binary TaskSpec files and archive that `flytectl register
// files` accepts, laid out as `pyflyte package` writes them.

// The layout (flytekit's serialize_helpers.persist_registrable_entities and repo.package, and
// flytectl's register_util, read for the documentation in docs/flyteidl.md):
//   - one file per entity, named `<index>_<name>_<kind>.pb`: index is the entity's position in
//     registration order, zero-padded to the digits of the last index; kind is 1 for a TaskSpec
//     (2 a WorkflowSpec, 3 a LaunchPlan, which flytecache does not write);
//   - each file holds the binary flyteidl.admin.TaskSpec{template};
//   - the archive is a gzip-compressed tar of those files at its top level (`flyte-package.tgz`);
//     flytectl also takes a plain `.tar`. flytectl sorts the files by name before registering, so
//     the index keeps the order.
// flytectl replaces the identifier's project and domain only when they are empty or the
// placeholders below, and its version only then or with --force; so the values given here are the
// ones registered, unless they are the placeholders.

#include <flytecache/config.hpp>
#include <flytecache/detail/tar_archive.hpp>
#include <flytecache/detail/task_template_identity.hpp>
#include <flytecache/error.hpp>
#include <flytecache/task/task_template_export.hpp>
#include <flytecache/task/task_template_proto.hpp>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// The placeholders flytectl fills in at registration time (`pyflyte package` writes them when no
/// project, domain or version is given): `flytectl register files -p P -d D --version V`.
inline constexpr std::string_view registration_project_placeholder = "{{ registration.project }}";
inline constexpr std::string_view registration_domain_placeholder = "{{ registration.domain }}";
inline constexpr std::string_view registration_version_placeholder = "{{ registration.version }}";

/// One file of a registration package: its name in the archive and its bytes.
struct registration_file {
    std::string name;
    std::string content;
    friend bool operator==(const registration_file&, const registration_file&) = default;
};

/// How write_archive packs the files: gzip-compressed tar (`.tgz`, `.tar.gz`) or plain tar.
enum class archive_format { tgz, tar };

namespace detail {

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

} // namespace detail

/// Tasks packaged for `flytectl register files`, in the layout `pyflyte package` writes (see the
/// top of this header): one `<index>_<name>_1.pb` TaskSpec file per task, in the order added,
/// optionally as a `.tgz` archive.
///
/// ```cpp
/// fc::registration_package pkg("flytesnacks", "development", git_sha);
/// pkg.add(train, {.launch = {.data_config = fc::data_loading_config{...}}});
/// pkg.add(count_lines);                    // a container task brings its own container
/// pkg.write_archive("flyte-package.tgz");  // flytectl register files --archive flyte-package.tgz
/// ```
///
/// Thread safety: a value type; `add` needs exclusive access, the const members may run
/// concurrently.
class registration_package {
public:
    /// Every task is registered under this project, domain and (registration, not cache) version;
    /// the placeholders registration_*_placeholder let flytectl fill them in instead.
    /// @throws configuration_error when one of them is empty.
    registration_package(std::string project, std::string domain, std::string version);

    /// Adds a task's TaskSpec (the TaskTemplate to_task_template_json describes). `options` says
    /// what the task does not know (launch settings, descriptions, tags, name); its project,
    /// domain and version may be left empty and must otherwise equal the package's.
    /// @throws configuration_error for a task name already in the package, a name that cannot be
    ///         a file name ('/' or NUL in it), or project/domain/version differing from the
    ///         package's; and whatever to_task_template_json throws.
    template <class Task>
        requires requires(const Task& t, const task_template_options& o) {
            detail::task_template_parts(t, o);
        }
    registration_package& add(const Task& task, task_template_options options = {}) {
        const auto same = [&](std::string& given, const std::string& mine, const char* which) {
            if (!given.empty() && given != mine) {
                throw configuration_error(std::string("flytecache: task_template_options.") +
                                          which + " '" + given + "' differs from the package's '" +
                                          mine + "'; leave it empty");
            }
            given = mine;
        };
        same(options.project, project_, "project");
        same(options.domain, domain_, "domain");
        same(options.version, version_, "version");
        return add_task_template_proto(to_task_template_proto(task, options));
    }

    /// Adds a TaskTemplate given in protobuf's binary wire format (for example the output of
    /// to_task_template_proto, or a file another tool wrote). Its identifier is rewritten to the
    /// package's project, domain and version; everything else is kept byte for byte.
    /// @throws decode_error when `bytes` is not a TaskTemplate with a task identifier and name;
    ///         configuration_error as add().
    registration_package& add_task_template_proto(std::string_view bytes);

    /// How many tasks the package holds.
    [[nodiscard]] std::size_t size() const noexcept { return tasks_.size(); }

    /// The files, in registration order: `<index>_<name>_1.pb`, the index zero-padded to the
    /// digits of the last index (`0_a_1.pb` … `9_j_1.pb`; with 11 tasks `00_a_1.pb` … `10_k_1.pb`).
    [[nodiscard]] std::vector<registration_file> files() const;

    /// The archive's bytes: a tar of files() at its top level, gzip-compressed for
    /// archive_format::tgz. Deterministic: equal packages give equal bytes.
    /// @throws configuration_error when the package is empty (flytectl would register nothing).
    [[nodiscard]] std::string archive(archive_format format = archive_format::tgz) const;

    /// Writes archive() to `path`: `.tgz` or `.tar.gz` gzip-compressed, `.tar` plain (the
    /// extensions flytectl accepts). The file is replaced atomically.
    /// @throws configuration_error for another extension or an empty package; error when the
    ///         file cannot be written (the message names it).
    void write_archive(const std::filesystem::path& path) const;

    /// Writes files() into `directory` (created when missing), for
    /// `flytectl register files <directory>/*`.
    /// @throws configuration_error when the package is empty; error when a file cannot be written.
    void write_directory(const std::filesystem::path& directory) const;

private:
    std::string project_;
    std::string domain_;
    std::string version_;
    std::vector<std::pair<std::string, std::string>> tasks_; // name, TaskSpec bytes
};

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/task/registration_package.ipp>
#endif
