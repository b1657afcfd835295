// StderrCapture (agent/daemon/log_ring.h), written for the Windows C runtime's descriptors and run
// against whichever capture the platform builds: a pipe on fd 2 on POSIX, a CRT pipe on
// stderr's descriptor under wine.
#include "agent/daemon/log_ring.h"

#include <cstdio>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace printrelay::agent {
namespace {

using Lines = std::vector<std::string>;

TEST(LogLineSplitterTest, LinesEndAtNewlinesWithoutTheirCarriageReturnAndRunawaysAreCut) {
  LogRing ring(10);
  LogLineSplitter lines(ring);
  lines.feed("one\r\ntw", 7);
  lines.feed("o\n", 2);
  EXPECT_EQ(ring.last(10), (Lines{"one", "two"}));
  const std::string runaway(64 * 1024 + 1, 'x');
  lines.feed(runaway.data(), runaway.size());
  EXPECT_EQ(ring.total(), 3u) << "a line without end is cut at 64 KiB";
  lines.feed("tail", 4);
  lines.finish();
  EXPECT_EQ(ring.last(1), (Lines{"tail"}));
}

TEST(StderrCaptureTest, WhatGoesToStderrReachesTheRingLineByLine) {
  LogRing ring(10);
  {
    StderrCapture capture(ring);
    std::fprintf(stderr, "first line\nsecond ");
    std::fflush(stderr);
    std::fprintf(stderr, "line\n");
    std::fprintf(stderr, "no newline at the end");
    std::fflush(stderr);
  } // ending the capture drains the pipe
  EXPECT_EQ(ring.last(10), (Lines{"first line", "second line", "no newline at the end"}));
  EXPECT_EQ(ring.total(), 3u);
}

TEST(StderrCaptureTest, StderrIsItselfAgainAfterTheCapture) {
  LogRing ring(10);
  { StderrCapture capture(ring); }
  std::fprintf(stderr, "after the capture\n");
  std::fflush(stderr);
  EXPECT_EQ(ring.total(), 0u);
  // A second capture works like the first.
  {
    StderrCapture capture(ring);
    std::fprintf(stderr, "again\n");
    std::fflush(stderr);
  }
  EXPECT_EQ(ring.last(10), Lines{"again"});
}

TEST(StderrCaptureTest, TheRingKeepsOnlyTheNewestLines) {
  LogRing ring(2);
  {
    StderrCapture capture(ring);
    for (int i = 1; i <= 5; ++i) {
      std::fprintf(stderr, "line %d\n", i);
    }
    std::fflush(stderr);
  }
  EXPECT_EQ(ring.last(10), (Lines{"line 4", "line 5"}));
  EXPECT_EQ(ring.total(), 5u);
}

} // namespace
} // namespace printrelay::agent
