# flytecache — a compile-fail test: building TARGET (SOURCE, in BUILD_DIR) must fail, and the first
# line of the compiler's output that reports an error must be ours: contain "flytecache: " and match
# SOURCE's "// expect: <regex>". A message found further down, after 200 lines of std::tuple or
# constraint diagnostics, does not count. Optional "// context: <regex>" lines must each match
# somewhere in the output (e.g. the instantiation that names the offending types).
file(STRINGS "${SOURCE}" _expect REGEX "^// expect: ")
string(REGEX REPLACE "^// expect: " "" _expect "${_expect}")
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}" --target "${TARGET}"
    OUTPUT_VARIABLE _out ERROR_VARIABLE _out RESULT_VARIABLE _rc)
if(_rc EQUAL 0)
    message(FATAL_ERROR "${TARGET} compiled, but ${SOURCE} must not:\n${_out}")
endif()
string(ASCII 27 _esc) # colour codes, should a compiler be told to colour its diagnostics
string(REGEX REPLACE "${_esc}\\[[0-9;]*[mK]" "" _out "${_out}")
# "error:" rather than "error": the failed compile command that the build tool echoes contains
# -Werror. GCC's and Clang's error lines both read "<file>:<line>:<col>: error: ...".
string(REGEX MATCH "[^\n]*error:[^\n]*" _first "${_out}")
if(NOT _first)
    message(FATAL_ERROR "${TARGET} failed without a compiler error line:\n${_out}")
endif()
# "flytecache: " and not "flytecache::", which any diagnostic naming one of our types contains.
if(NOT _first MATCHES "flytecache:([^:]|$)")
    message(FATAL_ERROR "the first error is not a flytecache: message:\n${_first}\n\n"
                        "full output:\n${_out}")
endif()
if(NOT _first MATCHES "${_expect}")
    message(FATAL_ERROR "the first error does not match '${_expect}':\n${_first}\n\n"
                        "full output:\n${_out}")
endif()
file(STRINGS "${SOURCE}" _contexts REGEX "^// context: ")
foreach(_context IN LISTS _contexts)
    string(REGEX REPLACE "^// context: " "" _context "${_context}")
    if(NOT _out MATCHES "${_context}")
        message(FATAL_ERROR "the output does not match '${_context}':\n${_out}")
    endif()
endforeach()
message(STATUS "first error, as expected: ${_first}")
