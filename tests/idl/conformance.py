#!/usr/bin/python3
# flytecache — tests: flytecache judged by the real flyteidl. Run under Debian's /usr/bin/python3
# with python3-protobuf and python3-joblib, on the classes idl.fetch generated (see
# fetch_flyteidl.py); idl_probe is flytecache's side.
# SPDX-License-Identifier: MIT
#
#   conformance.py --classes GEN --probe PROBE --work DIR export
#       every document the exporter produces parses strictly into the real message and prints back
#       to the same JSON; binary documents are protobuf's canonical bytes for the same message;
#       flytecache's JSON names are protobuf's for every field of every flyteidl message
#   conformance.py ... differential --count N --seed S
#       N random LiteralMaps built with the real classes: flytecache decodes and re-encodes them to
#       protobuf's deterministic bytes, and places hashes and computes flytekit's key as flytekit does
#   conformance.py ... mutation --bases B --per-base M --seed S
#       B x M mutated encodings: what flytecache accepts re-encodes to protobuf's canonical bytes
#       (unknown fields dropped), what protobuf refuses flytecache refuses
#   conformance.py ... package
#       the registration package: names, order, archive layout, every file parsed strictly
#
# The export, differential and package tests use the pinned flyteidl as published; the mutation
# test uses it plus exactly the newer fields flytecache's model has (KNOWN_DIFFERENCES in
# fetch_flyteidl.py), so that these, and only these, are accepted as differences.
import argparse
import gzip
import io
import json
import math
import os
import random
import re
import struct
import subprocess
import sys
import tarfile
import time
import warnings

FAILURES = []


def fail(message):
    FAILURES.append(message)
    if len(FAILURES) <= 25:
        print("FAIL: " + message, file=sys.stderr)


def finish(summary):
    print(summary)
    if FAILURES:
        print(f"{len(FAILURES)} failures", file=sys.stderr)
        sys.exit(1)


def load_classes(gen, variant):
    path = os.path.join(gen, variant)
    if not os.path.isdir(path):
        sys.exit(f"conformance: {path} is missing; the idl.fetch fixture did not run or failed")
    sys.path.insert(0, path)
    global json_format, struct_pb2, timestamp_pb2, duration_pb2, L, T, TK, ADMIN, joblib
    from google.protobuf import json_format, struct_pb2, timestamp_pb2, duration_pb2  # noqa
    from flyteidl.core import literals_pb2 as L, types_pb2 as T, tasks_pb2 as TK  # noqa
    from flyteidl.admin import task_pb2 as ADMIN  # noqa
    import joblib  # noqa


def probe(args, *command, stdin=None):
    r = subprocess.run([args.probe, *command], input=stdin, capture_output=True, text=True,
                       timeout=900)
    if r.returncode != 0:
        sys.exit(f"conformance: idl_probe {' '.join(command)} failed ({r.returncode}):\n{r.stderr}")
    return r.stdout


def strip_unknown(message):
    """Drops unknown fields everywhere, map entries included: protobuf keeps an entry's own unknown
    fields (and its value's) through DiscardUnknownFields, so map entries are rebuilt."""
    message.DiscardUnknownFields()
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            value_type = field.message_type.fields_by_name["value"].message_type
            items = []
            for k, v in value.items():  # copied out first: clear() frees the entries
                if value_type is not None:
                    copy = type(v)()
                    copy.CopyFrom(v)
                    strip_unknown(copy)
                    v = copy
                items.append((k, v))
            value.clear()
            for k, v in items:
                if value_type is None:
                    value[k] = v
                else:
                    value[k].CopyFrom(v)
        elif field.label == field.LABEL_REPEATED:
            for item in value:
                strip_unknown(item)
        else:
            strip_unknown(value)


def canonical(message):
    """protobuf's canonical bytes: deterministic, unknown fields dropped."""
    copy = type(message)()
    copy.CopyFrom(message)
    strip_unknown(copy)
    return copy.SerializeToString(deterministic=True)


class quiet_stderr:
    """libprotobuf logs every refused string to stderr; thousands of refusals are expected."""

    def __enter__(self):
        sys.stderr.flush()
        self.saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)

    def __exit__(self, *exc):
        os.dup2(self.saved, 2)
        os.close(self.saved)


def first_difference(a, b, path="$"):
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}: only in {'flytecache' if k in a else 'protobuf'}"
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


# ----- (a) export --------------------------------------------------------------------------------

def all_messages(descriptor, seen):
    if descriptor.full_name in seen:
        return
    seen[descriptor.full_name] = descriptor
    for field in descriptor.fields:
        if field.message_type is not None:
            all_messages(field.message_type, seen)
    for nested in descriptor.nested_types:
        all_messages(nested, seen)


