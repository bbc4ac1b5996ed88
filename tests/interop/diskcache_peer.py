#!/usr/bin/python3
"""flytecache — tests: the Python side of the diskcache interop tests.

Runs under the interpreter that has the real `diskcache` package (Debian's python3-diskcache).
Each command writes a cache the C++ side then reads, or verifies a cache the C++ side wrote, and
exits non-zero with a message naming the first difference.

  write-basic DIR         | verify-basic DIR          (values, files, expiry, tags, counters)
  write-flytekit DIR VEC  | verify-flytekit DIR VEC   (flytekit local-cache entries for cache_keys.json)
"""
import json
import sys
import time

import diskcache

LARGE = bytes((7 * i + 3) % 256 for i in range(100_000))
LARGE_TEXT = "\u00e9t\u00e9 " * 10_000  # 50,000 code points, 60,000 UTF-8 bytes


def fail(message):
    print("diskcache_peer: " + message, file=sys.stderr)
    sys.exit(1)


def expect(what, got, want):
    if got != want:
        fail("%s: got %r, want %r" % (what, got if len(repr(got)) < 200 else repr(got)[:200] + "...", want if len(repr(want)) < 200 else repr(want)[:200] + "..."))


def write_basic(directory):
    with diskcache.Cache(directory) as cache:
        cache.set("small", b"\x00\x01binary\xff")
        cache.set("large", LARGE)
        cache.set("text", "h\u00e9llo")
        cache.set("large-text", LARGE_TEXT)
        cache.set("int", 41)
        cache.set("float", 2.5)
        cache.set(b"bytes-key", b"v")
        cache.set(7, b"int-key")
        cache.set("tagged-1", b"t1", tag="run-1")
        cache.set("tagged-2", b"t2", tag="run-1")
        cache.set("expires-later", b"later", expire=3600)
        cache.set("pickled", {"a": 1})
        cache.stats(enable=True)
        cache.get("small")
        cache.get("missing")
        cache.get("missing-too")
        cache.push(b"q-first", prefix="jobs")
        cache.push(b"q-second", prefix="jobs")
        # Last: every set culls expired entries, so a later one could already have removed it.
        cache.set("expired", b"gone", expire=0.001)
    time.sleep(0.01)


def verify_basic(directory):
    with diskcache.Cache(directory) as cache:
        # First, before this function's own reads count as hits.
        expect("hits/misses", cache.stats(enable=False), (1, 2))
        expect("small", cache.get("small"), b"\x00\x01binary\xff")
        expect("large", cache.get("large"), LARGE)
        expect("text", cache.get("text"), "h\u00e9llo")
        expect("large-text", cache.get("large-text"), LARGE_TEXT)
        expect("int", cache.get("int"), 42)  # C++ incremented 41
        expect("float", cache.get("float"), 2.5)
        expect("bytes key", cache.get(b"bytes-key"), b"v")
        expect("int key", cache.get(7), b"int-key")
        value, expire_time, tag = cache.get("expires-later", expire_time=True, tag=True)
        expect("expires-later value", value, b"later")
        if expire_time is None or not (time.time() + 3000 < expire_time < time.time() + 3700):
            fail("expires-later: expire_time %r is not about an hour from now" % (expire_time,))
        expect("expired", cache.get("expired"), None)
        expect("tag", cache.get("tagged-1", tag=True), (b"t1", "run-1"))
        expect("evict(run-1)", cache.evict("run-1"), 2)
        expect("queue front", cache.pull(prefix="jobs")[1], b"q-first")
        expect("queue back", cache.pull(prefix="jobs", side="back")[1], b"q-second")
        mode = cache._sql("SELECT mode, size FROM Cache WHERE key = 'large'").fetchall()
        expect("large stored in a file", mode, [(2, len(LARGE))])
        # expired entries still count until removed; check() must find nothing wrong.
        warnings = cache.check()
        expect("check() warnings", [str(w.message) for w in warnings], [])
        count = cache._sql("SELECT COUNT(*) FROM Cache").fetchall()[0][0]
        expect("len(cache) == rows", len(cache), count)


def flytekit_entries(vectors_file):
    with open(vectors_file, encoding="utf-8") as f:
        vectors = json.load(f)["vectors"]
    fallback = bytes.fromhex("0a0b0a016112060a040a020805")  # LiteralMap {a: 5}
    for v in vectors:
        hex_value = v["serialized"].get("hex")
        yield v["cache_key"], bytes.fromhex(hex_value) if hex_value is not None else fallback


def write_flytekit(directory, vectors_file):
    # What flytekit's LocalTaskCache.set does: Cache(location).set(key, literal_map.SerializeToString())
    cache = diskcache.Cache(directory)
    for key, value in flytekit_entries(vectors_file):
        cache.set(key, value)
    cache.close()


def verify_flytekit(directory, vectors_file):
    cache = diskcache.Cache(directory)
    n = 0
    for key, value in flytekit_entries(vectors_file):
        got = cache.get(key)
        if not isinstance(got, bytes):
            fail("flytekit entry %s: got %r, want the LiteralMap bytes" % (key, type(got)))
        expect("flytekit entry " + key, got, value)
        n += 1
    cache.close()
    print("verified %d flytekit entries" % n)


def main(argv):
    if len(argv) < 3:
        fail(__doc__)
    command, directory = argv[1], argv[2]
    if command == "write-basic":
        write_basic(directory)
    elif command == "verify-basic":
        verify_basic(directory)
    elif command == "write-flytekit":
        write_flytekit(directory, argv[3])
    elif command == "verify-flytekit":
        verify_flytekit(directory, argv[3])
    else:
        fail("unknown command " + command)


if __name__ == "__main__":
    main(sys.argv)
