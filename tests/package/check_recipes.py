#!/usr/bin/env python3
# flytecache — checks that the Conan recipe, the vcpkg port and the installed package agree on names
# SPDX-License-Identifier: MIT
"""Cross-check the packaging recipes against the CMake build and an installed package.

Neither Conan nor vcpkg runs on CI machines, so this is what keeps their recipes honest. It reads,
without importing or running any of them:
  conanfile.py        (with `ast`) package_type, options and default_options, the requirements
                      behind each option, the package-wide names (which no component may have),
                      the components (their names, cmake_target_name, pkg_config_name and
                      requires, also as built by += / append / extend, and their libs, defines and
                      libdirs in each mode), and for the compiled mode (option header_only):
                      configure()'s package_type, package_id(), generate()'s CMake variables,
                      package()'s copy patterns against the files of include/, exports_sources
  ports/flytecache/   vcpkg.json (with the platform/host qualifiers of dependencies), the feature
                      -> option mapping of portfile.cmake (feature "compiled" for the compiled
                      mode) and no literal -DFLYTECACHE_WITH_* / -DFLYTECACHE_COMPILED_LIB, the
                      FLYTECACHE_BUILD_* switches off, CONFIG_PATH per mode, usage
  CMakeLists.txt      the FLYTECACHE_WITH_* options and their defaults, FLYTECACHE_COMPILED_LIB and
                      the STATIC library behind each alias target in that mode, the find_package()s
                      and the alias target of the core and of each option (also when a function()
                      makes them); version.hpp for the version
  <install>           either mode: the flytecache:: targets of the CMake export (INTERFACE, or
                      STATIC defining FLYTECACHE_COMPILED_LIB), the component and mode switches of
                      flytecacheConfig.cmake, the installed libraries, and the pkg-config files
                      (share/pkgconfig, or lib/pkgconfig with Libs and -DFLYTECACHE_COMPILED_LIB)
It prints one line per mismatch and exits 1 if there is any. A component the install was configured
without (FLYTECACHE_WITH_REDIS=OFF) is still checked in the recipes, only not against the install.

  check_recipes.py --install PREFIX [--conanfile FILE] [--vcpkg-port DIR] [--cmakelists FILE]
                   [--version-header FILE]
"""
import argparse
import ast
import dataclasses
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

# What each find_package() of CMakeLists.txt is called by the other routes: the Conan package, the
# cpp_info reference a Conan component requires, the vcpkg port and the pkg-config module (None:
# Boost ships no .pc file). An unknown find_package() is a mismatch of its own, so a dependency
# cannot be added to CMakeLists.txt and forgotten in the recipes.
DEPENDENCIES = {
    "Boost": ("boost", "boost::headers", "boost-hana", None),
    "fmt": ("fmt", "fmt::fmt", "fmt", "fmt"),
    "OpenSSL": ("openssl", "openssl::crypto", "openssl", "libcrypto"),
    "SQLite3": ("sqlite3", "sqlite3::sqlite3", "sqlite3", "sqlite3"),
    "hiredis": ("hiredis", "hiredis::hiredis", "hiredis", "hiredis"),
    "lmdb": ("lmdb", "lmdb::lmdb", "lmdb", "lmdb"),
}
CONAN, CONAN_REF, VCPKG, PKG_CONFIG = range(4)
VCPKG_HOST_PORTS = {"vcpkg-cmake", "vcpkg-cmake-config"}
CORE = "core"  # the part every build has; the others are named after their FLYTECACHE_WITH_<X>


class Report:
    def __init__(self) -> None:
        self.mismatches: list[str] = []
        self.notes: list[str] = []

    def mismatch(self, where: str, text: str) -> None:
        self.mismatches.append(f"{where}: {text}")

    def expect_equal(self, where: str, what: str, actual, expected, source: str) -> None:
        if actual != expected:
            self.mismatch(where, f"{what}: found {show(actual)}, expected {show(expected)} "
                                 f"from {source}")


def show(value) -> str:
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(repr(v) for v in value)) + "}" if value else "nothing"
    return repr(value)


