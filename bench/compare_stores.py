#!/usr/bin/env python3
# flytecache — runs bench_store and bench_diskcache.py and prints the stores side by side in one table
# SPDX-License-Identifier: MIT
"""Usage: compare_stores.py BENCH_STORE_BINARY [extra google-benchmark flags]

The stores: sqlite_store beside raw SQLite and Python diskcache, lmdb_store (when the program was
built with FLYTECACHE_WITH_LMDB) beside the raw LMDB C API, memory_store, and sqlite_store's
batches (set_many/get_many of 1,000 entries beside 1,000 single calls).

Runs BENCH_STORE_BINARY (bench/bench_store.cpp) with 5 repetitions, interleaved, and takes each
case's median real time, then runs bench_diskcache.py under /usr/bin/python3 (the interpreter that
has Debian's python3-diskcache), and prints one table with the goals below it. Absolute times drift
on a shared machine; the ratios, measured in the same run, much less. It is a report: it exits 0
when a goal is missed, and non-zero only when the C++ benchmark itself cannot run.
"""
import json
import os
import subprocess
import sys

OPERATIONS = ["get_hit", "get_miss", "set_100", "set_10k"]
DISKCACHE_PYTHON = "/usr/bin/python3"
NS_PER_UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

GOAL_GET_VS_RAW = 1.10
GOAL_GET_VS_DISKCACHE = 1.7
GOAL_MEMORY_GET_NS = 150.0
GOAL_LMDB_GET_VS_RAW = 1.2
GOAL_LMDB_GET_VS_SQLITE = 6.0
GOAL_SET_MANY_VS_SETS = 10.0


def run_bench_store(binary, extra):
    # Interleaving runs the repetitions of all cases in random order, so a burst of load from
    # elsewhere on the machine lands on both sides of a ratio instead of on one case's five runs.
    cmd = [binary, "--benchmark_format=json", "--benchmark_repetitions=5",
           "--benchmark_report_aggregates_only=true", "--benchmark_enable_random_interleaving=true",
           *extra]
    result = subprocess.run(cmd, check=True, capture_output=True, text=True)
    medians = {}
    for b in json.loads(result.stdout)["benchmarks"]:
        if b.get("error_occurred"):
            print(f"note: {b['name']} failed: {b.get('error_message', '?')}", file=sys.stderr)
            continue
        if b.get("aggregate_name") == "median":
            medians[b["run_name"]] = b["real_time"] * NS_PER_UNIT[b.get("time_unit", "ns")]
    return medians


def run_diskcache():
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_diskcache.py")
    if not os.path.exists(DISKCACHE_PYTHON):
        print(f"note: {DISKCACHE_PYTHON} not found; the diskcache column is n/a")
        return {}, None
    check = subprocess.run([DISKCACHE_PYTHON, "-c", "import diskcache"], capture_output=True)
    if check.returncode != 0:
        print(f"note: {DISKCACHE_PYTHON} cannot import diskcache (apt-get install python3-diskcache); "
              "the diskcache column is n/a")
        return {}, None
    result = subprocess.run([DISKCACHE_PYTHON, script], capture_output=True, text=True)
    if result.returncode != 0:
        print(f"note: bench_diskcache.py failed (exit {result.returncode}); the diskcache column is "
              f"n/a\n{result.stderr.strip()}")
        return {}, None
    data = json.loads(result.stdout)
    return {op: float(data[op]) for op in OPERATIONS if op in data}, data.get("diskcache_version")


def fmt_ns(v):
    return "n/a" if v is None else f"{v:,.1f}"


