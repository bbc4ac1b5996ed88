# flytecache — pkg-config files for users without CMake: flytecache.pc (core) and one per component
# SPDX-License-Identifier: MIT
#
# Included from the install rules of the top-level CMakeLists.txt. The files go to
# ${CMAKE_INSTALL_DATADIR}/pkgconfig because a header-only package has nothing arch-specific (the
# same reason the CMake package lives in share/cmake). Their names must match the recipes'
# pkg_config_name properties; tests/package/check_recipes.py checks that.
#
# What the files cannot express:
# - Boost ships no .pc file: Hana's headers must already be on the compiler's search path (Debian:
#   /usr/include) or be added by the user with -I.
# - C++20 is a language mode, not a flag pkg-config should force on a build: consumers pass
#   -std=c++20 (or newer) themselves.

# prefix is derived from the .pc file's own location, so a moved install keeps working (as the CMake
# package does); only an absolute CMAKE_INSTALL_DATADIR forces an absolute prefix.
# Compiled mode (FLYTECACHE_COMPILED_LIB) installs static libraries: the files then go to
# ${CMAKE_INSTALL_LIBDIR}/pkgconfig and name the library and the macro.
if(FLYTECACHE_COMPILED_LIB)
    set(_flytecache_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
else()
    set(_flytecache_pc_dir "${CMAKE_INSTALL_DATADIR}/pkgconfig")
endif()
if(IS_ABSOLUTE "${_flytecache_pc_dir}")
    set(_flytecache_pc_prefix "${CMAKE_INSTALL_PREFIX}")
else()
    string(REGEX REPLACE "[^/]+" ".." _flytecache_pc_up "${_flytecache_pc_dir}")
    set(_flytecache_pc_prefix "\${pcfiledir}/${_flytecache_pc_up}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
    set(_flytecache_pc_libdir "${CMAKE_INSTALL_LIBDIR}")
else()
    set(_flytecache_pc_libdir "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
    set(_flytecache_pc_includedir "${CMAKE_INSTALL_INCLUDEDIR}")
else()
    set(_flytecache_pc_includedir "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()

# flytecache_write_pc(<name> <library> <description> <requires>): writes <name>.pc and installs it;
# <library> is the component's static library in compiled mode.
function(flytecache_write_pc name library description requires)
    set(_file "${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc")
    if(FLYTECACHE_COMPILED_LIB)
        set(_libdir_line "libdir=${_flytecache_pc_libdir}")
        set(_libs "Libs: -L\${libdir} -l${library}")
        # A sanitized top-level build (FLYTECACHE_SANITIZE) installs instrumented libraries, which
        # need the sanitizer's runtime at link time, as the CMake targets say too.
        if(FLYTECACHE_SANITIZE AND PROJECT_IS_TOP_LEVEL)
            list(JOIN FLYTECACHE_SANITIZE "," _sanitizers)
            string(APPEND _libs " -fsanitize=${_sanitizers}")
        endif()
        set(_cflags "-I\${includedir} -DFLYTECACHE_COMPILED_LIB")
    else()
        set(_libdir_line "")
        set(_libs "")
        set(_cflags "-I\${includedir}")
    endif()
    file(CONFIGURE OUTPUT "${_file}" @ONLY NEWLINE_STYLE UNIX CONTENT [=[
prefix=@_flytecache_pc_prefix@
includedir=@_flytecache_pc_includedir@
@_libdir_line@

Name: @name@
Description: @description@
Version: @PROJECT_VERSION@
Requires: @requires@
Cflags: @_cflags@
@_libs@
]=])
    install(FILES "${_file}" DESTINATION "${_flytecache_pc_dir}")
endfunction()

# The minimum versions repeat the find_package() calls of CMakeLists.txt.
flytecache_write_pc(flytecache flytecache "${PROJECT_DESCRIPTION}" "libcrypto >= 3")
if(FLYTECACHE_WITH_SQLITE)
    flytecache_write_pc(flytecache-sqlite flytecache_sqlite "flytecache's SQLite (diskcache-compatible) store"
        "flytecache = ${PROJECT_VERSION}, sqlite3 >= 3.24")
endif()
if(FLYTECACHE_WITH_REDIS)
    # hiredis.pc of hiredis < 1.0 (Debian 12's 0.14) puts include/hiredis on the path, not include:
    # <hiredis/hiredis.h> then resolves only through a system include directory.
    flytecache_write_pc(flytecache-redis flytecache_redis "flytecache's Redis store"
        "flytecache = ${PROJECT_VERSION}, hiredis")
endif()
if(FLYTECACHE_WITH_LMDB)
    flytecache_write_pc(flytecache-lmdb flytecache_lmdb "flytecache's LMDB store"
        "flytecache = ${PROJECT_VERSION}, lmdb")
endif()
