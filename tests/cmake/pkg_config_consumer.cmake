# flytecache — builds and runs the package consumers with nothing but the compiler and pkg-config,
# against the relocated install (what a Makefile user does):
#   cmake -DCXX=<compiler> -DPREFIX=<install> -DSOURCE_DIR=<tests/package> -DOUT_DIR=<dir>
#         -DWITH_REDIS=<bool> -DWITH_LMDB=<bool> -DLIBDIR=<CMAKE_INSTALL_LIBDIR> -P pkg_config_consumer.cmake
find_program(PKG_CONFIG_EXECUTABLE pkg-config)
if(NOT PKG_CONFIG_EXECUTABLE)
    message(FATAL_ERROR "pkg-config not found: install it (scripts/install-deps does)")
endif()

# Only the relocated install may provide flytecache: a stale one elsewhere must not pass the test.
# Header-only packages put the files in share/, compiled ones (FLYTECACHE_COMPILED_LIB) in lib/.
set(ENV{PKG_CONFIG_PATH} "${PREFIX}/share/pkgconfig:${PREFIX}/${LIBDIR}/pkgconfig")
file(MAKE_DIRECTORY "${OUT_DIR}")

function(run_checked what)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
    if(NOT _rc EQUAL 0)
        message(FATAL_ERROR "${what} failed (${_rc}):\n${_out}${_err}")
    endif()
    set(_out "${_out}" PARENT_SCOPE)
endfunction()

# consumer(<module> <source> <executable> [compile definitions...])
function(consumer module source executable)
    # The include directory must resolve inside the moved install: proves the .pc is relocatable.
    run_checked("pkg-config --variable=includedir ${module}"
        "${PKG_CONFIG_EXECUTABLE}" --variable=includedir ${module})
    string(STRIP "${_out}" _includedir)
    file(REAL_PATH "${_includedir}" _includedir)
    file(REAL_PATH "${PREFIX}" _prefix)
    if(NOT _includedir STREQUAL "${_prefix}/include")
        message(FATAL_ERROR "${module}.pc: includedir is ${_includedir}, not ${_prefix}/include")
    endif()

    run_checked("pkg-config --cflags --libs ${module}"
        "${PKG_CONFIG_EXECUTABLE}" --cflags --libs ${module})
    string(STRIP "${_out}" _flags)
    separate_arguments(_flags UNIX_COMMAND "${_flags}")
    list(JOIN _flags " " _shown)
    message(STATUS "${module}: ${_shown}")
    set(_defines "")
    foreach(_define IN LISTS ARGN)
        list(APPEND _defines "-D${_define}")
    endforeach()
    run_checked("compiling ${source} with ${module}"
        "${CXX}" -std=c++20 ${_defines} "${SOURCE_DIR}/${source}" -o "${OUT_DIR}/${executable}"
        ${_flags})
    run_checked("running ${executable}" "${OUT_DIR}/${executable}")
    message("${_out}")
endfunction()

consumer(flytecache-sqlite consumer.cpp consumer [=[CONSUMER_KIND="pkg_config"]=])
if(WITH_REDIS)
    consumer(flytecache-redis redis_consumer.cpp redis_consumer)
endif()
if(WITH_LMDB)
    consumer(flytecache-lmdb lmdb_consumer.cpp lmdb_consumer)
endif()
