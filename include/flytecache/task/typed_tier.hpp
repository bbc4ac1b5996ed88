// flytecache — typed_tier: an in-process memo of task outputs by typed arguments, before any store
// SPDX-License-Identifier: MIT
#pragma once

// The typed tier (issue 19, item 2): an executor option that answers a repeated task call from the
// C++ values of its arguments, before any literal, key or store is touched.

#include <flytecache/config.hpp>
#include <flytecache/detail/struct_fields.hpp>
#include <flytecache/literal/file.hpp>
#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/task/task_concepts.hpp>

#include <bit>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// Opt-in switch for a type of your own as a task argument or output the typed tier may memoize:
/// `template <> inline constexpr bool flytecache::enable_typed_tier<my_type> = true;`.
///
/// Set it only when the type's literal is a function of its value alone, and then the type needs
/// `operator==` with the law `a == b` ⇒ `to_literal(a) == to_literal(b)` (an `==` that ignores a
/// field the literal carries, or treats -0.0 as 0.0, would let one call hit another call's entry),
/// and `std::hash<T>` consistent with it. A type that names external state — a path, a file, a
/// handle, a pointer — must never set it: its literal can change while its value does not.
/// Enums need it too (their literal is a conversion you wrote, which may read more than the
/// enumerator). Built-in value types need no switch: numbers (not long double), bool, std::string,
/// std::chrono durations and system-clock time points, and std::vector, std::optional, std::tuple,
/// string-keyed std::map / std::unordered_map (with the standard key comparison) and Hana structs
/// (converted by the library's struct literal_traits, not a specialization of your own) of those.
template <class T>
inline constexpr bool enable_typed_tier = false;

