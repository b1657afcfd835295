#include "agent/cloud/cloud_client.h"

#include "common/util/encoding.h"
#include "common/util/log.h"
#include "common/util/version.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace printrelay::agent {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxErrorBody = 64 * 1024;

std::string jobPath(const std::string& jobId, const std::string& tail) {
  return std::string(protocol::kApiPrefix) + "/agent/jobs/" + percentEncode(jobId) + tail;
}

httplib::Headers headersWith(const std::string& credential) {
  httplib::Headers headers = credential.empty() ? httplib::Headers{} : bearer(credential);
  headers.emplace("User-Agent", "printrelay-agent/" + std::string(version()));
  return headers;
}

CloudError unreachable(const httplib::Result& result, const std::string& what,
                       const CloudEndpoint& endpoint) {
  return CloudError(0, "cloud_unreachable",
                    what + ": " + explainTransportError(result.error(), endpoint));
}

std::vector<protocol::JobOffer> parseOffers(const json& body) {
  const json* list = &body;
  json single;
  if (body.is_object() && body.contains("jobs")) {
    list = &body["jobs"];
  } else if (body.is_object() && body.contains("job_id")) {
    single = json::array({body});
    list = &single;
  } else if (body.is_object() && (body.contains("job") || body.empty())) {
    single =
        body.contains("job") && !body["job"].is_null() ? json::array({body["job"]}) : json::array();
    list = &single;
  }
  if (!list->is_array()) {
    throw CloudError(502, "cloud_bad_response", "the job poll answered with an unknown shape");
  }
  std::vector<protocol::JobOffer> offers;
  for (const auto& item : *list) {
    try {
      offers.push_back(item.get<protocol::JobOffer>());
    } catch (const std::exception& e) {
      log::error(std::string("skipping a job offer the agent cannot read: ") + e.what());
    }
  }
  return offers;
}

} // namespace

CloudEndpoint withAgentCaHint(CloudEndpoint endpoint) {
  endpoint.caFileHint = std::string(kAgentCaFileHint);
  return endpoint;
}

CloudError cloudErrorFor(int status, const std::string& body, const std::string& what) {
  const auto parsed = json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
    const auto& err = parsed["error"];
    const auto code = err.contains("code") && err["code"].is_string()
                          ? err["code"].get<std::string>()
                          : "http_" + std::to_string(status);
    const auto message = err.contains("message") && err["message"].is_string()
                             ? err["message"].get<std::string>()
                             : "HTTP " + std::to_string(status);
    return CloudError(status, code,
                      what + ": " + message + " (HTTP " + std::to_string(status) + ")");
  }
  return CloudError(status, "http_" + std::to_string(status),
                    what + ": HTTP " + std::to_string(status));
}

CloudClient::CloudClient(CloudEndpoint endpoint, std::string credential)
    : endpoint_(withAgentCaHint(std::move(endpoint))), credential_(std::move(credential)),
      client_(makeClient(endpoint_)), pollClient_(makeClient(endpoint_)) {}

CloudClient::~CloudClient() = default;

protocol::EnrollResponse CloudClient::enroll(const protocol::EnrollRequest& request) {
  const std::string what = "enrollment";
  auto result = client_->Post(std::string(protocol::kApiPrefix) + "/agent/enroll", headersWith({}),
                              json(request).dump(), "application/json");
  if (!result) {
    throw unreachable(result, what, endpoint_);
  }
  if (result->status != 200 && result->status != 201) {
    throw cloudErrorFor(result->status, result->body, what);
  }
  const auto body = json::parse(result->body, nullptr, false);
  try {
    return body.get<protocol::EnrollResponse>();
  } catch (const std::exception& e) {
    throw CloudError(502, "cloud_bad_response",
                     what + ": the cloud's answer cannot be read (" + e.what() + ")");
  }
}

/// How long after the long-poll's wait the agent gives up on the answer.
constexpr int kPollAnswerMarginSeconds = 5;

std::vector<protocol::JobOffer> CloudClient::pollJobs(int waitSeconds) {
  const std::string what = "polling for jobs";
  // The cloud holds the request up to waitSeconds and answers then; a few seconds more is ample
  // for the answer to travel. A link that swallows packets (a black hole) is noticed that soon,
  // not 15 s later, and the agent reconnects (kept well under the service watchdog's 60 s).
  pollClient_->set_read_timeout(std::chrono::seconds(waitSeconds + kPollAnswerMarginSeconds));
  auto result = pollClient_->Get(std::string(protocol::kApiPrefix) +
                                     "/agent/jobs?wait=" + std::to_string(waitSeconds),
                                 headersWith(credential_));
  if (!result) {
    throw unreachable(result, what, endpoint_);
  }
  if (result->status == 204) {
    return {};
  }
  if (result->status != 200) {
    throw cloudErrorFor(result->status, result->body, what);
  }
  if (result->body.empty()) {
    return {};
  }
  const auto body = json::parse(result->body, nullptr, false);
  if (body.is_discarded()) {
    throw CloudError(502, "cloud_bad_response", what + ": the answer is not JSON");
  }
  return parseOffers(body);
}

