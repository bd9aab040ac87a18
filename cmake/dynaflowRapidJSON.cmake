# Defines the imported target dynaflow::rapidjson (the RapidJSON headers) from the variables of
# RapidJSON's package configuration, which defines no target of its own (Debian's 1.1.0 sets
# RAPIDJSON_INCLUDE_DIRS only). Used by the build (CMakeLists.txt) and by the installed package
# configuration (dynaflowConfig.cmake), so both name the same target. Call after
# find_package(RapidJSON); safe to include twice.
if(NOT TARGET dynaflow::rapidjson)
  add_library(dynaflow::rapidjson INTERFACE IMPORTED)
  set_target_properties(dynaflow::rapidjson PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${RAPIDJSON_INCLUDE_DIRS}")
endif()
