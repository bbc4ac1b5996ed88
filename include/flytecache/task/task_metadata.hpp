// flytecache — task_metadata: flytekit's TaskMetadata with its validation rules
// SPDX-License-Identifier: MIT
#pragma once

// task_metadata: flytekit's TaskMetadata (caching, retries, timeout, deprecation) with its
// validation rules.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>
#include <flytecache/policy/cache.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

FLYTECACHE_NAMESPACE_BEGIN

/// A task's timeout, given as whole seconds (`.timeout = 30`, flytekit's int form) or as any
/// `std::chrono::duration` (`.timeout = 90s`, flytekit's timedelta form). Empty means none.
class task_timeout {
public:
    constexpr task_timeout() = default;
    template <std::integral I>
        requires(!std::same_as<I, bool>)
    constexpr task_timeout(I seconds)
        : value_(std::chrono::seconds(seconds)) {} // NOLINT: implicit by design
    template <class Rep, class Period>
    constexpr task_timeout(std::chrono::duration<Rep, Period> d) // NOLINT: implicit by design
        : value_(std::chrono::duration_cast<std::chrono::microseconds>(d)) {}

    [[nodiscard]] constexpr bool has_value() const noexcept { return value_.has_value(); }
    constexpr explicit operator bool() const noexcept { return has_value(); }
    /// The timeout at flytekit's resolution (timedelta holds microseconds).
    /// @throws std::bad_optional_access when no timeout is set.
    [[nodiscard]] constexpr std::chrono::microseconds value() const {
        return value_.value(); // NOLINT(bugprone-unchecked-optional-access): checked, throws
    }
    friend constexpr bool operator==(const task_timeout&, const task_timeout&) = default;

private:
    std::optional<std::chrono::microseconds> value_;
};

/// flytekit's `TaskMetadata`: what Flyte needs to know about a task besides its interface.
///
/// An aggregate, so designated initializers read like flytekit's keyword arguments:
/// `task_metadata{.cache = true, .cache_version = "1", .retries = 2}`. Call `validate()` (the task
/// factories do) to apply flytekit's rules. Thread safety: a value type.
struct task_metadata {
    /// Caching is on for the task.
    bool cache = false;
    /// Identical concurrent calls run one at a time; the others wait for the stored result.
    bool cache_serialize = false;
    /// The version under which results are stored; required when `cache` is on.
    std::string cache_version{};
    /// Inputs left out of the cache key.
    input_names cache_ignore_input_vars{};
    /// The task may run on pre-emptible capacity (Flyte scheduling only; locally informational).
    std::optional<bool> interruptible{};
    /// Non-empty: the task is deprecated and this is the warning shown to callers.
    std::string deprecated{};
    /// On failure, run again up to this many times.
    int retries = 0;
    /// Longest one execution may take.
    task_timeout timeout{};
    /// An existing PodTemplate in the cluster to run the task with.
    std::optional<std::string> pod_template_name{};
    /// The task renders a Flyte Deck.
    bool generates_deck = false;
    /// The task is an eager workflow.
    bool is_eager = false;
    /// The longest a cached result serves calls (Flyte 2's `Cache.max_age`, Prefect's
    /// `cache_expiration`; not in flytekit's TaskMetadata, so not exported to Flyte): the executor
    /// stores outputs with this expiry. Needs `cache`.
    std::optional<std::chrono::duration<double>> cache_max_age{};

    /// Applies flytekit's `TaskMetadata.__post_init__` rules (with its messages), plus two of our
    /// own: retries and timeout must not be negative.
    /// @throws configuration_error naming the rule that is broken.
    void validate() const;

    /// flytekit's `TaskMetadata.retry_strategy.retries`.
    [[nodiscard]] int retry_count() const noexcept { return retries; }

    friend bool operator==(const task_metadata&, const task_metadata&) = default;

private:
    // flytekit formats the names as a Python tuple: ('a',) or ('a', 'b').
    static std::string python_tuple(const input_names& names);
};

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/task/task_metadata.ipp>
#endif
