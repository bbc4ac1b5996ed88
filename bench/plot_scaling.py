#!/usr/bin/env python3
# flytecache — draws the scaling curves of bench_scaling as SVG plots and prints them as tables
# SPDX-License-Identifier: MIT
"""Usage: plot_scaling.py (--run BENCH_SCALING_BINARY | --json FILE) [--out DIR] [--save-json FILE]

Runs bench/bench_scaling.cpp's program (or reads the JSON output of an earlier run), then writes
one SVG per family into DIR (default: docs/img beside this script's repository):
  scaling_entries.svg      get hit time against the number of entries (10^3 … 10^6)
  scaling_value_size.svg   get and set time against the value's size (100 B … 64 MiB)
  scaling_threads.svg      get hits per second against threads sharing one store (1 … 8)
  scaling_bounded.svg      set time against how far a 4 MiB-bounded cache has been written
and prints the same figures as Markdown tables (the ones docs/performance.md shows), with the
growth of each store's get from the fewest to the most entries (the issue's goal: at most 2x).

The plots need matplotlib; Debian's python3-matplotlib belongs to /usr/bin/python3, so when the
interpreter running this script lacks it, the script runs itself again under /usr/bin/python3.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys

NS_PER_UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
DEBIAN_PYTHON = "/usr/bin/python3"
ROOT = pathlib.Path(__file__).resolve().parent.parent


def need_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        if os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON) and \
                os.path.exists(DEBIAN_PYTHON):
            os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON, __file__, *sys.argv[1:]])
        sys.exit("plot_scaling.py: matplotlib is missing (Debian: apt install python3-matplotlib)")


def load(args):
    if args.json:
        with open(args.json, encoding="utf-8") as f:
            return json.load(f)
    cmd = [args.run, "--benchmark_format=json", *args.extra]
    result = subprocess.run(cmd, check=True, capture_output=True, text=True)
    data = json.loads(result.stdout)
    if args.save_json:
        pathlib.Path(args.save_json).parent.mkdir(parents=True, exist_ok=True)
        with open(args.save_json, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
    return data


def parse(data):
    """{family: {store: [(x, value), ...]}}: times in ns; the threads family in items per second."""
    series = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            print(f"note: {b['name']} failed: {b.get('error_message', '?')}", file=sys.stderr)
            continue
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        parts = b["run_name"].split("/")
        if len(parts) < 3 or parts[0] != "scaling":
            continue
        family, store = parts[1], parts[2]
        ns = b["real_time"] * NS_PER_UNIT[b.get("time_unit", "ns")]
        if family == "threads":
            x, y = int(b.get("threads", 1)), b["items_per_second"]
        elif family == "bounded":
            x, y = b["written_over_bound"], ns
        else:
            x, y = int(parts[3]), ns
        series.setdefault(family, {}).setdefault(store, []).append((x, y))
    for stores in series.values():
        for points in stores.values():
            points.sort()
    return series


def size_label(n):
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n // scale} {unit}"
    return f"{n} B"


def time_label(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def table(title, header, rows):
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def tables(series):
    def column(family, store):
        return dict(series.get(family, {}).get(store, []))

    if "entries" in series:
        stores = sorted(series["entries"])
        xs = sorted({x for pts in series["entries"].values() for x, _ in pts})
        rows = [[f"{x:,}"] + [time_label(column("entries", s)[x]) if x in column("entries", s)
                              else "—" for s in stores] for x in xs]
        growth = []
        for s in stores:
            c = column("entries", s)
            growth.append(f"{c[xs[-1]] / c[xs[0]]:.2f}x" if xs and xs[0] in c and xs[-1] in c
                          else "—")
        rows.append([f"growth {xs[0]:,} → {xs[-1]:,}"] + growth)
        table("get hit, random key, by entries (100 B values)", ["entries", *stores], rows)
    for family, what in (("value_get", "get hit"), ("value_set", "set (overwrite)")):
        if family in series:
            stores = sorted(series[family])
            xs = sorted({x for pts in series[family].values() for x, _ in pts})
            rows = [[size_label(x)] + [time_label(column(family, s)[x])
                                       if x in column(family, s) else "—" for s in stores]
                    for x in xs]
            table(f"{what}, one value, by size", ["value", *stores], rows)
    if "threads" in series:
        stores = sorted(series["threads"])
        xs = sorted({x for pts in series["threads"].values() for x, _ in pts})
        rows = [[str(x)] + [f"{column('threads', s)[x] / 1e6:.2f} M/s"
                            if x in column("threads", s) else "—" for s in stores] for x in xs]
        table("get hits per second, threads sharing one store (2-core machine)",
              ["threads", *stores], rows)
    if "bounded" in series:
        stores = sorted(series["bounded"])
        xs = sorted({x for pts in series["bounded"].values() for x, _ in pts})
        rows = [[f"{x:g}×"] + [time_label(column("bounded", s)[x])
                               if x in column("bounded", s) else "—" for s in stores]
                for x in xs]
        table("set of a new 1 KiB entry, cache bounded to 4 MiB, by bytes written / bound",
              ["written / bound", *stores], rows)


def plot(series, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    # Stable colours per store across every plot.
    palette = {"memory_store": "tab:green", "sqlite_store": "tab:blue", "lmdb_store": "tab:red",
               "raw_hash_map": "lightgreen", "raw_lmdb": "salmon"}

    def lines(ax, family, scale=1.0):
        for store, points in sorted(series.get(family, {}).items()):
            # The raw floors are dashed beside the store they are the floor of.
            ax.plot([x for x, _ in points], [y * scale for _, y in points], marker="o",
                    label=store, color=palette.get(store),
                    linestyle="--" if store.startswith("raw_") else "-")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()

    def save(fig, name):
        fig.tight_layout()
        fig.savefig(out / name, format="svg", metadata={"Date": None})
        plt.close(fig)
        print(f"wrote {out / name}", file=sys.stderr)

    if "entries" in series:
        fig, ax = plt.subplots(figsize=(6, 4))
        lines(ax, "entries", 1e-3)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("entries in the store")
        ax.set_ylabel("get hit (µs, random key)")
        ax.set_title("Get hit against entries")
        save(fig, "scaling_entries.svg")
    if "value_get" in series or "value_set" in series:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for ax, family, title in ((axes[0], "value_get", "get hit"),
                                  (axes[1], "value_set", "set (overwrite)")):
            lines(ax, family, 1e-3)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xlabel("value size (bytes)")
            ax.set_ylabel("time (µs)")
            ax.set_title(title)
        save(fig, "scaling_value_size.svg")
    if "threads" in series:
        fig, ax = plt.subplots(figsize=(6, 4))
        lines(ax, "threads", 1e-6)
        ax.set_yscale("log")
        ax.set_xlabel("threads sharing one store")
        ax.set_ylabel("get hits per second (millions)")
        ax.set_title("Get throughput against threads (2 cores)")
        save(fig, "scaling_threads.svg")
    if "bounded" in series:
        fig, ax = plt.subplots(figsize=(6, 4))
        lines(ax, "bounded", 1e-3)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("bytes written / size bound (4 MiB)")
        ax.set_ylabel("set of a new 1 KiB entry (µs)")
        ax.set_title("A bounded cache filling past its bound")
        save(fig, "scaling_bounded.svg")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", help="the bench_scaling program")
    source.add_argument("--json", help="Google Benchmark JSON output of bench_scaling")
    parser.add_argument("--out", default=str(ROOT / "docs" / "img"))
    parser.add_argument("--save-json", help="also keep the run's JSON output here")
    parser.add_argument("--no-plots", action="store_true", help="print the tables only")
    parser.add_argument("extra", nargs="*", help="more Google Benchmark flags (after --)")
    args = parser.parse_args()
    if not args.no_plots:
        need_matplotlib()
    series = parse(load(args))
    if not series:
        sys.exit("plot_scaling.py: no scaling/ cases in the output")
    tables(series)
    if not args.no_plots:
        plot(series, pathlib.Path(args.out))


if __name__ == "__main__":
    main()
