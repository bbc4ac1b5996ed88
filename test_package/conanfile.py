# flytecache — Conan test_package: builds and runs a consumer of the package just created
# SPDX-License-Identifier: MIT
import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout


class TestPackageConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps", "VirtualRunEnv"
    test_type = "explicit"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        tc = CMakeToolchain(self)
        # The consumer checks that the package's mode reaches it as FLYTECACHE_COMPILED_LIB.
        header_only = bool(self.dependencies["flytecache"].options.header_only)
        tc.cache_variables["TEST_PACKAGE_EXPECT_COMPILED"] = not header_only
        tc.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        # Cross builds compile the consumer but cannot run it.
        if can_run(self):
            bin_path = os.path.join(self.cpp.build.bindir, "test_package")
            self.run(bin_path, env="conanrun")
