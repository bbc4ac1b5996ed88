#!/usr/bin/env python3
# flytecache — checks that the Conan recipe, the vcpkg port and the installed package agree on names
# SPDX-License-Identifier: MIT
"""Cross-check the packaging recipes against the CMake build and an installed package.

Neither Conan nor vcpkg runs on CI machines, so this is what keeps their recipes honest. It reads,
without importing or running any of them:
  conanfile.py        (with `ast`) package_type, options and default_options, the requirements
                      behind each option, the components (their names, cmake_target_name,
                      pkg_config_name and requires, also as built by += / append / extend)
  ports/flytecache/   vcpkg.json (with the platform/host qualifiers of dependencies), the feature
                      -> option mapping of portfile.cmake and no literal -DFLYTECACHE_WITH_*, usage
  CMakeLists.txt      the FLYTECACHE_WITH_* options and their defaults, the find_package()s and the
                      alias target of the core and of each option; version.hpp for the version
  <install>           the flytecache:: targets of the CMake export, the component switches of
                      flytecacheConfig.cmake, share/pkgconfig/*.pc
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


@dataclasses.dataclass
class Build:
    """What CMakeLists.txt and version.hpp declare."""
    version: str
    options: dict[str, bool]  # FLYTECACHE_WITH_<X> -> default
    packages: dict[str, list[str]]  # part -> find_package() names
    targets: dict[str, str]  # part -> alias target
    all_options: set[str]  # every option() of CMakeLists.txt

    @property
    def parts(self) -> list[str]:
        return [CORE] + [option_part(o) for o in self.options]

    def names(self, part: str, route: int) -> set[str]:
        """The part's dependencies as the given route calls them."""
        return {DEPENDENCIES[p][route] for p in self.packages[part]
                if p in DEPENDENCIES and DEPENDENCIES[p][route]}

    def source(self, part: str) -> str:
        return f"CMakeLists.txt (find_package of {show(set(self.packages[part]))})"


def read_build(cmakelists: pathlib.Path, version_header: pathlib.Path, report: Report) -> Build:
    """Only two contexts count: the top level (the core) and a block `if(FLYTECACHE_WITH_<X>)`
    directly in it (part <x>). Nested and other blocks (install rules, developer-only targets,
    functions) are not what a package consumer gets."""
    where = label(cmakelists)
    options: dict[str, bool] = {}
    all_options: set[str] = set()
    packages: dict[str, list[str]] = {CORE: []}
    targets: dict[str, list[str]] = {CORE: []}
    stack: list[str] = []
    for name, args in cmake_commands(cmakelists.read_text(encoding="utf-8")):
        if name in BLOCK_OPEN:
            stack.append(args[0] if name == "if" and len(args) == 1 else f"<{name}>")
            continue
        if name in BLOCK_CLOSE:
            stack.pop()
            continue
        if name in ("elseif", "else"):
            stack[-1] = f"<{name}>"
            continue
        if name in ("option", "cmake_dependent_option") and args:
            all_options.add(args[0])
        if not stack:
            part = CORE
        elif len(stack) == 1 and stack[0].startswith("FLYTECACHE_WITH_"):
            part = option_part(stack[0])
        else:
            continue
        if name == "option" and args[0].startswith("FLYTECACHE_WITH_"):
            options[args[0]] = len(args) > 2 and args[2].upper() in ("ON", "TRUE", "YES", "1")
        elif name == "find_package":
            packages.setdefault(part, []).append(args[0])
        elif name == "add_library" and len(args) >= 3 and args[1] == "ALIAS":
            targets.setdefault(part, []).append(args[0])
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

    text = version_header.read_text(encoding="utf-8")
    numbers = [re.search(rf"#define FLYTECACHE_VERSION_{p} (\d+)", text)
               for p in ("MAJOR", "MINOR", "PATCH")]
    if not all(numbers):
        sys.exit(f"check_recipes: cannot read the version from {version_header}")
    return Build(version=".".join(m.group(1) for m in numbers), options=options,
                 packages={p: packages.get(p, []) for p in parts},
                 targets={p: (targets.get(p) or [None])[0] for p in parts},
                 all_options=all_options)


# --- Conan ---------------------------------------------------------------------------------------
@dataclasses.dataclass
class Component:
    condition: str  # "" or the option it is declared under
    properties: dict = dataclasses.field(default_factory=dict)
    requires: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Recipe:
    attributes: dict = dataclasses.field(default_factory=dict)  # class-level literals
    methods: dict = dataclasses.field(default_factory=dict)
    requires: dict = dataclasses.field(default_factory=dict)  # condition -> references
    root: dict = dataclasses.field(default_factory=dict)  # cpp_info properties
    components: dict = dataclasses.field(default_factory=dict)  # name -> Component


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


