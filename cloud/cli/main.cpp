// printrelay: the customer's command line for the PrintRelay cloud. It speaks only the public
// HTTP API (through common/), seals documents locally by default, and always verifies the
// cloud's certificate. The commands are the table in commands.cpp.
#include "cloud/cli/commands.h"

#include <string>
#include <vector>

int main(int argc, char** argv) {
  return printrelay::cli::runCli(std::vector<std::string>(argv + 1, argv + argc));
}
