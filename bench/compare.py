#!/usr/bin/env python3
# flytecache — runs a benchmark binary and prints each case beside its baseline as a ratio
# SPDX-License-Identifier: MIT
"""Usage: compare.py BENCH_BINARY [extra google-benchmark flags]

Cases are paired by name: "<ours>/<n>" with "<baseline>/<n>" as listed in PAIRS. Each case runs
with repetitions and the median is used, so both sides of a ratio come from the same run on the
same machine; absolute times on a shared machine drift, ratios much less.
"""
import json
import subprocess
import sys

PAIRS = [("get_version", "raw_openssl"), ("constant_evaluated", "runtime_salt"),
         ("flytekit_local", "md5_floor"), ("native", "md5_floor"), ("datacatalog", "md5_floor"),
         ("encode", "md5_floor"), ("task_hit_memory", "raw_get_memory"),
         ("task_hit_sqlite", "raw_get_sqlite"), ("task_hit_memory", "direct_call"),
         ("task_hit_sqlite", "direct_call"), ("task_hit_typed_tier", "task_hit_memory"),
         ("task_hit_typed_tier", "direct_call"), ("redis_get", "raw_get"), ("redis_set", "raw_set"),
         ("redis_get_many", "raw_pipelined"), ("redis_get_many", "redis_get_loop")]


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = [sys.argv[1], "--benchmark_format=json", "--benchmark_repetitions=5",
           "--benchmark_report_aggregates_only=true", *sys.argv[2:]]
    result = subprocess.run(cmd, check=True, capture_output=True, text=True)
    data = json.loads(result.stdout)
    median = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") == "median":
            median[b["run_name"]] = b["real_time"], b["time_unit"]
    print(f"{'case':<24}{'ours':>12}{'baseline':>12}{'ratio':>8}   baseline")
    for ours, base in PAIRS:
        names = [n for n in median if n.startswith(ours + "/")]
        for name in sorted(names, key=lambda n: (len(n), n)):
            suffix = name.split("/", 1)[1]
            other = f"{base}/{suffix}"
            if other not in median:
                continue
            (t_ours, unit), (t_base, _) = median[name], median[other]
            print(f"{name:<24}{t_ours:>10.1f}{unit:>2}{t_base:>10.1f}{unit:>2}{t_ours / t_base:>8.2f}   {other}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
