#include "tests/fakes/agent_fake_cloud.h"

#include <stdexcept>

namespace printrelay::agent::testing {
namespace {

void sendError(httplib::Response& res, int status, const std::string& code) {
  res.status = status;
  res.set_content(
      nlohmann::json{{"error", {{"code", code}, {"message", "fake cloud: " + code}}}}.dump(),
      "application/json");
}

} // namespace

FakeCloud::FakeCloud() {
  // An idle keep-alive connection holds a worker (and so stop()) until this timeout.
  server_.set_keep_alive_timeout(1);
  routes();
}

FakeCloud::~FakeCloud() {
  stop();
}

void FakeCloud::start(int port) {
  if (port == 0) {
    port_ = server_.bind_to_any_port("127.0.0.1");
  } else if (server_.bind_to_port("127.0.0.1", port)) {
    port_ = port;
  } else {
    port_ = -1;
  }
  if (port_ <= 0) {
    throw std::runtime_error("fake cloud cannot bind");
  }
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  for (int i = 0; i < 500 && !server_.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void FakeCloud::stop() {
  if (thread_.joinable()) {
    server_.stop();
    thread_.join();
  }
}

bool FakeCloud::authorized(const httplib::Request& req, httplib::Response& res) const {
  std::lock_guard lock(mutex_);
  if (req.get_header_value("Authorization") != "Bearer " + credential_) {
    sendError(res, 401, "unauthorized");
    return false;
  }
  return true;
}

void FakeCloud::routes() {
  server_.Post("/api/v1/agent/enroll", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    enrollRequests_.push_back(nlohmann::json::parse(req.body, nullptr, false));
    res.status = enrollStatus_;
    res.set_content(enrollBody_.dump(), "application/json");
  });

  server_.Get("/api/v1/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  server_.Get("/api/v1/agent/jobs", [this](const httplib::Request& req, httplib::Response& res) {
    ++polls_;
    if (!authorized(req, res)) {
      return;
    }
    std::unique_lock lock(mutex_);
    if (pollStatus_ != 200) {
      const int status = pollStatus_;
      lock.unlock();
      sendError(res, status, "unavailable");
      return;
    }
    const int wait = req.has_param("wait") ? std::stoi(req.get_param_value("wait")) : 0;
    const auto hold = std::min<std::chrono::milliseconds>(std::chrono::seconds(wait), maxPollHold_);
    changed_.wait_for(lock, hold, [this] { return !offers_.empty(); });
    nlohmann::json jobs = nlohmann::json::array();
    while (!offers_.empty()) {
      jobs.push_back(offers_.front());
      offers_.pop_front();
    }
    res.set_content(nlohmann::json{{"jobs", jobs}}.dump(), "application/json");
  });

  server_.Get(R"(/api/v1/agent/jobs/([^/]+)/document)",
              [this](const httplib::Request& req, httplib::Response& res) {
                ++documentRequests_;
                if (!authorized(req, res)) {
                  return;
                }
                const std::string jobId = req.matches[1];
                std::lock_guard lock(mutex_);
                if (const auto it = documentFailures_.find(jobId); it != documentFailures_.end()) {
                  sendError(res, it->second.first, it->second.second);
                  return;
                }
                const auto doc = documents_.find(jobId);
                if (doc == documents_.end()) {
                  sendError(res, 404, "job_not_found");
                  return;
                }
                if (req.get_param_value("lease_id") != leases_[jobId]) {
                  sendError(res, 409, "lease_mismatch");
                  return;
                }
                auto data = std::make_shared<std::vector<std::uint8_t>>(doc->second);
                const std::size_t piece = piece_;
                res.set_content_provider(
                    data->size(), "application/vnd.printrelay.envelope",
                    [data, piece](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                      const std::size_t n = std::min({piece, length, data->size() - offset});
                      sink.write(reinterpret_cast<const char*>(data->data() + offset), n);
                      return true;
                    });
              });

  server_.Put(
      "/api/v1/agent/printers", [this](const httplib::Request& req, httplib::Response& res) {
        if (!authorized(req, res)) {
          return;
        }
        const auto body = nlohmann::json::parse(req.body, nullptr, false);
        if (!body.is_object() || !body.contains("printers") || !body["printers"].is_array()) {
          sendError(res, 400, "invalid_request");
          return;
        }
        std::lock_guard lock(mutex_);
        printerReports_.push_back(body["printers"]);
        res.set_content(R"({"printers":0})", "application/json");
      });

  server_.Post(R"(/api/v1/agent/jobs/([^/]+)/ack)",
               [this](const httplib::Request& req, httplib::Response& res) {
                 if (!authorized(req, res)) {
                   return;
                 }
                 std::lock_guard lock(mutex_);
                 if (ackStatus_ != 200) {
                   sendError(res, ackStatus_, ackCode_);
                   return;
                 }
                 acks_.push_back(req.matches[1]);
                 res.set_content(R"({"ok":true})", "application/json");
                 changed_.notify_all();
               });
  server_.Post(R"(/api/v1/agent/jobs/([^/]+)/events)", [this](const httplib::Request& req,
                                                              httplib::Response& res) {
    if (!authorized(req, res)) {
      return;
    }
    std::lock_guard lock(mutex_);
    if (eventStatus_ != 200) {
      sendError(res, eventStatus_, eventCode_);
      return;
    }
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    const std::string state = body.is_object() ? body.value("state", std::string()) : std::string();
    if (const auto it = eventAnswers_.find(state); it != eventAnswers_.end()) {
      res.status = it->second.first;
      res.set_content(it->second.second.dump(), "application/json");
      if (res.status != 200) {
        return;
      }
    } else {
      res.set_content(R"({"ok":true})", "application/json");
    }
    events_.push_back(ReceivedEvent{req.matches[1], std::move(body)});
    changed_.notify_all();
  });
}

void FakeCloud::setCredential(std::string credential) {
  std::lock_guard lock(mutex_);
  credential_ = std::move(credential);
}

void FakeCloud::addOffer(const protocol::JobOffer& offer, std::vector<std::uint8_t> envelope) {
  {
    std::lock_guard lock(mutex_);
    offers_.push_back(offer);
    documents_[offer.jobId] = std::move(envelope);
    leases_[offer.jobId] = offer.leaseId;
  }
  changed_.notify_all();
}

void FakeCloud::failDocument(const std::string& jobId, int status, std::string code) {
  std::lock_guard lock(mutex_);
  documentFailures_[jobId] = {status, std::move(code)};
}

void FakeCloud::clearDocumentFailure(const std::string& jobId) {
  std::lock_guard lock(mutex_);
  documentFailures_.erase(jobId);
}

void FakeCloud::setEventStatus(int status, std::string code) {
  std::lock_guard lock(mutex_);
  eventStatus_ = status;
  eventCode_ = std::move(code);
}

void FakeCloud::setEventAnswer(const std::string& state, int status, nlohmann::json body) {
  std::lock_guard lock(mutex_);
  eventAnswers_[state] = {status, std::move(body)};
}

void FakeCloud::setAckStatus(int status, std::string code) {
  std::lock_guard lock(mutex_);
  ackStatus_ = status;
  ackCode_ = std::move(code);
}

std::vector<std::string> FakeCloud::acks() const {
  std::lock_guard lock(mutex_);
  return acks_;
}

void FakeCloud::setPollStatus(int status) {
  std::lock_guard lock(mutex_);
  pollStatus_ = status;
}

void FakeCloud::setEnrollAnswer(int status, nlohmann::json body) {
  std::lock_guard lock(mutex_);
  enrollStatus_ = status;
  enrollBody_ = std::move(body);
}

void FakeCloud::setMaxPollHold(std::chrono::milliseconds hold) {
  std::lock_guard lock(mutex_);
  maxPollHold_ = hold;
}

void FakeCloud::setDocumentPiece(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  piece_ = bytes;
}

std::vector<FakeCloud::ReceivedEvent> FakeCloud::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

std::vector<FakeCloud::ReceivedEvent> FakeCloud::eventsFor(const std::string& jobId) const {
  std::lock_guard lock(mutex_);
  std::vector<ReceivedEvent> out;
  for (const auto& e : events_) {
    if (e.jobId == jobId) {
      out.push_back(e);
    }
  }
  return out;
}

std::vector<std::string> FakeCloud::statesFor(const std::string& jobId) const {
  std::vector<std::string> out;
  for (const auto& e : eventsFor(jobId)) {
    out.push_back(e.body["state"]);
  }
  return out;
}

std::vector<nlohmann::json> FakeCloud::enrollRequests() const {
  std::lock_guard lock(mutex_);
  return enrollRequests_;
}

std::vector<nlohmann::json> FakeCloud::printerReports() const {
  std::lock_guard lock(mutex_);
  return printerReports_;
}

bool FakeCloud::waitForEvents(
    const std::function<bool(const std::vector<ReceivedEvent>&)>& predicate,
    std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return predicate(events_); });
}

} // namespace printrelay::agent::testing
