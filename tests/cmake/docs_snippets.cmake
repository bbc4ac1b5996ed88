# flytecache — the code blocks of docs/*.md that are marked compilable: extracts them, and compiles
# them (script mode) or hands them to the build as sources (included from tests/CMakeLists.txt).
#
# A block is compilable when the line right before its opening fence is exactly
#     <!-- compile -->
# and the fence is ```cpp. Each such block is one complete translation unit (its own #includes).
# Extracted files start with a #line directive, so a compile error names the Markdown file and line.
#
# Included: flytecache_doc_snippets(DOCS_DIR <dir> OUT_DIR <dir> SOURCES <var>) extracts at configure
# time, sets <var> to the generated .cpp files, and re-runs configure when a page changes.
#
# Script mode, without a build tree:
#     cmake -DDOCS_DIR=docs -DOUT_DIR=/tmp/snippets -DCXX=g++ \
#           "-DCXX_FLAGS=-std=c++20;-Iinclude;-Wall;-Wextra;-Werror" -P tests/cmake/docs_snippets.cmake
# extracts every block and compiles each with `CXX CXX_FLAGS -fsyntax-only`; it fails if any block
# does not compile, or if there is no marked block at all. Without CXX it only extracts.
# SPDX-License-Identifier: MIT
if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
    cmake_minimum_required(VERSION 3.25) # the project's minimum; script mode sets no policies itself
endif()

# Writes the marked blocks of every DOCS_DIR/*.md into OUT_DIR as <page>_<n>.cpp; sets OUT_VAR to
# their paths. A marker not followed by a ```cpp fence, or a block without a closing fence, is an
# error: a typo in a marker must not silently drop a block from the check.
function(_flytecache_extract_doc_snippets docs_dir out_dir out_var)
    if(CMAKE_SCRIPT_MODE_FILE)
        file(GLOB _pages "${docs_dir}/*.md")
    else()
        # A page added later re-runs configure too.
        file(GLOB _pages CONFIGURE_DEPENDS "${docs_dir}/*.md")
    endif()
    list(SORT _pages)
    file(MAKE_DIRECTORY "${out_dir}")
    set(_written "")
    foreach(_page IN LISTS _pages)
        get_filename_component(_stem "${_page}" NAME_WE)
        # One list element per line. Semicolons and brackets would confuse CMake's list handling,
        # so they travel as placeholders and are restored when a line is written.
        file(READ "${_page}" _text)
        string(REPLACE ";" "@FC_SEMI@" _text "${_text}")
        string(REPLACE "[" "@FC_LBR@" _text "${_text}")
        string(REPLACE "]" "@FC_RBR@" _text "${_text}")
        string(REPLACE "\n" ";" _lines "${_text}")
        set(_state "prose")   # prose | marked (marker seen) | code (inside a marked block)
        set(_line_no 0)
        set(_count 0)
        set(_code "")
        foreach(_line IN LISTS _lines)
            math(EXPR _line_no "${_line_no} + 1")
            string(REGEX REPLACE "\r$" "" _line "${_line}")
            if(_state STREQUAL "code")
                if(_line MATCHES "^```[ \t]*$")
                    set(_file "${out_dir}/${_stem}_${_count}.cpp")
                    string(REPLACE "@FC_SEMI@" ";" _code "${_code}")
                    string(REPLACE "@FC_LBR@" "[" _code "${_code}")
                    string(REPLACE "@FC_RBR@" "]" _code "${_code}")
                    # Rewrite only on change, so a re-configure does not rebuild every snippet.
                    set(_old "")
                    if(EXISTS "${_file}")
                        file(READ "${_file}" _old)
                    endif()
                    if(NOT _old STREQUAL _code)
                        file(WRITE "${_file}" "${_code}")
                    endif()
                    list(APPEND _written "${_file}")
                    set(_state "prose")
                else()
                    string(APPEND _code "${_line}\n")
                endif()
            elseif(_state STREQUAL "marked")
                if(_line MATCHES "^```cpp[ \t]*$")
                    math(EXPR _count "${_count} + 1")
                    math(EXPR _first "${_line_no} + 1")
                    set(_code "#line ${_first} \"${_page}\"\n")
                    set(_state "code")
                else()
                    message(FATAL_ERROR "${_page}:${_line_no}: '<!-- compile -->' must be followed "
                                        "directly by a ```cpp fence")
                endif()
            elseif(_line MATCHES "^<!-- compile -->[ \t]*$")
                set(_state "marked")
            endif()
        endforeach()
        if(NOT _state STREQUAL "prose")
            message(FATAL_ERROR "${_page}: a '<!-- compile -->' block has no closing fence")
        endif()
        if(NOT CMAKE_SCRIPT_MODE_FILE)
            set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_page}")
        endif()
    endforeach()
    # Drop files of blocks that no longer exist (a page lost a block, or was renamed).
    file(GLOB _existing "${out_dir}/*.cpp")
    foreach(_old_file IN LISTS _existing)
        if(NOT _old_file IN_LIST _written)
            file(REMOVE "${_old_file}")
        endif()
    endforeach()
    set(${out_var} "${_written}" PARENT_SCOPE)
endfunction()

function(flytecache_doc_snippets)
    cmake_parse_arguments(PARSE_ARGV 0 _arg "" "DOCS_DIR;OUT_DIR;SOURCES" "")
    _flytecache_extract_doc_snippets("${_arg_DOCS_DIR}" "${_arg_OUT_DIR}" _files)
    if(NOT _files)
        message(FATAL_ERROR "${_arg_DOCS_DIR} has no '<!-- compile -->' code block")
    endif()
    set(${_arg_SOURCES} "${_files}" PARENT_SCOPE)
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
    if(NOT DOCS_DIR OR NOT OUT_DIR)
        message(FATAL_ERROR "usage: cmake -DDOCS_DIR=<docs> -DOUT_DIR=<dir> [-DCXX=<compiler> "
                            "-DCXX_FLAGS=<flags;...>] -P docs_snippets.cmake")
    endif()
    get_filename_component(DOCS_DIR "${DOCS_DIR}" ABSOLUTE)
    get_filename_component(OUT_DIR "${OUT_DIR}" ABSOLUTE)
    _flytecache_extract_doc_snippets("${DOCS_DIR}" "${OUT_DIR}" _files)
    list(LENGTH _files _n)
    if(_n EQUAL 0)
        message(FATAL_ERROR "${DOCS_DIR} has no '<!-- compile -->' code block")
    endif()
    if(NOT CXX)
        message(STATUS "extracted ${_n} snippets into ${OUT_DIR}")
        return()
    endif()
    set(_failed "")
    foreach(_file IN LISTS _files)
        execute_process(COMMAND "${CXX}" ${CXX_FLAGS} -fsyntax-only "${_file}"
                        RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
        if(_rc EQUAL 0)
            message(STATUS "compiles: ${_file}")
        else()
            message("${_out}")
            message(STATUS "FAILS:    ${_file}")
            list(APPEND _failed "${_file}")
        endif()
    endforeach()
    if(_failed)
        list(LENGTH _failed _nf)
        message(FATAL_ERROR "${_nf} of ${_n} documentation snippets do not compile")
    endif()
    message(STATUS "all ${_n} documentation snippets compile")
endif()