namespace detail {

// Named in the compiler's message when a type opted in with enable_typed_tier lacks what the tier
// needs (fmt's trick: an undefined template shows the type).
template <class T>
struct typed_tier_needs_operator_equal_for;
template <class T>
struct typed_tier_needs_std_hash_for;

template <class T>
struct tier_is_vector : std::false_type {};
template <class T, class A>
struct tier_is_vector<std::vector<T, A>> : std::true_type {};
template <class T>
struct tier_is_optional : std::false_type {};
template <class T>
struct tier_is_optional<std::optional<T>> : std::true_type {};
// String-keyed maps whose keys compare as the literal's keys do (a case-insensitive comparator
// would make {"A": 1} equal {"a": 1}, whose literals differ).
template <class T>
struct tier_is_ordered_map : std::false_type {};
template <class T, class A>
struct tier_is_ordered_map<std::map<std::string, T, std::less<std::string>, A>> : std::true_type {};
template <class T, class A>
struct tier_is_ordered_map<std::map<std::string, T, std::less<>, A>> : std::true_type {};
template <class T>
struct tier_is_unordered_map : std::false_type {};
template <class T, class H, class A>
struct tier_is_unordered_map<std::unordered_map<std::string, T, H, std::equal_to<std::string>, A>>
    : std::true_type {};
template <class T, class H, class A>
struct tier_is_unordered_map<std::unordered_map<std::string, T, H, std::equal_to<>, A>>
    : std::true_type {};

// A Hana struct converted by the library's struct literal_traits (not a specialization of the
// user's own, which may read more than the fields).
template <class T>
concept tier_fields_only_struct =
    is_struct<T> && requires { typename literal_traits<T>::flytecache_fields_only_tag; };
template <class T>
struct tier_is_duration : std::false_type {};
template <class R, class P>
struct tier_is_duration<std::chrono::duration<R, P>> : std::true_type {};
template <class T>
struct tier_is_time_point : std::false_type {};
template <class D>
struct tier_is_time_point<std::chrono::time_point<std::chrono::system_clock, D>> : std::true_type {
};
template <class T>
struct tier_is_std_tuple : std::false_type {};
template <class... Ts>
struct tier_is_std_tuple<std::tuple<Ts...>> : std::true_type {};

template <class T>
concept tier_std_hashable = requires(const T& v) {
    { std::hash<T>{}(v) } -> std::convertible_to<std::size_t>;
};

/// splitmix64's finalizer: std::hash of an integer is the identity in libstdc++, so values are
/// mixed before they are combined.
constexpr std::uint64_t tier_mix(std::uint64_t x) noexcept {
    x ^= x >> 30U;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27U;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31U;
    return x;
}
constexpr std::size_t tier_combine(std::size_t seed, std::size_t value) noexcept {
    return static_cast<std::size_t>(tier_mix(seed ^ (value + 0x9e3779b97f4a7c15ULL)));
}

/// Whether the typed tier can memoize values of T: T's literal is a function of its value, and
/// values can be compared (`tier_equal`), hashed (`tier_hash`) and sized (`tier_heap_bytes`).
/// Everything not listed here is refused (a whitelist: file, directory, content_file,
/// std::filesystem::path, pointers, views, literals and user types without the switch all fall
/// through to false).
template <class T>
consteval bool tier_known();

template <class T>
consteval bool tier_known_unqualified() {
    if constexpr (std::is_integral_v<T> || std::is_same_v<T, float> || std::is_same_v<T, double> ||
                  std::is_same_v<T, std::string>) {
        return true; // long double is not: its padding bytes make bitwise equality unsound
    } else if constexpr (tier_is_vector<T>::value || tier_is_optional<T>::value) {
        return tier_known<typename T::value_type>();
    } else if constexpr (tier_is_ordered_map<T>::value || tier_is_unordered_map<T>::value) {
        return tier_known<typename T::mapped_type>();
    } else if constexpr (tier_is_duration<T>::value) {
        return tier_known<typename T::rep>();
    } else if constexpr (tier_is_time_point<T>::value) {
        return tier_known<typename T::duration>();
    } else if constexpr (tier_is_std_tuple<T>::value) {
        return []<class... Ts>(std::type_identity<std::tuple<Ts...>>) {
            return (tier_known<Ts>() && ...);
        }(std::type_identity<T>{});
    } else if constexpr (tier_fields_only_struct<T>) {
        bool all = true;
        for_each_field_type<T>([&]<class F>(std::string_view, std::type_identity<F>) {
            all = all && tier_known<F>();
        });
        return all;
    } else if constexpr (enable_typed_tier<T>) {
        static_assert(!std::is_same_v<T, file> && !std::is_same_v<T, directory> &&
                          !std::is_same_v<T, std::filesystem::path>,
                      "flytecache: enable_typed_tier is set for a file, directory or path, whose "
                      "literal follows content its value does not hold (the tier would answer "
                      "after the file changed); remove the switch");
        if constexpr (!std::equality_comparable<T>) {
            static_assert(std::equality_comparable<T>,
                          "flytecache: enable_typed_tier<T> is set, but T has no operator== (the "
                          "typed tier compares arguments by value, never by hash alone); define "
                          "'bool operator==(const T&) const' or remove the switch");
            (void)sizeof(typed_tier_needs_operator_equal_for<T>);
        }
        if constexpr (!tier_std_hashable<T>) {
            static_assert(tier_std_hashable<T>,
                          "flytecache: enable_typed_tier<T> is set, but std::hash<T> is not "
                          "defined; specialize 'std::hash<T>' (consistent with operator==) or "
                          "remove the switch");
            (void)sizeof(typed_tier_needs_std_hash_for<T>);
        }
        return true;
    } else {
        return false;
    }
}

template <class T>
consteval bool tier_known() {
    if constexpr (std::is_same_v<T, std::remove_cvref_t<T>>) {
        return tier_known_unqualified<T>();
    } else {
        return false; // const, volatile or a reference: not a value the tier can hold
    }
}

template <class T>
std::size_t tier_hash(const T& v);
template <class T>
bool tier_equal(const T& a, const T& b);
template <class T>
std::size_t tier_heap_bytes(const T& v);

/// The hash the tier uses for a value of T (tier_known<T>() holds). Floating point is hashed by
/// its bits, as it is compared.
template <class T>
std::size_t tier_hash(const T& v) {
    if constexpr (std::is_same_v<T, float>) {
        return tier_mix(std::bit_cast<std::uint32_t>(v));
    } else if constexpr (std::is_same_v<T, double>) {
        return tier_mix(std::bit_cast<std::uint64_t>(v));
    } else if constexpr (std::is_enum_v<T>) {
        return tier_mix(static_cast<std::uint64_t>(static_cast<std::underlying_type_t<T>>(v)));
    } else if constexpr (std::is_integral_v<T>) {
        return tier_mix(static_cast<std::uint64_t>(v));
    } else if constexpr (std::is_same_v<T, std::string>) {
        return std::hash<std::string_view>{}(v);
    } else if constexpr (tier_is_vector<T>::value) {
        std::size_t h = tier_mix(v.size());
        for (const auto& e : v) h = tier_combine(h, tier_hash<typename T::value_type>(e));
        return h;
    } else if constexpr (tier_is_optional<T>::value) {
        return v ? tier_combine(1, tier_hash(*v)) : 0;
    } else if constexpr (tier_is_ordered_map<T>::value) {
        std::size_t h = tier_mix(v.size());
        for (const auto& [k, e] : v) h = tier_combine(tier_combine(h, tier_hash(k)), tier_hash(e));
        return h;
    } else if constexpr (tier_is_unordered_map<T>::value) {
        // Iteration order is not a property of the value: sum the entries' hashes.
        std::size_t h = tier_mix(v.size());
        for (const auto& [k, e] : v) h += tier_combine(tier_hash(k), tier_hash(e));
        return h;
    } else if constexpr (tier_is_duration<T>::value) {
        return tier_hash(v.count());
    } else if constexpr (tier_is_time_point<T>::value) {
        return tier_hash(v.time_since_epoch());
    } else if constexpr (tier_is_std_tuple<T>::value) {
        return std::apply(
            [](const auto&... e) {
                std::size_t h = 0;
                ((h = tier_combine(h, tier_hash(e))), ...);
                return h;
            },
            v);
    } else if constexpr (tier_fields_only_struct<T>) {
        std::size_t h = 0;
        for_each_field(v,
                       [&](std::string_view, const auto& f) { h = tier_combine(h, tier_hash(f)); });
        return h;
    } else {
        return std::hash<T>{}(v);
    }
}

/// Value equality as the tier needs it: equal values have equal literals. Floating point compares
/// bits, so 0.0 and -0.0 (equal under ==, different literals) stay apart, and a NaN argument can
/// hit an entry of the same NaN.
template <class T>
bool tier_equal(const T& a, const T& b) {
    if constexpr (std::is_same_v<T, float>) {
        return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b);
    } else if constexpr (std::is_same_v<T, double>) {
        return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
    } else if constexpr (tier_is_vector<T>::value) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!tier_equal<typename T::value_type>(a[i], b[i])) return false;
        }
        return true;
    } else if constexpr (tier_is_optional<T>::value) {
        if (a.has_value() != b.has_value()) return false;
        return !a || tier_equal(*a, *b);
    } else if constexpr (tier_is_ordered_map<T>::value || tier_is_unordered_map<T>::value) {
        if (a.size() != b.size()) return false;
        for (const auto& [k, e] : a) {
            auto it = b.find(k);
            if (it == b.end() || !tier_equal(e, it->second)) return false;
        }
        return true;
    } else if constexpr (tier_is_duration<T>::value) {
        return tier_equal(a.count(), b.count());
    } else if constexpr (tier_is_time_point<T>::value) {
        return tier_equal(a.time_since_epoch(), b.time_since_epoch());
    } else if constexpr (tier_is_std_tuple<T>::value) {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return (tier_equal(std::get<I>(a), std::get<I>(b)) && ...);
        }(std::make_index_sequence<std::tuple_size_v<T>>{});
    } else if constexpr (tier_fields_only_struct<T>) {
        bool same = true;
        boost::hana::for_each(boost::hana::accessors<T>(), [&](const auto& pair) {
            const auto& get = boost::hana::second(pair);
            same = same && tier_equal(get(a), get(b));
        });
        return same;
    } else { // integers, enums, std::string, and user types that opted in
        return a == b;
    }
}

