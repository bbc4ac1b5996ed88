#!/usr/bin/env python3
# flytecache — tests: the CTest fixture that obtains the real flyteidl (the npm package
# @flyteorg/flyteidl at a pinned version and integrity) and compiles its .proto files with protoc into
# Python classes, in the build tree; nothing from the package is committed
# SPDX-License-Identifier: MIT
#
#   fetch_flyteidl.py --out DIR --version V --integrity sha512-... [--protoc PATH]
#
# Writes, under DIR:
#   package.tgz            the npm tarball, checked against the pinned integrity
#   src/pinned/flyteidl/   its core, admin and event .proto files, as published
#   src/model/flyteidl/    the same plus exactly the fields flytecache's literal model follows from a
#                          newer flyteidl (KNOWN_DIFFERENCES below, documented in docs/flyteidl.md)
#   gen/pinned, gen/model  the Python classes protoc generates from each
#   ready.json             written last: what was fetched; a later run with the same pin reuses it
#
# Every failure is a clear message and a non-zero exit (the tests that need the fixture then do not
# run, and CTest reports them as failed): a missing tool, a registry that does not answer, a tarball
# whose integrity differs. Standard library only.
import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

PACKAGE = "@flyteorg/flyteidl"
# The .proto directories the tests use (flyteidl/service needs googleapis, which Debian's protoc
# does not ship, and none of its messages is written by flytecache).
PROTO_DIRS = ("flyteidl/core/", "flyteidl/admin/", "flyteidl/event/")
WELL_KNOWN = "/usr/include/google/protobuf/timestamp.proto"

# The fields of flytecache's literal model that are newer than the pinned flyteidl: (file, the line
# after which the field goes, the field, a message to add at the end of the file). The differential
# tests compare flytecache with classes that have exactly these added, so any other difference fails.
KNOWN_DIFFERENCES = [
    ("flyteidl/core/literals.proto", "Union union = 9;", "Json json = 10;",
     "message Json {\n    bytes value = 1;\n}\n"),
    ("flyteidl/core/types.proto", "UnionType union_type = 10;", "OffloadedType offloaded_type = 12;",
     "message OffloadedType {\n    LiteralType actual_literal_type = 1;\n}\n"),
]


def die(message):
    sys.exit(f"idl fixture: {message}")


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


def npm_pack(version, destination, cache):
    npm = shutil.which("npm")
    if npm is None:
        die("npm is not installed; run scripts/install-deps (it installs Debian's npm when no npm is "
            "on PATH)")
    env = dict(os.environ, npm_config_cache=cache, npm_config_update_notifier="false",
               npm_config_fund="false", npm_config_audit="false", npm_config_loglevel="error")
    spec = f"{PACKAGE}@{version}"
    last = ""
    for attempt in range(1, 4):  # a registry blip is retried; a refusal fails the same way thrice
        try:
            r = run([npm, "pack", spec, "--pack-destination", destination, "--json"], env=env,
                    timeout=180)
        except subprocess.TimeoutExpired:
            last = "npm pack did not finish within 180 s"
        else:
            if r.returncode == 0:
                for name in os.listdir(destination):
                    if name.endswith(".tgz"):
                        return os.path.join(destination, name)
                last = "npm pack succeeded but wrote no .tgz"
            else:
                last = (r.stderr.strip() or r.stdout.strip())[-2000:]
        print(f"idl fixture: attempt {attempt} to fetch {spec} failed: {last}", file=sys.stderr)
        time.sleep(2 * attempt)
    die(f"could not fetch {spec} from the npm registry: {last}")


def check_integrity(path, integrity):
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        die(f"unsupported integrity '{integrity}' (expected sha512-...)")
    with open(path, "rb") as f:
        actual = base64.b64encode(hashlib.sha512(f.read()).digest()).decode()
    if actual != expected:
        die(f"{path} has integrity sha512-{actual}, but the pin is {integrity}: the registry served "
            "other bytes than the version the tests were written against")


