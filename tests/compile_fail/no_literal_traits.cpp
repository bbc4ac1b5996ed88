// flytecache — misuse: converting a type without literal_traits must not compile, and must say why
// SPDX-License-Identifier: MIT
// expect: flytecache: no literal_traits for this type
#include <flytecache/literal/literal_traits.hpp>

struct no_traits {
    int value = 1;
};

int main() {
    const auto l = flytecache::to_literal(no_traits{});
    (void)l;
}
