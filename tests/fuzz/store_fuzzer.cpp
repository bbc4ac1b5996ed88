// flytecache — libFuzzer target: a cache.db with damaged Settings values and hostile Cache rows
// SPDX-License-Identifier: MIT
// libFuzzer target: a cache.db with damaged Settings values and hostile Cache rows, opened and used
// through sqlite_store, local_task_cache and the command-line tool's commands.
#include <flytecache/error.hpp>
#include <flytecache/store/sqlite_store.hpp>
#include <flytecache/task/local_task_cache.hpp>

#include "flytecache/command_table.hpp" // the command-line tool's commands (tools/)

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace fc = flytecache;
namespace fs = std::filesystem;

namespace {

// Reads the fuzzer's bytes as a sequence of choices; past the end every read is zero.
class reader {
public:
    reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    [[nodiscard]] bool done() const noexcept { return pos_ >= size_; }
    std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
    std::int64_t int64() {
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v = (v << 8U) | byte();
        return static_cast<std::int64_t>(v);
    }
    double real() {
        const std::int64_t bits = int64();
        double d = 0;
        std::memcpy(&d, &bits, sizeof d); // any bit pattern: NaN, infinities, 1e300 …
        return d;
    }
    std::string text(std::size_t max = 64) {
        const std::size_t n = std::min<std::size_t>(byte(), max);
        std::string out;
        for (std::size_t i = 0; i < n && !done(); ++i) out += static_cast<char>(byte());
        return out;
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

// Binds one value of a type the fuzzer picks: what a Settings or Cache column may hold.
void bind_any(sqlite3_stmt* st, int index, reader& in) {
    switch (in.byte() % 6) {
    case 0: sqlite3_bind_null(st, index); break;
    case 1: sqlite3_bind_int64(st, index, in.int64()); break;
    case 2: sqlite3_bind_double(st, index, in.real()); break;
    case 3: {
        const std::string t = in.text();
        sqlite3_bind_text(st, index, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
        break;
    }
    case 4: {
        const std::string b = in.text();
        sqlite3_bind_blob(st, index, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
        break;
    }
    default: sqlite3_bind_int64(st, index, in.byte() % 8); break; // small numbers: modes, flags
    }
}

// Filenames a hostile or damaged row may hold.
std::string filename(reader& in, const fs::path& outside) {
    switch (in.byte() % 8) {
    case 0: return "ab/cd/0123456789abcdef0123456789ab.val"; // well-formed, maybe present
    case 1: return (outside / "victim").string();            // absolute, outside
    case 2: return "../outside/victim";
    case 3: return "/dev/zero";
    case 4: return "ab/cd/link0123456789abcdef012345.val";
    case 5: return ".";
    case 6: return "";
    default: return in.text();
    }
}

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "store_fuzzer: %s\n", what);
    std::abort();
}

// Runs `f`; flytecache errors (cli_error is one) are the expected answers to damage, anything
// else — a std exception, bad_alloc — is a bug.
template <class F>
void guarded(F&& f) {
    try {
        f();
    } catch (const fc::error&) { // NOLINT(bugprone-empty-catch): the expected answer
    } catch (const std::exception& e) {
        std::fprintf(stderr, "store_fuzzer: unexpected exception: %s\n", e.what());
        std::abort();
    } catch (...) {
        fail("an exception that is not a std::exception");
    }
}

const fs::path& work_dir() {
    static const fs::path dir = [] {
        const fs::path d =
            fs::temp_directory_path() / ("flytecache-store-fuzz-" + std::to_string(::getpid()));
        // The tool prints to stdout; the fuzzer's output stays readable without it.
        const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null >= 0) ::dup2(null, STDOUT_FILENO);
        return d;
    }();
    return dir;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fs::path root = work_dir();
    std::error_code ec;
    fs::remove_all(root, ec);
    const fs::path cache = root / "cache";
    const fs::path outside = root / "outside";
    fs::create_directories(outside, ec);
    std::ofstream(outside / "victim") << "not the cache's";
    { fc::sqlite_store create(cache); } // diskcache's schema and settings
    fs::create_directories(cache / "ab" / "cd", ec);
    std::ofstream(cache / "ab" / "cd" / "0123456789abcdef0123456789ab.val") << "value bytes";
    fs::create_symlink(outside / "victim", cache / "ab" / "cd" / "link0123456789abcdef012345.val",
                       ec);

    reader in(data, size);
    {
        sqlite3* db = nullptr;
        if (sqlite3_open((cache / "cache.db").c_str(), &db) != SQLITE_OK) fail("cannot open");
        static constexpr const char* settings[] = {"size",
                                                   "count",
                                                   "hits",
                                                   "misses",
                                                   "size_limit",
                                                   "cull_limit",
                                                   "statistics",
                                                   "eviction_policy",
                                                   "tag_index",
                                                   "disk_min_file_size",
                                                   "sqlite_synchronous",
                                                   "sqlite_mmap_size",
                                                   "sqlite_cache_size",
                                                   "sqlite_journal_mode",
                                                   "sqlite_auto_vacuum"};
        for (int ops = 0; ops < 24 && !in.done(); ++ops) {
            sqlite3_stmt* st = nullptr;
            if (in.byte() % 2 == 0) {
                sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO Settings VALUES (?, ?)", -1, &st,
                                   nullptr);
                const char* name = settings[in.byte() % std::size(settings)];
                sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
                bind_any(st, 2, in);
            } else {
                sqlite3_prepare_v2(db,
                                   "INSERT OR REPLACE INTO Cache (key, raw, store_time, "
                                   "expire_time, access_time, access_count, tag, size, mode, "
                                   "filename, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                   -1, &st, nullptr);
                const std::string key = "k" + std::to_string(in.byte() % 4);
                sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()),
                                  SQLITE_TRANSIENT);
                for (int col = 2; col <= 9; ++col) bind_any(st, col, in);
                const std::string name = filename(in, outside);
                if (in.byte() % 4 == 0) {
                    sqlite3_bind_null(st, 10);
                } else {
                    sqlite3_bind_text(st, 10, name.data(), static_cast<int>(name.size()),
                                      SQLITE_TRANSIENT);
                }
                bind_any(st, 11, in);
            }
            sqlite3_step(st);
            sqlite3_finalize(st);
        }
        sqlite3_close(db);
    }