def label(path: pathlib.Path) -> str:
    """How messages name a file: relative to the repository when it is in it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def option_part(option: str) -> str:
    """FLYTECACHE_WITH_SQLITE -> sqlite: the component (and feature) the option switches on."""
    return option.removeprefix("FLYTECACHE_WITH_").lower()


def pc_name(part: str) -> str:
    return "flytecache" if part == CORE else f"flytecache-{part}"


# --- CMake ---------------------------------------------------------------------------------------
CMAKE_TOKEN = re.compile(
    r"""(?P<comment>\#\[(?P<ceq>=*)\[.*?\](?P=ceq)\]|\#[^\n]*)
      | (?P<bracket>\[(?P<beq>=*)\[.*?\](?P=beq)\])
      | (?P<quoted>"(?:\\.|[^"\\])*")
      | (?P<open>\() | (?P<close>\))
      | (?P<word>[^\s()#"]+)
      | (?P<space>\s+)""",
    re.VERBOSE | re.DOTALL)
TOKEN_KINDS = ("comment", "bracket", "quoted", "open", "close", "word", "space")


def cmake_commands(text: str):
    """Yields (lower-case name, arguments) per command; arguments unquoted, variables unexpanded."""
    name, args, depth, pending = None, [], 0, None
    for token in CMAKE_TOKEN.finditer(text):
        kind = next(k for k in TOKEN_KINDS if token.group(k) is not None)
        value = token.group(kind)
        if kind in ("comment", "space"):
            continue
        if name is None:
            if kind == "word":
                pending = value
            elif kind == "open" and pending:
                name, args, depth, pending = pending.lower(), [], 1, None
            continue
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth == 0:
                yield name, args
                name = None
        elif kind == "quoted":
            args.append(value[1:-1])
        elif kind == "bracket":
            args.append(re.sub(r"^\[=*\[\n?|\]=*\]$", "", value))
        else:
            args.append(value)


BLOCK_OPEN = {"if", "foreach", "while", "function", "macro", "block"}
BLOCK_CLOSE = {"endif", "endforeach", "endwhile", "endfunction", "endmacro", "endblock"}


COMPILED = "FLYTECACHE_COMPILED_LIB"  # the compiled-mode option, and the macro its targets define


@dataclasses.dataclass
class Build:
    """What CMakeLists.txt and version.hpp declare."""
    version: str
    options: dict[str, bool]  # FLYTECACHE_WITH_<X> -> default
    packages: dict[str, list[str]]  # part -> find_package() names
    targets: dict[str, str]  # part -> alias target
    all_options: set[str]  # every option() of CMakeLists.txt
    compiled: bool | None  # the default of FLYTECACHE_COMPILED_LIB; None: no compiled mode
    libraries: dict[str, str | None]  # part -> its static library in compiled mode (lib<x>.a)
    include_dir: pathlib.Path

    @property
    def parts(self) -> list[str]:
        return [CORE] + [option_part(o) for o in self.options]

    @property
    def build_switches(self) -> set[str]:
        """FLYTECACHE_BUILD_*: what a package build must switch off (tests, examples, tools…)."""
        return {o for o in self.all_options if o.startswith("FLYTECACHE_BUILD_")}

    def names(self, part: str, route: int) -> set[str]:
        """The part's dependencies as the given route calls them."""
        return {DEPENDENCIES[p][route] for p in self.packages[part]
                if p in DEPENDENCIES and DEPENDENCIES[p][route]}

    def source(self, part: str) -> str:
        return f"CMakeLists.txt (find_package of {show(set(self.packages[part]))})"


def read_build(cmakelists: pathlib.Path, version_header: pathlib.Path, report: Report) -> Build:
    """Only two contexts count: the top level (the core) and a block `if(FLYTECACHE_WITH_<X>)`
    directly in it (part <x>), each possibly inside `if(FLYTECACHE_COMPILED_LIB)` (or its else).
    A call of a function() defined in the file counts as its body, with the parameters replaced
    by the call's arguments (CMakeLists.txt makes each component's target in one function). Other
    blocks (install rules, developer-only targets) are not what a package consumer gets."""
    where = label(cmakelists)
    options: dict[str, bool] = {}
    all_options: set[str] = set()
    compiled_default: bool | None = None
    packages: dict[str, list[str]] = {CORE: []}
    aliases: dict[str, set] = {CORE: set()}  # part -> {(alias, target)}
    static: dict[str, set] = {}  # target -> the modes add_library(<target> STATIC) is in
    functions: dict[str, tuple[list[str], list]] = {}
    defining: list | None = None  # the body of the function() being read
    depth = 0  # of blocks inside that function()

    def part_of(stack: list[str]) -> str | None:
        """The part a command belongs to, or None for a context that does not count."""
        rest = [c for c in stack if c not in (COMPILED, f"NOT {COMPILED}", f"<else {COMPILED}>")]
        if not rest:
            return CORE
        if len(rest) == 1 and rest[0].startswith("FLYTECACHE_WITH_") and stack[0] == rest[0]:
            return option_part(rest[0])
        return None

    def mode_of(stack: list[str]) -> str:
        if COMPILED in stack:
            return "compiled"
        if f"NOT {COMPILED}" in stack or f"<else {COMPILED}>" in stack:
            return "header-only"
        return "both"

    def run(commands, stack: list[str], depth_limit: int) -> None:
        nonlocal compiled_default
        for name, args in commands:
            if name in BLOCK_OPEN:
                stack.append(" ".join(args) if name == "if" else f"<{name}>")
                continue
            if name in BLOCK_CLOSE:
                stack.pop()
                continue
            if name in ("elseif", "else"):
                stack[-1] = f"<else {stack[-1]}>" if name == "else" else "<elseif>"
                continue
            if name in ("option", "cmake_dependent_option") and args:
                all_options.add(args[0])
            part = part_of(stack)
            if part is None:
                continue
            if name in functions and depth_limit > 0:
                params, body = functions[name]
                values = dict(zip(params, args))

                def substitute(text: str) -> str:
                    return re.sub(r"\$\{(\w+)\}",
                                  lambda m: values.get(m.group(1), m.group(0)), text)
                run([(n, [substitute(a) for a in a_]) for n, a_ in body], list(stack),
                    depth_limit - 1)
            elif name == "option" and args[0].startswith("FLYTECACHE_WITH_"):
                options[args[0]] = len(args) > 2 and args[2].upper() in ("ON", "TRUE", "YES", "1")
            elif name == "option" and args[0] == COMPILED:
                compiled_default = len(args) > 2 and args[2].upper() in ("ON", "TRUE", "YES", "1")
            elif name == "find_package":
                packages.setdefault(part, []).append(args[0])
            elif name == "add_library" and len(args) >= 3 and args[1] == "ALIAS":
                aliases.setdefault(part, set()).add((args[0], args[2]))
            elif name == "add_library" and len(args) >= 2 and args[1] == "STATIC":
                static.setdefault(args[0], set()).add(mode_of(stack))

    top: list = []
    for name, args in cmake_commands(cmakelists.read_text(encoding="utf-8")):
        if defining is not None:
            if name in BLOCK_CLOSE and depth == 0:
                defining = None
                continue
            depth += (name in BLOCK_OPEN) - (name in BLOCK_CLOSE)
            defining.append((name, args))
            continue
        if name == "function" and args:
            defining = []
            functions[args[0].lower()] = (args[1:], defining)
            depth = 0
            continue
        top.append((name, args))
    run(top, [], depth_limit=4)

    targets: dict[str, list[str]] = {p: sorted({a for a, _ in v}) for p, v in aliases.items()}
    for option in options:
        found = targets.get(option_part(option), [])
        if len(found) != 1:
            report.mismatch(where, f"expected one alias target inside if({option}), "
                                   f"found {show(set(found))}")
    if targets[CORE] != ["flytecache::flytecache"]:
        report.mismatch(where, f"expected the core alias target flytecache::flytecache at top "
                               f"level, found {show(set(targets[CORE]))}")
    parts = [CORE] + [option_part(o) for o in options]
    for part in parts:
        for package in packages.get(part, []):
            if package not in DEPENDENCIES:
                report.mismatch(where, f"finds {package!r} for {part!r}, which check_recipes.py "
                                       f"does not know: add its names to DEPENDENCIES there")
    # Compiled mode: each part's alias must stand for a STATIC library built under
    # if(FLYTECACHE_COMPILED_LIB); its file is lib<target>.a (no OUTPUT_NAME is understood).
    libraries: dict[str, str | None] = {}
    for part in parts:
        real = sorted({t for _, t in aliases.get(part, set())})
        library = real[0] if len(real) == 1 else None
        built = bool(library) and "compiled" in static.get(library, ())
        if compiled_default is not None and not built:
            report.mismatch(where, f"{COMPILED} is an option, but no add_library(<target> STATIC) "
                                   f"under if({COMPILED}) is the target of "
                                   f"{show(set(targets.get(part, [])))} ({part!r})")
            library = None
        libraries[part] = library if compiled_default is not None else None
    if re.search(r"\bOUTPUT_NAME\b", cmakelists.read_text(encoding="utf-8")):
        report.mismatch(where, "sets an OUTPUT_NAME, which check_recipes.py does not follow: the "
                               "libraries' file names would not be the targets' names")

    text = version_header.read_text(encoding="utf-8")
    numbers = [re.search(rf"#define FLYTECACHE_VERSION_{p} (\d+)", text)
               for p in ("MAJOR", "MINOR", "PATCH")]
    if not all(numbers):
        sys.exit(f"check_recipes: cannot read the version from {version_header}")
    return Build(version=".".join(m.group(1) for m in numbers), options=options,
                 packages={p: packages.get(p, []) for p in parts},
                 targets={p: (targets.get(p) or [None])[0] for p in parts},
                 all_options=all_options, compiled=compiled_default, libraries=libraries,
                 include_dir=version_header.resolve().parents[1])


# --- Conan ---------------------------------------------------------------------------------------
@dataclasses.dataclass
class Component:
    condition: str  # "" or the option it is declared under
    properties: dict = dataclasses.field(default_factory=dict)
    requires: list = dataclasses.field(default_factory=list)
    # libs, defines and libdirs as assigned per mode: MODES -> literal list
    fields: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Recipe:
    attributes: dict = dataclasses.field(default_factory=dict)  # class-level literals
    methods: dict = dataclasses.field(default_factory=dict)
    requires: dict = dataclasses.field(default_factory=dict)  # condition -> references
    root: dict = dataclasses.field(default_factory=dict)  # cpp_info properties
    root_fields: dict = dataclasses.field(default_factory=dict)  # cpp_info libs/defines/…
    components: dict = dataclasses.field(default_factory=dict)  # name -> Component
    # configure(): package_type assignments, (mode, value)
    package_types: list = dataclasses.field(default_factory=list)
    # generate(): CMake cache variables the toolchain sets, name -> the value's source text
    cache_variables: dict = dataclasses.field(default_factory=dict)


HEADER_ONLY = "header_only"  # the recipe's option for the mode (fmt's and spdlog's name)
BOTH, HEADER_ONLY_MODE, COMPILED_MODE = "both", "header-only", "compiled"
FIELDS = ("libs", "defines", "libdirs")


def literal(node):
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        return None


def dotted(node) -> str:
    """The dotted name of self.cpp_info.components and the like; "" for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def option_test(test) -> tuple[str, bool] | None:
    """`self.options.x` -> (x, True), `not self.info.options.x` -> (x, False), else None."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    name = dotted(test.operand if negated else test)
    match = re.fullmatch(r"self\.(?:info\.)?options\.(\w+)", name)
    return (match.group(1), not negated) if match else None


def with_conditions(body, where: str, report: Report, condition: str = "", mode: str = BOTH):
    """Yields (statement, option, mode) for a method body, looking through
    `if [not] self.options.<option>:` blocks (and their `else:`). option is "" or the with_<x> the
    statement is under; mode is BOTH, or the mode the header_only option selects."""
    for statement in body:
        if not isinstance(statement, ast.If):
            yield statement, condition, mode
            continue
        test = option_test(statement.test)
        branches = []
        if test and test[0] == HEADER_ONLY and mode == BOTH:
            selected = HEADER_ONLY_MODE if test[1] else COMPILED_MODE
            other = COMPILED_MODE if test[1] else HEADER_ONLY_MODE
            branches = [(statement.body, condition, selected), (statement.orelse, condition, other)]
        elif test and test[0] != HEADER_ONLY and test[1] and not condition and not statement.orelse:
            branches = [(statement.body, test[0], mode)]
        if not branches:
            report.mismatch(where, f"cannot interpret `if {ast.unparse(statement.test)}:` (the "
                                   f"checker understands `if self.options.<option>:`, and "
                                   f"`if [not] self.options.{HEADER_ONLY}:` with an `else:`, "
                                   f"each at most once per statement)")
            continue
        for branch, branch_condition, branch_mode in branches:
            yield from with_conditions(branch, where, report, branch_condition, branch_mode)


def read_conanfile(path: pathlib.Path, report: Report) -> Recipe:
    where = label(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)
               and any(dotted(base) == "ConanFile" for base in node.bases)]
    if len(classes) != 1:
        sys.exit(f"check_recipes: {path}: expected one ConanFile class, found {len(classes)}")
    recipe = Recipe()
    for node in classes[0].body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            recipe.attributes[node.targets[0].id] = literal(node.value)
        elif isinstance(node, ast.FunctionDef):
            recipe.methods[node.name] = node

    if "requirements" in recipe.methods:
        body = recipe.methods["requirements"].body
        for statement, condition, mode in with_conditions(body, f"{where}: requirements()",
                                                          report):
            for call in ast.walk(statement):
                if (isinstance(call, ast.Call) and dotted(call.func) == "self.requires"
                        and call.args and isinstance(reference := literal(call.args[0]), str)):
                    if mode != BOTH:
                        report.mismatch(where, f"requirements(): {reference} depends on the "
                                               f"mode; CMakeLists.txt finds the same packages in "
                                               f"both")
                    recipe.requires.setdefault(condition, []).append(reference)

    if "configure" in recipe.methods:
        body = recipe.methods["configure"].body
        for statement, condition, mode in with_conditions(body, f"{where}: configure()", report):
            for node in ast.walk(statement):
                if (isinstance(node, ast.Assign) and len(node.targets) == 1
                        and dotted(node.targets[0]) == "self.package_type"):
                    recipe.package_types.append((mode if not condition else "?",
                                                 literal(node.value)))

    if "generate" in recipe.methods:
        for node in ast.walk(recipe.methods["generate"]):
            # <toolchain>.cache_variables["NAME"] = value (or .variables[...])
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(target := node.targets[0], ast.Subscript)
                    and isinstance(target.value, ast.Attribute)
                    and target.value.attr in ("cache_variables", "variables")
                    and isinstance(key := literal(target.slice), str)):
                recipe.cache_variables[key] = ast.unparse(node.value)

    aliases: dict[str, str] = {}  # local variable -> component name
    understood: set[int] = set()  # id() of the `<component>.requires` nodes interpreted below

    def component_of(node):
        """The component that self.cpp_info.components["x"], or a variable holding it, denotes."""
        if isinstance(node, ast.Subscript) and dotted(node.value) == "self.cpp_info.components":
            key = literal(node.slice)
            return key if isinstance(key, str) else None
        return aliases.get(node.id) if isinstance(node, ast.Name) else None

    def component(name: str, condition: str) -> Component:
        entry = recipe.components.setdefault(name, Component(condition))
        if entry.condition != condition:
            report.mismatch(where, f"component {name!r} is set up under two conditions")
        return entry

    def references(node, statement) -> list:
        """The literal list of "pkg::component" strings a requires statement adds."""
        value = literal(node)
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return list(value)
        report.mismatch(where, f"package_info(): cannot interpret `{ast.unparse(statement)}` (the "
                               f"checker understands literal lists of strings)")
        return []

    def requires_of(node):
        """The component whose `.requires` the node is, or None."""
        if isinstance(node, ast.Attribute) and node.attr == "requires":
            return component_of(node.value)
        return None

    def field_of(node):
        """(component name or "" for the root cpp_info, field) for `<x>.libs` and the like."""
        if isinstance(node, ast.Attribute) and node.attr in FIELDS:
            if dotted(node.value) == "self.cpp_info":
                return "", node.attr
            if name := component_of(node.value):
                return name, node.attr
        return None

    body = recipe.methods["package_info"].body if "package_info" in recipe.methods else []
    for statement, condition, mode in with_conditions(body, f"{where}: package_info()", report):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name) and (name := component_of(statement.value)):
                aliases[target.id] = name
                component(name, condition)
            elif name := requires_of(target):
                understood.add(id(target))
                if mode != BOTH:
                    report.mismatch(where, f"package_info(): {name!r}'s requires depend on the "
                                           f"mode; CMakeLists.txt links the same in both")
                component(name, condition).requires = references(statement.value, statement)
            elif found := field_of(target):
                understood.add(id(target))
                owner, field = found
                fields = (recipe.root_fields if not owner
                          else component(owner, condition).fields)
                fields.setdefault(field, {})[mode] = references(statement.value, statement)
        elif (isinstance(statement, ast.AugAssign) and isinstance(statement.op, ast.Add)
              and (name := requires_of(statement.target))):
            # x.requires += [...]: accumulates, as list += does.
            understood.add(id(statement.target))
            component(name, condition).requires += references(statement.value, statement)
        elif isinstance(statement, ast.Expr) and isinstance(call := statement.value, ast.Call):
            if (isinstance(call.func, ast.Attribute) and (name := requires_of(call.func.value))
                    and call.func.attr in ("append", "extend") and len(call.args) == 1
                    and not call.keywords):
                # x.requires.append("a::b") / x.requires.extend([...]): accumulate as well.
                understood.add(id(call.func.value))
                added = (ast.List(elts=[call.args[0]], ctx=ast.Load())
                         if call.func.attr == "append" else call.args[0])
                component(name, condition).requires += references(added, statement)
                continue
            if not (isinstance(call.func, ast.Attribute) and call.func.attr == "set_property"
                    and len(call.args) >= 2):
                continue
            key, value = literal(call.args[0]), literal(call.args[1])
            if dotted(call.func.value) == "self.cpp_info":
                recipe.root[key] = value
            elif name := component_of(call.func.value):
                component(name, condition).properties[key] = value
    # Whatever else touches a `.requires`, `.libs`, `.defines` or `.libdirs` in package_info() (a
    # .remove(), an insert(), the root cpp_info's requires, one in a loop or under a variable the
    # checker does not follow) could change what the recipe declares behind the checker's back:
    # report it rather than print OK on a partial reading.
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if (isinstance(node, ast.Attribute) and node.attr in ("requires",) + FIELDS
                and id(node) not in understood
                and (node.attr == "requires" or field_of(node) is not None)):
            report.mismatch(where, f"package_info(), line {node.lineno}: cannot interpret the use of "
                                   f"`{ast.unparse(node)}` "
                                   f"(the checker understands `<component>.requires = [...]`, "
                                   f"`+= [...]`, `.append(\"...\")` and `.extend([...])`, and "
                                   f"`<component>.libs/defines/libdirs = [...]`, as statements "
                                   f"of their own)")
        elif (isinstance(node, ast.Subscript) and dotted(node.value) == "self.cpp_info.components"
              and not isinstance(literal(node.slice), str)):
            report.mismatch(where, f"package_info(): cannot interpret `{ast.unparse(node)}` (the "
                                   f"checker understands components indexed by string literals)")
    return recipe