def run_export(args):
    load_classes(args.classes, "pinned")
    classes = {"flyteidl.core.TaskTemplate": TK.TaskTemplate,
               "flyteidl.admin.TaskCreateRequest": ADMIN.TaskCreateRequest,
               "flyteidl.admin.TaskSpec": ADMIN.TaskSpec}
    out = os.path.join(args.work, "documents")
    probe(args, "documents", out)
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    parsed = {}
    counts = {"json": 0, "binary": 0}
    labels = set()
    for entry in manifest:
        labels.add(entry["label"])
        where = f"{entry['file']} ({entry['label']}, {entry['message']}, {entry['style']})"
        cls = classes[entry["message"]]
        with open(os.path.join(out, entry["file"]), "rb") as f:
            content = f.read()
        if entry["style"] == "binary":
            counts["binary"] += 1
            try:
                message = cls.FromString(content)
            except Exception as e:  # noqa: BLE001 - any parse error is the finding
                fail(f"{where}: protobuf cannot parse the bytes: {e}")
                continue
            if canonical(message) != content:
                fail(f"{where}: the bytes are not protobuf's canonical encoding of what they hold "
                     "(unknown fields, order or defaults)")
            twin = parsed.get(entry["same_as"])
            if twin is not None:
                expected = ADMIN.TaskSpec(template=twin) if cls is ADMIN.TaskSpec else twin
                if expected.SerializeToString(deterministic=True) != content:
                    fail(f"{where}: differs from doc{entry['same_as']}.json as protobuf parses it")
            continue
        counts["json"] += 1
        text = content.decode("utf-8")
        try:
            message = json_format.Parse(text, cls())  # strict: unknown fields are errors
        except Exception as e:  # noqa: BLE001
            fail(f"{where}: protobuf's JSON parser refuses it: {e}")
            continue
        printed = json_format.MessageToDict(message,
                                            preserving_proto_field_name=entry["style"] == "proto")
        difference = first_difference(json.loads(text), printed)
        if difference:
            fail(f"{where}: does not print back the same: {difference}")
        if cls is TK.TaskTemplate:
            parsed[entry["index"]] = message

    # Every field of every message a TaskTemplate, a TaskCreateRequest or a LiteralMap can hold:
    # flytecache's JSON name is protobuf's.
    seen = {}
    for root in (TK.TaskTemplate, ADMIN.TaskCreateRequest, L.LiteralMap, T.LiteralType):
        all_messages(root.DESCRIPTOR, seen)
    fields = [f for d in seen.values() for f in d.fields]
    answers = probe(args, "json-names", stdin="".join(f.name + "\n" for f in fields)).splitlines()
    for field, name in zip(fields, answers):
        if field.json_name != name:
            fail(f"{field.full_name}: protobuf's JSON name is {field.json_name}, flytecache's {name}")
    if len(answers) != len(fields):
        fail(f"json-names answered {len(answers)} of {len(fields)} names")
    finish(f"export: {counts['json']} JSON and {counts['binary']} binary documents of "
           f"{len(labels)} task configurations parse strictly and round-trip; JSON names of "
           f"{len(fields)} fields in {len(seen)} messages agree")


# ----- random literals with the real classes -----------------------------------------------------

