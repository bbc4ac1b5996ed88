// flytecache — misuse: a type opted into the typed tier without operator==
// SPDX-License-Identifier: MIT
// misuse: enable_typed_tier<T> set for a type that cannot be compared: the tier compares arguments
// by value (never by hash alone), so this must not compile, and must say which type and why.
// expect: flytecache: enable_typed_tier<T> is set, but T has no operator==
// context: typed_tier_needs_operator_equal_for<.*no_equality>
#include <flytecache/literal/literal_traits.hpp>
#include <flytecache/store/memory_store.hpp>
#include <flytecache/task/executor.hpp>
#include <flytecache/task/function_task.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>

namespace user {
struct no_equality {
    std::int64_t value = 0;
};
inline flytecache::literal to_literal(const no_equality& v) {
    return flytecache::to_literal(v.value);
}
inline void from_literal(const flytecache::literal& l, no_equality& v) {
    v.value = flytecache::from_literal<std::int64_t>(l);
}
inline flytecache::literal_type literal_type_of(std::type_identity<no_equality>) {
    return flytecache::literal_type_of<std::int64_t>();
}
} // namespace user

template <>
struct std::hash<user::no_equality> {
    std::size_t operator()(const user::no_equality& v) const noexcept {
        return static_cast<std::size_t>(v.value);
    }
};
template <>
inline constexpr bool flytecache::enable_typed_tier<user::no_equality> = true;

int main() {
    namespace fc = flytecache;
    auto t = fc::task<fc::inputs<"x">>(
        "t", [](user::no_equality x) { return x.value; },
        fc::cache{fc::cache_options{.version = "1"}});
    fc::executor_options o;
    o.typed_tier = fc::typed_tier_options{};
    fc::executor exec(fc::memory_store{}, o);
    return static_cast<int>(exec.run(t, user::no_equality{1}));
}
