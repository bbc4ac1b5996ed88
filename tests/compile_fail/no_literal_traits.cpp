// flytecache — misuse: converting a type without literal_traits must not compile, and must say why
// SPDX-License-Identifier: MIT
// expect: flytecache: no literal_traits for this type
#include <flytecache/flytecache.hpp> // the header under test (also in the umbrella)

struct no_traits {
    int value = 1;
};

int main() {
    const auto l = flytecache::to_literal(no_traits{});
    (void)l;
}
