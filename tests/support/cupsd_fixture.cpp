#include "tests/support/cupsd_fixture.h"

#include <algorithm>
#include <csignal>
#include <cups/cups.h>
#include <cups/ipp.h>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

namespace printrelay::testing {
namespace {

using namespace std::chrono_literals;

struct HttpClose {
  void operator()(http_t* http) const { httpClose(http); }
};
using HttpPtr = std::unique_ptr<http_t, HttpClose>;

/// True when user lp (cupsd's backends) can traverse every directory down to `dir`.
bool traversableByOthers(const std::filesystem::path& dir) {
  for (auto p = std::filesystem::absolute(dir); !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || (st.st_mode & S_IXOTH) == 0) {
      return false;
    }
    if (p == p.root_path()) {
      break;
    }
  }
  return true;
}

std::filesystem::path fixtureBase() {
  // The temp dir, else /tmp, else /var/tmp (a sandbox may make /tmp private to root).
  for (const auto& candidate : {std::filesystem::temp_directory_path(),
                                std::filesystem::path("/tmp"), std::filesystem::path("/var/tmp")}) {
    if (traversableByOthers(candidate)) {
      return candidate;
    }
  }
  return "/tmp";
}

std::string tail(const std::string& text, std::size_t bytes) {
  return text.size() <= bytes ? text : "…" + text.substr(text.size() - bytes);
}

std::string tailOfFile(const std::filesystem::path& path, std::size_t bytes) {
  try {
    return tail(readFile(path), bytes);
  } catch (const std::exception& e) {
    return e.what();
  }
}

/// The job groups of an IPP response, one map per job (groups are split by separators).
std::vector<IppAttributes> jobGroups(ipp_t* response) {
  std::vector<IppAttributes> jobs;
  bool inJob = false;
  for (ipp_attribute_t* attr = ippFirstAttribute(response); attr != nullptr;
       attr = ippNextAttribute(response)) {
    if (ippGetName(attr) == nullptr) {
      inJob = false; // separator between groups
      continue;
    }
    if (ippGetGroupTag(attr) != IPP_TAG_JOB) {
      continue;
    }
    if (!inJob) {
      jobs.emplace_back();
      inJob = true;
    }
    char value[4096];
    ippAttributeString(attr, value, sizeof value);
    jobs.back()[ippGetName(attr)] = value;
  }
  return jobs;
}

} // namespace

CupsdFixture::CupsdFixture(CupsdOptions options)
    : dir_(std::make_unique<TempDir>("printrelay-cupsd", fixtureBase())) {
  const auto& d = dir_->path();
  // cupsd runs backends as user lp; they open the spooled document themselves.
  std::filesystem::permissions(d, std::filesystem::perms(0755));
  for (const char* sub : {"etc", "spool", "spool/tmp", "cache", "run", "log"}) {
    dir_->makeDir(sub);
  }
  socketPath_ = d / "cups.sock";

  std::ostringstream conf;
  conf << "LogLevel " << options.logLevel << "\n"
       << "MaxLogSize 0\n"
       << "Listen " << socketPath_.string() << "\n"
       << "Browsing No\n"
       << "BrowseLocalProtocols none\n"
       << "DefaultAuthType None\n"
       << "WebInterface No\n"
       << "ErrorPolicy abort-job\n"
       << (options.preserveJobFiles ? "" : "PreserveJobFiles No\n") << "PreserveJobHistory Yes\n"
       << "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
       << "<Policy default>\n"
       << "  JobPrivateAccess all\n  JobPrivateValues none\n"
       << "  SubscriptionPrivateAccess all\n  SubscriptionPrivateValues none\n"
       << "  <Limit All>\n    Order deny,allow\n  </Limit>\n"
       << "</Policy>\n";
  dir_->writeFile("etc/cupsd.conf", conf.str());

  std::ostringstream files;
  files << "ServerRoot " << (d / "etc").string() << "\n"
        << "RequestRoot " << (d / "spool").string() << "\n"
        << "TempDir " << (d / "spool/tmp").string() << "\n"
        << "CacheDir " << (d / "cache").string() << "\n"
        << "StateDir " << (d / "run").string() << "\n"
        << "Printcap " << (d / "run/printcap").string() << "\n"
        << "ErrorLog " << (d / "log/error_log").string() << "\n"
        << "AccessLog " << (d / "log/access_log").string() << "\n"
        << "PageLog " << (d / "log/page_log").string() << "\n"
        << "FileDevice Yes\n";
  dir_->writeFile("etc/cups-files.conf", files.str());
  start();
}

void CupsdFixture::start() {
  const auto& d = dir_->path();
  cupsd_ = std::make_unique<Process>(ProcessSpec{
      .argv = {"cupsd", "-f", "-c", (d / "etc/cupsd.conf").string(), "-s",
               (d / "etc/cups-files.conf").string()},
      .env = {},
      .outputDir = d / "log",
      .name = "cupsd",
  });
  waitUntilReady(20s);
}

