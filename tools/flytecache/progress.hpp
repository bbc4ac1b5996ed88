// flytecache — CLI: a carriage-return progress line on a terminal's stderr for long operations
// SPDX-License-Identifier: MIT
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>

namespace flytecache_cli {

/// "check: 1200/5000 entries (24%)", rewritten in place on stderr and erased when done.
///
/// Only when stderr is a terminal (a log file or a pipe would collect every rewrite) and only for
/// caches of at least `threshold` entries (small ones finish before anyone could read it).
/// Redraws at most every 100 ms; the first and the last count are always drawn, so even a fast
/// run shows what it did. Not thread-safe: one operation draws it.
class progress_line {
public:
    static constexpr std::size_t threshold = 1000;

    progress_line(std::string label, std::size_t total)
        : label_(std::move(label)),
          total_(total),
          enabled_(total >= threshold && ::isatty(STDERR_FILENO) == 1) {}
    progress_line(const progress_line&) = delete;
    progress_line& operator=(const progress_line&) = delete;
    ~progress_line() { finish(); }

    /// Reports `done` entries processed (a count past `total` shows as `total`: entries written
    /// meanwhile, or a cache whose recorded count is off).
    void update(std::size_t done) {
        if (!enabled_) {
            return;
        }
        const auto now = std::chrono::steady_clock::now();
        if (drawn_ && done < total_ && now - last_ < std::chrono::milliseconds(100)) {
            return;
        }
        last_ = now;
        draw(done < total_ ? done : total_);
    }

    /// Erases the line (idempotent), so what is printed next starts on a clean line.
    void finish() {
        if (enabled_ && drawn_) {
            std::fprintf(stderr, "\r%*s\r", static_cast<int>(width_), "");
            std::fflush(stderr);
        }
        drawn_ = false;
        enabled_ = false;
    }

    [[nodiscard]] bool enabled() const noexcept { return enabled_; }

private:
    void draw(std::size_t done) {
        const std::size_t percent = total_ == 0 ? 100 : done * 100 / total_;
        const std::string text = "\r" + label_ + ": " + std::to_string(done) + "/" +
                                 std::to_string(total_) + " entries (" + std::to_string(percent) +
                                 "%)";
        std::fputs(text.c_str(), stderr);
        std::fflush(stderr);
        width_ = std::max(width_, text.size() - 1);
        drawn_ = true;
    }

    std::string label_;
    std::size_t total_;
    bool enabled_;
    bool drawn_ = false;
    std::size_t width_ = 0;
    std::chrono::steady_clock::time_point last_{};
};

} // namespace flytecache_cli