/// What a value holds on the heap, roughly (the tier's byte bound counts it).
template <class T>
std::size_t tier_heap_bytes(const T& v) {
    if constexpr (std::is_same_v<T, std::string>) {
        return v.capacity() > 15 ? v.capacity() + 1 : 0;
    } else if constexpr (tier_is_vector<T>::value) {
        std::size_t n = v.capacity() * sizeof(typename T::value_type);
        if constexpr (!std::is_arithmetic_v<typename T::value_type>) {
            for (const auto& e : v) n += tier_heap_bytes(e);
        }
        return n;
    } else if constexpr (tier_is_optional<T>::value) {
        return v ? tier_heap_bytes(*v) : 0;
    } else if constexpr (tier_is_ordered_map<T>::value || tier_is_unordered_map<T>::value) {
        std::size_t n = 0;
        for (const auto& [k, e] : v) {
            n += 48 + sizeof(k) + sizeof(e) + tier_heap_bytes(k) + tier_heap_bytes(e);
        }
        return n;
    } else if constexpr (tier_is_std_tuple<T>::value) {
        return std::apply(
            [](const auto&... e) { return (std::size_t{0} + ... + tier_heap_bytes(e)); }, v);
    } else if constexpr (tier_fields_only_struct<T>) {
        std::size_t n = 0;
        for_each_field(v, [&](std::string_view, const auto& f) { n += tier_heap_bytes(f); });
        return n;
    } else {
        return 0;
    }
}