void CupsdFixture::crash() {
  if (cupsd_) {
    cupsd_->signal(SIGKILL);
    cupsd_->stop(10s);
    // Its backends live on (as after a real crash) in its process group.
    crashedGroups_.push_back(cupsd_->pid());
  }
}

void CupsdFixture::restart() {
  stop();
  start();
}

CupsdFixture::~CupsdFixture() {
  stop();
  // Backends a crashed cupsd left behind would retry an absent printer for days.
  for (const pid_t group : crashedGroups_) {
    ::kill(-group, SIGKILL);
  }
}

void CupsdFixture::waitUntilReady(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (!cupsd_->running()) {
      throw std::runtime_error("cupsd exited during start-up: " + report());
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    socketPath_.string().copy(addr.sun_path, sizeof addr.sun_path - 1);
    const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (connected) {
      return;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("cupsd did not listen on " + socketPath_.string() + ": " + report());
    }
    std::this_thread::sleep_for(50ms);
  }
}

void CupsdFixture::stop() {
  if (cupsd_) {
    cupsd_->stop(10s);
  }
}

RunResult CupsdFixture::runClient(std::vector<std::string> argv,
                                  std::chrono::milliseconds timeout) const {
  argv.insert(argv.begin() + 1, {"-h", socketPath_.string()});
  return run(ProcessSpec{.argv = std::move(argv),
                         .env = {{"CUPS_SERVER", socketPath_.string()}},
                         .outputDir = {},
                         .name = {}},
             timeout);
}

void CupsdFixture::addQueue(const std::string& name, const std::string& deviceUri) {
  const auto result = runClient({"lpadmin", "-p", name, "-v", deviceUri, "-E"});
  if (!result.status.success()) {
    throw std::runtime_error("lpadmin -p " + name + " failed: " + result.describe() + "\n" +
                             report());
  }
}

CupsdFixture::IppPtr CupsdFixture::send(ipp_t* request, const std::string& what) const {
  HttpPtr http(httpConnect2(socketPath_.c_str(), 0, nullptr, AF_UNSPEC, HTTP_ENCRYPTION_NEVER, 1,
                            30000, nullptr));
  if (!http) {
    ippDelete(request);
    throw std::runtime_error("cannot connect to cupsd at " + socketPath_.string());
  }
  ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr,
               cupsUser());
  ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", nullptr, "all");
  IppPtr response(cupsDoRequest(http.get(), request, "/")); // takes the request
  if (!response || ippGetStatusCode(response.get()) > IPP_STATUS_OK_EVENTS_COMPLETE) {
    throw std::runtime_error(what + " failed: " + cupsLastErrorString());
  }
  return response;
}

IppAttributes CupsdFixture::jobAttributes(int jobId) const {
  ipp_t* req = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, "ipp://localhost/");
  ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", jobId);
  const auto response = send(req, "Get-Job-Attributes for job " + std::to_string(jobId));
  auto jobs = jobGroups(response.get());
  if (jobs.empty()) {
    throw std::runtime_error("cupsd returned no attributes for job " + std::to_string(jobId));
  }
  return jobs.front();
}

std::vector<IppAttributes> CupsdFixture::jobs(const std::string& queue) const {
  ipp_t* req = ippNewRequest(IPP_OP_GET_JOBS);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr,
               ("ipp://localhost/printers/" + queue).c_str());
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", nullptr, "all");
  const auto response = send(req, "Get-Jobs for " + queue);
  auto jobs = jobGroups(response.get());
  std::sort(jobs.begin(), jobs.end(), [](const IppAttributes& a, const IppAttributes& b) {
    return std::stoi(a.at("job-id")) < std::stoi(b.at("job-id"));
  });
  return jobs;
}

IppAttributes CupsdFixture::waitForJobState(int jobId, const std::string& state,
                                            std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  IppAttributes attrs;
  while (true) {
    attrs = jobAttributes(jobId);
    if (attrs["job-state"] == state) {
      return attrs;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("CUPS job " + std::to_string(jobId) + " is " + attrs["job-state"] +
                               " (" + attrs["job-state-reasons"] + "), not " + state + ": " +
                               report());
    }
    std::this_thread::sleep_for(100ms);
  }
}

std::string CupsdFixture::errorLog() const {
  return readFile(root() / "log/error_log");
}

std::string CupsdFixture::report() const {
  std::string out = "\n--- cupsd error_log tail ---\n" + tailOfFile(root() / "log/error_log", 6000);
  if (cupsd_) {
    out += "\n--- cupsd process ---\n" + cupsd_->report(2000);
  }
  return out;
}

} // namespace printrelay::testing
