// flytecache — compile-time probe: the umbrella header and nothing else
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

int main() {}
