# flytecache — Python diskcache on the same four operations as bench_store's stores
# SPDX-License-Identifier: MIT
"""Usage: /usr/bin/python3 bench_diskcache.py [--target-seconds S] [--repeats N]

Prints {"get_hit": ns, "get_miss": ns, "set_100": ns, "set_10k": ns} on stdout: the median over
the repeats of nanoseconds per operation. Same shapes as bench_store.cpp: a fresh
diskcache.Cache(tmpdir) with default settings per operation, keys "k000000" ... "k000999"
preloaded one set at a time with 100-byte values, misses "k001000" ... "k001999", keys rotated.
Needs diskcache (Debian's python3-diskcache is installed for /usr/bin/python3).
"""
import argparse
import itertools
import json
import shutil
import statistics
import sys
import tempfile
import time

try:
    import diskcache
except ImportError:
    print("bench_diskcache.py: the diskcache module is not importable by " + sys.executable,
          file=sys.stderr)
    sys.exit(3)

KEY_COUNT = 1000
HIT_KEYS = [f"k{i:06d}" for i in range(KEY_COUNT)]
MISS_KEYS = [f"k{i:06d}" for i in range(KEY_COUNT, 2 * KEY_COUNT)]


def make_value(size):
    # Same bytes as bench_store.cpp's make_value.
    return bytes(ord("a") + i % 26 for i in range(size))


def timed_get(get, keys, n):
    # islice(cycle()) is the cheapest rotating loop Python has, so little of the time is the loop.
    start = time.perf_counter_ns()
    for key in itertools.islice(itertools.cycle(keys), n):
        get(key)
    return time.perf_counter_ns() - start


def timed_set(set_, keys, n, value):
    # A loop of its own rather than a lambda around set: a wrapper call would be counted as diskcache.
    start = time.perf_counter_ns()
    for key in itertools.islice(itertools.cycle(keys), n):
        set_(key, value)
    return time.perf_counter_ns() - start


def measure(timed, target_ns, repeats):
    # Calibrate as Google Benchmark does: grow the count until one run is long enough to time.
    n = 10
    while True:
        elapsed = timed(n)
        if elapsed >= target_ns / 10 or n >= 10_000_000:
            break
        n *= 10
    n = max(1, int(n * target_ns / max(elapsed, 1)))
    return statistics.median(timed(n) / n for _ in range(repeats))


def run_case(name, target_ns, repeats):
    directory = tempfile.mkdtemp(prefix="flytecache-bench-diskcache-")
    try:
        with diskcache.Cache(directory) as cache:
            small = make_value(100)
            for key in HIT_KEYS:
                cache.set(key, small)
            get, set_ = cache.get, cache.set
            if name == "get_hit":
                assert get(HIT_KEYS[0]) == small
                return measure(lambda n: timed_get(get, HIT_KEYS, n), target_ns, repeats)
            if name == "get_miss":
                assert get(MISS_KEYS[0]) is None
                return measure(lambda n: timed_get(get, MISS_KEYS, n), target_ns, repeats)
            value = make_value(100 if name == "set_100" else 10 * 1024)
            set_(HIT_KEYS[0], value)
            return measure(lambda n: timed_set(set_, HIT_KEYS, n, value), target_ns, repeats)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target-seconds", type=float, default=0.3,
                        help="length of one timed run of one operation (default 0.3)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per operation (default 5)")
    args = parser.parse_args()
    target_ns = args.target_seconds * 1e9
    result = {name: round(run_case(name, target_ns, args.repeats), 1)
              for name in ("get_hit", "get_miss", "set_100", "set_10k")}
    result["diskcache_version"] = diskcache.__version__
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
