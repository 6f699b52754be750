# CMake generated Testfile for 
# Source directory: /work/main/src/base
# Build directory: /work/main/build/src/base
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[base_test]=] "/work/main/build/src/base/base_test")
set_tests_properties([=[base_test]=] PROPERTIES  LABELS "unit" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/cmake/steadycast.cmake;32;add_test;/work/main/src/base/CMakeLists.txt;5;steadycast_test;/work/main/src/base/CMakeLists.txt;0;")
