# flytecache — finds hiredis for flytecache::redis: hiredis's own CMake package where it ships one
# (hiredis 1.0 and newer), otherwise the header and library of older releases such as Debian 12's
# 0.14, which ship only a pkg-config file. Defines the imported target hiredis::hiredis.
find_package(hiredis CONFIG QUIET)
if(hiredis_FOUND AND TARGET hiredis::hiredis)
    return()
endif()

find_path(HIREDIS_INCLUDE_DIR hiredis/hiredis.h)
find_library(HIREDIS_LIBRARY NAMES hiredis)
if(HIREDIS_INCLUDE_DIR AND EXISTS "${HIREDIS_INCLUDE_DIR}/hiredis/hiredis.h")
    file(STRINGS "${HIREDIS_INCLUDE_DIR}/hiredis/hiredis.h" _hiredis_version_lines
        REGEX "^#define HIREDIS_(MAJOR|MINOR|PATCH) [0-9]+")
    set(_hiredis_parts "")
    foreach(_part MAJOR MINOR PATCH)
        string(REGEX MATCH "HIREDIS_${_part} ([0-9]+)" _match "${_hiredis_version_lines}")
        list(APPEND _hiredis_parts "${CMAKE_MATCH_1}")
    endforeach()
    list(JOIN _hiredis_parts "." hiredis_VERSION)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(hiredis
    REQUIRED_VARS HIREDIS_LIBRARY HIREDIS_INCLUDE_DIR
    VERSION_VAR hiredis_VERSION)

if(hiredis_FOUND AND NOT TARGET hiredis::hiredis)
    add_library(hiredis::hiredis UNKNOWN IMPORTED)
    set_target_properties(hiredis::hiredis PROPERTIES
        IMPORTED_LOCATION "${HIREDIS_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${HIREDIS_INCLUDE_DIR}")
endif()
mark_as_advanced(HIREDIS_INCLUDE_DIR HIREDIS_LIBRARY)
