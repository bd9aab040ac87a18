# Install rules: what `cmake --install <build> --prefix <dir>` puts where.
#
#   <prefix>/include/dynaflow/<folder>/*.h   public headers; consumers include them as in the
#                                            source tree: #include <dynaflow/engine/engine.h>
#   <prefix>/lib/libdynaflow_<name>.a        the libraries (shared with -DBUILD_SHARED_LIBS=ON)
#   <prefix>/lib/cmake/dynaflow/             dynaflowConfig.cmake, dynaflowConfigVersion.cmake,
#                                            dynaflowTargets*.cmake (namespace dynaflow::)
#   <prefix>/bin/                            the programs given to dynaflow_install_programs
#   <prefix>/share/dynaflow/                 the table as code (aws/) and example configurations
#
# ("lib" is CMAKE_INSTALL_LIBDIR of GNUInstallDirs, e.g. lib/x86_64-linux-gnu under /usr.)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(DYNAFLOW_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/dynaflow)

# dynaflow_install_library(<target> <export name>)
#   Installs library <target> and adds it to the exported targets as dynaflow::<export name>.
function(dynaflow_install_library target export_name)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name})
  install(TARGETS ${target} EXPORT dynaflowTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()

# dynaflow_install_headers(<folder> [EXTRA <header>...])
#   Installs the public headers of dynaflow/<folder> (the *.h directly in it, never internal/)
#   to include/dynaflow/<folder>. EXTRA names further headers to install (they keep their path
#   below dynaflow/); tests/install fails when an installed header includes an internal/ one.
#   tests/install compiles every installed header, so a missing one fails the test run.
function(dynaflow_install_headers folder)
  cmake_parse_arguments(ARG "" "" "EXTRA" ${ARGN})
  file(GLOB headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/dynaflow/${folder}/*.h)
  install(FILES ${headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/dynaflow/${folder})
  foreach(header ${ARG_EXTRA})
    get_filename_component(dir ${header} DIRECTORY)
    install(FILES ${PROJECT_SOURCE_DIR}/dynaflow/${header}
      DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/dynaflow/${dir})
  endforeach()
endfunction()

# dynaflow_install_programs(<target>...)
#   Installs executables to bin/. The place to add a tool: call it in the tool's CMakeLists.txt
#   (examples/CMakeLists.txt does for the example programs). Contract checked by tests/install:
#   every installed program answers --version with "dynaflow <version>" and exit status 0.
function(dynaflow_install_programs)
  install(TARGETS ${ARGN} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endfunction()

# dynaflow_install_package()
#   The exported targets and the package configuration; called once, at the end of the
#   top-level CMakeLists.txt, after every dynaflow_install_library.
function(dynaflow_install_package)
  # Private dependencies reach a consumer's link only with static libraries.
  if(BUILD_SHARED_LIBS)
    set(DYNAFLOW_STATIC_LIBS OFF)
  else()
    set(DYNAFLOW_STATIC_LIBS ON)
  endif()
  install(EXPORT dynaflowTargets NAMESPACE dynaflow:: DESTINATION ${DYNAFLOW_INSTALL_CMAKEDIR})
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/dynaflowConfig.cmake.in
    ${PROJECT_BINARY_DIR}/generated/dynaflowConfig.cmake
    INSTALL_DESTINATION ${DYNAFLOW_INSTALL_CMAKEDIR})
  # 0.x: a minor version may break the API, so only the same MAJOR.MINOR is compatible.
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/generated/dynaflowConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
  install(FILES
    ${PROJECT_BINARY_DIR}/generated/dynaflowConfig.cmake
    ${PROJECT_BINARY_DIR}/generated/dynaflowConfigVersion.cmake
    ${PROJECT_SOURCE_DIR}/cmake/dynaflowRapidJSON.cmake
    DESTINATION ${DYNAFLOW_INSTALL_CMAKEDIR})
endfunction()