class literal_generator:
    """Random flyteidl messages, built with the generated classes. Covers every scalar kind,
    hashes (absent, empty, set), metadata, nesting, offloaded literals and, when the classes have
    them, the fields newer than the pinned flyteidl."""

    def __init__(self, rng, newer):
        self.rng = rng
        self.newer = newer  # the classes have Scalar.json and LiteralType.offloaded_type
        self.kinds = {}

    def count(self, kind):
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def string(self):
        r = self.rng
        pick = r.random()
        if pick < 0.15:
            return ""
        if pick < 0.5:
            return "".join(r.choice("abcxyz_.-0123") for _ in range(r.randint(1, 8)))
        if pick < 0.7:
            return r.choice(["héllo", "日本語", "😀 emoji", "a\u0000b", "tab\there", "\u07ff\u0800"])
        chars = []
        for _ in range(r.randint(1, 6)):
            cp = r.randint(1, 0x10FFFF)
            if 0xD800 <= cp <= 0xDFFF:
                cp = 0x41
            chars.append(chr(cp))
        return "".join(chars)

    def name(self):
        return self.string() if self.rng.random() < 0.4 else self.rng.choice(
            ["a", "b", "x", "data", "n", "seed", "o0", "k"]) + str(self.rng.randint(0, 3))

    def double(self):
        r = self.rng
        pick = r.random()
        if pick < 0.3:
            return struct.unpack("<d", r.getrandbits(64).to_bytes(8, "little"))[0]
        return r.choice([0.0, -0.0, 1.5, -2.25, 1e300, 5e-324, float("inf"), float("-inf"),
                         float("nan"), 3.141592653589793, 0.1])

    def int64(self):
        return self.rng.choice([0, 1, -1, 2**63 - 1, -2**63, self.rng.randint(-2**63, 2**63 - 1),
                                self.rng.randint(-1000, 1000)])

    def nanos(self):
        r = self.rng
        pick = r.random()
        if pick < 0.7:
            return r.randint(0, 999_999_999)
        if pick < 0.85:
            return r.randint(-999_999_999, 0)
        return r.choice([10**9, -2**31, 2**31 - 1, -5])  # valid on the wire, not in JSON

    def struct(self, depth):
        s = struct_pb2.Struct()
        for _ in range(self.rng.randint(0, 3)):
            self.value(s.fields[self.string()], depth - 1)
        return s

    def value(self, v, depth):
        r = self.rng
        pick = r.randint(0, 5 if depth > 0 else 3)
        if pick == 0:
            v.null_value = 0
        elif pick == 1:
            v.number_value = self.double()
        elif pick == 2:
            v.string_value = self.string()
        elif pick == 3:
            v.bool_value = r.random() < 0.5
        elif pick == 4:
            v.struct_value.CopyFrom(self.struct(depth - 1))
        else:
            lst = v.list_value
            lst.SetInParent()
            for _ in range(r.randint(0, 3)):
                self.value(lst.values.add(), depth - 1)

    def literal_type(self, depth):
        r = self.rng
        t = T.LiteralType()
        kinds = ["simple", "schema", "blob", "enum", "none"]
        if depth > 0:
            kinds += ["collection", "map", "sdt", "union", "union"]
            if self.newer:
                kinds.append("offloaded")
        kind = r.choice(kinds)
        if kind == "simple":
            t.simple = r.choice([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 42])
        elif kind == "schema":
            t.schema.SetInParent()
            for _ in range(r.randint(0, 2)):
                t.schema.columns.add(name=self.string(), type=r.randint(0, 5))
        elif kind == "blob":
            t.blob.SetInParent()
            t.blob.format = self.string()
            t.blob.dimensionality = r.randint(0, 1)
        elif kind == "enum":
            t.enum_type.SetInParent()
            t.enum_type.values.extend(self.string() for _ in range(r.randint(0, 3)))
        elif kind == "collection":
            t.collection_type.CopyFrom(self.literal_type(depth - 1))
        elif kind == "map":
            t.map_value_type.CopyFrom(self.literal_type(depth - 1))
        elif kind == "sdt":
            d = t.structured_dataset_type
            d.SetInParent()
            for _ in range(r.randint(0, 2)):
                d.columns.add(name=self.string(), literal_type=self.literal_type(depth - 1))
            d.format = self.string()
            d.external_schema_type = self.string()
            d.external_schema_bytes = bytes(r.getrandbits(8) for _ in range(r.randint(0, 4)))
        elif kind == "union":
            t.union_type.SetInParent()
            for _ in range(r.randint(0, 3)):
                t.union_type.variants.add().CopyFrom(self.literal_type(depth - 1))
        elif kind == "offloaded":
            t.offloaded_type.SetInParent()
            if r.random() < 0.8:
                t.offloaded_type.actual_literal_type.CopyFrom(self.literal_type(depth - 1))
        if r.random() < 0.2:
            t.metadata.CopyFrom(self.struct(2))
        if r.random() < 0.15:
            t.annotation.SetInParent()
            if r.random() < 0.8:
                t.annotation.annotations.CopyFrom(self.struct(2))
        if r.random() < 0.2:
            t.structure.SetInParent()
            t.structure.tag = self.string()
            if depth > 0:
                for _ in range(r.randint(0, 2)):
                    t.structure.dataclass_type[self.string()].CopyFrom(self.literal_type(depth - 1))
        return t

    def scalar(self, s, depth):
        r = self.rng
        kinds = ["primitive"] * 6 + ["blob", "binary", "schema", "none", "error", "generic",
                                     "structured_dataset", "union", "unset"]
        if self.newer:
            kinds.append("json")
        kind = r.choice(kinds)
        self.count(kind)
        if kind == "primitive":
            p = s.primitive
            which = r.choice(["integer", "float", "string", "boolean", "datetime", "duration"])
            self.count("primitive." + which)
            if which == "integer":
                p.integer = self.int64()
            elif which == "float":
                p.float_value = self.double()
            elif which == "string":
                p.string_value = self.string()
            elif which == "boolean":
                p.boolean = r.random() < 0.5
            elif which == "datetime":
                p.datetime.SetInParent()
                p.datetime.seconds = r.choice([0, r.randint(-62135596800, 253402300799),
                                               self.int64()])
                p.datetime.nanos = self.nanos()
            else:
                p.duration.SetInParent()
                p.duration.seconds = r.choice([0, r.randint(-10**6, 10**6), self.int64()])
                p.duration.nanos = self.nanos()
        elif kind == "blob":
            s.blob.uri = self.string()
            if r.random() < 0.7:
                s.blob.metadata.SetInParent()
                if r.random() < 0.8:
                    s.blob.metadata.type.SetInParent()
                    s.blob.metadata.type.format = self.string()
                    s.blob.metadata.type.dimensionality = r.randint(0, 1)
            s.blob.SetInParent()
        elif kind == "binary":
            s.binary.SetInParent()
            s.binary.value = bytes(r.getrandbits(8) for _ in range(r.randint(0, 12)))
            s.binary.tag = self.string()
        elif kind == "schema":
            s.schema.SetInParent()
            s.schema.uri = self.string()
            if r.random() < 0.6:
                s.schema.type.SetInParent()
                for _ in range(r.randint(0, 2)):
                    s.schema.type.columns.add(name=self.string(), type=r.randint(0, 5))
        elif kind == "none":
            s.none_type.SetInParent()
        elif kind == "error":
            s.error.SetInParent()
            s.error.failed_node_id = self.string()
            s.error.message = self.string()
        elif kind == "generic":
            s.generic.CopyFrom(self.struct(3))
        elif kind == "structured_dataset":
            sd = s.structured_dataset
            sd.SetInParent()
            sd.uri = self.string()
            if r.random() < 0.6:
                sd.metadata.SetInParent()
                if r.random() < 0.8:
                    sd.metadata.structured_dataset_type.CopyFrom(
                        self.literal_type(1).structured_dataset_type)
        elif kind == "union":
            s.union.SetInParent()
            if r.random() < 0.85 and depth > 0:
                s.union.value.CopyFrom(self.literal(depth - 1))
            if r.random() < 0.85:
                s.union.type.CopyFrom(self.literal_type(2))
        elif kind == "json":
            s.json.SetInParent()
            s.json.value = self.string().encode()

    def literal(self, depth):
        r = self.rng
        lit = L.Literal()
        pick = r.random()
        if depth <= 0 or pick < 0.6:
            lit.scalar.SetInParent()
            self.scalar(lit.scalar, depth)
        elif pick < 0.75:
            lit.collection.SetInParent()
            self.count("collection")
            for _ in range(r.randint(0, 3)):
                lit.collection.literals.add().CopyFrom(self.literal(depth - 1))
        elif pick < 0.9:
            lit.map.SetInParent()
            self.count("map")
            for _ in range(r.randint(0, 3)):
                lit.map.literals[self.name()].CopyFrom(self.literal(depth - 1))
        elif pick < 0.96:
            self.count("offloaded_metadata")
            o = lit.offloaded_metadata
            o.SetInParent()
            o.uri = self.string()
            o.size_bytes = r.choice([0, 1, 2**64 - 1, r.randint(0, 10**9)])
            if r.random() < 0.7:
                o.inferred_type.CopyFrom(self.literal_type(2))
        else:
            self.count("empty literal")
        pick = r.random()
        if pick < 0.15:
            lit.hash = self.string() or "h"
            self.count("hash")
        elif pick < 0.2:
            lit.hash = ""
        if r.random() < 0.15:
            for _ in range(r.randint(1, 3)):
                lit.metadata[self.string()] = self.string()
            self.count("metadata")
        return lit

    def literal_map(self, depth=4):
        m = L.LiteralMap()
        for _ in range(self.rng.randint(0, 5)):
            m.literals[self.name()].CopyFrom(self.literal(depth))
        return m


