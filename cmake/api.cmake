# The public API: libsplitinfer.so from src/api over the static internals,
# installed with its headers, a CMake package (find_package(splitinfer):
# splitinfer::splitinfer) and a pkg-config file; and the Python module
# (python/), a pybind11 extension over the same library, laid out as the
# package build/python/splitinfer (PYTHONPATH=build/python).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

file(GLOB SPLITINFER_API_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/api/*.cpp)
add_library(splitinfer_api SHARED ${SPLITINFER_API_SOURCES})
set_target_properties(splitinfer_api PROPERTIES
  OUTPUT_NAME splitinfer VERSION ${SPLITINFER_VERSION} SOVERSION ${SPLITINFER_SOVERSION}
  EXPORT_NAME splitinfer CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
target_compile_options(splitinfer_api PRIVATE -Wall -Wextra)
target_include_directories(splitinfer_api PUBLIC
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_include_directories(splitinfer_api PRIVATE ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(splitinfer_api PRIVATE splitinfer_lib)
# The internals' symbols stay inside; libtorch is loaded only if used.
target_link_options(splitinfer_api PRIVATE LINKER:--exclude-libs,ALL LINKER:--as-needed)

install(TARGETS splitinfer_api EXPORT splitinferTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/splitinfer
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT splitinferTargets NAMESPACE splitinfer::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/splitinfer)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/splitinferConfig.cmake.in
  ${CMAKE_BINARY_DIR}/splitinferConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/splitinfer)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/splitinferConfigVersion.cmake
  VERSION ${SPLITINFER_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/splitinferConfig.cmake
              ${CMAKE_BINARY_DIR}/splitinferConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/splitinfer)
# Relative to the .pc file, so that an install under any --prefix finds itself.
file(RELATIVE_PATH SPLITINFER_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig
     ${CMAKE_INSTALL_PREFIX})
configure_file(${CMAKE_SOURCE_DIR}/cmake/splitinfer.pc.in ${CMAKE_BINARY_DIR}/splitinfer.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/splitinfer.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The Python module: python/splitinfer (pure Python) beside the extension.
find_package(Python3 REQUIRED COMPONENTS Interpreter Development.Module)
find_package(pybind11 CONFIG REQUIRED)
set(SPLITINFER_PYTHON_DIR ${CMAKE_BINARY_DIR}/python/splitinfer)
# NO_EXTRAS: no link-time optimisation (a slow link, and GCC 12 warns falsely under it).
pybind11_add_module(splitinfer_python MODULE NO_EXTRAS ${CMAKE_SOURCE_DIR}/python/splitinfer_module.cpp)
set_target_properties(splitinfer_python PROPERTIES
  OUTPUT_NAME _splitinfer LIBRARY_OUTPUT_DIRECTORY ${SPLITINFER_PYTHON_DIR}
  INSTALL_RPATH "$ORIGIN/../../..")
target_compile_options(splitinfer_python PRIVATE -Wall -Wextra)
target_link_libraries(splitinfer_python PRIVATE splitinfer_api)
file(GLOB SPLITINFER_PYTHON_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/python/splitinfer/*.py)
add_custom_command(TARGET splitinfer_python POST_BUILD
  COMMAND ${CMAKE_COMMAND} -E copy_if_different ${SPLITINFER_PYTHON_FILES} ${SPLITINFER_PYTHON_DIR}
  COMMENT "Python package in ${SPLITINFER_PYTHON_DIR}")
set(SPLITINFER_PYTHON_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/python3/dist-packages"
    CACHE STRING "Where `cmake --install` puts the splitinfer Python package")
install(TARGETS splitinfer_python LIBRARY DESTINATION ${SPLITINFER_PYTHON_INSTALL_DIR}/splitinfer)
install(FILES ${SPLITINFER_PYTHON_FILES} DESTINATION ${SPLITINFER_PYTHON_INSTALL_DIR}/splitinfer)
