# flytecache — vcpkg overlay port: `vcpkg install flytecache --overlay-ports=ports`
# SPDX-License-Identifier: MIT

# In this repository the port builds the checkout it sits in. vcpkg hashes only this directory, so
# after changing the sources `vcpkg remove flytecache` before installing again. A port in the vcpkg
# registry would fetch a release instead:
#   vcpkg_from_github(
#       OUT_SOURCE_PATH SOURCE_PATH
#       REPO flytecache/flytecache
#       REF "v${VERSION}"
#       SHA512 <sha512 of the release archive>
#       HEAD_REF main)
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)

vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
    FEATURES
        sqlite FLYTECACHE_WITH_SQLITE
        redis FLYTECACHE_WITH_REDIS
        lmdb FLYTECACHE_WITH_LMDB
        compiled FLYTECACHE_COMPILED_LIB
)

if("compiled" IN_LIST FEATURES)
    # Compiled mode: static libraries (CMake builds them position-independent), debug and release.
    vcpkg_check_linkage(ONLY_STATIC_LIBRARY)
else()
    set(VCPKG_BUILD_TYPE release) # header-only: one configuration is all there is
endif()

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        ${FEATURE_OPTIONS}
        -DFLYTECACHE_BUILD_TESTS=OFF
        -DFLYTECACHE_BUILD_EXAMPLES=OFF
        -DFLYTECACHE_BUILD_TOOLS=OFF
        -DFLYTECACHE_BUILD_BENCH=OFF
        -DFLYTECACHE_BUILD_FUZZERS=OFF
        -DFLYTECACHE_INSTALL=ON
)
vcpkg_cmake_install()
# The CMake package is arch-independent header-only (share/), beside its libraries compiled (lib/).
if("compiled" IN_LIST FEATURES)
    vcpkg_cmake_config_fixup(CONFIG_PATH lib/cmake/flytecache)
    file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug/include" "${CURRENT_PACKAGES_DIR}/debug/share")
else()
    vcpkg_cmake_config_fixup(CONFIG_PATH share/cmake/flytecache)
endif()
vcpkg_fixup_pkgconfig()

# vcpkg_install_copyright puts the licence where vcpkg wants it; the copy in share/doc is redundant.
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/share/doc")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
