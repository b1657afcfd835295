// Login timing against a real cloud with the production Argon2id parameters: a known address
// with a wrong password, and an address without an account. Both answer 401 alike; the medians
// should match too, since an unknown address is checked against a dummy hash made at start-up.
// Prints the median time of each and their ratio.
//
//   login_timing_bench [--runs R]
#include "cloud/server/cloud_server.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace printrelay::cloud;
using nlohmann::json;

namespace {

constexpr const char* kAdminToken = "bench-admin-token-0123456789abcdef";

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

/// Milliseconds one failed login takes, end to end; exits when the answer is not 401.
double timeLogin(httplib::Client& client, const std::string& email) {
  const std::string body = json{{"email", email}, {"password", "not the password"}}.dump();
  const auto start = std::chrono::steady_clock::now();
  const auto reply = client.Post("/api/v1/auth/login", body, "application/json");
  const auto end = std::chrono::steady_clock::now();
  if (!reply || reply->status != 401) {
    std::fprintf(stderr, "login for %s: expected 401, got %d\n", email.c_str(),
                 reply ? reply->status : -1);
    std::exit(1);
  }
  return std::chrono::duration<double, std::milli>(end - start).count();
}

} // namespace

int main(int argc, char** argv) {
  int runs = 21;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0) {
      runs = std::max(1, std::atoi(argv[i + 1]));
    }
  }
  const auto dir = std::filesystem::temp_directory_path() /
                   ("printrelay-login-bench-" + std::to_string(::getpid()));
  CloudSettings settings;
  settings.listenHost = "127.0.0.1";
  settings.listenPort = 0;
  settings.dataDir = dir;
  settings.adminToken = kAdminToken;
  settings.argon2 = Argon2Params{}; // production parameters
  // Enough failures allowed that the throttle never answers instead of the hash.
  settings.loginFailuresPerAccount = static_cast<std::uint32_t>(4 * runs + 10);
  settings.loginFailuresPerAddress = static_cast<std::uint32_t>(4 * runs + 10);
  int rc = 0;
  {
    CloudServer server(settings);
    server.bind();
    std::thread thread([&] { server.run(); });
    httplib::Client client(server.url());
    client.set_read_timeout(std::chrono::seconds(60));
    httplib::Headers admin{{"Authorization", std::string("Bearer ") + kAdminToken}};
    const auto created = client.Post("/api/v1/admin/users", admin,
                                     json{{"email", "known@example.com"},
                                          {"password", "the right password"},
                                          {"role", "customer"}}
                                         .dump(),
                                     "application/json");
    if (!created || created->status != 201) {
      std::fprintf(stderr, "creating the account failed: %d\n", created ? created->status : -1);
      rc = 1;
    } else {
      std::vector<double> known;
      std::vector<double> unknown;
      timeLogin(client, "known@example.com"); // warm up both paths
      timeLogin(client, "nobody@example.com");
      for (int i = 0; i < runs; ++i) { // interleaved, so load on the machine hits both alike
        known.push_back(timeLogin(client, "known@example.com"));
        unknown.push_back(timeLogin(client, "nobody-" + std::to_string(i) + "@example.com"));
      }
      const double k = median(known);
      const double u = median(unknown);
      std::printf("login, Argon2id m=%u KiB t=%u p=%u, %d runs each: median known address + "
                  "wrong password %.1f ms, unknown address %.1f ms (ratio %.2f)\n",
                  settings.argon2.memoryKiB, settings.argon2.iterations,
                  settings.argon2.parallelism, runs, k, u, u / k);
    }
    server.stop();
    thread.join();
  }
  std::filesystem::remove_all(dir);
  return rc;
}