def fmt_ratio(a, b):
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        medians = run_bench_store(sys.argv[1], sys.argv[2:])
    except (OSError, subprocess.CalledProcessError, ValueError) as e:
        print(f"compare_stores.py: cannot run {sys.argv[1]}: {e}", file=sys.stderr)
        if isinstance(e, subprocess.CalledProcessError) and e.stderr:
            print(e.stderr, file=sys.stderr)
        return 1
    diskcache, version = run_diskcache()

    def cell(store, op):
        return medians.get(f"{store}/{op}")

    headers = ["operation", "sqlite_store ns", "raw_sqlite ns", "store/raw",
               "diskcache ns" if version is None else f"diskcache {version} ns",
               "diskcache/store", "memory_store ns"]
    rows = []
    for op in OPERATIONS:
        store, raw, py, mem = cell("sqlite_store", op), cell("raw_sqlite", op), diskcache.get(op), \
            cell("memory_store", op)
        rows.append([op, fmt_ns(store), fmt_ns(raw), fmt_ratio(store, raw), fmt_ns(py),
                     fmt_ratio(py, store), fmt_ns(mem)])
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(r):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))

    print("median real time per operation (ns), 1,000 preloaded keys, 100-byte values unless noted")
    print(line(headers))
    print(line(["-" * w for w in widths]))
    for r in rows:
        print(line(r))

    lmdb_rows = []
    for op in OPERATIONS:
        lmdb, raw = cell("lmdb_store", op), cell("raw_lmdb", op)
        sq, py = cell("sqlite_store", op), diskcache.get(op)
        if lmdb is None:
            continue
        lmdb_rows.append([op, fmt_ns(lmdb), fmt_ns(raw), fmt_ratio(lmdb, raw),
                          fmt_ratio(sq, lmdb), fmt_ratio(py, lmdb)])
    if lmdb_rows:
        # raw_lmdb: the C API on the unnamed main database, where lmdb_store keeps its entries.
        lmdb_headers = ["operation", "lmdb_store ns", "raw_lmdb ns", "store/raw",
                        "sqlite_store/lmdb_store", "diskcache/lmdb_store"]
        lw = [max(len(r[i]) for r in [lmdb_headers, *lmdb_rows]) for i in range(len(lmdb_headers))]

        def lline(r):
            return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(r, lw)))

        print()
        print("lmdb_store (durability full: an fsync per write) beside the raw LMDB C API")
        print(lline(lmdb_headers))
        print(lline(["-" * w for w in lw]))
        for r in lmdb_rows:
            print(lline(r))

    batch = {name: medians.get(f"sqlite_store/{name}") for name in
             ("set_many_1000", "set_1000_singles", "get_many_1000", "get_1000_singles")}
    if batch["set_many_1000"] is not None:
        print()
        print("sqlite_store batches of 1,000 entries (one transaction) beside 1,000 single calls")
        print(f"  set_many(1000) {fmt_ns(batch['set_many_1000'])} ns, 1000 x set "
              f"{fmt_ns(batch['set_1000_singles'])} ns: "
              f"{fmt_ratio(batch['set_1000_singles'], batch['set_many_1000'])} faster")
        print(f"  get_many(1000) {fmt_ns(batch['get_many_1000'])} ns, 1000 x get "
              f"{fmt_ns(batch['get_1000_singles'])} ns: "
              f"{fmt_ratio(batch['get_1000_singles'], batch['get_many_1000'])} faster")

    store_get, raw_get = cell("sqlite_store", "get_hit"), cell("raw_sqlite", "get_hit")
    py_get, mem_get = diskcache.get("get_hit"), cell("memory_store", "get_hit")
    goals = [
        (f"sqlite_store get hit <= {GOAL_GET_VS_RAW:.2f}x raw SQLite",
         None if store_get is None or raw_get is None else store_get / raw_get <= GOAL_GET_VS_RAW,
         fmt_ratio(store_get, raw_get)),
        (f"sqlite_store get hit >= {GOAL_GET_VS_DISKCACHE:.1f}x faster than Python diskcache",
         None if store_get is None or py_get is None else py_get / store_get >= GOAL_GET_VS_DISKCACHE,
         fmt_ratio(py_get, store_get)),
        (f"memory_store get hit <= {GOAL_MEMORY_GET_NS:.0f} ns",
         None if mem_get is None else mem_get <= GOAL_MEMORY_GET_NS, f"{fmt_ns(mem_get)} ns"),
    ]
    lmdb_get, raw_lmdb_get = cell("lmdb_store", "get_hit"), cell("raw_lmdb", "get_hit")
    if lmdb_get is not None:
        goals += [
            (f"lmdb_store get hit <= {GOAL_LMDB_GET_VS_RAW:.1f}x raw LMDB",
             None if raw_lmdb_get is None else lmdb_get / raw_lmdb_get <= GOAL_LMDB_GET_VS_RAW,
             fmt_ratio(lmdb_get, raw_lmdb_get)),
            (f"lmdb_store get hit >= {GOAL_LMDB_GET_VS_SQLITE:.0f}x faster than sqlite_store",
             None if store_get is None else store_get / lmdb_get >= GOAL_LMDB_GET_VS_SQLITE,
             fmt_ratio(store_get, lmdb_get)),
        ]
    if batch["set_many_1000"] is not None and batch["set_1000_singles"] is not None:
        goals.append((f"sqlite_store set_many(1000) >= {GOAL_SET_MANY_VS_SETS:.0f}x faster than "
                      "1000 single sets",
                      batch["set_1000_singles"] / batch["set_many_1000"] >= GOAL_SET_MANY_VS_SETS,
                      fmt_ratio(batch["set_1000_singles"], batch["set_many_1000"])))
    print()
    print("goals")
    for text, holds, measured in goals:
        verdict = "n/a " if holds is None else ("MET " if holds else "MISS")
        print(f"  [{verdict}] {text} (measured {measured})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