bool CloudClient::reachable() const {
  CloudEndpoint quick = endpoint_;
  quick.connectTimeout = std::chrono::seconds(2);
  quick.readTimeout = std::chrono::seconds(2);
  auto probe = makeClient(quick);
  auto result = probe->Get(std::string(protocol::kApiPrefix) + "/health");
  return result && result->status < 500;
}

json CloudClient::checkIn() {
  const std::string what = "checking in with the cloud";
  auto result =
      client_->Get(std::string(protocol::kApiPrefix) + "/agent/me", headersWith(credential_));
  if (!result) {
    throw unreachable(result, what, endpoint_);
  }
  if (result->status != 200) {
    throw cloudErrorFor(result->status, result->body, what);
  }
  const auto body = json::parse(result->body, nullptr, false);
  if (!body.is_object()) {
    throw CloudError(502, "cloud_bad_response", what + ": the answer is not a JSON object");
  }
  return body;
}

void CloudClient::fetchDocument(const std::string& jobId, const std::string& leaseId,
                                const ChunkReceiver& receiver) {
  const std::string what = "downloading the document of job " + jobId;
  int status = 0;
  std::string errorBody;
  bool stopped = false;
  auto result = client_->Get(
      jobPath(jobId, "/document?lease_id=" + percentEncode(leaseId)), headersWith(credential_),
      [&](const httplib::Response& response) {
        status = response.status;
        return true;
      },
      [&](const char* data, std::size_t length) {
        if (status != 200) {
          if (errorBody.size() < kMaxErrorBody) {
            errorBody.append(data, std::min(length, kMaxErrorBody - errorBody.size()));
          }
          return true;
        }
        if (!receiver({reinterpret_cast<const std::uint8_t*>(data), length})) {
          stopped = true;
          return false;
        }
        return true;
      });
  if (stopped) {
    throw CloudError(0, "cloud_download_stopped", what + ": stopped by the agent");
  }
  if (!result) {
    throw unreachable(result, what, endpoint_);
  }
  if (result->status != 200) {
    throw cloudErrorFor(result->status, errorBody.empty() ? result->body : errorBody, what);
  }
}

EventDelivery CloudClient::postEvent(const std::string& jobId, const std::string& body,
                                     std::string& detail) {
  auto result =
      client_->Post(jobPath(jobId, "/events"), headersWith(credential_), body, "application/json");
  if (!result) {
    detail = "unreachable: " + explainTransportError(result.error(), endpoint_);
    return EventDelivery::Unavailable;
  }
  const int status = result->status;
  if (status >= 200 && status < 300) {
    detail = "delivered";
    return EventDelivery::Delivered;
  }
  const CloudError error = cloudErrorFor(status, result->body, "event");
  detail = "HTTP " + std::to_string(status) + " " + error.code();
  if (error.unauthorized()) {
    return EventDelivery::Unauthorized;
  }
  if (error.transient()) {
    return EventDelivery::Unavailable;
  }
  return EventDelivery::Rejected;
}

json CloudClient::postEventForAnswer(const std::string& jobId, const std::string& body) {
  const std::string what = "reporting an event of job " + jobId;
  auto result =
      client_->Post(jobPath(jobId, "/events"), headersWith(credential_), body, "application/json");
  if (!result) {
    throw unreachable(result, what, endpoint_);
  }
  if (result->status < 200 || result->status >= 300) {
    throw cloudErrorFor(result->status, result->body, what);
  }
  if (result->body.empty()) {
    return json::object();
  }
  auto answer = json::parse(result->body, nullptr, false);
  if (!answer.is_object()) {
    throw CloudError(502, "cloud_bad_response", what + ": the answer is not a JSON object");
  }
  return answer;
}

void CloudClient::acknowledgeOffer(const std::string& jobId, const std::string& leaseId) {
  const std::string what = "acknowledging the offer of job " + jobId;
  const std::string body = json{{"lease_id", leaseId}}.dump();
  auto result =
      client_->Post(jobPath(jobId, "/ack"), headersWith(credential_), body, "application/json");
  if (!result) {
    throw unreachable(result, what, endpoint_);
  }
  if (result->status < 200 || result->status >= 300) {
    throw cloudErrorFor(result->status, result->body, what);
  }
}

void CloudClient::interruptPoll() {
  pollClient_->stop();
}

} // namespace printrelay::agent
