// flytecache — benchmarks: the LMDB floor, the C API as lmdb_store uses it and nothing more
// SPDX-License-Identifier: MIT
// One owner for bench_store (get/set beside lmdb_store) and bench_scaling (the entries curve).
#pragma once

#include "../tests/support/temp_dir.hpp"

#include <lmdb.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace flytecache_bench {

// lmdb_store's environment flags (MDB_NOTLS, full sync), one database, the value stored as given
// (lmdb_store adds a 17-byte header), a read transaction kept and renewed per get as lmdb_store
// does, and the value copied into a std::string as a caller of get would. The entries are in the
// unnamed main database, the cheapest lookup LMDB offers, as lmdb_store keeps them.
class raw_lmdb {
public:
    explicit raw_lmdb(std::size_t map_size = std::size_t{64} << 20) {
        check(mdb_env_create(&env_), "create");
        check(mdb_env_set_mapsize(env_, map_size), "mapsize");
        check(mdb_env_set_maxdbs(env_, 4), "maxdbs");
        check(mdb_env_open(env_, dir_.path().c_str(), MDB_NOTLS, 0664), "open");
        MDB_txn* txn = nullptr;
        check(mdb_txn_begin(env_, nullptr, 0, &txn), "begin");
        check(mdb_dbi_open(txn, nullptr, 0, &dbi_), "dbi");
        check(mdb_txn_commit(txn), "commit");
        check(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &reader_), "reader");
        mdb_txn_reset(reader_);
    }
    raw_lmdb(const raw_lmdb&) = delete;
    raw_lmdb& operator=(const raw_lmdb&) = delete;
    ~raw_lmdb() {
        mdb_txn_abort(reader_);
        mdb_env_close(env_);
    }

    std::optional<std::string> get(std::string_view key) {
        check(mdb_txn_renew(reader_), "renew");
        MDB_val k{key.size(), const_cast<char*>(key.data())};
        MDB_val v;
        std::optional<std::string> out;
        if (mdb_get(reader_, dbi_, &k, &v) == MDB_SUCCESS) {
            out.emplace(static_cast<const char*>(v.mv_data), v.mv_size);
        }
        mdb_txn_reset(reader_);
        return out;
    }

    // One write transaction, one commit (and fsync), as lmdb_store's set.
    void set(std::string_view key, std::string_view value) {
        MDB_txn* txn = nullptr;
        check(mdb_txn_begin(env_, nullptr, 0, &txn), "begin");
        put(txn, key, value);
        check(mdb_txn_commit(txn), "commit");
    }

    // `n` entries keyed by `key_of(first + i)`, 10,000 to a transaction.
    template <class KeyOf>
    void fill(std::size_t first, std::size_t n, std::string_view value, KeyOf key_of) {
        for (std::size_t done = 0; done < n;) {
            const std::size_t chunk = std::min<std::size_t>(10000, n - done);
            MDB_txn* txn = nullptr;
            check(mdb_txn_begin(env_, nullptr, 0, &txn), "begin");
            for (std::size_t i = 0; i != chunk; ++i) {
                put(txn, key_of(first + done + i), value);
            }
            check(mdb_txn_commit(txn), "commit");
            done += chunk;
        }
    }

private:
    void put(MDB_txn* txn, std::string_view key, std::string_view value) {
        MDB_val k{key.size(), const_cast<char*>(key.data())};
        MDB_val v{value.size(), const_cast<char*>(value.data())};
        if (const int rc = mdb_put(txn, dbi_, &k, &v, 0); rc != MDB_SUCCESS) {
            mdb_txn_abort(txn);
            check(rc, "put");
        }
    }
    static void check(int rc, const char* what) {
        if (rc != MDB_SUCCESS) {
            throw std::runtime_error(std::string("raw_lmdb: ") + what + ": " + mdb_strerror(rc));
        }
    }

    flytecache_test::temp_dir dir_{"bench"};
    MDB_env* env_ = nullptr;
    MDB_dbi dbi_ = 0;
    MDB_txn* reader_ = nullptr;
};

} // namespace flytecache_bench
