# flytecache — proves check_recipes.py catches a mismatch: runs it on a copy of conanfile.py whose
# SQLite component has the wrong CMake target name. The test's PASS_REGULAR_EXPRESSION is the
# mismatch message this must print.
#   cmake -DPYTHON=<python3> -DSOURCE_DIR=<repo> -DINSTALL=<prefix> -DOUT_DIR=<dir>
#         -P check_recipes_mutated.cmake
file(READ "${SOURCE_DIR}/conanfile.py" _recipe)
string(REPLACE [["flytecache::sqlite"]] [["flytecache::sqlite3"]] _mutated "${_recipe}")
if(_mutated STREQUAL _recipe)
    message(FATAL_ERROR "conanfile.py no longer names \"flytecache::sqlite\": update this mutation")
endif()
file(MAKE_DIRECTORY "${OUT_DIR}")
file(WRITE "${OUT_DIR}/conanfile.py" "${_mutated}")

execute_process(
    COMMAND "${PYTHON}" "${SOURCE_DIR}/tests/package/check_recipes.py" --install "${INSTALL}"
            --conanfile "${OUT_DIR}/conanfile.py"
    RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
message("${_out}${_err}")
# The expected message alone would pass the test; a zero exit status must fail it as well.
if(_rc EQUAL 0)
    message(FATAL_ERROR "check_recipes.py ACCEPTED the mutated recipe")
endif()