def check_package_wide_names(where: str, recipe: Recipe, build: Build, report: Report) -> None:
    """The root cpp_info's cmake_target_name and pkg_config_name name the whole package: every
    component. Under CMakeDeps, a component whose target has the package-wide name becomes that
    aggregate (flytecache::flytecache would link the SQLite and Redis components too); under
    PkgConfigDeps the package-wide module is what a package requiring flytecache as a whole gets,
    and if a component's module has its name, that is the component alone (the core: no sqlite3,
    `undefined reference to sqlite3_reset`). So both must be set (Conan's defaults,
    flytecache::flytecache and flytecache, are the core's), in the flytecache:: namespace, and
    differ from every component's and every name of our CMake package and pkg-config files."""
    components = recipe.components.values()
    taken = {("cmake_target_name", c.properties.get("cmake_target_name")) for c in components}
    taken |= {("pkg_config_name", c.properties.get("pkg_config_name")) for c in components}
    taken |= {("cmake_target_name", t) for t in build.targets.values()}
    taken |= {("pkg_config_name", pc_name(p)) for p in build.parts}
    for key in ("cmake_target_name", "pkg_config_name"):
        value = recipe.root.get(key)
        if not isinstance(value, str) or not value:
            report.mismatch(where, f"package_info() sets no package-wide {key}: Conan's default "
                                   f"is the core's name, so the package-wide aggregate and the "
                                   f"core would be one")
        elif (key, value) in taken:
            report.mismatch(where, f"the package-wide {key} {value!r} is also a component's (or "
                                   f"our CMake package's) name: under CMakeDeps/PkgConfigDeps "
                                   f"that component would become the aggregate of all of them, "
                                   f"or the package-wide name the component alone; give the "
                                   f"package-wide one a name no component uses")
        elif key == "cmake_target_name" and not value.startswith("flytecache::"):
            report.mismatch(where, f"the package-wide cmake_target_name {value!r} is outside "
                                   f"the flytecache:: namespace")