def place(lit):
    """flytekit's _recursive_hash_placement on the real classes (flytekit reads an empty hash as
    None)."""
    if lit.hash:
        return L.Literal(hash=lit.hash)
    if lit.HasField("collection"):
        return L.Literal(collection=L.LiteralCollection(
            literals=[place(x) for x in lit.collection.literals]))
    if lit.HasField("map"):
        return L.Literal(map=L.LiteralMap(
            literals={k: place(v) for k, v in lit.map.literals.items()}))
    return lit


def run_differential(args):
    load_classes(args.classes, "pinned")
    rng = random.Random(args.seed)
    gen = literal_generator(rng, newer=False)
    task, version = "workflows.example.train", "8e3f0c1a"
    cases = []
    lines = []
    started = time.monotonic()
    for _ in range(args.count):
        m = gen.literal_map()
        names = list(m.literals.keys())
        ignored = [n for n in names if rng.random() < 0.2]
        if rng.random() < 0.1:
            ignored.append("not_an_input")
        data = m.SerializeToString(deterministic=True)
        placed = L.LiteralMap(literals={k: place(v) for k, v in m.literals.items()
                                        if k not in ignored}).SerializeToString(deterministic=True)
        key = f"{task}-{version}-{joblib.hash(placed)}"
        cases.append((data, placed, key))
        encoded_names = ",".join(n.encode().hex() for n in ignored) if ignored else "-"
        lines.append(f"{data.hex()}\t{encoded_names}\n")
    answers = probe(args, "literals", task, version, stdin="".join(lines)).splitlines()
    if len(answers) != len(cases):
        fail(f"idl_probe answered {len(answers)} of {len(cases)} maps")
    for i, ((data, placed, key), answer) in enumerate(zip(cases, answers)):
        parts = answer.split("\t")
        if parts[0] != "OK":
            fail(f"map {i} ({data.hex()}): flytecache refused it: {answer}")
            continue
        if parts[1] != data.hex():
            fail(f"map {i}: re-encoded bytes differ:\n  protobuf   {data.hex()}\n  flytecache {parts[1]}")
        if parts[2] != placed.hex():
            fail(f"map {i} ({data.hex()}): placed bytes differ:\n  python     {placed.hex()}\n"
                 f"  flytecache {parts[2]}")
        if parts[3] != key:
            fail(f"map {i} ({data.hex()}): key {parts[3]} != python's {key}")
    missing = [k for k in ("primitive.integer", "primitive.float", "primitive.string",
                           "primitive.boolean", "primitive.datetime", "primitive.duration", "blob",
                           "binary", "schema", "none", "error", "generic", "structured_dataset",
                           "union", "collection", "map", "offloaded_metadata", "hash", "metadata")
               if gen.kinds.get(k, 0) == 0]
    if missing:
        fail(f"the generator never produced {missing}; raise --count")
    total_bytes = sum(len(c[0]) for c in cases)
    finish(f"differential: {len(cases)} random LiteralMaps ({total_bytes} bytes; seed {args.seed}) "
           f"decode and re-encode to protobuf's bytes, with flytekit's placement and key, in "
           f"{time.monotonic() - started:.1f} s; kinds: "
           + ", ".join(f"{k} {v}" for k, v in sorted(gen.kinds.items())))


