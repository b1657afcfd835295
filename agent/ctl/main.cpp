// printrelayctl: the technician's CLI for the PrintRelay shop agent (see printrelayctl --help).
#include "agent/ctl/ctl_cli.h"

#include <csignal>
#include <iostream>

int main(int argc, char** argv) {
  // A peer closing a socket must be an error return, not the end of the process.
  std::signal(SIGPIPE, SIG_IGN);
  const std::vector<std::string> args(argv + 1, argv + argc);
  return printrelay::ctl::runCtl(args, std::cout, std::cerr);
}