def check_conan(path: pathlib.Path, recipe: Recipe, build: Build, report: Report) -> dict:
    """Returns part -> component name."""
    where = label(path)
    attributes = recipe.attributes
    report.expect_equal(where, "name", attributes.get("name"), "flytecache", "the CMake project")
    check_modes(where, recipe, build, report)
    if "version" in attributes:
        report.expect_equal(where, "version", attributes["version"], build.version, "version.hpp")
    elif "version.hpp" not in ast.unparse(recipe.methods.get("set_version", ast.Pass())):
        report.mismatch(where, "has neither a version nor a set_version() reading version.hpp")

    # One option with_<x> per FLYTECACHE_WITH_<X>, with the same default, and header_only, the
    # opposite of FLYTECACHE_COMPILED_LIB, when CMakeLists.txt has a compiled mode.
    options = attributes.get("options") or {}
    defaults = attributes.get("default_options") or {}
    expected = {f"with_{option_part(o)}": (o, on) for o, on in build.options.items()}
    source = "CMakeLists.txt (one with_<x> per FLYTECACHE_WITH_<X>"
    if build.compiled is not None:
        expected[HEADER_ONLY] = (f"NOT {COMPILED}", not build.compiled)
        source += f", {HEADER_ONLY} for NOT {COMPILED}"
    report.expect_equal(where, "options", set(options), set(expected), source + ")")
    for option, (cmake_option, on) in expected.items():
        if option not in options:
            continue
        if set(options[option]) != {True, False}:
            report.mismatch(where, f"option {option!r} should take [True, False]")
        if option not in defaults:
            report.mismatch(where, f"option {option!r} has no default_options entry")
        else:
            report.expect_equal(where, f"default_options[{option!r}]", defaults[option], on,
                                f"CMakeLists.txt ({cmake_option} defaults to "
                                f"{'ON' if on else 'OFF'})")

    # Requirements: the core's find_package()s unconditionally, each option's behind it.
    parts = {"": CORE} | {f"with_{option_part(o)}": option_part(o) for o in build.options}
    for condition in sorted(set(recipe.requires) - set(parts)):
        report.mismatch(where, f"requirements under `if self.options.{condition}`, which is no "
                               f"option of CMakeLists.txt: {recipe.requires[condition]}")
    for condition, part in parts.items():
        actual = {reference.split("/")[0] for reference in recipe.requires.get(condition, [])}
        what = (f"the requirements under `if self.options.{condition}`" if condition
                else "the unconditional requirements")
        report.expect_equal(where, what, actual, build.names(part, CONAN), build.source(part))

    # The root cpp_info, then one component per part.
    report.expect_equal(where, "cmake_file_name", recipe.root.get("cmake_file_name"), "flytecache",
                        "the installed CMake package (flytecacheConfig.cmake)")
    components: dict[str, str] = {}
    for name, entry in recipe.components.items():
        part = parts.get(entry.condition)
        if part is None:
            report.mismatch(where, f"component {name!r} is declared under "
                                   f"`if self.options.{entry.condition}`, which is no option of "
                                   f"CMakeLists.txt")
        elif part in components:
            report.mismatch(where, f"components {components[part]!r} and {name!r} are both "
                                   f"declared for {part!r}")
        else:
            components[part] = name
    for condition, part in parts.items():
        if part not in components:
            context = f"under `if self.options.{condition}`" if condition else "unconditionally"
            report.mismatch(where, f"declares no component {context} for CMake's "
                                   f"{build.targets[part]}")
    # Conan consumers address a component as flytecache::<name> (CMakeDeps' targets come from
    # cmake_target_name, but a consumer recipe's `requires = ["flytecache::sqlite"]` and the
    # `--requires`/`-o` tooling use the name), so each option's component must be named after its
    # CMake target: flytecache::sqlite -> "sqlite". The core's target is flytecache::flytecache,
    # whose name part would be the package's own; its component keeps the name it has always had,
    # CORE ("core"), which consumer recipes may name too and the other components require.
    for part, name in components.items():
        target = build.targets[part]
        expected_name = CORE if part == CORE else (target or "").rpartition("::")[2] or part
        if name != expected_name:
            context = (f"declared under `if self.options.with_{part}`" if part != CORE
                       else "the core, declared unconditionally")
            report.mismatch(where, f"component {name!r} ({context}) should be named "
                                   f"{expected_name!r}: Conan consumers address it as "
                                   f"flytecache::{expected_name}, after CMake's {target}")
    check_package_wide_names(where, recipe, build, report)
    core = components.get(CORE, CORE)
    for part, name in components.items():
        properties = recipe.components[name].properties
        target = properties.get("cmake_target_name")
        if target != build.targets[part]:
            report.mismatch(where, f"component {name!r} has cmake_target_name {target!r}, but "
                                   f"CMakeLists.txt names the target {build.targets[part]!r}")
        module = properties.get("pkg_config_name")
        if module != pc_name(part):
            report.mismatch(where, f"component {name!r} has pkg_config_name {module!r}, but the "
                                   f"installed pkg-config module is {pc_name(part)!r}")
        requires = build.names(part, CONAN_REF) | (set() if part == CORE else {core})
        report.expect_equal(where, f"component {name!r} requires",
                            set(recipe.components[name].requires), requires,
                            build.source(part) + ("" if part == CORE else " and the core"))
        check_component_fields(where, name, part, recipe.components[name].fields, build, report)
    for field, by_mode in recipe.root_fields.items():
        if field != "libdirs" and any(by_mode.values()):
            report.mismatch(where, f"package_info() sets the root cpp_info's {field} "
                                   f"{show(by_mode)}: with components, each component says "
                                   f"its own")
    return components


