// flytecache — compile-time checks of the store concepts
// SPDX-License-Identifier: MIT
// compile-time checks of the store concepts: what models cache_store and each capability, and what
// does not.
#include <flytecache/store/cache_store.hpp>
#include <flytecache/store/group_commit.hpp>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/store/tiered_store.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fc = flytecache;

namespace {

// --- cache_store -------------------------------------------------------------------------------

// The minimal model: the four basics and nothing else.
struct basic_store {
    std::optional<std::string> get(std::string_view);
    void set(std::string_view, std::string_view);
    bool erase(std::string_view);
    void clear();
};

// Other shapes that still model it: set returning something, erase returning a count (convertible
// to bool), a const get, or member templates.
struct returns_from_set {
    std::optional<std::string> get(std::string_view) const;
    bool set(std::string_view, std::string_view);
    std::size_t erase(std::string_view);
    void clear();
};
struct generic_store {
    template <class K>
    std::optional<std::string> get(const K&);
    template <class K, class V>
    void set(const K&, const V&);
    template <class K>
    bool erase(const K&);
    void clear();
};

// Not models.
struct get_returns_string {
    std::string get(std::string_view);
    void set(std::string_view, std::string_view);
    bool erase(std::string_view);
    void clear();
};
struct get_returns_view {
    std::optional<std::string_view> get(std::string_view);
    void set(std::string_view, std::string_view);
    bool erase(std::string_view);
    void clear();
};
struct get_returns_reference {
    const std::optional<std::string>& get(std::string_view);
    void set(std::string_view, std::string_view);
    bool erase(std::string_view);
    void clear();
};
struct erase_returns_void {
    std::optional<std::string> get(std::string_view);
    void set(std::string_view, std::string_view);
    void erase(std::string_view);
    void clear();
};
struct no_clear {
    std::optional<std::string> get(std::string_view);
    void set(std::string_view, std::string_view);
    bool erase(std::string_view);
};
struct no_set {
    std::optional<std::string> get(std::string_view);
    bool erase(std::string_view);
    void clear();
};
struct takes_string_reference {
    std::optional<std::string> get(const std::string&);
    void set(const std::string&, const std::string&);
    bool erase(const std::string&);
    void clear();
};
struct private_get {
    void set(std::string_view, std::string_view);
    bool erase(std::string_view);
    void clear();

private:
    std::optional<std::string> get(std::string_view);
};

// --- capabilities ------------------------------------------------------------------------------

struct expiring : basic_store {
    using basic_store::set;
    void set(std::string_view, std::string_view, const fc::write_options&);
    bool touch(std::string_view, fc::float_seconds);
    std::size_t expire();
};
struct expiring_without_set_options : basic_store {
    bool touch(std::string_view, fc::float_seconds);
    std::size_t expire();
};
struct expiring_touch_returns_void : basic_store {
    using basic_store::set;
    void set(std::string_view, std::string_view, const fc::write_options&);
    void touch(std::string_view, fc::float_seconds);
    std::size_t expire();
};
// Capabilities without the basics model nothing.
struct expiring_without_basics {
    void set(std::string_view, std::string_view, const fc::write_options&);
    bool touch(std::string_view, fc::float_seconds);
    std::size_t expire();
};

struct tagged : basic_store {
    using basic_store::set;
    void set(std::string_view, std::string_view, const fc::write_options&);
    std::size_t evict(std::string_view);
};
struct tagged_evict_returns_void : basic_store {
    using basic_store::set;
    void set(std::string_view, std::string_view, const fc::write_options&);
    void evict(std::string_view);
};

struct bounded : basic_store {
    std::uint64_t volume();
    std::uint64_t size_limit();
    std::size_t cull();
};
struct bounded_without_cull : basic_store {
    std::uint64_t volume();
    std::uint64_t size_limit();
};

struct counting : basic_store {
    fc::store_stats stats(bool, bool);
};
struct counting_with_defaults : basic_store {
    fc::store_stats stats(bool enable = true, bool reset = false);
};
struct counting_returns_pair : basic_store {
    std::pair<std::int64_t, std::int64_t> stats(bool, bool);
};
struct counting_without_arguments : basic_store {
    fc::store_stats stats();
};

struct reserving : basic_store {
    bool try_reserve(std::string_view, std::string_view, fc::float_seconds);
    bool release(std::string_view, std::string_view);
};
struct reserving_without_release : basic_store {
    bool try_reserve(std::string_view, std::string_view, fc::float_seconds);
};
struct reserving_with_integer_ttl : basic_store {
    bool try_reserve(std::string_view, std::string_view,
                     std::chrono::seconds); // no conversion from double
    bool release(std::string_view, std::string_view);
};

struct batching : basic_store {
    void set_many(std::span<const fc::key_value>, const fc::write_options& = {});
    std::vector<std::optional<std::string>> get_many(std::span<const std::string_view>);
};
struct batching_without_options : basic_store {
    void set_many(std::span<const fc::key_value>);
    std::vector<std::optional<std::string>> get_many(std::span<const std::string_view>);
};
struct batching_returns_views : basic_store {
    void set_many(std::span<const fc::key_value>, const fc::write_options& = {});
    std::vector<std::optional<std::string_view>> get_many(std::span<const std::string_view>);
};

template <class S>
constexpr bool models_any_capability =
    fc::expiring_store<S> || fc::tagged_store<S> || fc::bounded_store<S> ||
    fc::statistics_store<S> || fc::reserving_store<S>;

} // namespace

