# The Windows (MinGW-w64) build, included by the root CMakeLists.txt when WIN32: the agent's
# libraries come from scripts/windows-deps.sh, cross-built from Debian's source packages and
# found under CMAKE_FIND_ROOT_PATH (packaging/windows/mingw-w64.cmake). nlohmann/json is
# header-only and taken from the build machine's /usr/include/nlohmann.

# Windows 10 API level; lean <windows.h> without the min/max macros; the CRT's POSIX
# thread-safe time functions (gmtime_r, localtime_r).
add_compile_definitions(_WIN32_WINNT=0x0A00 WINVER=0x0A00 WIN32_LEAN_AND_MEAN NOMINMAX
  _POSIX_THREAD_SAFE_FUNCTIONS=200112L)

# -O2, as the Linux build (RelWithDebInfo) uses: the same flow-sensitive warnings apply on both
# (GCC 12 at -O3 reports false -Wrestrict positives inside std::string's operator+), and it
# compiles faster.
set(CMAKE_C_FLAGS_RELEASE "-O2 -DNDEBUG")
set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG")

set(OPENSSL_USE_STATIC_LIBS TRUE)
find_package(OpenSSL 3.0 REQUIRED)
# A static libcrypto needs Winsock and the CryptoAPI (CMake adds them only for some versions).
set_property(TARGET OpenSSL::Crypto APPEND PROPERTY INTERFACE_LINK_LIBRARIES ws2_32 crypt32)
find_package(SQLiteCpp REQUIRED)
find_package(Threads REQUIRED)

# cpp-httplib: the single header from the cpp-httplib source package, with OpenSSL.
find_path(PRINTRELAY_HTTPLIB_INCLUDE_DIR httplib.h REQUIRED)
add_library(PkgConfig::HTTPLIB INTERFACE IMPORTED)
set_target_properties(PkgConfig::HTTPLIB PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${PRINTRELAY_HTTPLIB_INCLUDE_DIR}"
  INTERFACE_COMPILE_DEFINITIONS CPPHTTPLIB_OPENSSL_SUPPORT
  INTERFACE_LINK_LIBRARIES "OpenSSL::SSL;OpenSSL::Crypto;ws2_32;crypt32")

# nlohmann/json: only its own directory of the host's headers is put on the include path (a
# link in the build tree), never /usr/include itself.
find_path(PRINTRELAY_NLOHMANN_JSON_HOST_DIR nlohmann/json.hpp
  PATHS /usr/include NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH REQUIRED)
set(PRINTRELAY_HOST_HEADERS "${CMAKE_BINARY_DIR}/host-headers")
file(MAKE_DIRECTORY "${PRINTRELAY_HOST_HEADERS}")
file(CREATE_LINK "${PRINTRELAY_NLOHMANN_JSON_HOST_DIR}/nlohmann"
  "${PRINTRELAY_HOST_HEADERS}/nlohmann" SYMBOLIC)
add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
set_target_properties(nlohmann_json::nlohmann_json PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${PRINTRELAY_HOST_HEADERS}")

add_subdirectory(common)
add_subdirectory(agent)

if(PRINTRELAY_BUILD_TESTS)
  enable_testing()
  find_package(GTest REQUIRED)
  include(GoogleTest)
  # Tests are listed when ctest runs them (under wine, CMAKE_CROSSCOMPILING_EMULATOR), never
  # while building.
  set(CMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE PRE_TEST)
  add_subdirectory(tests/common)
  add_subdirectory(tests/agent)
  add_subdirectory(tests/fuzz)

  # The test files of those folders that need what only POSIX has, left out here (never with
  # #ifdef in the tests). Everything else in them is built and run under wine, so a new
  # portable test runs on Windows without anyone listing it; a new POSIX-only one breaks this
  # build until it is listed.
  set(PRINTRELAY_WINDOWS_POSIX_ONLY_TESTS
    tests/agent/identity/enroll_test.cpp # checks the state files' POSIX modes (chmod 0644 → refused)
    tests/agent/jobs/journal_mode_test.cpp # the journal's POSIX modes (0600 under umask 022)
    tests/agent/daemon/agent_stop_test.cpp # cuts a blocking recv from another thread (wine cannot)
  )
  set(PRINTRELAY_WINDOWS_TEST_TARGETS common_tests agent_tests ctl_tests fuzz_replay_tests)
  set(dropped)
  foreach(target IN LISTS PRINTRELAY_WINDOWS_TEST_TARGETS)
    get_target_property(sources ${target} SOURCES)
    get_target_property(dir ${target} SOURCE_DIR)
    set(kept)
    foreach(source IN LISTS sources)
      cmake_path(ABSOLUTE_PATH source BASE_DIRECTORY "${dir}" NORMALIZE OUTPUT_VARIABLE full)
      file(RELATIVE_PATH relative "${PROJECT_SOURCE_DIR}" "${full}")
      if(relative IN_LIST PRINTRELAY_WINDOWS_POSIX_ONLY_TESTS)
        list(APPEND dropped "${relative}")
      else()
        list(APPEND kept "${full}")
      endif()
    endforeach()
    set_property(TARGET ${target} PROPERTY SOURCES ${kept})
  endforeach()
  foreach(listed IN LISTS PRINTRELAY_WINDOWS_POSIX_ONLY_TESTS)
    if(NOT listed IN_LIST dropped)
      message(FATAL_ERROR "${listed} is listed as POSIX-only but no Windows test target has it")
    endif()
  endforeach()
endif()