    guarded([&] {
        fc::sqlite_store store(
            fc::sqlite_store::options{.directory = cache, .timeout = std::chrono::seconds(1)});
        for (int k = 0; k < 4; ++k) {
            const std::string key = "k" + std::to_string(k);
            guarded([&] { (void)store.get(key); });
            guarded([&] { (void)store.get_entry(key); });
            guarded([&] {
                if (auto s = store.read(key)) {
                    std::string sink;
                    std::getline(*s, sink);
                }
            });
        }
        guarded([&] { store.for_each_entry([](const fc::stored_entry_info&) {}); });
        guarded([&] { store.for_each_value([](std::string_view) {}); });
        guarded([&] { (void)store.volume(); });
        guarded([&] { (void)store.size(); });
        guarded([&] { (void)store.check(false); });
        guarded([&] { store.set("new", std::string(40000, 'n')); });
        guarded([&] { (void)store.cull(); });
        guarded([&] { (void)store.expire(); });
        guarded([&] {
            fc::local_task_cache<fc::sqlite_store> tasks(
                cache, {.config = {}, .on_bad_entry = [](auto&) {}});
            for (int k = 0; k < 4; ++k) (void)tasks.get_entry("k" + std::to_string(k));
        });
        namespace cli = flytecache_cli;
        const cli::invocation inv{.dir = cache};
        guarded([&] { (void)cli::run_ls(inv); });
        guarded([&] { (void)cli::run_stats(inv); });
        guarded([&] { (void)cli::run_check(inv); });
        guarded([&] {
            cli::invocation show = inv;
            show.operands = {"k0"};
            (void)cli::run_show(show);
        });
        guarded([&] { (void)store.check(true); });
        guarded([&] { (void)store.erase("k1"); });
        guarded([&] { (void)store.clear(); });
    });
    // Nothing outside the cache was read into, deleted or changed.
    std::ifstream victim(outside / "victim");
    std::string text;
    std::getline(victim, text);
    if (text != "not the cache's") fail("a file outside the cache was changed or removed");
    return 0;
}
