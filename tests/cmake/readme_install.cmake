# flytecache — runs the install lines of README.md's Install section, verbatim, on a clean copy of
# the source tree, and checks that they install the package without building anything.
#
#   cmake -DSOURCE_DIR=<checkout> -DOUT_DIR=<scratch> -P readme_install.cmake
#
# The lines are the shell block after the marker `<!-- test:install-commands -->` (as .ci/run
# takes the test command after its own marker), so the README and this test cannot drift apart.
# They run with bash -e in OUT_DIR/source, a copy of the checkout's files without build trees (what
# a fresh clone has), with DESTDIR=OUT_DIR/destdir so the prefix they name stays untouched.
# Then: the package is complete, bin/flytecache was skipped with a note (nothing built it), no
# object file exists, and a consumer project finds the installed package.

# --- the lines ------------------------------------------------------------------------------------
file(READ "${SOURCE_DIR}/README.md" _readme)
set(_marker "<!-- test:install-commands -->\n```sh\n")
string(FIND "${_readme}" "${_marker}" _start)
if(_start EQUAL -1)
    message(FATAL_ERROR "README.md has no '<!-- test:install-commands -->' marker followed by a "
                        "```sh block")
endif()
string(LENGTH "${_marker}" _marker_len)
math(EXPR _start "${_start} + ${_marker_len}")
string(SUBSTRING "${_readme}" ${_start} -1 _rest)
string(FIND "${_rest}" "```\n" _end)
string(SUBSTRING "${_rest}" 0 ${_end} _commands)
if(NOT _commands MATCHES "cmake --install")
    message(FATAL_ERROR "README.md's install block has no 'cmake --install' line:\n${_commands}")
endif()
message(STATUS "README.md's install lines:\n${_commands}")

# --- a clean copy of the source tree --------------------------------------------------------------
set(_src "${OUT_DIR}/source")
set(_destdir "${OUT_DIR}/destdir")
file(REMOVE_RECURSE "${OUT_DIR}")
file(MAKE_DIRECTORY "${_src}" "${_destdir}")
find_program(_git git)
set(_files "")
if(_git)
    # Tracked files and new ones not ignored: the working tree as a commit of it would have it.
    execute_process(COMMAND "${_git}" -c core.quotepath=off ls-files --cached --others
                            --exclude-standard
        WORKING_DIRECTORY "${SOURCE_DIR}" RESULT_VARIABLE _rc OUTPUT_VARIABLE _listing
        ERROR_QUIET)
    if(_rc EQUAL 0)
        string(REPLACE "\n" ";" _files "${_listing}")
    endif()
endif()
if(_files)
    foreach(_file IN LISTS _files)
        if(_file STREQUAL "" OR NOT EXISTS "${SOURCE_DIR}/${_file}"
           OR IS_DIRECTORY "${SOURCE_DIR}/${_file}")
            continue() # deleted in the working tree, or a submodule
        endif()
        get_filename_component(_dir "${_src}/${_file}" DIRECTORY)
        file(MAKE_DIRECTORY "${_dir}")
        file(COPY_FILE "${SOURCE_DIR}/${_file}" "${_src}/${_file}")
    endforeach()
else()
    # Not a git checkout (a source archive): everything but build trees.
    file(GLOB _children RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*" "${SOURCE_DIR}/.*")
    foreach(_child IN LISTS _children)
        if(NOT _child MATCHES "^(build.*|\\.git)$")
            file(COPY "${SOURCE_DIR}/${_child}" DESTINATION "${_src}")
        endif()
    endforeach()
endif()

# --- run them -------------------------------------------------------------------------------------
# The cmake running this test comes first on PATH, so the lines use the version the project was
# configured with.
get_filename_component(_cmake_bin "${CMAKE_COMMAND}" DIRECTORY)
execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env "DESTDIR=${_destdir}" "PATH=${_cmake_bin}:$ENV{PATH}"
            bash -e -c "${_commands}"
    WORKING_DIRECTORY "${_src}" RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
file(WRITE "${OUT_DIR}/install.log" "${_out}")
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "README.md's install lines failed (${_rc}) in ${_src}:\n${_out}")
endif()

# --- what they did --------------------------------------------------------------------------------
file(GLOB_RECURSE _configs "${_destdir}/*/flytecacheConfig.cmake")
list(LENGTH _configs _n)
if(NOT _n EQUAL 1)
    message(FATAL_ERROR "expected one installed flytecacheConfig.cmake under ${_destdir}, found "
                        "${_n}:\n${_out}")
endif()
get_filename_component(_prefix "${_configs}" DIRECTORY) # <prefix>/share/cmake/flytecache
get_filename_component(_prefix "${_prefix}/../../.." ABSOLUTE)
foreach(_installed include/flytecache/flytecache.hpp include/flytecache/store/sqlite_store.hpp
                   share/cmake/flytecache/flytecacheTargets.cmake share/pkgconfig/flytecache.pc
                   share/doc/flytecache/LICENSE)
    if(NOT EXISTS "${_prefix}/${_installed}")
        message(FATAL_ERROR "the install has no ${_installed} (prefix ${_prefix})")
    endif()
endforeach()
# Nothing was built: the tool's install rule skipped it and said so, and no object file exists.
if(EXISTS "${_prefix}/bin/flytecache")
    message(FATAL_ERROR "bin/flytecache was installed although nothing built it")
endif()
if(NOT _out MATCHES "the command-line tool was not built")
    message(FATAL_ERROR "the install did not say that it skipped the unbuilt tool:\n${_out}")
endif()
file(GLOB_RECURSE _objects "${_src}/*.o")
if(_objects)
    message(FATAL_ERROR "the install lines built something: ${_objects}")
endif()

# A consumer finds the installed package (configuring it resolves every target and dependency).
execute_process(
    COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/package/find_package"
            -B "${OUT_DIR}/consumer" "-DCMAKE_PREFIX_PATH=${_prefix}"
    RESULT_VARIABLE _rc OUTPUT_VARIABLE _consumer_out ERROR_VARIABLE _consumer_out)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "a find_package consumer cannot use the install at ${_prefix}:\n"
                        "${_consumer_out}")
endif()
message(STATUS "README.md's install lines installed the package into ${_prefix} "
               "(under DESTDIR) without building anything")