# ----- (c) mutation ------------------------------------------------------------------------------

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_varint(data, i):
    value = shift = 0
    while True:
        if i >= len(data) or shift > 63:
            return None, i
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def wire_fields(data, depth=0):
    """The fields of `data` as [number, wire type, payload, children] (children: the payload's own
    fields when it parses as a message), or None when it is not a sequence of fields."""
    out = []
    i = 0
    while i < len(data):
        key, i = read_varint(data, i)
        if key is None or key >> 3 == 0:
            return None
        number, wire = key >> 3, key & 7
        start = i
        if wire == 0:
            value, i = read_varint(data, i)
            if value is None:
                return None
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
        elif wire == 2:
            n, i = read_varint(data, i)
            if n is None:
                return None
            start = i
            i += n
        else:
            return None
        if i > len(data):
            return None
        payload = bytes(data[start:i])
        children = wire_fields(payload, depth + 1) if wire == 2 and depth < 12 and payload else None
        out.append([number, wire, payload, children])
    return out


def wire_bytes(fields):
    out = bytearray()
    for number, wire, payload, children in fields:
        body = wire_bytes(children) if children is not None else payload
        out += varint(number << 3 | wire)
        out += varint(len(body)) + body if wire == 2 else body
    return bytes(out)


def structural_mutation(rng, data):
    """A change at the level of fields, at a random depth: the inputs protobuf accepts and whose
    canonical form differs from what was written (order, duplicates, merges, overlong varints,
    unknown fields)."""
    top = wire_fields(data)
    if top is None:
        return data
    lists = []

    def walk(fields):
        lists.append(fields)
        for f in fields:
            if f[3] is not None:
                walk(f[3])

    walk(top)
    fields = rng.choice(lists)
    op = rng.randrange(7)
    if op == 0 and fields:  # a field twice: scalars keep the last, messages merge, lists grow
        i = rng.randrange(len(fields))
        fields.insert(rng.randint(0, len(fields)), [x for x in fields[i]])
    elif op == 1 and len(fields) > 1:  # out of field-number order
        i, j = rng.randrange(len(fields)), rng.randrange(len(fields))
        fields[i], fields[j] = fields[j], fields[i]
    elif op == 2:  # an unknown field, a group among them
        number = rng.choice([rng.randint(6, 40), rng.randint(1000, 5000)])
        wire = rng.choice([0, 1, 2, 5, 3])
        if wire == 3:
            group = varint(number << 3 | 3) + varint(8) + varint(rng.getrandbits(30)) + varint(
                number << 3 | 4)
            fields.insert(rng.randint(0, len(fields)), [0, 99, group, None])
        else:
            payload = {0: varint(rng.getrandbits(40)), 1: bytes(8), 5: bytes(4),
                       2: b"unknown"}[wire]
            fields.insert(rng.randint(0, len(fields)), [number, wire, payload, None])
    elif op == 3 and fields:  # a message split in two occurrences (protobuf merges them)
        i = rng.randrange(len(fields))
        f = fields[i]
        if f[3] and len(f[3]) > 1:
            k = rng.randint(1, len(f[3]) - 1)
            fields[i:i + 1] = [[f[0], 2, b"", f[3][:k]], [f[0], 2, b"", f[3][k:]]]
    elif op == 4 and fields:  # an overlong varint (protobuf reads it, writes the short form)
        candidates = [f for f in fields if f[1] == 0]
        if candidates:
            f = rng.choice(candidates)
            value, _ = read_varint(f[2], 0)
            encoded = bytearray(varint(value))
            if len(encoded) < 10:
                pad = rng.randint(1, 10 - len(encoded))
                encoded[-1] |= 0x80
                encoded += b"\x80" * (pad - 1) + b"\x00"
                f[2] = bytes(encoded)
    elif op == 5 and fields:  # a field dropped
        del fields[rng.randrange(len(fields))]
    elif fields:  # a default value written out: an empty message or string, a zero
        i = rng.randrange(len(fields))
        fields.insert(i, [fields[i][0], fields[i][1], {0: b"\x00", 1: bytes(8), 5: bytes(4)}.get(
            fields[i][1], b""), [] if fields[i][1] == 2 else None])

    def emit(fs):
        out = bytearray()
        for number, wire, payload, children in fs:
            if wire == 99:  # a prebuilt group
                out += payload
                continue
            body = emit(children) if children is not None else payload
            out += varint(number << 3 | wire)
            out += varint(len(body)) + body if wire == 2 else body
        return bytes(out)

    return emit(top)