def field_in(fields: dict, field: str, mode: str):
    """What <component>.<field> is in the mode: the mode's own assignment, else the one for both,
    else None (Conan's default: no libs or defines, libdirs ["lib"])."""
    by_mode = fields.get(field, {})
    return by_mode.get(mode, by_mode.get(BOTH))


def check_component_fields(where: str, name: str, part: str, fields: dict, build: Build,
                           report: Report) -> None:
    """Header-only, a component has no library and no FLYTECACHE_COMPILED_LIB; compiled, it is
    CMake's static library of the part (lib<target>.a) and gives its consumers the macro, which
    makes the headers declare what the library defines (the CMake targets' INTERFACE definition)."""
    for mode in (HEADER_ONLY_MODE, COMPILED_MODE):
        if mode == COMPILED_MODE and build.compiled is None:
            continue
        libs = field_in(fields, "libs", mode) or []
        defines = field_in(fields, "defines", mode) or []
        libdirs = field_in(fields, "libdirs", mode)
        expected = [build.libraries[part]] if mode == COMPILED_MODE else []
        report.expect_equal(where, f"component {name!r}, {mode}: libs", libs, expected,
                            f"CMakeLists.txt (its "
                            f"{'STATIC library' if expected else 'INTERFACE target'})")
        has_macro = COMPILED in defines
        if has_macro != (mode == COMPILED_MODE):
            report.mismatch(where, f"component {name!r}, {mode}: defines {show(defines)} "
                                   f"{'lack' if mode == COMPILED_MODE else 'include'} {COMPILED}, "
                                   f"which CMake's {mode} targets "
                                   f"{'define' if mode == COMPILED_MODE else 'do not define'} "
                                   f"for their consumers")
        if mode == COMPILED_MODE and libdirs == []:
            report.mismatch(where, f"component {name!r}, {mode}: libdirs = [], so Conan would not "
                                   f"find lib{expected[0] if expected else '?'}.a")


