# flytecache — installs the build tree into OUT_DIR/staged, then moves it to OUT_DIR/relocated:
# a consumer that finds the package there proves the installed package is relocatable.
file(REMOVE_RECURSE "${OUT_DIR}/staged" "${OUT_DIR}/relocated")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${OUT_DIR}/staged"
    RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "cmake --install failed (${_rc})")
endif()
file(RENAME "${OUT_DIR}/staged" "${OUT_DIR}/relocated")
file(GLOB_RECURSE _leaks "${OUT_DIR}/relocated/*.cmake")
foreach(_file IN LISTS _leaks)
    file(READ "${_file}" _text)
    string(FIND "${_text}" "${OUT_DIR}/staged" _pos)
    if(NOT _pos EQUAL -1)
        message(FATAL_ERROR "${_file} hard-codes the install prefix: the package is not relocatable")
    endif()
endforeach()
message(STATUS "installed and relocated to ${OUT_DIR}/relocated")
