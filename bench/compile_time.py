#!/usr/bin/env python3
# flytecache — what a file that includes flytecache costs to compile, in both modes, as ratios
# SPDX-License-Identifier: MIT
"""Compiles the probes in bench/compile_time/ one at a time, header-only and in compiled mode
(-DFLYTECACHE_COMPILED_LIB), and prints each one's compiler user CPU and maximum resident set
size beside the standard-headers probe compiled with the same flags in the same run. Machines are
shared and noisy, so only the ratios are compared with the goals (issue 17), and the repetitions
are interleaved so that a slow minute hits every probe alike.

    bench/compile_time.py [--cxx g++] [--repeat 3] [--check]

The compiled mode's library (src/) is compiled once per build, not per file; its cost is printed
on its own line. With --check, a missed goal makes the exit status 1.
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROBES = ROOT / "bench" / "compile_time"

O2 = ["-O2"]
O0G = ["-O0", "-g"]

# (label, probe file, flags, goal key)
ROWS = [
    ("standard headers only", "std_headers.cpp", O2, None),
    ("flytecache.hpp and nothing else", "umbrella.cpp", O2, "umbrella"),
    ("flytecache.hpp + one policy's version", "umbrella_policy.cpp", O2, None),
    ("store/sqlite_store.hpp and nothing else", "sqlite_store.cpp", O2, None),
    ("one cached function task (4 inputs), SQLite, -O2", "cached_task.cpp", O2, "task"),
    ("standard headers only, -O0 -g", "std_headers.cpp", O0G, None),
    ("one cached function task, SQLite, -O0 -g", "cached_task.cpp", O0G, None),
    ("one cached container task, SQLite, -O2", "container_task.cpp", O2, None),
]
MODES = {"header-only": [], "compiled": ["-DFLYTECACHE_COMPILED_LIB"]}

# Goals of issue 17: ratio of user CPU to the standard-headers probe, and compiler memory.
GOALS = {
    ("umbrella", "header-only"): ("ratio", 2.5),
    ("task", "header-only"): ("ratio", 4.0),
    ("task", "compiled"): ("ratio", 2.0),
    ("task", "header-only", "rss"): ("rss", 350),
}


def measure(cmd):
    """User CPU seconds and max RSS (MB) of a command and every process it waited for."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"compile_time: {' '.join(cmd)} failed:\n{err}")
    return usage.ru_utime, usage.ru_maxrss / 1024.0


def compile_cmd(cxx, source, flags, mode_flags, out):
    return [cxx, "-std=c++20", *flags, *mode_flags, "-I", str(ROOT / "include"), "-c",
            str(source), "-o", out]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cxx", default=os.environ.get("CXX", "g++"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--modes", default="header-only,compiled")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    for m in modes:
        if m not in MODES:
            sys.exit(f"compile_time: unknown mode {m!r} (header-only, compiled)")

    version = subprocess.run([args.cxx, "--version"], capture_output=True, text=True,
                             check=True).stdout.splitlines()[0]
    samples = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "probe.o")
        for rep in range(args.repeat):
            for mode in modes:
                for label, probe, flags, _ in ROWS:
                    key = (label, mode)
                    if probe == "std_headers.cpp" and mode != modes[0]:
                        continue  # the baseline does not depend on the mode
                    cmd = compile_cmd(args.cxx, PROBES / probe, flags, MODES[mode], out)
                    samples.setdefault(key, []).append(measure(cmd))
            print(f"compile_time: round {rep + 1}/{args.repeat} done", file=sys.stderr)

        library = None
        if "compiled" in modes:
            user, rss = 0.0, 0.0
            sources = sorted((ROOT / "src").glob("*/*.cpp"))
            for source in sources:
                u, r = measure(compile_cmd(args.cxx, source, O2, MODES["compiled"], out))
                user, rss = user + u, max(rss, r)
            library = (len(sources), user, rss)

    def median(key):
        values = samples[key]
        return (statistics.median(v[0] for v in values), statistics.median(v[1] for v in values))

    print(f"\ncompiler: {version}; median of {args.repeat} runs; ratio = user CPU / the standard-"
          "headers probe with the same flags, same run\n")
    print("| translation unit | mode | user CPU | ratio | max RSS |")
    print("| --- | --- | ---: | ---: | ---: |")
    missed = []
    for label, probe, flags, goal in ROWS:
        base_label = ROWS[5][0] if flags is O0G else ROWS[0][0]
        base_user, _ = median((base_label, modes[0]))
        for mode in modes:
            if probe == "std_headers.cpp":
                if mode != modes[0]:
                    continue
                shown_mode = "—"
            else:
                shown_mode = mode
            user, rss = median((label, mode))
            ratio = user / base_user
            notes = []
            if goal and (goal, mode) in GOALS:
                _, limit = GOALS[(goal, mode)]
                ok = ratio <= limit
                notes.append(f"goal ≤ {limit}× {'met' if ok else 'MISSED'}")
                if not ok:
                    missed.append(f"{label} ({mode}): {ratio:.2f}× > {limit}×")
            if goal and (goal, mode, "rss") in GOALS:
                _, limit = GOALS[(goal, mode, "rss")]
                ok = rss <= limit
                notes.append(f"RSS goal ≤ {limit} MB {'met' if ok else 'MISSED'}")
                if not ok:
                    missed.append(f"{label} ({mode}): {rss:.0f} MB > {limit} MB")
            note = f" ({'; '.join(notes)})" if notes else ""
            print(f"| {label} | {shown_mode} | {user:.2f} s | {ratio:.2f}×{note} | {rss:.0f} MB |")
    if library:
        count, user, rss = library
        print(f"\ncompiled mode's libraries (src/, {count} files at -O2, once per build): "
              f"{user:.2f} s user CPU, {rss:.0f} MB max RSS")
    if missed:
        print("\ngoals missed:\n  " + "\n  ".join(missed))
        if args.check:
            return 1
    else:
        print("\nevery goal met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