def with_conditions(body, where: str, report: Report, condition: str = ""):
    """Yields (statement, option) for a method body, looking through `if self.options.<option>:`."""
    for statement in body:
        if not isinstance(statement, ast.If):
            yield statement, condition
            continue
        name = dotted(statement.test)
        if condition or statement.orelse or not re.fullmatch(r"self\.options\.\w+", name):
            report.mismatch(where, f"cannot interpret `if {ast.unparse(statement.test)}:` (the "
                                   f"checker understands a plain `if self.options.<option>:`)")
            continue
        yield from with_conditions(statement.body, where, report, name.split(".")[2])


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
        for statement, condition in with_conditions(body, f"{where}: requirements()", report):
            for call in ast.walk(statement):
                if (isinstance(call, ast.Call) and dotted(call.func) == "self.requires"
                        and call.args and isinstance(reference := literal(call.args[0]), str)):
                    recipe.requires.setdefault(condition, []).append(reference)

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

    body = recipe.methods["package_info"].body if "package_info" in recipe.methods else []
    for statement, condition in with_conditions(body, f"{where}: package_info()", report):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name) and (name := component_of(statement.value)):
                aliases[target.id] = name
                component(name, condition)
            elif name := requires_of(target):
                understood.add(id(target))
                component(name, condition).requires = references(statement.value, statement)
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
    # Whatever else touches a `.requires` in package_info() (a .remove(), an insert(), the root
    # cpp_info's, one in a loop or under a variable the checker does not follow) could change what
    # the recipe declares behind the checker's back: report it rather than print OK on a partial
    # reading.
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if (isinstance(node, ast.Attribute) and node.attr == "requires"
                and id(node) not in understood):
            report.mismatch(where, f"package_info(), line {node.lineno}: cannot interpret the use of "
                                   f"`{ast.unparse(node)}` "
                                   f"(the checker understands `<component>.requires = [...]`, "
                                   f"`+= [...]`, `.append(\"...\")` and `.extend([...])` as "
                                   f"statements of their own)")
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
    report.expect_equal(where, "package_type", attributes.get("package_type"), "header-library",
                        "a header-only library")
    if "version" in attributes:
        report.expect_equal(where, "version", attributes["version"], build.version, "version.hpp")
    elif "version.hpp" not in ast.unparse(recipe.methods.get("set_version", ast.Pass())):
        report.mismatch(where, "has neither a version nor a set_version() reading version.hpp")
    if "self.info.clear()" not in ast.unparse(recipe.methods.get("package_id", ast.Pass())):
        report.mismatch(where, "package_id() does not call self.info.clear()")

    # One option with_<x> per FLYTECACHE_WITH_<X>, with the same default.
    options = attributes.get("options") or {}
    defaults = attributes.get("default_options") or {}
    expected = {f"with_{option_part(o)}": (o, on) for o, on in build.options.items()}
    report.expect_equal(where, "options", set(options), set(expected),
                        "CMakeLists.txt (one with_<x> per FLYTECACHE_WITH_<X>)")
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
    return components