/// One tag object per task type: its address tells two task types apart (and lets a node be cast
/// back to its own types only).
template <class T>
inline constexpr char tier_type_tag = 0;

} // namespace detail

/// Whether the typed tier can memoize values of T (as an argument or an output).
template <class T>
inline constexpr bool typed_tier_value_v = detail::tier_known<T>();

/// A task kind whose calls the typed tier can look at before any literal is built: an
/// `executable_task` with `args_tuple` (the arguments as its parameter types), `bind_arguments`
/// (`prepare` without the literals, `call.arg<I>()` reading each argument) and `build_inputs`
/// (the literals, on a miss). function_task models it.
template <class T, class... Args>
concept typed_tier_task =
    executable_task<T, Args...> && requires { typename T::args_tuple; } && requires {
        { T::modifies_arguments } -> std::convertible_to<bool>;
    } && requires(const T& t, typename T::call_type& call, Args&&... args) {
        { t.bind_arguments(std::forward<Args>(args)...) } -> std::same_as<typename T::call_type>;
        t.build_inputs(call);
    };

namespace detail {
template <class Tuple>
inline constexpr bool tier_tuple_known = false;
template <class... Ts>
inline constexpr bool tier_tuple_known<std::tuple<Ts...>> = (tier_known<Ts>() && ...);
} // namespace detail

/// Whether an executor with a typed tier memoizes calls of `Task` with arguments `Args...`: a
/// `typed_tier_task` whose arguments (as its parameter types) and outputs are all
/// `typed_tier_value_v`, and whose outputs can be copied. Other calls bypass the tier.
template <class Task, class... Args>
inline constexpr bool typed_tier_eligible_v = [] {
    if constexpr (typed_tier_task<Task, Args...>) {
        // A function that takes a parameter by non-const reference may change the argument the
        // call holds, which the entry would then be stored under: never memoized.
        return !Task::modifies_arguments && detail::tier_tuple_known<typename Task::args_tuple> &&
               typed_tier_value_v<typename Task::output_type> &&
               std::is_copy_constructible_v<typename Task::output_type>;
    } else {
        return false;
    }
}();

/// Bounds of a typed tier. Both apply; the least recently used entries go first.
struct typed_tier_options {
    /// The most entries kept (over all tasks). 0 keeps none.
    std::size_t max_entries = 4096;
    /// The most bytes kept, approximately: each entry counts its node, the task's name and
    /// version, and the arguments and outputs (their sizeof plus what they hold on the heap).
    /// An entry larger than this is not kept.
    std::size_t max_bytes = std::size_t{16} << 20U;
};

/// What a typed tier has done since it was made (or cleared: `clear` keeps the counters).
struct typed_tier_stats {
    std::uint64_t hits = 0;      ///< calls answered by the tier
    std::uint64_t misses = 0;    ///< lookups that found no current entry
    std::uint64_t inserts = 0;   ///< entries added or refreshed
    std::uint64_t evictions = 0; ///< entries dropped by the bounds
    std::size_t entries = 0;     ///< entries held now
    std::size_t bytes = 0;       ///< approximate bytes held now
};

/// Who a memoized call belongs to: the task's type, name, cache version and ignored inputs. Two
/// calls share an entry only when all four match and their arguments are equal.
struct typed_tier_identity {
    const void* type_tag = nullptr;
    std::string_view name;
    std::string_view version;
    std::span<const std::string> ignored;
};

