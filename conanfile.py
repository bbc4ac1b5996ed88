# flytecache — Conan 2 recipe, shaped like Conan Center's header-only template so it can go upstream
# SPDX-License-Identifier: MIT
#
# The names here (options, components, CMake targets, pkg-config names) must match CMakeLists.txt,
# ports/flytecache and the installed package: tests/package/check_recipes.py reads this file with
# `ast` and fails the `package.recipes` test on any difference. Keep the shapes it parses: literal
# options/default_options dicts, self.requires("<name>/<version>") calls (optionally under
# `if self.options.with_<x>:`), and components indexed by string literals.
import os
import re

from conan import ConanFile
from conan.errors import ConanException, ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy, load, rmdir
from conan.tools.layout import basic_layout
from conan.tools.scm import Version

required_conan_version = ">=2.0"


class FlytecacheConan(ConanFile):
    name = "flytecache"
    description = "Flyte's task caching model for C++: flytekit-exact versions, keys and stores"
    license = "MIT"
    url = "https://github.com/conan-io/conan-center-index"
    homepage = "https://github.com/flytecache/flytecache"
    topics = ("flyte", "flytekit", "cache", "memoization", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {
        "with_sqlite": [True, False],
        "with_redis": [True, False],
    }
    default_options = {
        "with_sqlite": True,
        "with_redis": False,
    }
    # Only what package() copies: a header-only package is never built.
    exports_sources = "include/*", "LICENSE"
    no_copy_source = True

    @property
    def _min_cppstd(self):
        return 20

    @property
    def _compilers_minimum_version(self):
        # GCC 12 is what CI builds with; Clang 14 builds the library headers too.
        return {
            "gcc": "12",
            "clang": "14",
        }

    def set_version(self):
        # include/flytecache/version.hpp is the single source of truth, for CMakeLists.txt too.
        text = load(self, os.path.join(self.recipe_folder, "include", "flytecache", "version.hpp"))
        parts = []
        for part in ("MAJOR", "MINOR", "PATCH"):
            match = re.search(rf"#define FLYTECACHE_VERSION_{part} ([0-9]+)", text)
            if not match:
                raise ConanException(f"cannot parse FLYTECACHE_VERSION_{part} from version.hpp")
            parts.append(match.group(1))
        self.version = ".".join(parts)

    def layout(self):
        basic_layout(self, src_folder=".")

    def requirements(self):
        # A header-only library's direct dependencies are always transitive: its headers include
        # theirs, and the "header-library" package type makes Conan propagate headers and libs.
        self.requires("boost/1.85.0")  # Hana, headers only
        self.requires("openssl/[>=3 <4]")
        if self.options.with_sqlite:
            self.requires("sqlite3/3.46.1")  # >= 3.24 for UPSERT
        if self.options.with_redis:
            self.requires("hiredis/1.2.0")

    def package_id(self):
        # Every configuration ships the same headers; the options only decide requirements.
        self.info.clear()

    def validate(self):
        check_min_cppstd(self, self._min_cppstd)
        minimum_version = self._compilers_minimum_version.get(str(self.settings.compiler))
        if minimum_version and Version(self.settings.compiler.version) < minimum_version:
            raise ConanInvalidConfiguration(
                f"{self.ref} requires C++{self._min_cppstd}, which your compiler does not support "
                f"well enough (minimum: {self.settings.compiler} {minimum_version})")
        if self.settings.os == "Windows":
            # The stores and the task executor use POSIX (fork, flock, sockets).
            raise ConanInvalidConfiguration(f"{self.ref} supports POSIX systems only")

    def build(self):
        pass

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        copy(self, "*.hpp", os.path.join(self.source_folder, "include"),
             os.path.join(self.package_folder, "include"))
        # CMakeDeps generates the consumers' config from package_info(): a config of our own in the
        # package would compete with it.
        rmdir(self, os.path.join(self.package_folder, "share", "cmake"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "flytecache")
        # The package-wide target and pkg-config module aggregate every component. Had they the
        # core's names, CMakeDeps' flytecache::flytecache would link every component (a program
        # using only flytecache::sqlite would get hiredis), and PkgConfigDeps' flytecache.pc would
        # stand for the core alone, so a package requiring flytecache as a whole would miss the
        # stores' libraries. Names no component uses keep them apart (ConanCenter's hiredis recipe
        # does the same); our own CMake package has no such target: link the components.
        self.cpp_info.set_property("cmake_target_name", "flytecache::flytecache_all_unofficial")
        self.cpp_info.set_property("pkg_config_name", "flytecache_all_unofficial")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []

        # The components have the names of our CMake export and pkg-config files.
        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "flytecache::flytecache")
        core.set_property("pkg_config_name", "flytecache")
        core.requires = ["boost::headers", "openssl::crypto"]
        core.bindirs = []
        core.libdirs = []

        if self.options.with_sqlite:
            sqlite = self.cpp_info.components["sqlite"]
            sqlite.set_property("cmake_target_name", "flytecache::sqlite")
            sqlite.set_property("pkg_config_name", "flytecache-sqlite")
            sqlite.requires = ["core", "sqlite3::sqlite3"]
            sqlite.bindirs = []
            sqlite.libdirs = []

        if self.options.with_redis:
            redis = self.cpp_info.components["redis"]
            redis.set_property("cmake_target_name", "flytecache::redis")
            redis.set_property("pkg_config_name", "flytecache-redis")
            redis.requires = ["core", "hiredis::hiredis"]
            redis.bindirs = []
            redis.libdirs = []