# --- vcpkg ---------------------------------------------------------------------------------------
def check_vcpkg(port: pathlib.Path, build: Build, report: Report) -> str | None:
    """Returns the portfile's CONFIG_PATH."""
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
    report.expect_equal(where, "the features", set(features),
                        {option_part(o) for o in build.options},
                        "CMakeLists.txt (one per FLYTECACHE_WITH_<X>)")
    for feature in sorted(set(features) & set(build.parts)):
        report.expect_equal(where, f"the dependencies of feature {feature!r}",
                            names(features[feature].get("dependencies")),
                            build.names(feature, VCPKG), build.source(feature))
    report.expect_equal(where, "default-features", names(manifest.get("default-features")),
                        {option_part(o) for o, on in build.options.items() if on},
                        "CMakeLists.txt (the FLYTECACHE_WITH_* options that default to ON)")

    where = label(port / "portfile.cmake")
    mapping, config_path, defined = {}, None, set()
    out_variable, configure_args = None, []
    for name, args in cmake_commands((port / "portfile.cmake").read_text(encoding="utf-8")):
        # -DNAME=, -DNAME:TYPE=, anywhere in an argument (a quoted "-Da=1 -Db=2" is one argument).
        for m in re.finditer(r"(?:^|\s)-D(FLYTECACHE_\w+)(?::\w+)?=(\S*)", " ".join(args)):
            if name == "vcpkg_cmake_configure":
                defined.add(m.group(1))
            if m.group(1).startswith("FLYTECACHE_WITH_"):
                # The features decide these: a literal one (in OPTIONS, OPTIONS_RELEASE, or a
                # list(APPEND FEATURE_OPTIONS ...)) would silently override the user's features.
                report.mismatch(where, f"{name}() sets -D{m.group(1)}={m.group(2)} literally, "
                                       f"but vcpkg_check_features() derives FLYTECACHE_WITH_* "
                                       f"from the features: remove it")
        if name == "vcpkg_check_features":
            keywords = {"OUT_FEATURE_OPTIONS", "PREFIX", "FEATURES", "INVERTED_FEATURES"}
            start = args.index("FEATURES") + 1 if "FEATURES" in args else len(args)
            end = next((i for i in range(start, len(args)) if args[i] in keywords), len(args))
            mapping = dict(zip(args[start:end:2], args[start + 1:end:2]))
            if "OUT_FEATURE_OPTIONS" in args[:-1]:
                out_variable = args[args.index("OUT_FEATURE_OPTIONS") + 1]
        elif name == "vcpkg_cmake_config_fixup" and "CONFIG_PATH" in args:
            config_path = args[args.index("CONFIG_PATH") + 1]
        elif name == "vcpkg_cmake_configure":
            configure_args += args
    report.expect_equal(where, "the vcpkg_check_features mapping", mapping,
                        {option_part(o): o for o in build.options},
                        "CMakeLists.txt (feature <x> -> FLYTECACHE_WITH_<X>)")
    if mapping and f"${{{out_variable}}}" not in configure_args:
        report.mismatch(where, f"vcpkg_cmake_configure() does not pass the OUT_FEATURE_OPTIONS "
                               f"of vcpkg_check_features() (${{{out_variable}}}): the features "
                               f"would not reach CMake")
    for variable in sorted(defined - build.all_options):
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
    return config_path


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


def check_install(prefix: pathlib.Path, config_path: str | None, build: Build, recipe: Recipe,
                  components: dict, conanfile: pathlib.Path, report: Report) -> None:
    config_dir = prefix / (config_path or "share/cmake/flytecache")
    config = config_dir / "flytecacheConfig.cmake"
    if not config.is_file():
        report.mismatch("install", f"{config} does not exist: the portfile's CONFIG_PATH "
                                   f"{config_path!r} is not where the CMake package is installed")
        return
    switches = dict(re.findall(r"set\((FLYTECACHE_WITH_\w+) (\w+)\)",
                               config.read_text(encoding="utf-8")))
    for option in sorted(set(build.options) - set(switches)):
        report.mismatch("install", f"flytecacheConfig.cmake does not record {option}")
    installed = [CORE] + [option_part(o) for o in build.options
                          if switches.get(o, "OFF").upper() in ("ON", "TRUE", "1")]
    for part in build.parts:
        if part not in installed:
            report.notes.append(
                f"the install was configured with FLYTECACHE_WITH_{part.upper()}=OFF: the "
                f"recipes' {part!r} component is checked against CMakeLists.txt only, not against "
                f"the install")

    exported = set(re.findall(r"add_library\((flytecache::[\w-]+) INTERFACE IMPORTED\)",
                              (config_dir / "flytecacheTargets.cmake").read_text(encoding="utf-8")))
    report.expect_equal("install", "the exported targets", exported,
                        {build.targets[p] for p in installed},
                        "CMakeLists.txt for the options of this install")
    for part in installed:
        name = components.get(part)
        target = recipe.components[name].properties.get("cmake_target_name") if name else None
        if name and target not in exported:
            report.mismatch(label(conanfile), f"component {name!r}: cmake_target_name {target!r} "
                                              f"is not in the installed export {show(exported)}")

    pc_files = {p.stem: read_pc(p) for p in (prefix / "share" / "pkgconfig").glob("*.pc")}
    report.expect_equal("install", "the pkg-config modules", set(pc_files),
                        {pc_name(p) for p in installed},
                        "the components of this install (share/pkgconfig)")
    for part in installed:
        if (fields := pc_files.get(pc_name(part))) is None:
            continue
        where = f"install: share/pkgconfig/{pc_name(part)}.pc"
        report.expect_equal(where, "Version", fields.get("Version"), build.version, "version.hpp")
        requires = build.names(part, PKG_CONFIG) | (set() if part == CORE else {pc_name(CORE)})
        report.expect_equal(where, "Requires", fields["requires"], requires,
                            build.source(part) + ("" if part == CORE else " and the core"))


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
    config_path = check_vcpkg(arguments.vcpkg_port, build, report)
    check_install(arguments.install, config_path, build, recipe, components, arguments.conanfile,
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
