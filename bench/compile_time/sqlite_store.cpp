// flytecache — compile-time probe: the SQLite store's header and nothing else
// SPDX-License-Identifier: MIT
#include <flytecache/store/sqlite_store.hpp>

int main() {}