// cache_store
static_assert(fc::cache_store<basic_store>);
static_assert(fc::cache_store<returns_from_set>);
static_assert(fc::cache_store<generic_store>);
static_assert(!fc::cache_store<get_returns_string>);
static_assert(!fc::cache_store<get_returns_view>);
static_assert(!fc::cache_store<get_returns_reference>);
static_assert(!fc::cache_store<erase_returns_void>);
static_assert(!fc::cache_store<no_clear>);
static_assert(!fc::cache_store<no_set>);
static_assert(!fc::cache_store<takes_string_reference>);
static_assert(!fc::cache_store<private_get>);
static_assert(!fc::cache_store<int>);
static_assert(!models_any_capability<basic_store>);

// expiring_store
static_assert(fc::expiring_store<expiring>);
static_assert(!fc::expiring_store<expiring_without_set_options>);
static_assert(!fc::expiring_store<expiring_touch_returns_void>);
static_assert(!fc::expiring_store<expiring_without_basics>);
static_assert(!fc::tagged_store<expiring> && !fc::bounded_store<expiring>);

// tagged_store
static_assert(fc::tagged_store<tagged>);
static_assert(!fc::tagged_store<tagged_evict_returns_void>);
static_assert(!fc::expiring_store<tagged>);

// bounded_store
static_assert(fc::bounded_store<bounded>);
static_assert(!fc::bounded_store<bounded_without_cull>);

// statistics_store
static_assert(fc::statistics_store<counting>);
static_assert(fc::statistics_store<counting_with_defaults>);
static_assert(!fc::statistics_store<counting_returns_pair>);
static_assert(!fc::statistics_store<counting_without_arguments>);

// reserving_store
static_assert(fc::reserving_store<reserving>);
static_assert(!fc::reserving_store<reserving_without_release>);
static_assert(!fc::reserving_store<reserving_with_integer_ttl>);

// The stores flytecache ships.
static_assert(fc::cache_store<fc::memory_store> && fc::expiring_store<fc::memory_store> &&
              fc::tagged_store<fc::memory_store> && fc::bounded_store<fc::memory_store> &&
              fc::statistics_store<fc::memory_store> && fc::reserving_store<fc::memory_store>);
static_assert(!fc::cache_store<const fc::memory_store>); // writes need a non-const store

// tiered_store has exactly its back's capabilities, whatever the front has.
static_assert(fc::cache_store<fc::tiered_store<fc::memory_store, basic_store>>);
static_assert(!models_any_capability<fc::tiered_store<fc::memory_store, basic_store>>);
static_assert(fc::expiring_store<fc::tiered_store<basic_store, fc::memory_store>> &&
              fc::tagged_store<fc::tiered_store<basic_store, fc::memory_store>> &&
              fc::bounded_store<fc::tiered_store<basic_store, fc::memory_store>> &&
              fc::statistics_store<fc::tiered_store<basic_store, fc::memory_store>> &&
              fc::reserving_store<fc::tiered_store<basic_store, fc::memory_store>>);
static_assert(fc::expiring_store<fc::tiered_store<fc::memory_store, expiring>>);
static_assert(!fc::tagged_store<fc::tiered_store<fc::memory_store, expiring>>);
static_assert(fc::tagged_store<fc::tiered_store<fc::memory_store, tagged>>);
static_assert(!fc::expiring_store<fc::tiered_store<fc::memory_store, tagged>>);
static_assert(fc::bounded_store<fc::tiered_store<basic_store, bounded>>);
static_assert(fc::statistics_store<fc::tiered_store<basic_store, counting>>);
static_assert(fc::reserving_store<fc::tiered_store<basic_store, reserving>>);
static_assert(!models_any_capability<fc::tiered_store<reserving, basic_store>>);

// batching_store: set_many with write_options, get_many returning owned optional strings; shipped
// in memory_store, and in tiered_store only when both of its stores batch.
static_assert(fc::batching_store<batching>);
static_assert(!fc::batching_store<batching_without_options>);
static_assert(!fc::batching_store<batching_returns_views>);
static_assert(!fc::batching_store<basic_store>);
static_assert(fc::batching_store<fc::memory_store>);
static_assert(fc::batching_store<fc::tiered_store<fc::memory_store, batching>>);
static_assert(!fc::batching_store<fc::tiered_store<fc::memory_store, basic_store>>);
static_assert(!fc::batching_store<fc::tiered_store<basic_store, fc::memory_store>>);

// group_commit_pays: a batching store that says each write pays a commit; tiered_store passes its
// back store's answer on.
struct committing : batching {
    static constexpr bool commits_each_write = true;
};
static_assert(fc::group_commit_pays<committing>);
static_assert(!fc::group_commit_pays<batching>);
static_assert(!fc::group_commit_pays<fc::memory_store>);
static_assert(fc::group_commit_pays<fc::tiered_store<fc::memory_store, committing>>);
static_assert(!fc::group_commit_pays<fc::tiered_store<fc::memory_store, batching>>);
