// flytecache — the identifier of a binary flyteidl TaskTemplate, read and rewritten (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/detail/task_template_identity.hpp>

#include <flytecache/detail/protobuf.hpp>
#include <flytecache/error.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

FLYTECACHE_INLINE std::pair<std::string, std::string>
restamp_task_template(std::string_view bytes, std::string_view project, std::string_view domain,
                      std::string_view version) {
    proto_reader r(bytes);
    std::string name;
    std::string id_rest; // identifier fields past version, copied as they are
    std::string rest;    // template fields past id, copied as they are
    bool has_id = false;
    while (!r.at_end()) {
        const std::size_t start = r.offset();
        const auto [number, type] = r.tag();
        if (number == 1) {
            if (type != wire_type::length_delimited)
                r.fail(start, "TaskTemplate.id (1) is not a message");
            has_id = true;
            proto_reader id = r.message();
            while (!id.at_end()) {
                const std::size_t id_start = id.offset();
                const auto [f, t] = id.tag();
                if (f == 1 && t == wire_type::varint) {
                    if (id.enum_value() != 1)
                        id.fail(id_start, "TaskTemplate.id.resource_type is not TASK");
                } else if (f == 4 && t == wire_type::length_delimited) {
                    name = std::string(id.length_delimited());
                } else if ((f == 2 || f == 3 || f == 5) && t == wire_type::length_delimited) {
                    (void)id.length_delimited(); // replaced
                } else {
                    id.skip(t, f, restamp_max_depth);
                    id_rest += std::string(bytes.substr(id_start, id.offset() - id_start));
                }
            }
        } else {
            r.skip(type, number, restamp_max_depth);
            rest += std::string(bytes.substr(start, r.offset() - start));
        }
    }
    if (!has_id || name.empty())
        r.fail(0, "not a TaskTemplate: it has no identifier with a task name (field 1.4)");
    proto_writer w;
    const auto id = w.begin_message(1);
    w.enum_field(1, 1);
    if (!project.empty()) w.string_field(2, project);
    if (!domain.empty()) w.string_field(3, domain);
    w.string_field(4, name);
    if (!version.empty()) w.string_field(5, version);
    w.bytes() += id_rest;
    w.end_message(id);
    w.bytes() += rest;
    return {std::move(name), w.take()};
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