/// The typed in-process tier: task outputs memoized by the task's identity and its argument
/// values, in front of an executor's store. Turn it on with `executor_options::typed_tier`; the
/// executor owns it (`executor::tier()`).
///
/// Why: a cached call that hits the store still converts every argument to a literal, computes
/// flytekit's key (encode + MD5) and reads and decodes the entry. A process that repeats a call
/// with equal C++ arguments can skip all of it: a hit here hashes the arguments, compares them
/// with `==` semantics (never by hash alone) and copies the outputs.
///
/// What it memoizes (the executor decides per call, at compile time where it can):
/// - function tasks whose arguments and outputs are value types (`typed_tier_value_v`): numbers,
///   bool, enums, std::string, chrono durations and time points, containers and Hana structs of
///   them, and user types that set `enable_typed_tier` (see there for the rules). Floating point
///   compares by its bits, so 0.0 and -0.0 (equal under ==, different literals) never share.
/// - Everything else bypasses the tier and runs through the store as before: files, directories,
///   content_file and std::filesystem::path arguments (their literal follows the file's content,
///   which can change while the path does not), pointers and views, file outputs (a hit must check
///   the stored copy still exists), other task kinds, tasks with `max_age` (the store expires
///   entries on its own clock, which the tier cannot follow), and calls with caching off.
///
/// What it sees: every call through its executor. A miss stores what the call returned (from the
/// store or from running the task), so the task's own writes refresh it; in overwrite mode
/// (`local_cache_config::overwrite`) it is never read, and each recomputation replaces its entry.
/// `set`, `set_entry`, `erase` and `clear` through the executor's `cache()` make every entry
/// stale at once (`local_task_cache::generation`).
///
/// Concurrent misses of one call (without `serialize`) each run the task; the tier keeps the
/// outputs of whichever finished last, which for a task whose outputs differ between runs may not
/// be the run whose outputs the store kept. Serialize the task when that matters. A write the
/// store refused (reported, not thrown, unless `strict`) is still memoized: it is the task's own
/// output for those arguments.
///
/// What it cannot see: anything that changes the store behind the executor's back — another
/// process or another executor writing or erasing the entry, `store().erase(key)` or
/// `store().clear()` called directly, or the store evicting or expiring it. A call answered here
/// then returns the outputs the store held when the tier learnt them. Call `clear()` after such a
/// change, or leave the tier off where the store is shared with writers that may disagree.
///
/// Thread safety: every member may be called concurrently. One mutex guards the table; a hit
/// holds it for a hash lookup, the comparison, a list splice and the copy of the outputs (keep
/// outputs that are expensive to copy out of the tier, or accept the copy under the lock).
class typed_tier {
public:
    explicit typed_tier(typed_tier_options options = {});
    typed_tier(const typed_tier&) = delete;
    typed_tier& operator=(const typed_tier&) = delete;
    ~typed_tier();

    /// The outputs memoized for these arguments, when an entry of the same identity holds equal
    /// arguments and was stored in `generation`. `probe` is a tuple of references to the arguments
    /// (`Args` the tuple of their types); `hash` is `hash_of(identity, probe)`.
    template <class Args, class Out, class Probe>
    [[nodiscard]] std::optional<Out> find(const typed_tier_identity& id, std::size_t hash,
                                          const Probe& probe, std::uint64_t generation) {
        const std::lock_guard lock(mutex_);
        for (auto [it, end] = index_.equal_range(hash); it != end; ++it) {
            node_base& n = **it->second;
            if (!same_identity(n, id)) continue;
            auto& typed = static_cast<node<Args, Out>&>(n);
            if (!equal_arguments(typed.args, probe)) continue;
            if (n.generation != generation) { // stale: the cache changed since it was stored
                drop(it);
                break;
            }
            lru_.splice(lru_.begin(), lru_, it->second);
            ++stats_.hits;
            return typed.outputs;
        }
        ++stats_.misses;
        return std::nullopt;
    }

