#pragma once

// printrelayctl's command line run in process (ctl::runCtl), for the unit tests.
#include "agent/ctl/ctl_cli.h"

#include <sstream>
#include <string>
#include <vector>

namespace printrelay::testing {

/// What one printrelayctl run gave: its exit status and its two outputs.
struct CtlRun {
  int code;
  std::string out;
  std::string err;
};

inline CtlRun ctl(std::vector<std::string> args) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = ctl::runCtl(args, out, err);
  return {code, out.str(), err.str()};
}

} // namespace printrelay::testing