def mutate(rng, data, others):
    data = bytearray(data)
    op = rng.randrange(10)
    pos = rng.randint(0, len(data))
    if op == 0 and data:  # flip a bit
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)
    elif op == 1 and data:  # replace a byte
        data[rng.randrange(len(data))] = rng.randrange(256)
    elif op == 2:  # insert bytes
        data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 3)))
    elif op == 3 and data:  # delete a range
        end = min(len(data), pos + rng.randint(1, 4))
        del data[pos:end]
    elif op == 4:  # truncate
        del data[pos:]
    elif op == 5 and data:  # duplicate a slice
        a = rng.randrange(len(data))
        b = min(len(data), a + rng.randint(1, 16))
        data[pos:pos] = data[a:b]
    elif op == 6 and others:  # splice in part of another input
        other = rng.choice(others)
        if other:
            a = rng.randrange(len(other))
            data[pos:pos] = other[a:a + rng.randint(1, 24)]
    elif op == 7:  # an unknown field of any wire type, groups included
        field = rng.choice([rng.randint(1, 20), rng.randint(1000, 5000), 2**29 - 1])
        wire = rng.choice([0, 1, 2, 3, 5])
        if wire == 0:
            payload = varint(rng.getrandbits(rng.choice([7, 32, 64])))
        elif wire == 1:
            payload = bytes(rng.randrange(256) for _ in range(8))
        elif wire == 2:
            body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 5)))
            payload = varint(len(body)) + body
        elif wire == 5:
            payload = bytes(rng.randrange(256) for _ in range(4))
        else:
            payload = varint(8 | 0) + varint(rng.getrandbits(20)) + varint(field << 3 | 4)
        data[pos:pos] = varint(field << 3 | wire) + payload
    elif op == 8 and data:  # bump a length or varint byte up or down
        i = rng.randrange(len(data))
        data[i] = (data[i] + rng.choice([-1, 1, 0x80])) & 0xFF
    else:  # a lone end-group or an invalid wire type
        field = rng.randint(1, 20)
        data[pos:pos] = varint(field << 3 | rng.choice([4, 6, 7]))
    return bytes(data)


