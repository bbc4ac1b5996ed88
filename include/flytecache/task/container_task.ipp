// flytecache — container tasks: the non-template helpers (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/task/container_task.hpp>

#include <flytecache/error.hpp>

#include <atomic>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

FLYTECACHE_INLINE std::string random_suffix() {
    static std::atomic<std::uint64_t> counter{0};
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::ostringstream s;
    s << std::hex << rng() << '-' << counter.fetch_add(1, std::memory_order_relaxed);
    return s.str();
}

FLYTECACHE_INLINE void write_text_file(const std::filesystem::path& p, std::string_view bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw task_error("flytecache: cannot write " + p.string());
}

FLYTECACHE_INLINE std::optional<std::string> read_text_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in && !in.eof()) return std::nullopt;
    return text;
}

FLYTECACHE_INLINE std::vector<template_ref> find_input_refs(std::string_view arg) {
    std::vector<template_ref> refs;
    std::size_t pos = 0;
    while ((pos = arg.find("{{", pos)) != std::string_view::npos) {
        const std::size_t close = arg.find("}}", pos + 2);
        if (close == std::string_view::npos) break;
        std::string_view inner = arg.substr(pos + 2, close - pos - 2);
        while (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
        while (!inner.empty() && inner.back() == ' ') inner.remove_suffix(1);
        constexpr std::string_view prefix = ".inputs.";
        if (inner.substr(0, prefix.size()) == prefix) {
            refs.push_back({pos, close + 2, std::string(inner.substr(prefix.size()))});
        }
        pos = close + 2;
    }
    return refs;
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