def check_modes(where: str, recipe: Recipe, build: Build, report: Report) -> None:
    """package_type, package_id(), generate(), package() and exports_sources for the two modes."""
    attributes = recipe.attributes
    package_id = ast.unparse(recipe.methods.get("package_id", ast.Pass()))
    if build.compiled is None:
        report.expect_equal(where, "package_type", attributes.get("package_type"),
                            "header-library", f"CMakeLists.txt (no {COMPILED}: header-only)")
        if "self.info.clear()" not in package_id:
            report.mismatch(where, "package_id() does not call self.info.clear()")
        return
    # The ecosystem's habit (fmt's, spdlog's recipes): the library's package_type, switched to
    # header-library in configure() when header_only.
    report.expect_equal(where, "package_type", attributes.get("package_type"), "static-library",
                        f"CMakeLists.txt (add_library STATIC under if({COMPILED}))")
    report.expect_equal(where, "configure()'s package_type assignments", recipe.package_types,
                        [(HEADER_ONLY_MODE, "header-library")],
                        f"a header-only mode (`if self.options.{HEADER_ONLY}: "
                        f"self.package_type = \"header-library\"`)")
    cleared = [mode for statement, _, mode in with_conditions(
        recipe.methods["package_id"].body if "package_id" in recipe.methods else [],
        f"{where}: package_id()", report) if "self.info.clear()" in ast.unparse(statement)]
    if cleared != [HEADER_ONLY_MODE]:
        report.mismatch(where, f"package_id() should call self.info.clear() exactly when "
                               f"{HEADER_ONLY} (found it for {show(cleared) if cleared else 'none'}"
                               f"): header-only packages are all alike, compiled ones differ by "
                               f"settings and options")

    # generate(): the CMake cache of a compiled-mode build.
    variables = recipe.cache_variables
    expected = {COMPILED: "True", "FLYTECACHE_INSTALL": "True"}
    expected |= {o: f"bool(self.options.with_{option_part(o)})" for o in build.options}
    expected |= {o: "False" for o in build.build_switches}
    for variable, value in sorted(expected.items()):
        plain = value.removeprefix("bool(").removesuffix(")")
        if variable not in variables:
            report.mismatch(where, f"generate() does not set the CMake variable {variable} "
                                   f"(expected {value})")
        elif variables[variable] not in (value, plain):
            report.mismatch(where, f"generate() sets {variable} = {variables[variable]}, "
                                   f"expected {value}")
    for variable in sorted(set(variables) - set(expected)):
        if variable.startswith("FLYTECACHE_") and variable not in build.all_options:
            report.mismatch(where, f"generate() sets {variable}, which CMakeLists.txt does not "
                                   f"declare")

    # package(), header-only: the copy patterns must take every kind of file include/ holds (the
    # headers include their .ipp definition files); compiled mode installs with CMake.
    package = recipe.methods.get("package")
    patterns = {node.value for node in ast.walk(package or ast.Pass())
                if isinstance(node, ast.Constant) and isinstance(node.value, str)
                and re.fullmatch(r"\*\.\w+", node.value)}
    suffixes = {path.suffix for path in build.include_dir.rglob("*") if path.is_file()}
    for suffix in sorted(suffixes):
        if f"*{suffix}" not in patterns:
            report.mismatch(where, f"package() copies {show(patterns)}, which misses the "
                                   f"{suffix} files of {label(build.include_dir)}")
    exported = attributes.get("exports_sources") or ()
    exported = {exported} if isinstance(exported, str) else set(exported)
    for needed in ("CMakeLists.txt", "cmake/*", "include/*", "src/*", "LICENSE"):
        if needed not in exported:
            report.mismatch(where, f"exports_sources lacks {needed!r}, which a compiled-mode "
                                   f"build needs")


# --- vcpkg ---------------------------------------------------------------------------------------
VCPKG_COMPILED = "compiled"  # the port's feature for FLYTECACHE_COMPILED_LIB


