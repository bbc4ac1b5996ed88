# flytecache — compiles tests/forwarding/old_include_paths.cpp (syntax only, warnings not errors)
# and requires each old include path's deprecation warning, naming the new path.
# Inputs: CXX (the compiler), SOURCE, INCLUDE_DIR.
execute_process(
    COMMAND "${CXX}" -std=c++20 -fsyntax-only "-I${INCLUDE_DIR}" "${SOURCE}"
    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "the old include paths no longer compile:\n${out}${err}")
endif()
foreach(pair
        "store/diskcache_format.hpp|store/sqlite/vocabulary.hpp"
        "store/local_task_cache.hpp|task/local_task_cache.hpp"
        "store/memoize.hpp|task/memoize.hpp"
        "store/redis_options.hpp|store/redis/options.hpp")
    string(REPLACE "|" ";" parts "${pair}")
    list(GET parts 0 old)
    list(GET parts 1 new)
    string(FIND "${err}" "<flytecache/${old}> is deprecated and goes in the next release; include <flytecache/${new}>" at)
    if(at EQUAL -1)
        message(FATAL_ERROR "no deprecation warning for <flytecache/${old}> naming "
                            "<flytecache/${new}>:\n${err}")
    endif()
endforeach()
message(STATUS "4 old include paths compile, each with its deprecation warning")