    /// Memoizes `outputs` for these arguments, replacing an entry with equal arguments, stamped
    /// with `generation` (the cache's generation read before the store was). Then evicts the
    /// least recently used entries until both bounds hold.
    template <class Args, class Out, class Probe>
    void insert(const typed_tier_identity& id, std::size_t hash, const Probe& probe,
                const Out& outputs, std::uint64_t generation) {
        auto fresh = std::make_unique<node<Args, Out>>(
            std::apply([](const auto&... a) { return Args(a...); }, probe), outputs);
        fresh->hash = hash;
        fresh->type_tag = id.type_tag;
        fresh->name.assign(id.name);
        fresh->version.assign(id.version);
        fresh->ignored.assign(id.ignored.begin(), id.ignored.end());
        fresh->generation = generation;
        fresh->bytes = sizeof(node<Args, Out>) + node_overhead + fresh->name.capacity() +
                       fresh->version.capacity() + detail::tier_heap_bytes(fresh->args) +
                       detail::tier_heap_bytes(fresh->outputs);
        for (const auto& s : fresh->ignored) fresh->bytes += sizeof(s) + s.capacity();
        const std::lock_guard lock(mutex_);
        for (auto [it, end] = index_.equal_range(hash); it != end; ++it) {
            node_base& n = **it->second;
            if (same_identity(n, id) &&
                equal_arguments(static_cast<node<Args, Out>&>(n).args, probe)) {
                drop(it);
                break;
            }
        }
        if (fresh->bytes > options_.max_bytes || options_.max_entries == 0) return;
        ++stats_.inserts;
        add(std::move(fresh));
    }

    /// Drops every entry (the counters stay).
    void clear();
    /// The counters and the current size.
    [[nodiscard]] typed_tier_stats stats() const;
    [[nodiscard]] const typed_tier_options& options() const noexcept { return options_; }

    /// The hash `find` and `insert` take: the identity's name and version, then each argument.
    template <class Probe>
    [[nodiscard]] static std::size_t hash_of(const typed_tier_identity& id, const Probe& probe) {
        std::size_t h = detail::tier_combine(std::hash<std::string_view>{}(id.name),
                                             std::hash<std::string_view>{}(id.version));
        h = detail::tier_combine(h, std::hash<const void*>{}(id.type_tag));
        std::apply(
            [&](const auto&... a) {
                ((h = detail::tier_combine(h,
                                           detail::tier_hash<std::remove_cvref_t<decltype(a)>>(a))),
                 ...);
            },
            probe);
        return h;
    }

private:
    // The list node and the index node around each entry, roughly.
    static constexpr std::size_t node_overhead = 96;

    struct node_base {
        node_base() = default;
        node_base(const node_base&) = delete;
        node_base& operator=(const node_base&) = delete;
        virtual ~node_base() = default; // entries of every task share one list
        std::size_t hash = 0;
        const void* type_tag = nullptr;
        std::string name;
        std::string version;
        std::vector<std::string> ignored;
        std::uint64_t generation = 0;
        std::size_t bytes = 0;
    };
    template <class Args, class Out>
    struct node final : node_base {
        node(Args a, Out o) : args(std::move(a)), outputs(std::move(o)) {}
        Args args;
        Out outputs;
    };
    using lru_list = std::list<std::unique_ptr<node_base>>;
    struct identity_hash {
        std::size_t operator()(std::size_t h) const noexcept { return h; }
    };
    using index_map = std::unordered_multimap<std::size_t, lru_list::iterator, identity_hash>;

    static bool same_identity(const node_base& n, const typed_tier_identity& id) {
        if (n.type_tag != id.type_tag || n.name != id.name || n.version != id.version ||
            n.ignored.size() != id.ignored.size()) {
            return false;
        }
        for (std::size_t i = 0; i < n.ignored.size(); ++i) {
            if (n.ignored[i] != id.ignored[i]) return false;
        }
        return true;
    }

    template <class Args, class Probe>
    static bool equal_arguments(const Args& stored, const Probe& probe) {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return (detail::tier_equal<std::tuple_element_t<I, Args>>(std::get<I>(stored),
                                                                      std::get<I>(probe)) &&
                    ...);
        }(std::make_index_sequence<std::tuple_size_v<Args>>{});
    }

    // Both under mutex_.
    void add(std::unique_ptr<node_base> fresh);
    void drop(index_map::iterator it);

    typed_tier_options options_;
    mutable std::mutex mutex_;
    lru_list lru_; // most recently used first
    index_map index_;
    typed_tier_stats stats_;
};

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/task/typed_tier.ipp>
#endif