def check_vcpkg(port: pathlib.Path, build: Build, report: Report) -> dict:
    """Returns the portfile's CONFIG_PATH per mode (HEADER_ONLY_MODE, COMPILED_MODE)."""
    where = label(port / "vcpkg.json")
    manifest = json.loads((port / "vcpkg.json").read_text(encoding="utf-8"))
    report.expect_equal(where, "name", manifest.get("name"), "flytecache", "the CMake project")
    report.expect_equal(where, "version", manifest.get("version"), build.version, "version.hpp")

    def names(dependencies) -> set:
        return {d if isinstance(d, str) else d.get("name") for d in dependencies or []}

    # A dependency object may restrict where vcpkg installs it ("platform") or build it for the
    # host triplet ("host"). CMakeLists.txt find_package()s every dependency of a part REQUIRED, on
    # every platform, for the target: such a qualifier on one of DEPENDENCIES' ports can only leave
    # it missing on some platform or triplet the port "supports". Proving that a "platform"
    # expression covers all of "supports" would need a vcpkg platform-expression evaluator, so any
    # "platform" on them is a mismatch (none is needed: "supports" already limits the port).
    known = {row[VCPKG] for row in DEPENDENCIES.values()}
    for context, entries in [("dependencies", manifest.get("dependencies"))] + [
            (f"features.{feature}.dependencies", body.get("dependencies"))
            for feature, body in sorted(manifest.get("features", {}).items())]:
        for entry in entries or []:
            if not isinstance(entry, dict) or entry.get("name") not in known:
                continue
            for qualifier in ("platform", "host"):
                if qualifier in entry:
                    report.mismatch(where, f"{context}: {entry['name']!r} has "
                                           f"{qualifier!r}: {entry[qualifier]!r}, but "
                                           f"CMakeLists.txt requires it on every platform the "
                                           f"port supports ({manifest.get('supports', 'all')!r})"
                                           f": give it without {qualifier!r}")

    dependencies = manifest.get("dependencies", [])
    host = names(d for d in dependencies if isinstance(d, dict) and d.get("host"))
    report.expect_equal(where, "the host dependencies", host, VCPKG_HOST_PORTS,
                        "portfile.cmake (it uses vcpkg_cmake_*)")
    report.expect_equal(where, "the dependencies", names(dependencies) - VCPKG_HOST_PORTS,
                        build.names(CORE, VCPKG), build.source(CORE))
    features = manifest.get("features", {})
    # One feature per FLYTECACHE_WITH_<X>, and "compiled" for FLYTECACHE_COMPILED_LIB.
    feature_options = {option_part(o): o for o in build.options}
    if build.compiled is not None:
        feature_options[VCPKG_COMPILED] = COMPILED
    report.expect_equal(where, "the features", set(features), set(feature_options),
                        f"CMakeLists.txt (one per FLYTECACHE_WITH_<X>, and {VCPKG_COMPILED!r} for "
                        f"{COMPILED} if it is an option)")
    if VCPKG_COMPILED in features:
        report.expect_equal(where, f"the dependencies of feature {VCPKG_COMPILED!r}",
                            names(features[VCPKG_COMPILED].get("dependencies")), set(),
                            "CMakeLists.txt (the compiled mode finds no other package)")
    for feature in sorted(set(features) & set(build.parts)):
        report.expect_equal(where, f"the dependencies of feature {feature!r}",
                            names(features[feature].get("dependencies")),
                            build.names(feature, VCPKG), build.source(feature))
    report.expect_equal(where, "default-features", names(manifest.get("default-features")),
                        {option_part(o) for o, on in build.options.items() if on}
                        | ({VCPKG_COMPILED} if build.compiled else set()),
                        f"CMakeLists.txt (the FLYTECACHE_WITH_* and {COMPILED} options that "
                        f"default to ON)")

    where = label(port / "portfile.cmake")
    mapping, config_paths, defined = {}, {}, {}
    out_variable, configure_args = None, []
    # The mode a command is in: `if("compiled" IN_LIST FEATURES)` and its else, or
    # `if(NOT "compiled" IN_LIST FEATURES)`; other blocks count for both modes.
    stack: list[str] = []
    for name, args in cmake_commands((port / "portfile.cmake").read_text(encoding="utf-8")):
        if name == "if":
            test = " ".join(args)
            stack.append(COMPILED_MODE if test == f"{VCPKG_COMPILED} IN_LIST FEATURES"
                         else HEADER_ONLY_MODE if test == f"NOT {VCPKG_COMPILED} IN_LIST FEATURES"
                         else BOTH)
            continue
        if name == "else" and stack:
            stack[-1] = {COMPILED_MODE: HEADER_ONLY_MODE,
                         HEADER_ONLY_MODE: COMPILED_MODE}.get(stack[-1], BOTH)
            continue
        if name == "elseif" and stack:
            stack[-1] = BOTH
            continue
        if name == "endif" and stack:
            stack.pop()
            continue
        mode = next((m for m in reversed(stack) if m != BOTH), BOTH)
        # -DNAME=, -DNAME:TYPE=, anywhere in an argument (a quoted "-Da=1 -Db=2" is one argument).
        for m in re.finditer(r"(?:^|\s)-D(FLYTECACHE_\w+)(?::\w+)?=(\S*)", " ".join(args)):
            if name == "vcpkg_cmake_configure":
                defined[m.group(1)] = m.group(2)
            if m.group(1).startswith("FLYTECACHE_WITH_") or m.group(1) == COMPILED:
                # The features decide these: a literal one (in OPTIONS, OPTIONS_RELEASE, or a
                # list(APPEND FEATURE_OPTIONS ...)) would silently override the user's features.
                report.mismatch(where, f"{name}() sets -D{m.group(1)}={m.group(2)} literally, "
                                       f"but vcpkg_check_features() derives it from the "
                                       f"features: remove it")
        if name == "vcpkg_check_features":
            keywords = {"OUT_FEATURE_OPTIONS", "PREFIX", "FEATURES", "INVERTED_FEATURES"}
            start = args.index("FEATURES") + 1 if "FEATURES" in args else len(args)
            end = next((i for i in range(start, len(args)) if args[i] in keywords), len(args))
            mapping = dict(zip(args[start:end:2], args[start + 1:end:2]))
            if "OUT_FEATURE_OPTIONS" in args[:-1]:
                out_variable = args[args.index("OUT_FEATURE_OPTIONS") + 1]
        elif name == "vcpkg_cmake_config_fixup" and "CONFIG_PATH" in args:
            for each in ((HEADER_ONLY_MODE, COMPILED_MODE) if mode == BOTH else (mode,)):
                config_paths[each] = args[args.index("CONFIG_PATH") + 1]
        elif name == "vcpkg_cmake_configure":
            configure_args += args
    report.expect_equal(where, "the vcpkg_check_features mapping", mapping, feature_options,
                        f"CMakeLists.txt (feature <x> -> FLYTECACHE_WITH_<X>, {VCPKG_COMPILED} -> "
                        f"{COMPILED})")
    # A port builds the libraries only: every FLYTECACHE_BUILD_* (tests, examples, the tool,
    # benchmarks, fuzzers) off, whatever its default, and the install rules on.
    for variable, value in sorted({**{o: "OFF" for o in build.build_switches},
                                   "FLYTECACHE_INSTALL": "ON"}.items()):
        if defined.get(variable, "").upper() != value:
            report.mismatch(where, f"vcpkg_cmake_configure() should pass -D{variable}={value} "
                                   f"(found {defined.get(variable, 'nothing')!r})")
    if build.compiled is not None:
        for mode in (HEADER_ONLY_MODE, COMPILED_MODE):
            if mode not in config_paths:
                report.mismatch(where, f"no vcpkg_cmake_config_fixup(CONFIG_PATH ...) for the "
                                       f"{mode} mode (`if(\"{VCPKG_COMPILED}\" IN_LIST "
                                       f"FEATURES)` and its else)")
    if mapping and f"${{{out_variable}}}" not in configure_args:
        report.mismatch(where, f"vcpkg_cmake_configure() does not pass the OUT_FEATURE_OPTIONS "
                               f"of vcpkg_check_features() (${{{out_variable}}}): the features "
                               f"would not reach CMake")
    for variable in sorted(set(defined) - build.all_options):
        # CMake only warns about an unused -D: a note, though it is usually a typo or a rename.
        report.notes.append(f"{where} sets -D{variable}, which CMakeLists.txt does not declare")

    where = label(port / "usage")
    text = (port / "usage").read_text(encoding="utf-8")
    named = set(re.findall(r"flytecache::[\w-]+", text))
    known = set(build.targets.values())
    for target in sorted(named - known):
        report.mismatch(where, f"names {target!r}, which is no target of CMakeLists.txt "
                               f"({show(known)})")
    for target in sorted(known - named):
        report.mismatch(where, f"does not mention the target {target!r}")
    if "find_package(flytecache CONFIG REQUIRED)" not in text:
        report.mismatch(where, "does not show find_package(flytecache CONFIG REQUIRED)")
    modules = set(re.findall(r"\bflytecache-[a-z]+\b", text))
    for module in sorted(modules - {pc_name(p) for p in build.parts}):
        report.mismatch(where, f"names the pkg-config module {module!r}, which no component has")
    for feature in sorted(feature_options):
        if f'"{feature}"' not in text:
            report.mismatch(where, f"does not mention the feature {feature!r}")
    return config_paths


# --- the installed package -----------------------------------------------------------------------
def read_pc(path: pathlib.Path) -> dict:
    fields = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^([A-Za-z.]+):\s*(.*)$", line):
            fields[match.group(1)] = match.group(2).strip()
    # Requires: modules separated by commas or blanks, each optionally followed by "<op> <version>".
    modules, skip_version = set(), False
    for token in re.split(r"[\s,]+", fields.get("Requires", "")):
        if not token:
            continue
        if skip_version:
            skip_version = False
        elif token in ("<", "<=", "=", "!=", ">=", ">"):
            skip_version = True
        else:
            modules.add(token)
    fields["requires"] = modules
    return fields


