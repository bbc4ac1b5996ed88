# flytecache — finds LMDB for flytecache::lmdb: the header and library (Debian's liblmdb-dev ships
# neither a CMake package nor, before bookworm, a pkg-config file). Defines the imported target
# lmdb::lmdb and lmdb_VERSION (from lmdb.h).
find_path(LMDB_INCLUDE_DIR lmdb.h)
find_library(LMDB_LIBRARY NAMES lmdb)
if(LMDB_INCLUDE_DIR AND EXISTS "${LMDB_INCLUDE_DIR}/lmdb.h")
    file(STRINGS "${LMDB_INCLUDE_DIR}/lmdb.h" _lmdb_version_lines
        REGEX "^#define MDB_VERSION_(MAJOR|MINOR|PATCH)[ \t]+[0-9]+")
    set(_lmdb_parts "")
    foreach(_part MAJOR MINOR PATCH)
        string(REGEX MATCH "MDB_VERSION_${_part}[ \t]+([0-9]+)" _match "${_lmdb_version_lines}")
        list(APPEND _lmdb_parts "${CMAKE_MATCH_1}")
    endforeach()
    list(JOIN _lmdb_parts "." lmdb_VERSION)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(lmdb
    REQUIRED_VARS LMDB_LIBRARY LMDB_INCLUDE_DIR
    VERSION_VAR lmdb_VERSION)

if(lmdb_FOUND AND NOT TARGET lmdb::lmdb)
    add_library(lmdb::lmdb UNKNOWN IMPORTED)
    set_target_properties(lmdb::lmdb PROPERTIES
        IMPORTED_LOCATION "${LMDB_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${LMDB_INCLUDE_DIR}")
endif()
mark_as_advanced(LMDB_INCLUDE_DIR LMDB_LIBRARY)
