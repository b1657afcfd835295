#pragma once

#include "cloud/server/cloud_server.h"
#include "common/crypto/hpke.h"
#include "tests/support/temp_dir.h"

#include <algorithm>
#include <atomic>
#include <gtest/gtest.h>
#include <httplib.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

namespace printrelay::cloud::testing {

using nlohmann::json;

/// A clock the test moves by hand; starts at a fixed, plausible time.
class FakeClock {
public:
  std::int64_t now() const { return now_.load(); }
  void advance(std::int64_t seconds) { now_ += seconds; }
  Clock clock() {
    return [this] { return now(); };
  }

private:
  std::atomic<std::int64_t> now_{1'800'000'000};
};

/// What an HTTP exchange returned.
struct HttpReply {
  int status = 0;
  std::string body;
  httplib::Headers headers;

  json asJson() const { return json::parse(body, nullptr, false); }
  /// error.code of a JSON error body, or "" when the body is not one.
  std::string errorCode() const;
  std::string describe() const { return std::to_string(status) + " " + body; }
};

/// An agent enrolled through the API, with the key pair only it holds.
struct EnrolledAgent {
  std::string agentId;
  std::string credential;
  std::string keyId;
  std::shared_ptr<hpke::KeyPair> keys;
};

/// The real server in a thread on 127.0.0.1:0 over a fresh data directory, with a fake clock;
/// stopped and joined in TearDown. Subclasses adjust settings in configure().
class CloudFixture : public ::testing::Test {
protected:
  static constexpr const char* kAdminToken = "test-admin-token-0123456789abcdef";

  void SetUp() override;
  void TearDown() override;
  /// Called before the server starts.
  virtual void configure(CloudSettings& settings) { (void)settings; }

  void startServer();
  void stopServer();

  /// One request on the fixture's shared client.
  HttpReply request(const std::string& method, const std::string& path,
                    const std::string& token = "", const std::string& body = "",
                    const std::string& contentType = "application/json");
  /// The same on a client of its own (for threads, and for raw connection behaviour).
  HttpReply requestOnNewClient(const std::string& method, const std::string& path,
                               const std::string& token = "", const std::string& body = "",
                               const std::string& contentType = "application/json");
  std::unique_ptr<httplib::Client> newClient() const;

  // Building blocks.
  std::string createStore(const std::string& name = "Copy Corner", double lat = 52.52,
                          double lon = 13.405);
  std::string enrollmentCode(const std::string& storeId);
  EnrolledAgent enrollAgent(const std::string& storeId);
  /// The password every account made by the helpers below has.
  static constexpr const char* kPassword = "correct horse battery staple";

  /// An account made through the admin route (verified); returns the user JSON.
  json createUser(const std::string& email, const std::string& role = "customer",
                  const json& storeIds = json::array(), const std::string& password = kPassword);
  /// POST /auth/login; the whole reply.
  HttpReply login(const std::string& email, const std::string& password = kPassword);
  /// Logs in and returns the access token (expects success).
  std::string accessToken(const std::string& email, const std::string& password = kPassword);
  /// A new verified customer's access token.
  std::string customerToken();
  /// A fresh e-mail address for a test account.
  std::string freshEmail(const std::string& who = "customer");
  /// The mails written to the .eml folder (no SMTP configured), oldest first, as raw text.
  std::vector<std::string> mailFiles() const;
  /// Waits (real time, up to 10 s) until the .eml folder holds at least `count` mails.
  std::vector<std::string> waitForMailFiles(std::size_t count) const;
  /// A new order in awaiting_upload; returns its id. `pages` is the client's declared count
  /// (needed for a client-sealed upload; the cloud counts plaintext itself).
  std::string createOrder(const std::string& token, const std::string& storeId,
                          const std::string& contentType = "application/pdf",
                          const json& options = json::object(), std::optional<int> pages = 1);
  HttpReply upload(const std::string& token, const std::string& orderId, const std::string& body,
                   const std::string& contentType);
  /// Polls once without waiting and acknowledges every offer (as the agent does once the
  /// lease is in its journal); returns the offers.
  json pollNow(const EnrolledAgent& agent);
  /// Polls once without waiting and leaves the offers unacknowledged.
  json pollUnacknowledged(const EnrolledAgent& agent);
  /// POST /api/v1/agent/jobs/{id}/ack with the offer's lease.
  HttpReply acknowledge(const EnrolledAgent& agent, const json& offer);
  HttpReply postEvent(const EnrolledAgent& agent, const std::string& jobId, const json& event);
  /// The agent's first event on `offer`'s job (seq 1): printing on "front-desk" as spooler job
  /// `spoolerJobId`.
  HttpReply reportPrinting(const EnrolledAgent& agent, const json& offer, int spoolerJobId);

  /// A new verified customer, signed in.
  struct SignedInUser {
    std::string email;
    json user; ///< as the admin route created it
    std::string accessToken;
    std::string refreshToken;
  };
  SignedInUser signedInCustomer();

  /// A store with an enrolled agent, a customer and an order queued with `document`.
  struct QueuedOrder {
    std::string storeId;
    EnrolledAgent agent;
    std::string customerToken;
    std::string orderId;
  };
  QueuedOrder queuedOrder(const std::string& document = "%PDF-1.4 hello");

  /// Seals `plaintext` to `agent`'s key for `orderId` (what a browser or the CLI does).
  static std::string seal(const EnrolledAgent& agent, const std::string& orderId,
                          const std::string& plaintext, std::uint32_t chunkSize = 1024);
  /// Opens an envelope with the agent's private key (what the agent does).
  static std::string open(const EnrolledAgent& agent, const std::string& orderId,
                          const std::string& envelope);

  /// Files under <data_dir>/documents.
  std::vector<std::filesystem::path> documentFiles() const;

  std::unique_ptr<printrelay::testing::TempDir> dir_;
  FakeClock clock_;
  CloudSettings settings_;
  std::unique_ptr<CloudServer> server_;
  std::thread serverThread_;
  std::string baseUrl_;
  std::unique_ptr<httplib::Client> client_;
  /// CA for HTTPS servers (subclasses that configure TLS set it).
  std::filesystem::path caFile_;
  int emailCounter_ = 0;
};

/// The cloud with one store, its enrolled agent and a signed-in customer.
class StoreFixture : public CloudFixture {
protected:
  void SetUp() override {
    CloudFixture::SetUp();
    storeId_ = createStore();
    agent_ = enrollAgent(storeId_);
    customer_ = customerToken();
  }

  /// The customer PUTs `body` as the order's document in `chunk`-byte pieces, chunked (without
  /// a Content-Length).
  httplib::Result uploadChunked(const std::string& orderId, const std::string& body,
                                std::size_t chunk, const std::string& contentType) {
    auto client = newClient();
    std::size_t offset = 0;
    return client->Put(
        "/api/v1/orders/" + orderId + "/document", {{"Authorization", "Bearer " + customer_}},
        [&](std::size_t, httplib::DataSink& sink) {
          if (offset >= body.size()) {
            sink.done();
            return true;
          }
          const std::size_t n = std::min(chunk, body.size() - offset);
          offset += n;
          return sink.write(body.data() + offset - n, n);
        },
        contentType);
  }

  std::string storeId_;
  EnrolledAgent agent_;
  std::string customer_;
};

} // namespace printrelay::cloud::testing