def check_install(prefix: pathlib.Path, config_paths: dict, build: Build, recipe: Recipe,
                  components: dict, conanfile: pathlib.Path, report: Report) -> None:
    # The portfile's CONFIG_PATH of each mode; the install is in the mode whose path it has.
    candidates = {mode: prefix / path for mode, path in config_paths.items()}
    if not candidates:
        candidates = {HEADER_ONLY_MODE: prefix / "share/cmake/flytecache"}
    found = {mode: d for mode, d in candidates.items() if (d / "flytecacheConfig.cmake").is_file()}
    if not found:
        report.mismatch("install", f"no flytecacheConfig.cmake in "
                                   f"{show({str(d) for d in candidates.values()})}: the "
                                   f"portfile's CONFIG_PATHs are not where the CMake package is "
                                   f"installed")
        return
    mode, config_dir = next(iter(found.items()))
    config = config_dir / "flytecacheConfig.cmake"
    switches = dict(re.findall(rf"set\(((?:FLYTECACHE_WITH_\w+)|{COMPILED}) (\w+)\)",
                               config.read_text(encoding="utf-8")))
    for option in sorted(set(build.options) - set(switches)):
        report.mismatch("install", f"flytecacheConfig.cmake does not record {option}")
    if build.compiled is not None:
        if COMPILED not in switches:
            report.mismatch("install", f"flytecacheConfig.cmake does not record {COMPILED}")
        else:
            recorded = (COMPILED_MODE if switches[COMPILED].upper() in ("ON", "TRUE", "1")
                        else HEADER_ONLY_MODE)
            if recorded != mode:
                report.mismatch("install", f"{label(config)} is where the portfile expects the "
                                           f"{mode} package, but it records {COMPILED}="
                                           f"{switches[COMPILED]}")
                mode = recorded
    installed = [CORE] + [option_part(o) for o in build.options
                          if switches.get(o, "OFF").upper() in ("ON", "TRUE", "1")]
    for part in build.parts:
        if part not in installed:
            report.notes.append(
                f"the install was configured with FLYTECACHE_WITH_{part.upper()}=OFF: the "
                f"recipes' {part!r} component is checked against CMakeLists.txt only, not against "
                f"the install")
    if build.compiled is not None:
        other = COMPILED_MODE if mode == HEADER_ONLY_MODE else HEADER_ONLY_MODE
        report.notes.append(f"the install is {mode}: the {other} mode is checked against "
                            f"CMakeLists.txt only, not against an install")

    # The CMake export: INTERFACE targets header-only; compiled, STATIC ones defining the macro
    # for their consumers, whose libraries are installed.
    text = (config_dir / "flytecacheTargets.cmake").read_text(encoding="utf-8")
    kinds = dict(re.findall(r"add_library\((flytecache::[\w-]+) (\w+) IMPORTED\)", text))
    exported = set(kinds)
    report.expect_equal("install", "the exported targets", exported,
                        {build.targets[p] for p in installed},
                        "CMakeLists.txt for the options of this install")
    kind = "STATIC" if mode == COMPILED_MODE else "INTERFACE"
    for target in sorted(exported):
        if kinds[target] != kind:
            report.mismatch("install", f"{target} is a {kinds[target]} IMPORTED target in a "
                                       f"{mode} install (expected {kind})")
        block = re.search(rf"set_target_properties\({re.escape(target)} PROPERTIES(.*?)\n\)",
                          text, re.DOTALL)
        defines = re.search(r'INTERFACE_COMPILE_DEFINITIONS "([^"]*)"', block.group(1) if block
                            else "")
        has_macro = bool(defines) and COMPILED in defines.group(1).split(";")
        if has_macro != (mode == COMPILED_MODE):
            verb = "defines" if has_macro else "does not define"
            report.mismatch("install", f"{target} {verb} {COMPILED} for its consumers in a "
                                       f"{mode} install")
    if mode == COMPILED_MODE:
        for part in installed:
            library = build.libraries.get(part)
            if library and not list(prefix.glob(f"lib*/lib{library}.a")):
                report.mismatch("install", f"lib{library}.a ({build.targets[part]}) is not "
                                           f"installed under {prefix}/lib*")
    for part in installed:
        name = components.get(part)
        target = recipe.components[name].properties.get("cmake_target_name") if name else None
        if name and target not in exported:
            report.mismatch(label(conanfile), f"component {name!r}: cmake_target_name {target!r} "
                                              f"is not in the installed export {show(exported)}")

    # pkg-config files beside the CMake package (share/ header-only, lib/ compiled).
    pc_dir = prefix / config_dir.relative_to(prefix).parts[0] / "pkgconfig"
    pc_files = {p.stem: read_pc(p) for p in pc_dir.glob("*.pc")}
    report.expect_equal("install", "the pkg-config modules", set(pc_files),
                        {pc_name(p) for p in installed},
                        f"the components of this install ({pc_dir.relative_to(prefix)})")
    for part in installed:
        if (fields := pc_files.get(pc_name(part))) is None:
            continue
        where = f"install: {pc_dir.relative_to(prefix)}/{pc_name(part)}.pc"
        report.expect_equal(where, "Version", fields.get("Version"), build.version, "version.hpp")
        requires = build.names(part, PKG_CONFIG) | (set() if part == CORE else {pc_name(CORE)})
        report.expect_equal(where, "Requires", fields["requires"], requires,
                            build.source(part) + ("" if part == CORE else " and the core"))
        libs = re.findall(r"-l(\S+)", fields.get("Libs", ""))
        expected = [build.libraries[part]] if mode == COMPILED_MODE else []
        report.expect_equal(where, "the libraries of Libs", libs, expected,
                            f"a {mode} install of CMakeLists.txt")
        has_macro = f"-D{COMPILED}" in fields.get("Cflags", "").split()
        if has_macro != (mode == COMPILED_MODE):
            report.mismatch(where, f"Cflags {'lack' if not has_macro else 'have'} -D{COMPILED} "
                                   f"in a {mode} install")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--install", type=pathlib.Path, required=True,
                        help="prefix of an installed package (the tests use the relocated one)")
    parser.add_argument("--conanfile", type=pathlib.Path, default=ROOT / "conanfile.py")
    parser.add_argument("--vcpkg-port", type=pathlib.Path, default=ROOT / "ports" / "flytecache")
    parser.add_argument("--cmakelists", type=pathlib.Path, default=ROOT / "CMakeLists.txt")
    parser.add_argument("--version-header", type=pathlib.Path,
                        default=ROOT / "include" / "flytecache" / "version.hpp")
    arguments = parser.parse_args()

    report = Report()
    build = read_build(arguments.cmakelists, arguments.version_header, report)
    recipe = read_conanfile(arguments.conanfile, report)
    components = check_conan(arguments.conanfile, recipe, build, report)
    config_paths = check_vcpkg(arguments.vcpkg_port, build, report)
    check_install(arguments.install, config_paths, build, recipe, components, arguments.conanfile,
                  report)

    for note in report.notes:
        print(f"note: {note}")
    for mismatch in report.mismatches:
        print(f"mismatch: {mismatch}")
    if report.mismatches:
        print(f"check_recipes: FAILED: {len(report.mismatches)} mismatch(es) between the recipes, "
              f"CMakeLists.txt and the install at {arguments.install}")
        return 1
    targets = ", ".join(f"{part} = {target}" for part, target in build.targets.items())
    print(f"check_recipes: OK: flytecache {build.version} ({targets}): conanfile.py, "
          f"ports/flytecache, CMakeLists.txt and the install agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
