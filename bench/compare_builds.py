#!/usr/bin/env python3
# flytecache — two builds of one benchmark binary side by side: medians and after/before
# SPDX-License-Identifier: MIT
"""ab.py BEFORE_BIN AFTER_BIN [filter]: runs both binaries alternately (5 rounds, each round
3 repetitions), and prints per benchmark the median time of each and after/before."""
import json, subprocess, sys, statistics
before, after = sys.argv[1], sys.argv[2]
flt = sys.argv[3] if len(sys.argv) > 3 else "."
times = {"before": {}, "after": {}}
for r in range(5):
    for side, binary in (("before", before), ("after", after)) if r % 2 == 0 else (("after", after), ("before", before)):
        out = subprocess.run([binary, "--benchmark_format=json", f"--benchmark_filter={flt}",
                              "--benchmark_repetitions=3", "--benchmark_min_time=0.1"],
                             check=True, capture_output=True, text=True).stdout
        for b in json.loads(out)["benchmarks"]:
            if b.get("run_type") == "aggregate":
                continue
            times[side].setdefault(b["run_name"], []).append(b["real_time"])
print(f"{'benchmark':32} {'before ns':>12} {'after ns':>12} {'after/before':>13}")
for name in times["before"]:
    if name not in times["after"]:
        continue
    b = statistics.median(times["before"][name]); a = statistics.median(times["after"][name])
    print(f"{name:32} {b:12.1f} {a:12.1f} {a/b:13.3f}")
