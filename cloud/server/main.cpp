// printrelay-cloud: parse arguments, load the configuration, open the store, listen, print the
// address, tell systemd it is ready, serve until SIGTERM/SIGINT, then drain.
#include "cloud/config/cloud_config.h"
#include "cloud/server/cloud_server.h"
#include "common/util/error.h"
#include "common/util/log.h"
#include "common/util/sd_notify.h"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>

namespace {

using namespace printrelay;

std::string usage() {
  return "usage: printrelay-cloud [--config FILE] [--print-config] [--config-template]\n"
         "\n"
         "Serves the PrintRelay HTTP API. Configuration comes from FILE (key = value), then from\n"
         "PRINTRELAY_CLOUD_<KEY> environment variables.\n"
         "\n" +
         renderOptionHelp(cloud::cloudOptionTable(), 22);
}

/// Every connection (a parked long-poll, an event stream) is a descriptor: take the hard limit
/// (the unit sets LimitNOFILE) as the soft one.
void raiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) {
    return;
  }
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    log::info("open files limit raised from " + std::to_string(before) + " to " +
              std::to_string(limit.rlim_cur));
  }
}

int run(int argc, char** argv) {
  std::string configFile;
  bool printConfig = false;
  bool printTemplate = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      configFile = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      configFile = arg.substr(9);
    } else if (arg == "--print-config") {
      printConfig = true;
    } else if (arg == "--config-template") {
      printTemplate = true;
    } else if (arg == "--help" || arg == "-h") {
      std::cout << usage();
      return 0;
    } else {
      std::cerr << "printrelay-cloud: unknown argument '" << arg << "'\n" << usage();
      return 2;
    }
  }

  Config config(cloud::cloudConfigTable(), std::string(cloud::kCloudEnvPrefix));
  if (printTemplate) {
    std::cout << config.renderTemplate();
    return 0;
  }
  if (!configFile.empty()) {
    config.loadFile(configFile, true);
  }
  config.loadEnvironment();
  cloud::completeCloudConfig(config);
  if (printConfig) {
    std::cout << config.dumpRedacted();
    return 0;
  }
  cloud::CloudSettings settings = cloud::settingsFromConfig(config);
  log::setLevel(settings.logLevel);
  ::umask(077);

  // Signals are taken by one thread with sigwait, so no handler runs inside the server's code.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  raiseFileLimit();
  sd::notify("STATUS=opening the store");
  cloud::CloudServer server(std::move(settings));
  server.bind();
  std::cout << "listening " << server.url() << std::endl;
  sd::notify("READY=1\nSTATUS=serving " + server.url());

  std::thread watcher([&server, signals] {
    int received = 0;
    sigwait(&signals, &received);
    if (received != 0) {
      log::notice(std::string("received ") + (received == SIGTERM ? "SIGTERM" : "SIGINT") +
                  ", draining");
    }
    sd::notify("STOPPING=1\nSTATUS=draining: answering parked long-polls, finishing requests");
    server.stop();
  });
  server.run();
  // run() also returns when the listening socket fails; make sure the watcher ends.
  pthread_kill(watcher.native_handle(), SIGTERM);
  watcher.join();
  sd::notify("STATUS=stopped");
  log::notice("stopped");
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const printrelay::Error& e) {
    std::cerr << "printrelay-cloud: " << e.code() << ": " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "printrelay-cloud: " << e.what() << "\n";
    return 1;
  }
}