def run_mutation(args):
    load_classes(args.classes, "model")
    rng = random.Random(args.seed)
    gen = literal_generator(rng, newer=True)
    bases = [gen.literal_map(depth=3).SerializeToString(deterministic=True)
             for _ in range(args.bases)]
    inputs = []
    for base in bases:
        for _ in range(args.per_base):
            m = base
            # Half the inputs change structure (mostly still valid), half change bytes (mostly
            # not); some get both.
            for _ in range(rng.choice([1, 1, 2, 3])):
                m = structural_mutation(rng, m) if rng.random() < 0.55 else mutate(rng, m, bases)
            inputs.append(m)
    started = time.monotonic()
    answers = probe(args, "mutations", stdin="".join(m.hex() + "\n" for m in inputs)).splitlines()
    if len(answers) != len(inputs):
        fail(f"idl_probe answered {len(answers)} of {len(inputs)} inputs")
    # protobuf's answers. Python's parser only warns when an end-group tag (or field number 0)
    # stops it early and keeps what it read so far; protobuf's C++ and Go parsers refuse such
    # input, so the warning counts as a refusal.
    verdicts = []
    with quiet_stderr(), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for data in inputs:
            try:
                verdicts.append((canonical(L.LiteralMap.FromString(data)), None))
            except Exception as e:  # noqa: BLE001 - protobuf's refusal
                verdicts.append((None, str(e)))
    both_accept = both_refuse = stricter = newer = 0
    stricter_reasons = {}
    for data, answer, (expected, refused_by_protobuf) in zip(inputs, answers, verdicts):
        verdict, _, rest = answer.partition("\t")
        if verdict == "BUG":
            fail(f"{data.hex()}: {rest}")
        elif verdict == "OK":
            encoded, _, fields = rest.partition("\t")
            if expected is None:
                fail(f"{data.hex()}: protobuf refuses it ({refused_by_protobuf}), flytecache "
                     f"accepts it as {encoded}")
            elif encoded != expected.hex():
                fail(f"{data.hex()}: flytecache re-encodes it as\n  {encoded}\nprotobuf as\n  "
                     f"{expected.hex()}")
            else:
                both_accept += 1
                newer += fields != "-"
        elif verdict == "REFUSED":
            if expected is None:
                both_refuse += 1
            else:
                stricter += 1
                reason = re.sub(r"offset \d+: ", "", rest)
                reason = re.sub(r"\d+", "N", reason.replace("flytecache: malformed protobuf at ", ""))
                reason = re.sub(r"field [A-Za-z_.]+ \(N\)", "field F (N)", reason)
                stricter_reasons[reason] = stricter_reasons.get(reason, 0) + 1
        else:
            fail(f"{data.hex()}: unexpected answer {answer!r}")
    reasons = "; ".join(f"{v} x {k}" for k, v in sorted(stricter_reasons.items(),
                                                         key=lambda kv: -kv[1])[:6])
    finish(f"mutation: {len(inputs)} mutated inputs (seed {args.seed}) in "
           f"{time.monotonic() - started:.1f} s: {both_accept} accepted by both and re-encoded to "
           f"protobuf's canonical bytes ({newer} holding the newer fields), {both_refuse} refused "
           f"by both, {stricter} refused by flytecache only (stricter: {reasons})")


# ----- the registration package ------------------------------------------------------------------

FLYTECTL_NAME = re.compile(r"^.*_(?P<index>[1-3])\.pb$")  # flytectl's file-kind pattern


def check_spec(where, content, project, domain, version, name):
    try:
        spec = ADMIN.TaskSpec.FromString(content)
    except Exception as e:  # noqa: BLE001
        fail(f"{where}: not a TaskSpec: {e}")
        return
    if canonical(spec) != content:
        fail(f"{where}: not protobuf's canonical TaskSpec bytes (unknown fields, order or defaults)")
    tid = spec.template.id
    got = (tid.resource_type, tid.project, tid.domain, tid.name, tid.version)
    want = (1, project, domain, name, version)
    if got != want:
        fail(f"{where}: identifier {got} != {want}")
    if not spec.template.HasField("interface") or not spec.template.type:
        fail(f"{where}: the template has no interface or type")


def check_archive(where, data, expected_names, contents):
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            members = tar.getmembers()
            names = [m.name for m in members]
            if names != expected_names:
                fail(f"{where}: members {names} != {expected_names}")
            for m in members:
                if not m.isfile() or "/" in m.name:
                    fail(f"{where}: {m.name} is not a regular file at the top level")
                elif contents is not None and tar.extractfile(m).read() != contents.get(m.name):
                    fail(f"{where}: {m.name} differs from the file in the directory")
    except (tarfile.TarError, OSError, EOFError) as e:
        fail(f"{where}: not a readable tar archive: {e}")


