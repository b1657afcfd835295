// printrelay-agent: the PrintRelay shop agent (see `printrelay-agent --help`).
#include "agent/daemon/cli.h"
#include "agent/platform/service_host.h"

#include <iostream>

int main(int argc, char** argv) {
  // A peer closing a socket must be an error return, not the end of the process.
  printrelay::agent::prepareProcess();
  std::vector<std::string> args(argv + 1, argv + argc);
  return printrelay::agent::runCli(args, std::cout, std::cerr);
}
