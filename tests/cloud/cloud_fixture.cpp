#include "tests/cloud/cloud_fixture.h"

#include "common/crypto/envelope.h"
#include "common/util/encoding.h"
#include "tests/support/order_body.h"

#include <algorithm>

namespace printrelay::cloud::testing {

std::string HttpReply::errorCode() const {
  const json j = asJson();
  if (j.is_object() && j.contains("error") && j["error"].is_object() &&
      j["error"].contains("code") && j["error"]["code"].is_string()) {
    return j["error"]["code"].get<std::string>();
  }
  return {};
}

void CloudFixture::SetUp() {
  dir_ = std::make_unique<printrelay::testing::TempDir>("printrelay-cloud-test");
  settings_ = CloudSettings{};
  settings_.listenHost = "127.0.0.1";
  settings_.listenPort = 0;
  settings_.dataDir = dir_->path() / "data";
  settings_.adminToken = kAdminToken;
  settings_.maxUploadBytes = 256 * 1024;
  settings_.leaseSeconds = 120;
  settings_.longPollMaxSeconds = 30;
  settings_.httpThreads = 16;
  settings_.clock = clock_.clock();
  // These tests do not test password hashing: a cheap Argon2id keeps them fast. The production
  // parameters have tests of their own (password_hasher_test.cpp, account_routes_test.cpp).
  settings_.argon2 = Argon2Params{1024, 1, 1};
  settings_.allowWeakPasswordHashing = true;
  configure(settings_);
  startServer();
}

void CloudFixture::TearDown() {
  client_.reset();
  stopServer();
  dir_.reset();
}

void CloudFixture::startServer() {
  server_ = std::make_unique<CloudServer>(settings_);
  const int port = server_->bind();
  baseUrl_ = server_->url();
  ASSERT_GT(port, 0);
  serverThread_ = std::thread([this] { server_->run(); });
  client_ = newClient();
}

void CloudFixture::stopServer() {
  if (server_) {
    server_->stop();
  }
  if (serverThread_.joinable()) {
    serverThread_.join();
  }
  server_.reset();
}

std::unique_ptr<httplib::Client> CloudFixture::newClient() const {
  auto client = std::make_unique<httplib::Client>(baseUrl_);
  client->set_connection_timeout(std::chrono::seconds(10));
  client->set_read_timeout(std::chrono::seconds(120));
  client->set_write_timeout(std::chrono::seconds(30));
  if (!caFile_.empty()) {
    client->set_ca_cert_path(caFile_.c_str());
    client->enable_server_certificate_verification(true);
  }
  return client;
}

namespace {

HttpReply send(httplib::Client& client, const std::string& method, const std::string& path,
               const std::string& token, const std::string& body, const std::string& contentType) {
  httplib::Headers headers;
  if (!token.empty()) {
    headers.emplace("Authorization", "Bearer " + token);
  }
  httplib::Result result = method == "GET"       ? client.Get(path, headers)
                           : method == "POST"    ? client.Post(path, headers, body, contentType)
                           : method == "PUT"     ? client.Put(path, headers, body, contentType)
                           : method == "PATCH"   ? client.Patch(path, headers, body, contentType)
                           : method == "OPTIONS" ? client.Options(path, headers)
                                                 : client.Delete(path, headers, body, contentType);
  HttpReply reply;
  if (!result) {
    ADD_FAILURE() << method << " " << path << ": " << httplib::to_string(result.error());
    return reply;
  }
  reply.status = result->status;
  reply.body = result->body;
  reply.headers = result->headers;
  return reply;
}

} // namespace

HttpReply CloudFixture::request(const std::string& method, const std::string& path,
                                const std::string& token, const std::string& body,
                                const std::string& contentType) {
  return send(*client_, method, path, token, body, contentType);
}

HttpReply CloudFixture::requestOnNewClient(const std::string& method, const std::string& path,
                                           const std::string& token, const std::string& body,
                                           const std::string& contentType) {
  auto client = newClient();
  return send(*client, method, path, token, body, contentType);
}

std::string CloudFixture::createStore(const std::string& name, double lat, double lon) {
  const auto reply = request(
      "POST", "/api/v1/admin/stores", kAdminToken,
      json{{"name", name}, {"address", "1 Test Street"}, {"latitude", lat}, {"longitude", lon}}
          .dump());
  EXPECT_EQ(reply.status, 201) << reply.describe();
  return reply.asJson().value("id", "");
}

std::string CloudFixture::enrollmentCode(const std::string& storeId) {
  const auto reply =
      request("POST", "/api/v1/shop/stores/" + storeId + "/enrollment-codes", kAdminToken, "{}");
  EXPECT_EQ(reply.status, 201) << reply.describe();
  return reply.asJson().value("code", "");
}

EnrolledAgent CloudFixture::enrollAgent(const std::string& storeId) {
  EnrolledAgent agent;
  agent.keys = std::make_shared<hpke::KeyPair>(hpke::KeyPair::generate());
  const auto reply = request("POST", "/api/v1/agent/enroll", "",
                             json{{"code", enrollmentCode(storeId)},
                                  {"public_key", base64Encode(agent.keys->publicKey())},
                                  {"agent_name", "test-agent"},
                                  {"agent_version", "0.1.0"}}
                                 .dump());
  EXPECT_EQ(reply.status, 201) << reply.describe();
  const json j = reply.asJson();
  agent.agentId = j.value("agent_id", "");
  agent.credential = j.value("credential", "");
  agent.keyId = j.value("key_id", "");
  return agent;
}

json CloudFixture::createUser(const std::string& email, const std::string& role,
                              const json& storeIds, const std::string& password) {
  json body{{"email", email}, {"password", password}, {"role", role}, {"name", "Test " + role}};
  if (!storeIds.empty()) {
    body["store_ids"] = storeIds;
  }
  const auto reply = request("POST", "/api/v1/admin/users", kAdminToken, body.dump());
  EXPECT_EQ(reply.status, 201) << reply.describe();
  return reply.asJson();
}

HttpReply CloudFixture::login(const std::string& email, const std::string& password) {
  return request("POST", "/api/v1/auth/login", "",
                 json{{"email", email}, {"password", password}}.dump());
}

std::string CloudFixture::accessToken(const std::string& email, const std::string& password) {
  const auto reply = login(email, password);
  EXPECT_EQ(reply.status, 200) << reply.describe();
  return reply.asJson().value("access_token", "");
}

std::string CloudFixture::freshEmail(const std::string& who) {
  return who + "-" + std::to_string(++emailCounter_) + "@example.com";
}

std::string CloudFixture::customerToken() {
  const std::string email = freshEmail();
  createUser(email);
  return accessToken(email);
}

CloudFixture::SignedInUser CloudFixture::signedInCustomer() {
  SignedInUser me;
  me.email = freshEmail();
  me.user = createUser(me.email);
  const json tokens = login(me.email).asJson();
  me.accessToken = tokens.value("access_token", "");
  me.refreshToken = tokens.value("refresh_token", "");
  return me;
}

std::vector<std::string> CloudFixture::mailFiles() const {
  return printrelay::testing::readFilesOldestFirst(settings_.effectiveMailDir(), ".eml");
}

std::vector<std::string> CloudFixture::waitForMailFiles(std::size_t count) const {
  for (int i = 0; i < 200; ++i) {
    auto files = mailFiles();
    if (files.size() >= count) {
      return files;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "expected " << count << " mail(s) in " << settings_.effectiveMailDir();
  return mailFiles();
}

std::string CloudFixture::createOrder(const std::string& token, const std::string& storeId,
                                      const std::string& contentType, const json& options,
                                      std::optional<int> pages) {
  const json body =
      printrelay::testing::newOrderBody(storeId, "thesis.pdf", contentType, options, pages);
  const auto reply = request("POST", "/api/v1/orders", token, body.dump());
  EXPECT_EQ(reply.status, 201) << reply.describe();
  return reply.asJson().value("id", "");
}

HttpReply CloudFixture::upload(const std::string& token, const std::string& orderId,
                               const std::string& body, const std::string& contentType) {
  return request("PUT", "/api/v1/orders/" + orderId + "/document", token, body, contentType);
}

json CloudFixture::pollNow(const EnrolledAgent& agent) {
  const json offers = pollUnacknowledged(agent);
  for (const auto& offer : offers) {
    const auto ack = acknowledge(agent, offer);
    EXPECT_EQ(ack.status, 200) << ack.describe();
  }
  return offers;
}

json CloudFixture::pollUnacknowledged(const EnrolledAgent& agent) {
  const auto reply = request("GET", "/api/v1/agent/jobs?wait=0", agent.credential);
  EXPECT_EQ(reply.status, 200) << reply.describe();
  return reply.asJson().value("jobs", json::array());
}

HttpReply CloudFixture::acknowledge(const EnrolledAgent& agent, const json& offer) {
  return request("POST", "/api/v1/agent/jobs/" + offer.value("job_id", "") + "/ack",
                 agent.credential, json{{"lease_id", offer.value("lease_id", "")}}.dump());
}

HttpReply CloudFixture::postEvent(const EnrolledAgent& agent, const std::string& jobId,
                                  const json& event) {
  return request("POST", "/api/v1/agent/jobs/" + jobId + "/events", agent.credential, event.dump());
}

HttpReply CloudFixture::reportPrinting(const EnrolledAgent& agent, const json& offer,
                                       int spoolerJobId) {
  return postEvent(agent, offer["job_id"],
                   {{"seq", 1},
                    {"lease_id", offer["lease_id"]},
                    {"state", "printing"},
                    {"spooler_job_id", spoolerJobId},
                    {"printer", "front-desk"}});
}

CloudFixture::QueuedOrder CloudFixture::queuedOrder(const std::string& document) {
  QueuedOrder q;
  q.storeId = createStore();
  q.agent = enrollAgent(q.storeId);
  q.customerToken = customerToken();
  q.orderId = createOrder(q.customerToken, q.storeId);
  const auto reply = upload(q.customerToken, q.orderId, seal(q.agent, q.orderId, document),
                            std::string(envelope::kMediaType));
  EXPECT_EQ(reply.status, 200) << reply.describe();
  return q;
}

std::string CloudFixture::seal(const EnrolledAgent& agent, const std::string& orderId,
                               const std::string& plaintext, std::uint32_t chunkSize) {
  std::string out;
  envelope::Sealer sealer(
      agent.keys->publicKey(), orderId,
      [&](std::span<const std::uint8_t> bytes) {
        out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        return true;
      },
      chunkSize);
  sealer.write(asBytes(plaintext));
  sealer.finish();
  return out;
}

std::string CloudFixture::open(const EnrolledAgent& agent, const std::string& orderId,
                               const std::string& envelope) {
  std::string out;
  envelope::Opener opener(*agent.keys, orderId, [&](std::span<const std::uint8_t> bytes) {
    out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return true;
  });
  opener.write(asBytes(envelope));
  opener.finish();
  return out;
}

std::vector<std::filesystem::path> CloudFixture::documentFiles() const {
  std::vector<std::filesystem::path> files;
  const auto dir = settings_.dataDir / "documents";
  if (std::filesystem::exists(dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      files.push_back(entry.path());
    }
  }
  return files;
}

} // namespace printrelay::cloud::testing
