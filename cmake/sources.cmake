# The source files of splitinfer_lib, one list for every build that compiles
# them: the main build (CMakeLists.txt, all of src/) and the sanitizer build
# (tests/asan, the modules the CPU backends and the pipeline runtime need), so
# that a file added to a module reaches both.
#
# splitinfer_sources(OUT ROOT [ITEM...]) sets OUT to the .cpp files under
# ROOT/src/ITEM for each ITEM (a module directory, searched recursively, or one
# file such as profile/timing.cpp), or under all of ROOT/src when no ITEM is
# given. The command line (src/cli), the libtorch GNN module
# (src/predict/torch) and the public API (src/api, libsplitinfer.so), targets
# of their own, are never in the list. Globbed with
# CONFIGURE_DEPENDS: a file added or removed re-runs CMake.
function(splitinfer_sources out root)
  set(patterns)
  foreach(item IN LISTS ARGN)
    if(item MATCHES "\\.cpp$")
      if(NOT EXISTS ${root}/src/${item})
        message(FATAL_ERROR "splitinfer_sources: no file src/${item}")
      endif()
      list(APPEND patterns ${root}/src/${item})
    else()
      if(NOT IS_DIRECTORY ${root}/src/${item})
        message(FATAL_ERROR "splitinfer_sources: no module src/${item}")
      endif()
      list(APPEND patterns ${root}/src/${item}/*.cpp)
    endif()
  endforeach()
  if(NOT patterns)
    set(patterns ${root}/src/*.cpp)
  endif()
  file(GLOB_RECURSE files CONFIGURE_DEPENDS ${patterns})
  list(FILTER files EXCLUDE REGEX "/src/(cli|api|predict/torch)/")
  list(REMOVE_DUPLICATES files)
  set(${out} ${files} PARENT_SCOPE)
endfunction()
