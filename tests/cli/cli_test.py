#!/usr/bin/python3
"""flytecache — tests: the `flytecache` tool end to end, on caches written by Python's diskcache.

    cli_test.py SUITE FLYTECACHE_EXE WORK_DIR

SUITE is one of:
  end_to_end  a cache written as flytekit's LocalTaskCache writes it (LiteralMap bytes under
              {task}-{version}-{md5} keys, through diskcache.Cache.set), plus a tag, expiries and a
              value large enough for a .val file: ls, show, explain, stats, check; then damage
              (a deleted and a truncated .val file, foreign and truncated values, a stray file)
              that check must report; rm and clear, verified from Python
  errors      bad command lines (exit 2), missing or foreign directories and a corrupt cache.db
              (exit 1, a clear message, nothing created), the default directory under $HOME
  progress    check and clear of a cache of a few thousand entries under a pseudo-terminal (the
              progress line appears, then is erased) and without one (no progress at all)
  filters     ls, rm and stats with --task and --version; prune (--dry-run, --task) keeping each
              task's newest version by store time
  read_only   ls, show, stats, explain and check (and prune --dry-run) write nothing (cache.db's
              bytes and mtime stay), return at once while Python holds the write lock (rm waits
              and gives up), and work in a directory they cannot write
  confirm     clear asks on a terminal (pseudo-terminal on stdin): n keeps, y removes

Runs under the interpreter that has the diskcache package (Debian's python3-diskcache). Exits
non-zero with the first failed expectation and the tool's output.
"""
import hashlib
import json
import os
import pwd
import pty
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import threading
import time

try:
    import diskcache
except ImportError:
    print("cli_test: this Python has no diskcache package; install python3-diskcache "
          "(scripts/install-deps) or run the test with /usr/bin/python3", file=sys.stderr)
    sys.exit(1)

EXE = None
CHECKS = 0


def fail(message, result=None):
    text = "cli_test: FAILED: " + message
    if result is not None:
        text += "\n  command: %s\n  exit status: %s\n  stdout:\n%s\n  stderr:\n%s" % (
            " ".join(result.args), result.returncode, indent(result.stdout), indent(result.stderr))
    print(text, file=sys.stderr)
    sys.exit(1)


def indent(text):
    return "\n".join("    | " + line for line in text.splitlines())


def expect(condition, message, result=None):
    global CHECKS
    CHECKS += 1
    if not condition:
        fail(message, result)


def expect_eq(got, want, what, result=None):
    expect(got == want, "%s: got %r, want %r" % (what, got, want), result)