def run_package(args):
    load_classes(args.classes, "pinned")
    out = os.path.join(args.work, "package")
    probe(args, "package", out)
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    tasks, files = manifest["tasks"], manifest["files"]
    n = len(tasks)
    width = math.ceil(math.log(n, 10)) if n > 1 else 1  # pyflyte's _determine_text_chars
    expected = [f"{str(i).zfill(width)}_{t}_1.pb" for i, t in enumerate(tasks)]
    if files != expected:
        fail(f"file names {files} != pyflyte's {expected}")
    if sorted(files) != files:
        fail("flytectl sorts the files by name, and that order is not the registration order")
    on_disk = sorted(os.listdir(os.path.join(out, "files")))
    if on_disk != files:
        fail(f"the directory holds {on_disk}, not {files}")
    contents = {}
    for name, task in zip(files, tasks):
        m = FLYTECTL_NAME.match(name)
        if not m or m.group("index") != "1":
            fail(f"{name}: flytectl would not try it as a TaskSpec first")
        with open(os.path.join(out, "files", name), "rb") as f:
            contents[name] = f.read()
        check_spec(name, contents[name], manifest["project"], manifest["domain"],
                   manifest["version"], task)
    with open(os.path.join(out, "flyte-package.tgz"), "rb") as f:
        tgz = f.read()
    try:
        gzip.decompress(tgz)
    except OSError as e:
        fail(f"flyte-package.tgz is not gzip: {e}")
    check_archive("flyte-package.tgz", tgz, files, contents)
    with open(os.path.join(out, "flyte-package.tar"), "rb") as f:
        check_archive("flyte-package.tar", f.read(), files, contents)
    # The placeholders flytectl fills in, and a name too long for a ustar header.
    long_name = "wf." + "l" * 120
    with open(os.path.join(out, "placeholders.tar.gz"), "rb") as f:
        data = f.read()
    member = f"0_{long_name}_1.pb"
    check_archive("placeholders.tar.gz", data, [member], None)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        check_spec("placeholders.tar.gz", tar.extractfile(member).read(),
                   "{{ registration.project }}", "{{ registration.domain }}",
                   "{{ registration.version }}", long_name)
    # `flytecache package` on the same tasks as binary TaskTemplates registered elsewhere: the
    # very same archive and files.
    cli_note = ""
    if args.cli:
        templates = sorted(os.listdir(os.path.join(out, "templates")))
        command = [args.cli, "package", "--project", manifest["project"], "--domain",
                   manifest["domain"], "--version", manifest["version"]]
        paths = [os.path.join(out, "templates", t) for t in templates]
        for target in ("cli.tgz", "cli-files/"):
            r = subprocess.run([*command, "-o", os.path.join(out, target), *paths],
                               capture_output=True, text=True, timeout=120)
            if r.returncode != 0:
                fail(f"flytecache package -o {target} failed ({r.returncode}): {r.stderr}")
                continue
            if target.endswith("/"):
                for name in files:
                    with open(os.path.join(out, target, name), "rb") as f:
                        if f.read() != contents[name]:
                            fail(f"flytecache package wrote another {name}")
            else:
                with open(os.path.join(out, target), "rb") as f:
                    if f.read() != tgz:
                        fail("flytecache package wrote another archive than the library")
            if f"packaged {n} tasks into" not in r.stdout:
                fail(f"flytecache package printed {r.stdout!r}")
        r = subprocess.run([*command, "-o", os.path.join(out, "bad.tgz"),
                            os.path.join(out, "manifest.json")], capture_output=True, text=True,
                           timeout=120)
        if r.returncode != 1 or "is not a binary TaskTemplate" not in r.stderr:
            fail(f"flytecache package on a JSON file: exit {r.returncode}, {r.stderr!r}")
        cli_note = "; flytecache package writes the same archive and files from binary templates"
    finish(f"package: {n} TaskSpec files named and ordered as pyflyte names them, parsed strictly; "
           "the .tgz and .tar archives hold them at their top level; placeholders and a 126-byte "
           "name (pax header) too" + cli_note)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--classes", required=True)
    parser.add_argument("--probe", required=True)
    parser.add_argument("--work", required=True)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("export")
    d = sub.add_parser("differential")
    d.add_argument("--count", type=int, default=3000)
    d.add_argument("--seed", type=int, default=18)
    m = sub.add_parser("mutation")
    m.add_argument("--bases", type=int, default=300)
    m.add_argument("--per-base", type=int, default=60)
    m.add_argument("--seed", type=int, default=18)
    pkg = sub.add_parser("package")
    pkg.add_argument("--cli", help="the flytecache tool, to check its package command too")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    {"export": run_export, "differential": run_differential, "mutation": run_mutation,
     "package": run_package}[args.command](args)


if __name__ == "__main__":
    main()
