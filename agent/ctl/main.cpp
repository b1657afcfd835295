// printrelayctl: the technician's CLI for the PrintRelay shop agent (see printrelayctl --help).
#include "agent/ctl/ctl_cli.h"
#include "agent/platform/service_host.h"

#include <iostream>

int main(int argc, char** argv) {
  // A peer closing the control socket must be an error return, not the end of the process
  // (SIGPIPE ignored on POSIX; no error dialogs on Windows).
  printrelay::agent::prepareProcess();
  const std::vector<std::string> args(argv + 1, argv + argc);
  return printrelay::ctl::runCtl(args, std::cout, std::cerr);
}