def extract_protos(tgz, destination):
    count = 0
    with tarfile.open(tgz, "r:gz") as tar:
        for member in tar.getmembers():
            name = member.name
            if not member.isfile() or not name.startswith("package/protos/") or ".." in name:
                continue
            relative = name[len("package/protos/"):]
            if not relative.endswith(".proto") or not relative.startswith(PROTO_DIRS):
                continue
            target = os.path.join(destination, relative)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with tar.extractfile(member) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            count += 1
    if count == 0:
        die(f"{tgz} holds no .proto files under protos/{{{','.join(PROTO_DIRS)}}}")
    return count


def apply_known_differences(root):
    for relative, anchor, field, message in KNOWN_DIFFERENCES:
        path = os.path.join(root, relative)
        with open(path) as f:
            text = f.read()
        if text.count(anchor) != 1:
            die(f"{relative}: expected exactly one '{anchor}' to add '{field}' after; the pinned "
                "flyteidl changed, update KNOWN_DIFFERENCES and docs/flyteidl.md")
        if field.split()[1] in text:
            die(f"{relative} already has '{field}': the pinned flyteidl caught up, so it is no "
                "longer a known difference; remove it from KNOWN_DIFFERENCES and docs/flyteidl.md")
        text = text.replace(anchor, anchor + "\n        " + field)
        text += "\n" + message
        with open(path, "w") as f:
            f.write(text)


def compile_protos(protoc, source, out):
    os.makedirs(out, exist_ok=True)
    files = sorted(os.path.relpath(os.path.join(d, n), source)
                   for d, _, names in os.walk(source) for n in names if n.endswith(".proto"))
    r = run([protoc, f"-I{source}", "-I/usr/include", f"--python_out={out}", *files], timeout=300)
    if r.returncode != 0:
        die(f"protoc failed on {source}:\n{r.stderr.strip()}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--integrity", required=True)
    parser.add_argument("--protoc", default=shutil.which("protoc"))
    args = parser.parse_args()

    pin = {"package": PACKAGE, "version": args.version, "integrity": args.integrity,
           "known_differences": [d[2] for d in KNOWN_DIFFERENCES]}
    stamp = os.path.join(args.out, "ready.json")
    try:
        with open(stamp) as f:
            if json.load(f) == pin:
                print(f"idl fixture: {PACKAGE} {args.version} already in {args.out}")
                return
    except (OSError, ValueError):
        pass

    if not args.protoc or not os.path.exists(args.protoc):
        die("protoc is not installed; run scripts/install-deps (Debian's protobuf-compiler)")
    if not os.path.exists(WELL_KNOWN):
        die(f"{WELL_KNOWN} is missing (protobuf's well-known types); run scripts/install-deps "
            "(Debian's libprotobuf-dev)")

    started = time.monotonic()
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    with tempfile.TemporaryDirectory(dir=args.out) as tmp:
        tgz = npm_pack(args.version, tmp, os.path.join(args.out, "npm-cache"))
        check_integrity(tgz, args.integrity)
        shutil.move(tgz, os.path.join(args.out, "package.tgz"))
    shutil.rmtree(os.path.join(args.out, "npm-cache"), ignore_errors=True)

    pinned = os.path.join(args.out, "src", "pinned")
    model = os.path.join(args.out, "src", "model")
    count = extract_protos(os.path.join(args.out, "package.tgz"), pinned)
    shutil.copytree(pinned, model)
    apply_known_differences(model)
    compile_protos(args.protoc, pinned, os.path.join(args.out, "gen", "pinned"))
    compile_protos(args.protoc, model, os.path.join(args.out, "gen", "model"))

    with open(stamp, "w") as f:
        json.dump(pin, f, indent=2)
    print(f"idl fixture: {PACKAGE} {args.version} fetched, {count} .proto files compiled into "
          f"{args.out}/gen in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
