// flytecache — fmt::formatter for the values people print: literals, literal maps, explain reports
// SPDX-License-Identifier: MIT
#pragma once

// Opt-in: the library itself does not use fmt and does not require it (a dependency every consumer
// links, pinned to one version, for text the library builds in a few cold paths was not worth it;
// see docs/performance.md). Include this header where you format flytecache values with fmt
// (any fmt from 9 on) and link fmt yourself:
//
//     fmt::print("{}\n", lit);     // flytekit's short_string: 42, "text", [1, 2], {a: 1}
//     fmt::print("{:v}\n", lit);   // the verbose, multi-line rendering
//     fmt::print("{}\n", inputs);  // a literal_map: {epochs: 10, rate: 0.5}
//     fmt::print("{}", exec.explain(task, args...));  // call_explanation::to_string()

#include <flytecache/config.hpp>
#include <flytecache/literal/literal.hpp>
#include <flytecache/task/explain.hpp>

#include <fmt/format.h> // fmt::format_error lives here in every fmt release

#include <string>
#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

// A format spec flytecache's formatters accept: empty, or "v" where `verbose_allowed`.
struct fmt_spec {
    bool verbose = false;

    constexpr auto parse(fmt::format_parse_context& ctx, bool verbose_allowed) {
        auto it = ctx.begin();
        if (verbose_allowed && it != ctx.end() && *it == 'v') {
            verbose = true;
            ++it;
        }
        if (it != ctx.end() && *it != '}') {
            // Reached at compile time for a literal format string: the format string is rejected.
            throw fmt::format_error(verbose_allowed
                                        ? "flytecache: a literal's format is {} or {:v}"
                                        : "flytecache: this type's format is {} (no options)");
        }
        return it;
    }
};

} // namespace detail
FLYTECACHE_NAMESPACE_END

/// `{}` is the literal's short text (flytekit's `short_string`), `{:v}` its verbose rendering.
template <>
struct fmt::formatter<flytecache::literal> {
    flytecache::detail::fmt_spec spec;

    constexpr auto parse(format_parse_context& ctx) { return spec.parse(ctx, true); }

    template <class FormatContext>
    auto format(const flytecache::literal& value, FormatContext& ctx) const {
        const std::string text = spec.verbose ? value.verbose_string() : value.short_string();
        return fmt::format_to(ctx.out(), "{}", text);
    }
};

/// `{name: short text, ...}` in the map's (sorted) order.
template <>
struct fmt::formatter<flytecache::literal_map> {
    flytecache::detail::fmt_spec spec;

    constexpr auto parse(format_parse_context& ctx) { return spec.parse(ctx, false); }

    template <class FormatContext>
    auto format(const flytecache::literal_map& map, FormatContext& ctx) const {
        auto out = fmt::format_to(ctx.out(), "{{");
        bool first = true;
        for (const auto& [name, value] : map.literals) {
            out = fmt::format_to(out, "{}{}: {}", first ? "" : ", ", name, value.short_string());
            first = false;
        }
        return fmt::format_to(out, "}}");
    }
};

/// The multi-line report of `call_explanation::to_string()`.
template <>
struct fmt::formatter<flytecache::call_explanation> {
    flytecache::detail::fmt_spec spec;

    constexpr auto parse(format_parse_context& ctx) { return spec.parse(ctx, false); }

    template <class FormatContext>
    auto format(const flytecache::call_explanation& report, FormatContext& ctx) const {
        return fmt::format_to(ctx.out(), "{}", report.to_string());
    }
};
