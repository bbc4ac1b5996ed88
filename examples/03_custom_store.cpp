// flytecache — stores: flytekit's local cache on SQLite, a memory tier in front, and your own store
// SPDX-License-Identifier: MIT
#include <flytecache/flytecache.hpp>

#include <filesystem>
#include <iostream>
#include <map>

namespace fc = flytecache;

// A store is any type with get / set / erase / clear over string keys and byte values. (This one is
// for a single thread, for brevity; the stores flytecache ships are safe for concurrent use.)
class logging_map_store {
public:
    std::optional<std::string> get(std::string_view key) {
        const auto it = entries_.find(key);
        std::cout << "  map_store get " << (it == entries_.end() ? "miss" : "hit") << '\n';
        return it == entries_.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    void set(std::string_view key, std::string_view value) {
        entries_.insert_or_assign(std::string(key), std::string(value));
    }
    bool erase(std::string_view key) { return entries_.erase(std::string(key)) > 0; }
    void clear() { entries_.clear(); }

private:
    std::map<std::string, std::string, std::less<>> entries_;
};
static_assert(fc::cache_store<logging_map_store>);
static_assert(!fc::expiring_store<logging_map_store>); // capabilities are detected, not required

int main() {
    const auto dir = std::filesystem::temp_directory_path() / "flytecache-example-03";
    std::filesystem::remove_all(dir);

    // 1. flytekit's local cache: the same files, keys and bytes as LocalTaskCache in Python.
    //    (Without a path it opens ~/.flyte/local-cache, flytekit's location.)
    fc::local_task_cache<fc::sqlite_store> local(dir / "local-cache");
    fc::literal_map inputs;
    inputs.insert_or_assign("n", fc::to_literal(std::int64_t{5}));
    fc::literal_map outputs;
    outputs.insert_or_assign("o0", fc::to_literal(std::int64_t{120}));
    std::cout << "first lookup: " << (local.get("factorial", "v1", inputs) ? "hit" : "miss")
              << '\n';
    local.set("factorial", "v1", inputs, {}, outputs);
    const auto cached = local.get("factorial", "v1", inputs);
    if (!cached) return 1;
    std::cout << "second lookup: " << (cached ? "hit" : "miss")
              << ", o0 = " << fc::from_literal<std::int64_t>(*cached->find("o0")) << '\n';
    std::cout << "key: " << local.make_key("factorial", "v1", inputs) << '\n';

    // 2. A memory tier in front of SQLite: repeated reads of a hot key stay in memory.
    fc::tiered_store<fc::memory_store, fc::sqlite_store> tiered(fc::memory_store{},
                                                                fc::sqlite_store(dir / "tiered"));
    tiered.set("hot", "bytes");
    std::cout << "tiered get: " << tiered.get("hot").value_or("?")
              << " (front holds it: " << (tiered.front().get("hot") ? "yes" : "no") << ")\n";

    // 3. Your own store works wherever a store does.
    fc::local_task_cache<logging_map_store> custom(logging_map_store{});
    custom.set("factorial", "v1", inputs, {}, outputs);
    const bool hit = custom.get("factorial", "v1", inputs).has_value();
    std::cout << "custom store lookup: " << (hit ? "hit" : "miss") << '\n';

    std::filesystem::remove_all(dir);
}
