# Helpers shared by every module's CMakeLists.txt.

# GCC 12 at -O2/-O3 reports false positives from inlined std::string/std::vector code
# (GCC bugs 105329, 105651, 106199): those families stay warnings, not errors.
set(STEADYCAST_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND STEADYCAST_WARNINGS -Wno-error=restrict -Wno-error=array-bounds
       -Wno-error=stringop-overflow -Wno-error=stringop-overread -Wno-error=maybe-uninitialized)
endif()
set(STEADYCAST_SRC_ROOT ${PROJECT_SOURCE_DIR}/src)

# steadycast_library(NAME name SOURCES ... DEPS ...)
# One static library per folder; include paths are rooted at src/ ("base/status.h").
function(steadycast_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_library(${ARG_NAME} STATIC ${ARG_SOURCES})
  target_include_directories(${ARG_NAME} PUBLIC ${STEADYCAST_SRC_ROOT})
  target_compile_options(${ARG_NAME} PRIVATE ${STEADYCAST_WARNINGS})
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_DEPS})
  if(STEADYCAST_FUZZ)
    target_compile_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
  endif()
endfunction()

# steadycast_test(NAME name SOURCES ... DEPS ... [LABELS ...])
# A GoogleTest binary registered with ctest (label "unit" unless told).
function(steadycast_test)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT STEADYCAST_TESTS OR STEADYCAST_FUZZ)
    return()
  endif()
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_compile_options(${ARG_NAME} PRIVATE ${STEADYCAST_WARNINGS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT 120)
endfunction()

# steadycast_fuzz(NAME name SOURCE file_fuzz.cc DEPS ... CORPUS dir)
# With STEADYCAST_FUZZ: a libFuzzer binary (clang). Always (GCC too): a regression
# binary that replays every file of the corpus dir (and its crashes/ subfolder)
# through LLVMFuzzerTestOneInput, registered with ctest under label "fuzz-regression".
function(steadycast_fuzz)
  cmake_parse_arguments(ARG "" "NAME;SOURCE;CORPUS" "DEPS" ${ARGN})
  if(STEADYCAST_FUZZ)
    add_executable(${ARG_NAME} ${ARG_SOURCE})
    target_compile_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
    set_property(GLOBAL APPEND PROPERTY STEADYCAST_FUZZERS "${ARG_NAME}|${ARG_CORPUS}")
    return()
  endif()
  if(NOT STEADYCAST_TESTS)
    return()
  endif()
  add_executable(${ARG_NAME}_regression ${ARG_SOURCE} ${STEADYCAST_SRC_ROOT}/base/testing/fuzz_replay_main.cc)
  target_compile_options(${ARG_NAME}_regression PRIVATE ${STEADYCAST_WARNINGS})
  target_link_libraries(${ARG_NAME}_regression PRIVATE ${ARG_DEPS})
  add_test(NAME ${ARG_NAME}_regression COMMAND ${ARG_NAME}_regression ${ARG_CORPUS})
  set_tests_properties(${ARG_NAME}_regression PROPERTIES LABELS "fuzz-regression" TIMEOUT 120)
endfunction()