def run(*args, env=None, status=0):
    """Runs the tool with stdout and stderr captured (so stderr is no terminal)."""
    result = subprocess.run([EXE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env, text=True, timeout=120)
    result.args = [os.path.basename(EXE), *args]
    if re.search(r"Sanitizer|runtime error:|terminate called", result.stderr):
        fail("the tool reported a sanitizer error or crashed", result)
    if status is not None:
        expect_eq(result.returncode, status, "exit status of '%s'" % " ".join(result.args), result)
    return result


# --- flyteidl LiteralMap bytes, as flytekit's LiteralMap.to_flyte_idl().SerializeToString() ------
# A few lines of protobuf wire format, so the expected values do not come from the code under test.

def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def ld(field, payload):  # length-delimited field
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def scalar(body):  # Literal.scalar (1)
    return ld(1, body)


def integer(n):  # Scalar.primitive (1) . Primitive.integer (1)
    return scalar(ld(1, varint(1 << 3) + varint(n)))


def floating(x):  # Primitive.float_value (2)
    return scalar(ld(1, varint(2 << 3 | 1) + struct.pack("<d", x)))


def string(s):  # Primitive.string_value (3)
    return scalar(ld(1, ld(3, s.encode())))


def boolean(b):  # Primitive.boolean (4)
    return scalar(ld(1, varint(4 << 3) + varint(int(b))))


def blob(uri):  # Scalar.blob (2) . Blob.uri (3)
    return scalar(ld(2, ld(3, uri.encode())))


def none():  # Scalar.none_type (5)
    return scalar(ld(5, b""))


def collection(items):  # Literal.collection (2) . LiteralCollection.literals (1)
    return ld(2, b"".join(ld(1, item) for item in items))


def literal_map_body(outputs):  # LiteralMap.literals (1): map entries {1: name, 2: Literal}
    return b"".join(ld(1, ld(1, name.encode()) + ld(2, value))
                    for name, value in sorted(outputs.items()))


def nested_map(outputs):  # Literal.map (3)
    return ld(3, literal_map_body(outputs))


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def file_state(path):
    """A file's bytes (digest) and modification time: what a write would change."""
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return digest, os.stat(path).st_mtime_ns


def file_state_elsewhere(path):
    """file_state, read by another process. A process that closes any descriptor of a file loses
    every POSIX lock it holds on that file, so a test holding SQLite's lock from this process must
    not open the database itself."""
    code = "import hashlib, os, sys; p = sys.argv[1]; print(hashlib.sha256(open(p, 'rb').read())" \
           ".hexdigest(), os.stat(p).st_mtime_ns)"
    out = subprocess.run([sys.executable, "-c", code, path], stdout=subprocess.PIPE, text=True,
                         check=True).stdout.split()
    return out[0], int(out[1])


def human_size(n):
    if n < 1024:
        return "%d B" % n
    v, units = n / 1024, ["KiB", "MiB", "GiB", "TiB"]
    u = 0
    while v >= 1024 and u + 1 < len(units):
        v /= 1024
        u += 1
    return "%.1f %s" % (v, units[u])


# The keys flytekit would write: {task name}-{cache version}-{md5 of the inputs}.
SHA_VERSION = hashlib.sha256(b"policies").hexdigest()
K_ADD = "workflows.math.add-1.0-" + md5("add")
K_GREET = "workflows.text.greet-v2-" + md5("greet")
K_BIG = "workflows.data.rows-%s-%s" % (SHA_VERSION, md5("rows"))
K_NESTED = "my-pipeline.train-2024-01-01-" + md5("train")
K_EMPTY = "workflows.noop-1-" + md5("noop")
K_EXPIRED = "workflows.math.sub-1.0-" + md5("sub")
K_REAL = "task_name_1-31415-e3a85f91467d1e1f721ebe8129b2de31"  # flytekit's test_stable_cache_key

VALUES = {
    K_ADD: literal_map_body({"o0": integer(42)}),
    K_GREET: literal_map_body(
        {"o0": string("hello\nworld"), "o1": floating(2.5), "o2": boolean(True)}),
    K_BIG: literal_map_body(
        {"name": string("big"), "rows": collection([integer(i) for i in range(5000)])}),
    K_NESTED: literal_map_body({
        "metrics": nested_map(
            {"acc": floating(0.9), "loss": collection([floating(0.5), floating(0.25)])}),
        "model": blob("s3://bucket/model.pt"),
        "nothing": none(),
    }),
    K_EMPTY: b"",
    K_REAL: literal_map_body({"o0": integer(-7)}),
    K_EXPIRED: literal_map_body({"o0": integer(-3)}),
}


def write_flytekit_cache(directory):
    # flytekit's LocalTaskCache: diskcache.Cache(location).set(key, LiteralMap bytes). It sets
    # neither tags nor expiries; they are added here because Python programs sharing a cache may,
    # and the tool must show them.
    with diskcache.Cache(directory) as cache:
        cache.set(K_ADD, VALUES[K_ADD])
        cache.set(K_GREET, VALUES[K_GREET], tag="run-7", expire=3600)
        cache.set(K_BIG, VALUES[K_BIG])
        cache.set(K_NESTED, VALUES[K_NESTED])
        cache.set(K_EMPTY, VALUES[K_EMPTY])
        cache.set(K_REAL, VALUES[K_REAL])
        cache.stats(enable=True)
        cache.get(K_ADD)          # a hit
        cache.get("no-such-key")  # a miss
        # Last: every set culls expired entries, so a later one would remove it already.
        cache.set(K_EXPIRED, VALUES[K_EXPIRED], expire=0.001)
    time.sleep(0.05)


def suite_end_to_end(work):
    d = os.path.join(work, "cache")
    write_flytekit_cache(d)
    expect(len(VALUES[K_BIG]) >= 32768, "the large value is big enough for a .val file")

    # ls: sorted by key, sizes, ages, tags, expiries.
    r = run("--dir", d, "ls")
    lines = r.stdout.splitlines()
    expect_eq([line.split()[0] for line in lines], sorted(VALUES), "ls keys, in order", r)
    want_tag = {K_GREET: "run-7"}
    for line in lines:
        key = line.split()[0]
        m = re.match(r"^(\S+)\s+(\d+(?:\.\d)? (?:B|KiB))\s+(\d+[sm])\s+(\S+)\s+"
                     r"(never|expired|in \d+m)$", line)
        expect(m is not None, "ls line has key, size, age, tag, expiry: %r" % line, r)
        expect_eq(m.group(2), human_size(len(VALUES[key])), "ls size of " + key, r)
        expect_eq(m.group(4), want_tag.get(key, "-"), "ls tag of " + key, r)
        want_expiry = {K_GREET: r"in 5\dm", K_EXPIRED: "expired"}.get(key, "never")
        expect(re.fullmatch(want_expiry, m.group(5)), "ls expiry of %s: %r" % (key, m.group(5)), r)

    r = run("ls", "--json", "--dir", d)  # options after the command work too
    items = json.loads(r.stdout)
    expect_eq([i["key"] for i in items], sorted(VALUES), "ls --json keys", r)
    now = time.time()
    for i in items:
        k = i["key"]
        expect_eq(i["key_type"], "text", "key_type of " + k, r)
        expect_eq(i["size"], len(VALUES[k]), "size of " + k, r)
        expect_eq(i["tag"], want_tag.get(k), "tag of " + k, r)
        expect_eq(i["expired"], k == K_EXPIRED, "expired of " + k, r)
        expect(now - 300 < i["store_time"] <= now, "store_time of %s is recent: %r" % (k, i), r)
        expect(0 <= i["age_seconds"] < 300, "age_seconds of " + k, r)
        expect_eq(i["mode"], "binary" if k == K_BIG else "raw", "mode of " + k, r)
        expect_eq(i["file"] is not None, k == K_BIG, "file of " + k, r)
    greet = next(i for i in items if i["key"] == K_GREET)
    expect(now + 3500 < greet["expire_time"] < now + 3700, "expire_time about an hour ahead", r)
    expect_eq(next(i for i in items if i["key"] == K_ADD)["expire_time"], None, "no expiry", r)

    # show: text and JSON.
    r = run("--dir", d, "show", K_ADD)
    expect_eq(r.stdout, "o0: 42\n", "show " + K_ADD, r)
    r = run("--dir", d, "show", K_GREET)
    expect_eq(r.stdout, 'o0: "hello\\nworld"\no1: 2.5\no2: true\n', "show " + K_GREET, r)
    r = run("--dir", d, "show", K_NESTED)
    expect_eq(r.stdout,
              "metrics:\n  acc: 0.9\n  loss:\n    - 0.5\n    - 0.25\n"
              "model: blob(s3://bucket/model.pt)\nnothing: None\n", "show " + K_NESTED, r)
    r = run("--dir", d, "show", K_EMPTY)
    expect_eq(r.stdout, "(no outputs)\n", "show of an empty LiteralMap", r)
    r = run("--dir", d, "show", K_BIG)
    lines = r.stdout.splitlines()
    expect_eq(lines[:4], ['name: "big"', "rows:", "  - 0", "  - 1"], "show of the .val entry", r)
    expect_eq(len(lines), 2 + 5000, "one line per collection item", r)
    r = run("--dir", d, "show", K_EXPIRED)
    expect_eq(r.stdout, "o0: -3\n", "show of an expired entry", r)
    expect("expired" in r.stderr and "flytekit no longer uses it" in r.stderr,
           "show says the entry has expired", r)

    r = run("--dir", d, "show", "--json", K_ADD)
    expect_eq(json.loads(r.stdout),
              {"literals": {"o0": {"scalar": {"primitive": {"integer": "42"}}}}}, "show --json", r)
    r = run("--dir", d, "show", "--json", K_GREET)
    expect_eq(json.loads(r.stdout), {"literals": {
        "o0": {"scalar": {"primitive": {"stringValue": "hello\nworld"}}},
        "o1": {"scalar": {"primitive": {"floatValue": 2.5}}},
        "o2": {"scalar": {"primitive": {"boolean": True}}}}}, "show --json " + K_GREET, r)
    r = run("--dir", d, "show", "--json", K_NESTED)
    expect_eq(json.loads(r.stdout), {"literals": {
        "metrics": {"map": {"literals": {
            "acc": {"scalar": {"primitive": {"floatValue": 0.9}}},
            "loss": {"collection": {"literals": [
                {"scalar": {"primitive": {"floatValue": 0.5}}},
                {"scalar": {"primitive": {"floatValue": 0.25}}}]}}}}},
        "model": {"scalar": {"blob": {"uri": "s3://bucket/model.pt"}}},
        "nothing": {"scalar": {"noneType": {}}}}}, "show --json " + K_NESTED, r)
    r = run("--dir", d, "show", "--json", K_BIG)
    rows = json.loads(r.stdout)["literals"]["rows"]["collection"]["literals"]
    expect_eq([x["scalar"]["primitive"].get("integer", "0") for x in rows[:3]], ["0", "1", "2"],
              "show --json of the .val entry", r)
    expect_eq(len(rows), 5000, "all 5000 items", r)
    r = run("--dir", d, "show", "workflows.nothing-1-" + md5("x"), status=1)
    expect("no entry 'workflows.nothing-1-" in r.stderr, "show of a missing key says so", r)

    # explain: the parts of a key, ambiguity, presence.
    r = run("--dir", d, "explain", K_ADD)
    expect(re.search(r"^task\s+'workflows\.math\.add'$", r.stdout, re.M), "explain task", r)
    expect(re.search(r"^version\s+'1\.0'$", r.stdout, re.M), "explain version", r)
    expect(re.search(r"^input hash\s+%s\b" % md5("add"), r.stdout, re.M), "explain hash", r)
    expect(re.search(r"^present\s+yes: %s inline, stored \d+s ago, never expires$"
                     % human_size(len(VALUES[K_ADD])), r.stdout, re.M), "explain present", r)
    expect("ambiguous" not in r.stdout, "a key with one '-' before the hash is not ambiguous", r)
    r = run("--dir", d, "explain", K_REAL, "--json")
    e = json.loads(r.stdout)
    expect_eq((e["task"], e["version"], e["input_hash"], e["ambiguous"], e["present"]),
              ("task_name_1", "31415", "e3a85f91467d1e1f721ebe8129b2de31", False, True),
              "explain --json of flytekit's own key", r)
    r = run("--dir", d, "explain", K_BIG, "--json")
    e = json.loads(r.stdout)
    expect_eq((e["task"], e["version"]), ("workflows.data.rows", SHA_VERSION),
              "explain .val key", r)
    r = run("--dir", d, "explain", K_NESTED)
    expect(re.search(r"^task\s+\? \(ambiguous", r.stdout, re.M), "ambiguous task not guessed", r)
    expect("the key reads 4 ways" in r.stdout, "all four readings are counted", r)
    for task, version in [("my", "pipeline.train-2024-01-01"), ("my-pipeline.train", "2024-01-01"),
                          ("my-pipeline.train-2024", "01-01"), ("my-pipeline.train-2024-01", "01")]:
        expect(re.search(r"task '%s'\s+version '%s'$" % (re.escape(task), re.escape(version)),
                         r.stdout, re.M), "reading %s / %s listed" % (task, version), r)
    r = run("--dir", d, "explain", "--json", K_NESTED)
    e = json.loads(r.stdout)
    expect_eq((e["ambiguous"], e["task"], e["version"], len(e["candidates"]), e["present"]),
              (True, None, None, 4, True), "explain --json of an ambiguous key", r)
    likely_key = "wf.my_task-v-1-" + md5("likely")
    r = run("--dir", d, "explain", "--json", likely_key)
    e = json.loads(r.stdout)
    expect_eq((e["task"], e["version"], e["ambiguous"], e["present"], e["expired"]),
              ("wf.my_task", "v-1", True, False, None), "explain picks the dotted task name", r)
    r = run("--dir", d, "explain", likely_key)
    expect("<- likely: the task is a dotted Python name" in r.stdout, "explain says why", r)
    expect(re.search(r"^present\s+no$", r.stdout, re.M), "explain of an absent key", r)
    r = run("--dir", d, "explain", K_EXPIRED)
    expect(re.search(r"^present\s+yes: .* expired \d+s ago \(flytekit sees a miss\)$",
                     r.stdout, re.M), "explain of an expired key", r)
    r = run("--dir", d, "explain", "not-a-key", status=1)
    expect("is not a flytekit local cache key" in r.stderr, "explain of a non-key", r)

    # stats.
    r = run("--dir", d, "stats", "--json")
    s = json.loads(r.stdout)
    expect_eq((s["entries"], s["expired"], s["value_bytes"], s["value_files"], s["hits"],
               s["misses"], s["statistics"]),
              (7, 1, sum(len(v) for v in VALUES.values()), 1, 1, 1, True), "stats --json", r)
    expect_eq(s["value_file_bytes"], len(VALUES[K_BIG]), "stats value file bytes", r)
    expect(s["database_bytes"] >= os.path.getsize(os.path.join(d, "cache.db")), "stats db size", r)
    expect_eq((s["oldest"]["key"], s["newest"]["key"]), (K_ADD, K_EXPIRED),
              "stats oldest/newest", r)
    r = run("--dir", d, "stats")
    expect(re.search(r"^entries\s+7 \(1 expired\)$", r.stdout, re.M), "stats entries", r)
    expect(re.search(r"^value files\s+1 \(%s\)$" % re.escape(human_size(len(VALUES[K_BIG]))),
                     r.stdout, re.M), "stats value files", r)
    expect(re.search(r"^hits/misses\s+1 / 1 \(counting is on\)$", r.stdout, re.M), "stats hits", r)
    expect(re.search(r"^oldest\s+%s  \(stored \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, \d+s ago\)$"
                     % re.escape(K_ADD), r.stdout, re.M), "stats oldest", r)

    # check on a clean cache.
    r = run("--dir", d, "check")
    expect_eq(r.stdout, "check: 7 entries (1 in value files): no problems\n", "clean check", r)
    r = run("--dir", d, "check", "--json")
    expect_eq(json.loads(r.stdout), {"entries": 7, "value_files": 1, "ok": True, "problems": []},
              "clean check --json", r)

    # A blob area (task output files kept beside the database, in blobs/) holds files no entry of
    # diskcache's refers to, even ones named like value files: they are neither orphans nor value
    # files, and ls still lists the entries only.
    def listing():  # ls --json without the ages, which grow between two runs
        items = json.loads(run("--dir", d, "ls", "--json").stdout)
        return [{k: v for k, v in i.items() if k != "age_seconds"} for i in items]
    stats_before = json.loads(run("--dir", d, "stats", "--json").stdout)
    ls_before = listing()
    os.makedirs(os.path.join(d, "blobs", "ab", "cd"))
    for name in [os.path.join("ab", "cd", "output.bin"), "x.val", "notes.txt"]:
        with open(os.path.join(d, "blobs", name), "wb") as f:
            f.write(b"task output")
    r = run("--dir", d, "check")
    expect_eq(r.stdout, "check: 7 entries (1 in value files): no problems\n",
              "check ignores the blob area", r)
    s = json.loads(run("--dir", d, "stats", "--json").stdout)
    expect_eq((s["value_files"], s["value_file_bytes"], s["other_files"]),
              (stats_before["value_files"], stats_before["value_file_bytes"],
               stats_before["other_files"]), "stats does not count the blob area", r)
    expect_eq(listing(), ls_before, "ls does not list the blob area")
    shutil.rmtree(os.path.join(d, "blobs"))

    # None of that changed what Python sees (and the lookups were not counted as hits or misses).
    with diskcache.Cache(d) as cache:
        expect_eq(cache.get(K_ADD), VALUES[K_ADD], "Python still reads " + K_ADD)
        expect_eq(cache.get(K_BIG), VALUES[K_BIG], "Python still reads " + K_BIG)
        expect_eq(cache.stats(enable=False), (3, 1), "only Python's own lookups were counted")

    # rm: an expired entry too, a missing one fails.
    r = run("--dir", d, "rm", K_EXPIRED)
    expect_eq(r.stdout, "removed %s\n" % K_EXPIRED, "rm of the expired entry", r)
    r = run("--dir", d, "rm", K_ADD, "workflows.missing-1-" + md5("m"), status=1)
    expect_eq(r.stdout, "removed %s\n" % K_ADD, "rm removes what is there", r)
    expect("no entry 'workflows.missing-1-" in r.stderr, "rm names the missing key", r)
    with diskcache.Cache(d) as cache:
        expect(K_ADD not in cache, "Python no longer sees the removed key")
        rows = cache._sql("SELECT COUNT(*) FROM Cache WHERE key IN (?, ?)",
                          (K_ADD, K_EXPIRED)).fetchall()
        expect_eq(rows[0][0], 0, "both rows are gone")
        expect_eq(len(cache), 5, "Python's count")

    # Damage: check must report each problem, by key, and exit 1.
    k_foreign = "workflows.foreign-1-" + md5("foreign")
    k_pickle = "workflows.pickled-1-" + md5("pickled")
    k_truncated = "workflows.truncated-1-" + md5("truncated")
    k_big2 = "workflows.data.more-1-" + md5("more")
    with diskcache.Cache(d) as cache:
        cache.set(k_foreign, b"not a literal map")
        cache.set(k_pickle, {"outputs": [1, 2]})  # a Python object: diskcache pickles it
        cache.set(k_truncated, VALUES[K_GREET][:-3])
        cache.set(k_big2, VALUES[K_BIG])
        query = "SELECT filename FROM Cache WHERE key = ?"
        big_file = cache._sql(query, (K_BIG,)).fetchall()[0][0]
        big2_file = cache._sql(query, (k_big2,)).fetchall()[0][0]
    os.remove(os.path.join(d, big_file))
    with open(os.path.join(d, big2_file), "r+b") as f:
        f.truncate(1000)
    stray = os.path.join("ab", "cd", "0123456789abcdef0123456789ab.val")
    os.makedirs(os.path.join(d, "ab", "cd"), exist_ok=True)
    with open(os.path.join(d, stray), "wb") as f:
        f.write(b"orphan")
    # Files younger than the store's grace period (an hour) may be writes in flight; this one is
    # older, so it is an orphan.
    hours_ago = time.time() - 2 * 3600
    os.utime(os.path.join(d, stray), (hours_ago, hours_ago))

    r = run("--dir", d, "check", status=1)
    out = r.stdout.splitlines()
    expect_eq(out[-1], "check: 6 problems in 9 entries (2 in value files)", "check summary", r)
    want = [  # entries by key, then stray files
        (k_big2, r": .*a damaged entry: its row names a value file '%s' of 1000 bytes where its "
                 r"row records %d \(truncated" % (re.escape(big2_file), len(VALUES[K_BIG]))),
        (K_BIG, r": its value file '%s' is missing$" % re.escape(big_file)),
        (k_foreign, r": its value \(17 bytes\) is not a serialized flyteidl LiteralMap: "),
        (k_pickle, r": its value is a Python pickle \(\d+ bytes\), not the bytes of a serialized "
                   r"LiteralMap"),
        (k_truncated, r": its value \(%d bytes\) is not a serialized flyteidl LiteralMap: "
                      r"malformed protobuf at offset \d+: length \d+ exceeds the \d+ remaining "
                      r"bytes$"
         % (len(VALUES[K_GREET]) - 3)),
        ("orphan file", r"^orphan file '%s': no entry refers to it$" % re.escape(stray)),
    ]
    expect_eq(len(out), len(want) + 1, "one line per problem and a summary", r)
    for line, (key, pattern) in zip(out, want):
        expect(line.startswith(key) and re.search(pattern, line),
               "check line for %s: %r" % (key, line), r)
    r = run("--dir", d, "check", "--json", status=1)
    c = json.loads(r.stdout)
    expect_eq((c["ok"], c["entries"], c["value_files"]), (False, 9, 2), "check --json summary", r)
    kinds = [(p["kind"], p["key"] or p["file"]) for p in c["problems"]]
    expect_eq(kinds, [("damaged_value", k_big2), ("missing_file", K_BIG),
                      ("not_a_literal_map", k_foreign), ("foreign_value", k_pickle),
                      ("not_a_literal_map", k_truncated), ("orphan_file", stray)],
              "check --json problems", r)

    # show of damaged entries: clear messages, exit 1.
    for key, text in [(K_BIG, "is missing"), (k_pickle, "Python pickle"),
                      (k_foreign, "not a serialized flyteidl LiteralMap"), (k_big2, "truncated")]:
        r = run("--dir", d, "show", key, status=1)
        expect(r.stderr.startswith("flytecache: entry '%s' cannot be shown: " % key)
               and text in r.stderr, "show of a damaged entry", r)
        expect_eq(r.stdout, "", "nothing on stdout", r)

    # clear: without --yes and without a terminal to ask on, it refuses (exit 2) and removes
    # nothing; with --yes everything goes, and Python sees an empty cache.
    r = run("--dir", d, "clear", status=2)
    expect("stdin is not a terminal to ask on, so give --yes" in r.stderr, "clear refuses", r)
    expect_eq(r.stdout, "", "clear refused: nothing on stdout", r)
    with diskcache.Cache(d) as cache:
        expect_eq(len(cache), 9, "a refused clear removed nothing")
    r = run("--dir", d, "clear", "--yes")
    expect_eq(r.stdout, "removed 9 entries from '%s'\n" % d, "clear", r)
    with diskcache.Cache(d) as cache:
        expect_eq(len(cache), 0, "Python sees an empty cache")
        expect_eq(list(cache), [], "Python iterates nothing")
    r = run("--dir", d, "ls")
    expect_eq(r.stdout, "", "ls of an empty cache", r)
    r = run("--dir", d, "clear", "--yes")
    expect_eq(r.stdout, "removed 0 entries from '%s'\n" % d, "clear of an empty cache", r)


def suite_errors(work):
    # Bad command lines: the usage on stderr, exit 2.
    for args in [[], ["frobnicate"], ["ls", "--bogus"], ["show"], ["ls", "extra"], ["rm"],
                 ["clear", "--json"], ["show", "k", "--yes"], ["--dir"], ["help", "nope"],
                 ["ls", "--task"], ["ls", "--task="], ["ls", "--version"], ["--version=1", "ls"],
                 ["show", "k", "--task", "t"], ["rm", "k", "--task", "t"], ["ls", "--dry-run"],
                 ["prune", "--json"], ["clear", "--task", "t"], ["check", "--task", "t"]]:
        r = run(*args, status=2)
        expect("usage: flytecache" in r.stderr and r.stderr.startswith("flytecache: "),
               "usage error for %r" % args, r)
        expect_eq(r.stdout, "", "nothing on stdout", r)
    r = run("--help")
    expect(r.stdout.startswith("usage: flytecache [--dir DIR] <command>"), "--help", r)
    for command in ["ls", "show", "rm", "prune", "clear", "stats", "check", "explain"]:
        expect(re.search(r"^  %s " % command, r.stdout, re.M), "--help lists " + command, r)
    r = run("help", "show")
    expect(r.stdout.startswith("usage: flytecache [--dir DIR] show KEY [--json]"), "help show", r)
    r = run("--version")
    expect(re.fullmatch(r"flytecache \d+\.\d+\.\d+\n", r.stdout), "--version", r)
    # Before a command, or after one that takes no cache version, --version is the tool's.
    for args in [["--version", "ls"], ["-V"], ["show", "k", "--version"], ["ls", "-V"]]:
        r = run(*args)
        expect(re.fullmatch(r"flytecache \d+\.\d+\.\d+\n", r.stdout), "%r: the tool's version"
               % args, r)

    # A missing directory: reported, never created (also for commands that write).
    missing = os.path.join(work, "missing")
    for args in [["ls"], ["show", "k"], ["stats"], ["check"], ["rm", "k"], ["clear"],
                 ["prune"], ["ls", "--task", "t"]]:
        r = run("--dir", missing, *args, status=1)
        expect_eq(r.stderr,
                  "flytecache: no cache at '%s': the directory does not exist\n" % missing,
                  "missing directory", r)
    expect(not os.path.exists(missing), "the missing directory was not created")
    r = run("--dir", missing, "explain", "t-v-" + md5("x"))
    expect(re.search(r"^present\s+no \(no cache at '%s'\)$" % re.escape(missing), r.stdout, re.M),
           "explain without a cache", r)
    expect(not os.path.exists(missing), "explain did not create it either")

    # A directory that is not a cache: reported, no cache.db created.
    empty = os.path.join(work, "empty")
    os.makedirs(empty)
    r = run("--dir", empty, "ls", status=1)
    expect("is not a cache directory: it has no cache.db" in r.stderr, "not a cache", r)
    expect_eq(os.listdir(empty), [], "nothing was created in it")

    # An SQLite database that is not diskcache's: left untouched.
    foreign = os.path.join(work, "foreign")
    os.makedirs(foreign)
    con = sqlite3.connect(os.path.join(foreign, "cache.db"))
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    before = file_state(os.path.join(foreign, "cache.db"))
    for args in [["stats"], ["rm", "k"], ["clear", "--yes"], ["prune"]]:
        r = run("--dir", foreign, *args, status=1)
        expect("not a diskcache database (it has no Cache and Settings tables)" in r.stderr,
               "foreign database", r)
    expect_eq(file_state(os.path.join(foreign, "cache.db")), before,
              "the foreign database was not written")
    con = sqlite3.connect(os.path.join(foreign, "cache.db"))
    tables = [row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    con.close()
    expect_eq(tables, ["t"], "the foreign database was not given diskcache's tables")

    # A corrupt cache.db: a clear message for every command, no crash.
    corrupt = os.path.join(work, "corrupt")
    with diskcache.Cache(corrupt) as cache:
        cache.set("workflows.a-1-" + md5("a"), literal_map_body({"o0": integer(1)}))
    for suffix in ("-wal", "-shm"):
        if os.path.exists(os.path.join(corrupt, "cache.db" + suffix)):
            os.remove(os.path.join(corrupt, "cache.db" + suffix))
    with open(os.path.join(corrupt, "cache.db"), "wb") as f:
        f.write(b"this is not an SQLite database, it only has its name " * 200)
    for args in [["ls"], ["show", "k"], ["stats"], ["check"], ["rm", "k"], ["clear"],
                 ["prune"], ["explain", "t-v-" + md5("x")]]:
        r = run("--dir", corrupt, *args, status=1)
        expect(re.fullmatch(r"flytecache: '.*cache\.db' is damaged or not an SQLite database "
                            r"\(file is not a database\); move it aside .*\n", r.stderr),
               "corrupt cache.db for %r" % args, r)

    # A database damaged inside (a valid header, garbage pages): an error, not a crash.
    damaged = os.path.join(work, "damaged")
    with diskcache.Cache(damaged) as cache:
        for i in range(200):
            cache.set("workflows.a-1-" + md5(str(i)), literal_map_body({"o0": string("x" * 500)}))
    db = os.path.join(damaged, "cache.db")
    size = os.path.getsize(db)
    with open(db, "r+b") as f:
        f.seek(4096)
        f.write(b"\xde\xad\xbe\xef" * ((size - 4096) // 4))
    for args in [["ls"], ["check"], ["stats"]]:
        r = run("--dir", damaged, *args, status=1)
        expect(r.stderr.startswith("flytecache: ") and "cache.db" in r.stderr
               and len(r.stderr.splitlines()) == 1, "damaged database for %r" % args, r)

    # Damage in the Cache table only (the schema and Settings pages intact): check reports it as
    # problems, with whatever it could still check, rather than stopping at the first error.
    damaged = os.path.join(work, "damaged-rows")
    with diskcache.Cache(damaged) as cache:
        for i in range(200):
            cache.set("workflows.a-1-" + md5(str(i)), literal_map_body({"o0": string("x" * 500)}))
    with open(os.path.join(damaged, "cache.db"), "r+b") as f:
        f.seek(20 * 4096 + 100)
        f.write(b"\xde\xad\xbe\xef" * 300)
    r = run("--dir", damaged, "check", status=1)
    expect(re.search(r"^cache\.db: (the integrity check failed: .*malformed|integrity check: )",
                     r.stdout, re.M)
           and re.search(r"^check: \d+ problems? in \d+ entries", r.stdout, re.M),
           "check of a database with damaged rows", r)

    # Rows diskcache never writes, and counters that disagree with the rows: reported, no crash.
    odd = os.path.join(work, "odd-rows")
    k_odd, k_fine = "workflows.odd-1-" + md5("odd"), "workflows.fine-1-" + md5("fine")
    with diskcache.Cache(odd) as cache:
        cache.set(k_odd, literal_map_body({"o0": integer(1)}))
        cache.set(k_fine, literal_map_body({"o0": integer(2)}))
        cache._sql("UPDATE Cache SET mode = 9 WHERE key = ?", (k_odd,))
        cache._sql("UPDATE Settings SET value = 5 WHERE key = 'count'")
    r = run("--dir", odd, "check", status=1)
    expect_eq(r.stdout.splitlines(), [
        "cache.db: Settings.count != COUNT(Cache.key); 5 != 2 (Python's Cache.check(fix=True) "
        "repairs it)",
        "%s: sqlite_store '%s': a Cache row holds unknown storage mode 9; the database was not "
        "written by diskcache or flytecache" % (k_odd, os.path.join(odd, "cache.db")),
        "check: 2 problems in 2 entries (0 in value files)"], "check of odd rows", r)
    r = run("--dir", odd, "show", k_odd, status=1)
    expect("unknown storage mode 9" in r.stderr, "show of a row with an unknown mode", r)
    r = run("--dir", odd, "ls", "--json")
    expect_eq([(i["key"], i["mode"]) for i in json.loads(r.stdout)],
              [(k_fine, "raw"), (k_odd, "invalid")], "ls lists odd rows too", r)
    r = run("--dir", odd, "show", k_fine)
    expect_eq(r.stdout, "o0: 2\n", "the other entries stay readable", r)

    # Keys a Python program may store besides flytekit's text keys: listed with their type (the
    # integer 42 and the text "42" stay apart), a newline inside a key is escaped so each entry
    # keeps one line, and KEY arguments name text keys only.
    typed = os.path.join(work, "typed-keys")
    with diskcache.Cache(typed) as cache:
        cache.set("42", literal_map_body({"o0": integer(1)}))
        cache.set(42, literal_map_body({"o0": integer(2)}))
        cache.set(b"raw", literal_map_body({"o0": integer(3)}))
        cache.set("line\nbreak", literal_map_body({"o0": integer(4)}))
    r = run("--dir", typed, "ls")
    keys = [line.split("  ")[0] for line in r.stdout.splitlines()]
    expect_eq(sorted(keys), sorted(["42", "(integer) 42", "(bytes) b'raw'", "'line\\x0abreak'"]),
              "ls shows each key's type and escapes control characters", r)
    r = run("--dir", typed, "rm", "42")
    with diskcache.Cache(typed) as cache:
        expect("42" not in cache and 42 in cache, "rm 42 removed the text key only")
    r = run("--dir", typed, "--help")
    expect("KEY is a text key" in r.stdout, "the help says KEY names text keys", r)

    # The default directory: flytekit's ~/.flyte/local-cache, from $HOME.
    home = os.path.join(work, "home")
    os.makedirs(home)
    env = dict(os.environ, HOME=home)
    r = run("ls", env=env, status=1)
    expect_eq(r.stderr, "flytecache: no cache at '%s': the directory does not exist\n"
              % os.path.join(home, ".flyte", "local-cache"), "default directory, missing", r)
    expect(not os.path.exists(os.path.join(home, ".flyte")), "~/.flyte was not created")
    with diskcache.Cache(os.path.join(home, ".flyte", "local-cache")) as cache:
        cache.set(K_ADD, VALUES[K_ADD])
    r = run("ls", env=env)
    expect(r.stdout.startswith(K_ADD + "  "), "ls of the default directory", r)
    r = run("--dir=~/.flyte/local-cache", "show", K_ADD, env=env)
    expect_eq(r.stdout, "o0: 42\n", "--dir=~/... is expanded", r)
    # Without HOME, as Python's expanduser: the home directory of the password database.
    env.pop("HOME")
    default_dir = os.path.join(pwd.getpwuid(os.getuid()).pw_dir, ".flyte", "local-cache")
    r = run("ls", env=env, status=None)
    expect(r.returncode == 0 or default_dir in r.stderr, "no HOME: the password database's home", r)


def run_in_pty(*args):
    """Runs the tool with stderr on a pseudo-terminal and stdout on a pipe; returns both."""
    master, slave = pty.openpty()
    p = subprocess.Popen([EXE, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=slave)
    os.close(slave)
    out = []
    reader = threading.Thread(target=lambda: out.append(p.stdout.read()))
    reader.start()
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the last writer closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    p.wait(timeout=120)
    reader.join()
    os.close(master)
    result = subprocess.CompletedProcess([os.path.basename(EXE), *args], p.returncode,
                                         out[0].decode(), b"".join(chunks).decode(errors="replace"))
    if re.search(r"Sanitizer|runtime error:|terminate called", result.stderr):
        fail("the tool reported a sanitizer error or crashed", result)
    return result


N = 3000


def fill(directory, n):
    with diskcache.Cache(directory) as cache:
        with cache.transact():
            for i in range(n):
                cache.set("workflows.step-1-" + md5(str(i)), literal_map_body({"o0": integer(i)}))


CLEAN_CHECK = "check: %d entries (0 in value files): no problems\n"
PROGRESS = r"\r(check|clear): (\d+)/%d entries \((\d+)%%\)"


def suite_progress(work):
    d = os.path.join(work, "big")
    fill(d, N)

    r = run_in_pty("--dir", d, "check")
    expect_eq(r.returncode, 0, "check under a terminal", r)
    expect_eq(r.stdout, CLEAN_CHECK % N, "check output", r)
    seen = re.findall(PROGRESS % N, r.stderr)
    expect(seen, "check draws a progress line on the terminal", r)
    expect(all(name == "check" and int(done) * 100 // N == int(pct) for name, done, pct in seen),
           "the progress counts add up", r)
    expect_eq(seen[-1][1], str(N), "the last count drawn is the total", r)
    expect(re.search(r"\r +\r$", r.stderr), "the progress line is erased at the end", r)

    r = run("--dir", d, "check")
    expect_eq(r.stderr, "", "no progress when stderr is not a terminal", r)
    expect_eq(r.stdout, CLEAN_CHECK % N, "check output", r)

    r = run_in_pty("--dir", d, "clear", "--yes")
    expect_eq(r.returncode, 0, "clear under a terminal", r)
    expect_eq(r.stdout, "removed %d entries from '%s'\n" % (N, d), "clear output", r)
    seen = re.findall(PROGRESS % N, r.stderr)
    expect(seen and all(name == "clear" for name, _, _ in seen), "clear draws a progress line", r)
    expect_eq(seen[-1][1], str(N), "the last count drawn is the total", r)
    expect(re.search(r"\r +\r$", r.stderr), "the progress line is erased at the end", r)
    with diskcache.Cache(d) as cache:
        expect_eq(len(cache), 0, "Python sees the cache cleared")

    fill(d, N)
    r = run("--dir", d, "clear", "--yes")
    expect_eq(r.stderr, "", "no progress for clear when stderr is not a terminal", r)
    expect_eq(r.stdout, "removed %d entries from '%s'\n" % (N, d), "clear output", r)

    # A small cache finishes too fast to need one.
    fill(d, 10)
    r = run_in_pty("--dir", d, "check")
    expect_eq(r.stderr, "", "no progress line for a small cache", r)
    expect_eq(r.returncode, 0, "small check", r)


# --- filters and prune --------------------------------------------------------------------------

def key(task, version, inputs):
    return "%s-%s-%s" % (task, version, md5(inputs))


def suite_filters(work):
    d = os.path.join(work, "cache")
    value = literal_map_body({"o0": integer(1)})
    # Store order is what prune goes by: for wf.train, version "2.0" is written before "1.0", so
    # "1.0" is the newest although it sorts first; wf.eval's version "a" gets a late entry again.
    order = [
        key("wf.train", "2.0", "x"), key("wf.train", "2.0", "y"),
        key("wf.eval", "a", "x"),
        key("wf.train", "1.0", "x"),
        key("wf.eval", "b", "x"), key("wf.eval", "b", "y"),
        key("wf.eval", "a", "y"),
        key("wf.solo", "1", "x"),
        key("my-pipe.step", "2024-01", "x"),  # task and version contain '-': reads three ways
        "not.a.flytekit.key",
    ]
    with diskcache.Cache(d) as cache:
        for k in order:
            cache.set(k, value)
            time.sleep(0.01)  # distinct store times
        cache.set(7, value)  # not a text key: never matches a filter
    everything = sorted(k for k in order)

    def ls(*args):
        return [line.split()[0] for line in run("--dir", d, "ls", *args).stdout.splitlines()]

    expect_eq(ls("--task", "wf.train"), sorted(k for k in order if k.startswith("wf.train-")),
              "ls --task")
    expect_eq(ls("--task=wf.eval", "--version", "a"),
              sorted([key("wf.eval", "a", "x"), key("wf.eval", "a", "y")]), "ls --task --version")
    expect_eq(ls("--version=1"), [key("wf.solo", "1", "x")], "ls --version alone")
    expect_eq(ls("--task", "wf"), [], "a task name matches whole, not as a prefix")
    expect_eq(ls("--task", "not.a.flytekit.key"), [], "keys that are not flytekit's never match")
    # Each reading of an ambiguous key matches: the key cannot say which one flytekit wrote.
    expect_eq(ls("--task", "my-pipe.step", "--version", "2024-01"),
              [key("my-pipe.step", "2024-01", "x")], "an ambiguous key, its true reading")
    expect_eq(ls("--task", "my"), [key("my-pipe.step", "2024-01", "x")],
              "an ambiguous key, another reading")
    r = run("--dir", d, "ls", "--json", "--task", "wf.solo")
    expect_eq([i["key"] for i in json.loads(r.stdout)], [key("wf.solo", "1", "x")],
              "ls --json --task", r)
    expect_eq(len(ls()), len(order) + 1, "ls without a filter lists every entry")

    r = run("--dir", d, "stats", "--json", "--task", "wf.eval")
    s = json.loads(r.stdout)
    expect_eq((s["task"], s["version"], s["entries"], s["value_bytes"]),
              ("wf.eval", None, 4, 4 * len(value)), "stats --json --task", r)
    expect_eq((s["oldest"]["key"], s["newest"]["key"]),
              (key("wf.eval", "a", "x"), key("wf.eval", "a", "y")), "stats oldest/newest", r)
    r = run("--dir", d, "stats", "--task", "wf.eval", "--version", "b")
    expect(re.search(r"^selected\s+task 'wf.eval', version 'b' ", r.stdout, re.M)
           and re.search(r"^entries\s+2$", r.stdout, re.M), "stats --task --version", r)
    r = run("--dir", d, "stats", "--json")
    expect_eq((json.loads(r.stdout)["entries"], json.loads(r.stdout)["task"]),
              (len(order) + 1, None), "stats without a filter", r)

    # prune --dry-run lists, removes nothing.
    r = run("--dir", d, "prune", "--dry-run")
    doomed = sorted([key("wf.train", "2.0", "x"), key("wf.train", "2.0", "y"),
                     key("wf.eval", "b", "x"), key("wf.eval", "b", "y")])
    expect_eq(r.stdout.splitlines(), ["would remove " + k for k in doomed] + [
        "prune: would remove 4 entries (2 older versions of 2 tasks); kept 4 entries of the "
        "newest versions of 3 tasks",
        "prune: left alone 1 entry whose key reads several ways (see 'flytecache explain KEY')"],
        "prune --dry-run", r)
    expect_eq(ls(), everything + ["(integer)"], "a dry run removed nothing")

    # prune --task: only that task.
    r = run("--dir", d, "prune", "--task", "wf.eval")
    expect_eq(r.stdout.splitlines(), [
        "removed " + k for k in sorted([key("wf.eval", "b", "x"), key("wf.eval", "b", "y")])] + [
        "prune: removed 2 entries (1 older version of 1 task); kept 2 entries of the newest "
        "versions of 1 task"], "prune --task", r)
    # prune: the rest; wf.train keeps "1.0", stored last.
    r = run("--dir", d, "prune")
    expect_eq(r.stdout.splitlines()[:2],
              ["removed " + k for k in sorted([key("wf.train", "2.0", "x"),
                                               key("wf.train", "2.0", "y")])],
              "prune removes the older version", r)
    with diskcache.Cache(d) as cache:
        left = sorted(str(k) for k in cache)
    expect_eq(left, sorted(["7"] + [k for k in order if k not in doomed]),
              "Python sees exactly the newest versions (and the keys prune leaves alone)")
    r = run("--dir", d, "prune")
    expect(r.stdout.startswith("prune: removed 0 entries (0 older versions of 0 tasks); kept 4 "),
           "a second prune removes nothing", r)

    # rm with filters: every match goes; nothing matching is an error.
    r = run("--dir", d, "rm", "--task", "wf.eval", "--version", "a")
    expect_eq(r.stdout, "".join("removed %s\n" % k for k in sorted(
        [key("wf.eval", "a", "x"), key("wf.eval", "a", "y")])), "rm --task --version", r)
    r = run("--dir", d, "rm", "--task", "wf.eval", status=1)
    expect_eq(r.stderr, "flytecache: no entry of task 'wf.eval' in '%s'\n" % d,
              "rm --task of nothing", r)
    r = run("--dir", d, "rm", "--version", "1")
    expect_eq(r.stdout, "removed %s\n" % key("wf.solo", "1", "x"), "rm --version", r)

    # explain and the filters are linear in the key's length: a key with 16,000 dashes reads
    # 16,000 ways (it took 58 s and 384 MB of output before), but the listing stops after 20.
    long_key = "t" + "-x" * 16000 + "-" + md5("long")
    start = time.monotonic()
    r = run("--dir", d, "explain", long_key)
    took = time.monotonic() - start
    expect("reads 16000 ways" in r.stdout and "and 15980 more" in r.stdout,
           "explain of a key with 16,000 dashes lists 20 readings and counts the rest", r)
    expect(len(r.stdout) < 25 * len(long_key) and took < 10,
           "explain of a long key: %d bytes of output (linear) in %.2f s" % (len(r.stdout), took))
    r = run("--dir", d, "explain", "--json", long_key)
    j = json.loads(r.stdout)
    expect_eq((j["readings"], len(j["candidates"])), (16000, 20), "explain --json of a long key", r)
    with diskcache.Cache(d) as cache:
        cache.set(long_key, value)
    start = time.monotonic()
    r = run("--dir", d, "ls", "--version", "x" + "-x" * 15999)
    expect(r.stdout.startswith(long_key) and time.monotonic() - start < 10,
           "--version matches the reading of a long key at once", r)
    r = run("--dir", d, "rm", long_key)
    with diskcache.Cache(d) as cache:
        left = sorted(str(k) for k in cache)
    expect_eq(left, sorted(["7", "not.a.flytekit.key", key("wf.train", "1.0", "x"),
                            key("my-pipe.step", "2024-01", "x")]), "what rm left")
    r = run("--dir", d, "rm", "not.a.flytekit.key")  # and by KEY as before
    expect_eq(r.stdout, "removed not.a.flytekit.key\n", "rm KEY", r)


# --- read-only commands --------------------------------------------------------------------------

READ_COMMANDS = [["ls"], ["ls", "--json"], ["show", K_ADD], ["show", "--json", K_BIG],
                 ["stats"], ["stats", "--json"], ["explain", K_ADD], ["check"],
                 ["check", "--json"], ["prune", "--dry-run"], ["ls", "--task", "workflows.math.add"]]


def as_nobody(*args):
    """Runs the tool as user nobody (root may write anywhere, so chmod alone proves nothing)."""
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", EXE,
                        *args], capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    r.args = ["(as nobody) flytecache", *args]
    return r


def suite_read_only(work):
    d = os.path.join(work, "cache")
    write_flytekit_cache(d)
    db = os.path.join(d, "cache.db")
    expect(not os.path.exists(db + "-wal"), "Python closed the cache: everything is in cache.db")

    # Nothing written: cache.db keeps its bytes and its modification time (a writable open records
    # the settings, and a counted lookup the statistics: both would change it).
    before = file_state(db)
    time.sleep(0.02)  # a write now would get a later mtime
    for args in READ_COMMANDS:
        run("--dir", d, *args)
    expect_eq(file_state(db), before, "the read-only commands left cache.db as it was")
    with diskcache.Cache(d) as cache:
        expect_eq(cache.stats(enable=False), (1, 1), "no lookup was counted")

    # Python holds the write lock (a transaction with an uncommitted write, as flytekit writing a
    # result does): the read-only commands return at once and see the committed entries only.
    writer = diskcache.Cache(d)
    pending = "workflows.pending-1-" + md5("pending")
    timings = []
    with writer.transact():
        writer.set(pending, VALUES[K_ADD])
        before = file_state_elsewhere(db)
        for args in READ_COMMANDS:
            start = time.monotonic()
            r = run("--dir", d, *args)
            timings.append((" ".join(args), time.monotonic() - start))
            expect(timings[-1][1] < 5, "'%s' returned at once under the lock (%.2f s)"
                   % timings[-1], r)
        r = run("--dir", d, "ls")
        expect_eq([line.split()[0] for line in r.stdout.splitlines()], sorted(VALUES),
                  "ls under the lock: the committed entries", r)
        r = run("--dir", d, "stats", "--json")
        expect_eq(json.loads(r.stdout)["entries"], len(VALUES), "stats under the lock", r)
        r = run("--dir", d, "show", K_ADD)
        expect_eq(r.stdout, "o0: 42\n", "show under the lock", r)
        r = run("--dir", d, "explain", "--json", pending)
        expect_eq(json.loads(r.stdout)["present"], False, "the uncommitted entry is not there", r)
        expect_eq(file_state_elsewhere(db), before, "nothing written under the lock either")
        # A command that writes waits for the lock (10 s), then says so.
        start = time.monotonic()
        r = run("--dir", d, "rm", K_ADD, status=1)
        waited = time.monotonic() - start
        expect("locked" in r.stderr and "10 s" in r.stderr, "rm waits, then fails", r)
        expect(waited >= 9.5, "rm waited for the lock (%.1f s)" % waited, r)
    writer.close()
    print("under Python's write lock: " + ", ".join("%s %.0f ms" % (c, t * 1000)
                                                     for c, t in timings)
          + "; rm waited %.1f s and gave up" % waited)
    with diskcache.Cache(d) as cache:
        expect(pending in cache and K_ADD in cache, "Python's write went through; rm removed nothing")

    # A directory this user cannot write: the read-only commands work, with and without the -wal
    # and -shm files (SQLite cannot create them there), and the writing ones say why they cannot.
    closed = os.path.join(work, "closed")
    write_flytekit_cache(closed)
    busy = os.path.join(work, "busy")
    write_flytekit_cache(busy)
    busy_writer = diskcache.Cache(busy)  # keeps -wal and -shm in place, with rows only in -wal
    busy_writer.set(K_ADD, VALUES[K_GREET])
    expect(os.path.exists(os.path.join(busy, "cache.db-wal")), "the writer keeps its -wal file")
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            print("cli_test: SKIPPED the read-only directory checks: running as root without "
                  "setpriv to become an unprivileged user")
            busy_writer.close()
            return
        runner = as_nobody
        for path in (work, closed, busy):
            os.chmod(path, 0o755)  # nobody may enter, not write
    else:
        runner = run_unchecked
        for path in (closed, busy):
            os.chmod(path, 0o555)
    try:
        for cache_dir, wal in ((closed, False), (busy, True)):
            before = file_state(os.path.join(cache_dir, "cache.db"))
            for args in READ_COMMANDS:
                r = runner("--dir", cache_dir, *args)
                expect(r.returncode == 0 and r.stderr == "",
                       "'%s' in an unwritable directory (-wal: %s)" % (" ".join(args), wal), r)
            r = runner("--dir", cache_dir, "show", K_ADD)
            expect_eq(r.stdout, "o0: 42\n" if not wal else 'o0: "hello\\nworld"\no1: 2.5\no2: true\n',
                      "show reads the latest commit", r)
            for args in (["rm", K_ADD], ["clear", "--yes"], ["prune"]):
                r = runner("--dir", cache_dir, *args)
                expect(r.returncode == 1 and "is not writable" in r.stderr
                       and "only read and work without write access" in r.stderr,
                       "'%s' in an unwritable directory says why it cannot" % args[0], r)
            expect_eq(file_state(os.path.join(cache_dir, "cache.db")), before,
                      "cache.db unchanged in the unwritable directory")
        expect(not os.path.exists(os.path.join(closed, "cache.db-wal")),
               "no -wal file was created where none could be")
    finally:
        for path in (closed, busy):
            os.chmod(path, 0o755)
        busy_writer.close()


def run_unchecked(*args):
    return run(*args, status=None)


# --- clear's confirmation on a terminal ----------------------------------------------------------

def run_with_terminal_stdin(answer, *args):
    """Runs the tool with stdin on a pseudo-terminal on which `answer` is typed."""
    master, slave = pty.openpty()
    p = subprocess.Popen([EXE, *args], stdin=slave, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    os.close(slave)
    if answer is not None:
        os.write(master, answer.encode())
    out, err = p.communicate(timeout=60)
    os.close(master)
    result = subprocess.CompletedProcess(["flytecache", *args], p.returncode, out, err)
    if re.search(r"Sanitizer|runtime error:|terminate called", err):
        fail("the tool reported a sanitizer error or crashed", result)
    return result


def suite_confirm(work):
    d = os.path.join(work, "cache")
    fill(d, 3)
    prompt = "Remove all 3 entries from '%s'? [y/N] " % d
    for answer in ["n\n", "\n", "maybe\n", "nope\n"]:
        r = run_with_terminal_stdin(answer, "--dir", d, "clear")
        expect_eq((r.returncode, r.stdout), (1, ""), "clear declined with %r" % answer, r)
        expect_eq(r.stderr, prompt + "flytecache: nothing removed\n", "the question", r)
        with diskcache.Cache(d) as cache:
            expect_eq(len(cache), 3, "declined: nothing removed")
    r = run_with_terminal_stdin(" Yes \n", "--dir", d, "clear")
    expect_eq((r.returncode, r.stderr), (0, prompt), "clear confirmed with 'Yes'", r)
    expect_eq(r.stdout, "removed 3 entries from '%s'\n" % d, "clear confirmed", r)
    fill(d, 1)
    r = run_with_terminal_stdin("y\n", "--dir", d, "clear")
    expect_eq((r.returncode, r.stderr), (0, "Remove all 1 entry from '%s'? [y/N] " % d),
              "clear confirmed with 'y'", r)
    with diskcache.Cache(d) as cache:
        expect_eq(len(cache), 0, "confirmed: Python sees an empty cache")
    r = run_with_terminal_stdin(None, "--dir", d, "clear")
    expect_eq((r.returncode, r.stderr), (0, ""), "an empty cache: nothing to ask", r)
    fill(d, 2)
    r = run_with_terminal_stdin(None, "--dir", d, "clear", "--yes")
    expect_eq((r.returncode, r.stderr), (0, ""), "--yes: no question on a terminal either", r)


def place_blob(directory, name, data, age_seconds):
    """A task output file as a flytecache executor keeps it: blobs/<hh>/<sha256>/<name>, placed
    `age_seconds` ago (the hash directory's time is the placement time)."""
    digest = hashlib.sha256(data).hexdigest()
    hash_dir = os.path.join(directory, "blobs", digest[:2], digest)
    os.makedirs(hash_dir, exist_ok=True)
    path = os.path.join(hash_dir, name)
    with open(path, "wb") as f:
        f.write(data)
    then = time.time() - age_seconds
    os.utime(hash_dir, (then, then))
    return path


def suite_blobs(work):
    """rm, prune, clear and gc remove the task output files no entry references any more."""
    d = os.path.join(work, "cache")
    old = place_blob(d, "model.pt", b"weights v1", 3600)
    kept = place_blob(d, "model.pt", b"weights v2", 3600)
    shared = place_blob(d, "report.html", b"<p>shared</p>", 3600)
    fresh = place_blob(d, "fresh.bin", b"placed a moment ago", 0)
    orphan = place_blob(d, "orphan.bin", b"left by a crash", 3600)
    os.makedirs(os.path.join(d, "blobs", ".tmp"))
    half = os.path.join(d, "blobs", ".tmp", "123-abc")
    with open(half, "wb") as f:
        f.write(b"half written")
    os.utime(half, (time.time() - 3600,) * 2)
    k_old = key("train", "1", "n=1")
    k_new = key("train", "2", "n=1")
    k_other = key("report", "1", "n=2")
    with diskcache.Cache(d) as cache:
        cache.set(k_old, literal_map_body({"o0": blob(old), "o1": blob(shared)}))
        cache.set(k_new, literal_map_body({"o0": blob(kept), "o1": blob(shared)}))
        cache.set(k_other, literal_map_body({"o0": blob(fresh), "o1": blob("s3://b/k")}))

    # gc: only the orphan and the half-written copy go; referenced and fresh files stay.
    r = run("--dir", d, "gc", "--json")
    expect_eq(json.loads(r.stdout),
              {"removed": 1, "removed_bytes": len(b"left by a crash"), "kept": 4,
               "temporaries": 1}, "gc removes what no entry references", r)
    expect(not os.path.exists(orphan) and not os.path.exists(half), "orphan and temporary gone", r)
    expect(all(os.path.exists(p) for p in (old, kept, shared, fresh)), "referenced files stay", r)

    # prune: train's version 1 goes, and with it the file only it referenced.
    time.sleep(0.01)
    r = run("--dir", d, "prune")
    expect(not os.path.exists(old), "prune removes the old version's output file", r)
    expect(os.path.exists(shared) and os.path.exists(kept), "files still referenced stay", r)

    # rm: the entry's files go once nothing references them; a fresh one is spared by the grace
    # period until gc is told a shorter one.
    r = run("--dir", d, "rm", k_other)
    expect(os.path.exists(fresh), "a file placed a moment ago survives rm (grace period)", r)
    r = run("--dir", d, "gc", "--grace", "0")
    expect(not os.path.exists(fresh), "gc --grace 0 removes it", r)
    r = run("--dir", d, "gc", "--grace", "soon", status=2)
    expect("--grace takes a number of seconds" in r.stderr, "a bad --grace is a usage error", r)

    # clear: every entry and every output file.
    r = run("--dir", d, "clear", "--yes")
    expect(not any(files for _, _, files in os.walk(os.path.join(d, "blobs"))),
           "clear removes every output file", r)
    r = run("--dir", d, "check")
    expect_eq(r.returncode, 0, "the cache checks clean afterwards", r)


def suite_hostile(work):
    """Every command on a cache with hostile rows and odd settings: a clear message or a result,
    never a crash, a hang, or a file outside the cache read, changed or removed."""
    d = os.path.join(work, "cache")
    outside = os.path.join(work, "outside")
    os.makedirs(os.path.join(outside, "a", "b"))
    victim = os.path.join(outside, "a", "b", "victim.txt")
    with open(victim, "w") as f:
        f.write("hello")
    hostile = {
        "workflows.abs-1-" + md5("abs"): victim,
        "workflows.up-1-" + md5("up"): os.path.relpath(victim, d),
        "workflows.zero-1-" + md5("zero"): "/dev/zero",
        "workflows.dot-1-" + md5("dot"): ".",
        "workflows.empty-1-" + md5("empty"): "",
        "workflows.fifo-1-" + md5("fifo"): "ab/cd/1123456789abcdef0123456789ab.val",
        "workflows.dir-1-" + md5("dir"): "ab/cd/2123456789abcdef0123456789ab.val",
        "workflows.link-1-" + md5("link"): "ab/cd/3123456789abcdef0123456789ab.val",
    }
    with diskcache.Cache(d) as cache:
        for key in hostile:
            cache.set(key, VALUES[K_ADD])
        cache.set(K_BIG, VALUES[K_BIG])  # a real value file, then truncated below
        big_file = cache._sql("SELECT filename FROM Cache WHERE key = ?", (K_BIG,)).fetchall()[0][0]
    os.makedirs(os.path.join(d, "ab", "cd"), exist_ok=True)
    os.mkfifo(os.path.join(d, "ab", "cd", "1123456789abcdef0123456789ab.val"))
    os.mkdir(os.path.join(d, "ab", "cd", "2123456789abcdef0123456789ab.val"))
    os.symlink(victim, os.path.join(d, "ab", "cd", "3123456789abcdef0123456789ab.val"))
    with open(os.path.join(d, big_file), "r+b") as f:
        f.truncate(10)
    db = sqlite3.connect(os.path.join(d, "cache.db"))
    for key, name in hostile.items():
        db.execute("UPDATE Cache SET mode = 2, value = NULL, filename = ?, size = 5 WHERE key = ?",
                   (name, key))
    for key, value in [("size", 1e300), ("hits", 1e300), ("misses", -1e300), ("count", 1e300),
                       ("size_limit", 9223372036854775807), ("cull_limit", 1e300)]:
        db.execute("UPDATE Settings SET value = ? WHERE key = ?", (value, key))
    db.commit()
    db.close()
    commands = [["ls"], ["ls", "--json"], ["stats"], ["stats", "--json"], ["check"],
                ["check", "--json"], ["prune", "--dry-run"], ["gc"], ["gc", "--json"]]
    for key in list(hostile) + [K_BIG]:
        commands += [["show", key], ["show", "--json", key], ["explain", key]]
    commands += [["rm", "workflows.abs-1-" + md5("abs")], ["prune"], ["clear", "--yes"]]
    tried = 0
    for args in commands:
        r = run("--dir", d, *args, status=None)
        tried += 1
        expect(r.returncode in (0, 1), "'%s' on hostile rows: a result or a clear error"
               % " ".join(args), r)
        expect(r.returncode == 0 or r.stderr.startswith("flytecache: ")
               or "problem" in r.stdout, "'%s' says what is wrong" % " ".join(args), r)
        with open(victim) as f:
            expect_eq(f.read(), "hello", "the file outside the cache after '%s'" % " ".join(args))
    expect(os.path.isdir(os.path.join(outside, "a", "b")), "nothing outside the cache was removed")
    print("hostile rows: %d rows, %d commands, victim untouched" % (len(hostile) + 1, tried))


def main(argv):
    global EXE
    if len(argv) != 4:
        fail(__doc__)
    suite, EXE, work = argv[1], argv[2], argv[3]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    suites = {"end_to_end": suite_end_to_end, "errors": suite_errors, "progress": suite_progress,
              "filters": suite_filters, "read_only": suite_read_only, "confirm": suite_confirm,
              "blobs": suite_blobs, "hostile": suite_hostile}
    if suite not in suites:
        fail("unknown suite " + suite)
    suites[suite](work)
    shutil.rmtree(work, ignore_errors=True)
    print("cli_test %s: %d checks passed" % (suite, CHECKS))


if __name__ == "__main__":
    main(sys.argv)
