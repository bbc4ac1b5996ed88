# flytecache — Conan 2 recipe, shaped like Conan Center's so it can go upstream
# SPDX-License-Identifier: MIT
#
# The names here (options, components, CMake targets, pkg-config names, libraries, CMake variables)
# must match CMakeLists.txt, ports/flytecache and the installed package:
# tests/package/check_recipes.py reads this file with `ast` and fails the `package.recipes` test on
# any difference. Keep the shapes it parses: literal options/default_options dicts,
# self.requires("<name>/<version>") calls (optionally under `if self.options.with_<x>:`),
# components indexed by string literals, literal lists assigned to their libs/defines/libdirs, and
# `if [not] self.options.<option>:` blocks (with an optional `else:`).
import os
import re

from conan import ConanFile
from conan.errors import ConanException, ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir
from conan.tools.scm import Version

required_conan_version = ">=2.0"


class FlytecacheConan(ConanFile):
    name = "flytecache"
    description = "Flyte's task caching model for C++: flytekit-exact versions, keys and stores"
    license = "MIT"
    url = "https://github.com/conan-io/conan-center-index"
    homepage = "https://github.com/flytecache/flytecache"
    topics = ("flyte", "flytekit", "cache", "memoization", "header-only")
    # Compiled mode builds static libraries (position-independent, so they also go into shared
    # objects); header_only=True, the default, makes it a header library in configure().
    package_type = "static-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {
        "header_only": [True, False],
        "with_sqlite": [True, False],
        "with_redis": [True, False],
        "with_lmdb": [True, False],
    }
    default_options = {
        "header_only": True,
        "with_sqlite": True,
        "with_redis": False,
        "with_lmdb": False,
    }
    # What package() copies in header-only mode, and what CMake builds in compiled mode.
    exports_sources = "CMakeLists.txt", "cmake/*", "include/*", "src/*", "LICENSE"
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

    def configure(self):
        # The habit of fmt's and spdlog's recipes: one option switches the package type.
        if self.options.header_only:
            self.package_type = "header-library"

    def layout(self):
        cmake_layout(self, src_folder=".")

    def requirements(self):
        # The public headers include Boost.Hana and, header-only, every dependency: their headers
        # are transitive in both modes (a header-library makes Conan propagate them anyway), and a
        # static library's dependencies are linked by its consumers.
        self.requires("boost/1.85.0", transitive_headers=True)  # Hana, headers only
        self.requires("openssl/[>=3 <4]", transitive_headers=True)
        if self.options.with_sqlite:
            self.requires("sqlite3/3.46.1", transitive_headers=True)  # >= 3.24 for UPSERT
        if self.options.with_redis:
            self.requires("hiredis/1.2.0", transitive_headers=True)
        if self.options.with_lmdb:
            self.requires("lmdb/0.9.32", transitive_headers=True)

    def package_id(self):
        # Header-only, every configuration ships the same headers and the options only decide
        # requirements. Compiled, settings and options decide the libraries: Conan's default.
        if self.info.options.header_only:
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

    def generate(self):
        if self.options.header_only:
            return
        tc = CMakeToolchain(self)
        tc.cache_variables["FLYTECACHE_COMPILED_LIB"] = True
        tc.cache_variables["FLYTECACHE_WITH_SQLITE"] = bool(self.options.with_sqlite)
        tc.cache_variables["FLYTECACHE_WITH_REDIS"] = bool(self.options.with_redis)
        tc.cache_variables["FLYTECACHE_WITH_LMDB"] = bool(self.options.with_lmdb)
        tc.cache_variables["FLYTECACHE_INSTALL"] = True
        # Only the libraries: no tests, examples, command-line tool, benchmarks or fuzzers.
        tc.cache_variables["FLYTECACHE_BUILD_TESTS"] = False
        tc.cache_variables["FLYTECACHE_BUILD_EXAMPLES"] = False
        tc.cache_variables["FLYTECACHE_BUILD_TOOLS"] = False
        tc.cache_variables["FLYTECACHE_BUILD_BENCH"] = False
        tc.cache_variables["FLYTECACHE_BUILD_FUZZERS"] = False
        tc.generate()
        CMakeDeps(self).generate()

    def build(self):
        if self.options.header_only:
            return
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        if self.options.header_only:
            # The headers and the definition files they include (.ipp).
            for pattern in ("*.hpp", "*.ipp"):
                copy(self, pattern, os.path.join(self.source_folder, "include"),
                     os.path.join(self.package_folder, "include"))
        else:
            cmake = CMake(self)
            cmake.install()
        # CMakeDeps and PkgConfigDeps generate the consumers' files from package_info(): a CMake
        # config or .pc file of our own in the package would compete with them (compiled mode
        # installs them under lib/, header-only under share/; share/doc repeats the licence).
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "lib", "pkgconfig"))
        rmdir(self, os.path.join(self.package_folder, "share"))

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

        # The components have the names of our CMake export and pkg-config files. Compiled, each
        # is a static library of the CMake target of the same component, and its consumers get the
        # macro that makes the headers declare what the library defines.
        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "flytecache::flytecache")
        core.set_property("pkg_config_name", "flytecache")
        core.requires = ["boost::headers", "openssl::crypto"]
        core.bindirs = []
        if self.options.header_only:
            core.libdirs = []
        else:
            core.libs = ["flytecache"]
            core.defines = ["FLYTECACHE_COMPILED_LIB"]
            # The libraries use threads and pthread_atfork (glibc before 2.34 keeps them apart);
            # flytecache is POSIX-only (fork, flock, Unix sockets), so every target has pthread.
            core.system_libs = ["pthread"]

        if self.options.with_sqlite:
            sqlite = self.cpp_info.components["sqlite"]
            sqlite.set_property("cmake_target_name", "flytecache::sqlite")
            sqlite.set_property("pkg_config_name", "flytecache-sqlite")
            sqlite.requires = ["core", "sqlite3::sqlite3"]
            sqlite.bindirs = []
            if self.options.header_only:
                sqlite.libdirs = []
            else:
                sqlite.libs = ["flytecache_sqlite"]
                sqlite.defines = ["FLYTECACHE_COMPILED_LIB"]

        if self.options.with_redis:
            redis = self.cpp_info.components["redis"]
            redis.set_property("cmake_target_name", "flytecache::redis")
            redis.set_property("pkg_config_name", "flytecache-redis")
            redis.requires = ["core", "hiredis::hiredis"]
            redis.bindirs = []
            if self.options.header_only:
                redis.libdirs = []
            else:
                redis.libs = ["flytecache_redis"]
                redis.defines = ["FLYTECACHE_COMPILED_LIB"]

        if self.options.with_lmdb:
            lmdb = self.cpp_info.components["lmdb"]
            lmdb.set_property("cmake_target_name", "flytecache::lmdb")
            lmdb.set_property("pkg_config_name", "flytecache-lmdb")
            lmdb.requires = ["core", "lmdb::lmdb"]
            lmdb.bindirs = []
            if self.options.header_only:
                lmdb.libdirs = []
            else:
                lmdb.libs = ["flytecache_lmdb"]
                lmdb.defines = ["FLYTECACHE_COMPILED_LIB"]
