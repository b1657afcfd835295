# CMake toolchain for Debian's MinGW-w64 cross compiler: 64-bit Windows, posix thread model
# (std::thread and std::mutex need it with GCC 12). Used by scripts/build-windows.sh and by
# scripts/windows-deps.sh for the libraries it cross-builds.
#
#   cmake -S . -B build/windows -DCMAKE_TOOLCHAIN_FILE=packaging/windows/mingw-w64.cmake \
#         -DPRINTRELAY_MINGW_PREFIXES="<prefix>;<prefix>..."
#
# PRINTRELAY_MINGW_PREFIXES lists the install prefixes of the cross-built libraries (written by
# scripts/windows-deps.sh to <cache>/prefixes); they are searched like the MinGW sysroot, and
# nothing from the build machine's /usr is ever picked up for the target.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(PRINTRELAY_MINGW_TRIPLET x86_64-w64-mingw32)

set(CMAKE_C_COMPILER ${PRINTRELAY_MINGW_TRIPLET}-gcc-posix)
set(CMAKE_CXX_COMPILER ${PRINTRELAY_MINGW_TRIPLET}-g++-posix)
set(CMAKE_RC_COMPILER ${PRINTRELAY_MINGW_TRIPLET}-windres)
set(CMAKE_AR ${PRINTRELAY_MINGW_TRIPLET}-ar CACHE FILEPATH "archiver")
set(CMAKE_RANLIB ${PRINTRELAY_MINGW_TRIPLET}-ranlib CACHE FILEPATH "ranlib")

# try_compile projects re-read this file; hand them the prefixes too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES PRINTRELAY_MINGW_PREFIXES)
set(CMAKE_FIND_ROOT_PATH /usr/${PRINTRELAY_MINGW_TRIPLET} ${PRINTRELAY_MINGW_PREFIXES})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Self-contained executables: libstdc++, libgcc and winpthread are linked in, so the .exe runs
# on a bare Windows (and under wine) without MinGW DLLs next to it.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# Lets ctest (and gtest_discover_tests in PRE_TEST mode) run the test executables here.
find_program(PRINTRELAY_WINE NAMES wine wine64)
if(PRINTRELAY_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${PRINTRELAY_WINE})
endif()
