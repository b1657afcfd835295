// The customer's order commands as a customer types them: `printrelay quote`, `send` with
// every print option and --hold, `status` (and --wait), `orders`, `cancel`, `receipt`,
// `password`, and the store keys pinned on first use; real processes against the real cloud.
#include "common/crypto/envelope.h"
#include "common/crypto/hpke.h"
#include "common/util/encoding.h"
#include "tests/cloud/cli/cli_fixture.h"
#include "tests/cloud/test_documents.h"

#include <regex>
#include <thread>

namespace printrelay::cloud::testing {
namespace {

using Env = std::map<std::string, std::optional<std::string>>;

class CliOrdersTest : public CliTest {
protected:
  void SetUp() override {
    CliTest::SetUp();
    if (IsSkipped()) {
      return;
    }
    storeId_ = createStore("Copy Corner");
    agent_ = enrollAgent(storeId_);
    const std::string shopkeeper = freshEmail("shopkeeper");
    createUser(shopkeeper, "shopkeeper", json::array({storeId_}));
    const json prices{
        {"currency", "EUR"},
        {"tax_rate_bp", 1900},
        {"per_side_minor", {{"monochrome", {{"default", 10}}}, {"color", {{"default", 50}}}}},
        {"payment_policy", "print_then_pay"}};
    const auto put = request("PUT", "/api/v1/shop/stores/" + storeId_ + "/prices",
                             accessToken(shopkeeper), prices.dump());
    ASSERT_EQ(put.status, 200) << put.describe();
    token_ = customerToken();
    file_ = dir_->writeFile("report.pdf", pdfWithPages(3));
  }

  Env session() const { return {{"PRINTRELAY_TOKEN", token_}}; }

  /// The order id a human `send` printed.
  static std::string sentOrderId(const RunResult& sent) {
    std::smatch m;
    return std::regex_search(sent.out, m, std::regex(R"(order\s+(ord_[0-9a-f]+))")) ? m[1].str()
                                                                                    : "";
  }

  std::size_t orderCount() {
    return request("GET", "/api/v1/orders", token_).asJson()["orders"].size();
  }

  void printAtTheShop(const std::string& orderId) {
    const json offer = pollNow(agent_)[0];
    ASSERT_EQ(offer["order_id"], orderId);
    ASSERT_EQ(postEvent(agent_, offer["job_id"],
                        {{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "printed"}})
                  .status,
              200);
  }

  std::string storeId_;
  EnrolledAgent agent_;
  std::string token_;
  std::filesystem::path file_;
};

TEST_F(CliOrdersTest, AHeldOrderShowsItsPriceFirstThenItsPickupCodeAndStoreByName) {
  const auto quote =
      cli({"quote", "--store", storeId_, "--copies", "2", file_.string()}, session());
  ASSERT_TRUE(quote.status.success()) << quote.describe();
  EXPECT_EQ(quote.out, "3 pages, 2 copies, one-sided, black and white: EUR 0.71 (3 sides on 3 "
                       "sheets × 2 copies, of which tax EUR 0.11)\n");

  const auto sent = cli({"send", "--store", storeId_, "--hold", "--copies", "2", "--sides",
                         "two-sided-long-edge", "--pages", "1-2", "--pages-per-sheet", "2",
                         "--orientation", "landscape", file_.string()},
                        session());
  ASSERT_TRUE(sent.status.success()) << sent.describe();
  EXPECT_TRUE(sent.out.starts_with("price    EUR ")) << sent.out;
  EXPECT_NE(sent.out.find("state    held for pickup\n"), std::string::npos) << sent.out;
  EXPECT_TRUE(std::regex_search(sent.out, std::regex(R"(PICKUP CODE:  \d{3} \d{3})"))) << sent.out;
  EXPECT_EQ(sent.err.find("sending ["), std::string::npos) << "no progress bar off a terminal";
  const std::string orderId = sentOrderId(sent);
  ASSERT_FALSE(orderId.empty()) << sent.out;

  const auto status = cli({"status", orderId}, session());
  ASSERT_TRUE(status.status.success()) << status.describe();
  EXPECT_NE(status.out.find("Store     Copy Corner\n"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("Document  report.pdf (PDF, 3 pages)\n"), std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("Options   2 copies, two-sided (long edge), black and white, A4, "
                            "pages 1-2, 2 pages per sheet, landscape\n"),
            std::string::npos)
      << status.out;
  EXPECT_TRUE(std::regex_search(status.out, std::regex(R"(Price     EUR \d+\.\d\d, not paid yet)")))
      << status.out;
  EXPECT_TRUE(std::regex_search(status.out, std::regex(R"(\n  PICKUP CODE:  \d{3} \d{3}\n)")))
      << status.out;
  EXPECT_EQ(status.out.find(storeId_), std::string::npos) << status.out;
  EXPECT_EQ(status.out.find(agent_.agentId), std::string::npos) << status.out;

  // The list: a header, the store by name, the state; short ids work for status.
  const auto orders = cli({"orders"}, session());
  ASSERT_TRUE(orders.status.success()) << orders.describe();
  EXPECT_TRUE(orders.out.starts_with("ID            CREATED (UTC)     STORE")) << orders.out;
  EXPECT_NE(orders.out.find(orderId.substr(0, 12) + "  "), std::string::npos) << orders.out;
  EXPECT_NE(orders.out.find("Copy Corner"), std::string::npos) << orders.out;
  EXPECT_NE(orders.out.find("held (pickup)"), std::string::npos) << orders.out;
  EXPECT_TRUE(cli({"status", orderId.substr(0, 12)}, session()).status.success());
  const auto printedOnly = cli({"orders", "--state", "printed"}, session());
  EXPECT_EQ(printedOnly.out, "no orders in that state\n") << printedOnly.describe();

  const auto cancelled = cli({"cancel", orderId, "--reason", "changed my mind"}, session());
  ASSERT_TRUE(cancelled.status.success()) << cancelled.describe();
  EXPECT_EQ(cancelled.out, "order " + orderId + " cancelled\n");
  EXPECT_EQ(jsonOut(cli({"--json", "status", orderId}, session()))["state"], "cancelled");
}

TEST_F(CliOrdersTest, StatusWaitPrintsEachStateAsItChanges) {
  const auto sent = cli({"send", "--store", storeId_, file_.string()}, session());
  ASSERT_TRUE(sent.status.success()) << sent.describe();
  const std::string orderId = sentOrderId(sent);
  auto env = session();
  env.emplace("XDG_CONFIG_HOME", (dir_->path() / "xdg").string());
  printrelay::testing::Process waiting(
      spec(cliArgv({"status", orderId, "--wait", "printed", "--timeout", "60"}), env));
  waiting.waitForStdoutLine(std::regex(R"(^\d\d:\d\d:\d\dZ  queued$)"), 30s);
  const json offer = pollNow(agent_)[0];
  waiting.waitForStdoutLine(std::regex(R"(^\d\d:\d\d:\d\dZ  dispatched$)"), 30s);
  ASSERT_EQ(postEvent(agent_, offer["job_id"],
                      {{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "printed"}})
                .status,
            200);
  const auto exited = waiting.waitForExit(30s);
  ASSERT_TRUE(exited) << waiting.report();
  EXPECT_TRUE(exited->success()) << waiting.report();
  EXPECT_TRUE(std::regex_search(waiting.stdoutText(), std::regex(R"(\d\dZ  printed\n)")))
      << waiting.stdoutText();
}

TEST_F(CliOrdersTest, TheReceiptIsWrittenOnceAndReplacedOnlyWithForce) {
  const auto sent = cli({"send", "--store", storeId_, file_.string()}, session());
  ASSERT_TRUE(sent.status.success()) << sent.describe();
  const std::string orderId = sentOrderId(sent);
  printAtTheShop(orderId);
  const auto target = dir_->path() / "receipt.pdf";
  const auto saved = cli({"receipt", orderId, "--output", target.string()}, session());
  ASSERT_TRUE(saved.status.success()) << saved.describe();
  EXPECT_TRUE(printrelay::testing::readFile(target).starts_with("%PDF-"));
  const auto again = cli({"receipt", orderId, "--output", target.string()}, session());
  EXPECT_EQ(again.status.code, 1) << again.describe();
  EXPECT_NE(again.err.find("give --force to replace it"), std::string::npos) << again.err;
  EXPECT_TRUE(cli({"receipt", orderId, "--output", target.string(), "--force"}, session())
                  .status.success());
}

TEST_F(CliOrdersTest, AStoreKeyIsPinnedOnFirstUseAndAChangedOneRefusedUntilAccepted) {
  const auto first = cli({"send", "--store", storeId_, file_.string()}, session());
  ASSERT_TRUE(first.status.success()) << first.describe();
  EXPECT_NE(first.err.find("is now pinned"), std::string::npos) << first.err;
  const auto pinnedFile = dir_->path() / "xdg" / "printrelay" / "known_stores.json";
  EXPECT_EQ(std::filesystem::status(pinnedFile).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const auto same = cli({"send", "--store", storeId_, file_.string()}, session());
  ASSERT_TRUE(same.status.success()) << same.describe();
  EXPECT_EQ(same.err.find("pinned"), std::string::npos) << same.err;

  // The store's key changes (as after a new enrollment): refused before an order is made.
  const auto next = hpke::KeyPair::generate();
  const std::string newKeyId = envelope::keyIdFor(next.publicKey());
  ASSERT_EQ(
      request("POST", "/api/v1/agent/keys", agent_.credential,
              json{{"public_key", base64Encode(next.publicKey())}, {"key_id", newKeyId}}.dump())
          .status,
      200);
  const std::size_t before = orderCount();
  const auto refused = cli({"send", "--store", storeId_, file_.string()}, session());
  EXPECT_EQ(refused.status.code, 1) << refused.describe();
  EXPECT_NE(refused.err.find("[store_key_changed]"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("printrelay trust-store " + storeId_ + " --key " + newKeyId),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(orderCount(), before);

  EXPECT_EQ(cli({"trust-store", storeId_, "--key", std::string(32, '0')}, session()).status.code,
            1);
  const auto trusted = cli({"trust-store", storeId_, "--key", newKeyId}, session());
  ASSERT_TRUE(trusted.status.success()) << trusted.describe();
  EXPECT_TRUE(cli({"send", "--store", storeId_, file_.string()}, session()).status.success());
}

TEST_F(CliOrdersTest, ADocumentOverTheLimitIsRefusedBeforeAnOrderIsMade) {
  auto env = session();
  env.emplace("PRINTRELAY_MAX_UPLOAD_BYTES", "2000");
  const auto big = dir_->writeFile("big.txt", std::string(5000, 'x'));
  const auto refused = cli({"send", "--store", storeId_, big.string()}, env);
  EXPECT_EQ(refused.status.code, 1) << refused.describe();
  EXPECT_NE(refused.err.find("[payload_too_large]"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("Nothing was sent"), std::string::npos) << refused.err;
  EXPECT_EQ(orderCount(), 0u);
}

TEST_F(CliOrdersTest, SecretsComeFromTheEnvironmentOrAFileAndTheOptionWarns) {
  const auto tokenFile = dir_->writeFile("token", token_ + "\n");
  const auto fromFile = cli({"orders"}, {{"PRINTRELAY_TOKEN_FILE", tokenFile.string()}});
  ASSERT_TRUE(fromFile.status.success()) << fromFile.describe();
  EXPECT_EQ(fromFile.err, "");
  const auto fromOption = cli({"--token", token_, "orders"});
  ASSERT_TRUE(fromOption.status.success()) << fromOption.describe();
  EXPECT_NE(fromOption.err.find("warning: --token puts the secret where any local user can read"),
            std::string::npos)
      << fromOption.err;

  const auto changed = cli({"password"}, {{"PRINTRELAY_TOKEN", token_},
                                          {"PRINTRELAY_PASSWORD", std::string(kPassword)},
                                          {"PRINTRELAY_NEW_PASSWORD", "a much newer password 42"}});
  ASSERT_TRUE(changed.status.success()) << changed.describe();
  EXPECT_NE(changed.out.find("log in again"), std::string::npos) << changed.out;
}

} // namespace
} // namespace printrelay::cloud::testing

namespace printrelay::cloud::testing {
namespace {

TEST_F(CliOrdersTest, StoresShowsEachStoresPrices) {
  const auto stores = cli({"stores"});
  ASSERT_TRUE(stores.status.success()) << stores.describe();
  EXPECT_NE(stores.out.find("Copy Corner"), std::string::npos) << stores.out;
  EXPECT_NE(stores.out.find("  prices: b/w EUR 0.10, colour EUR 0.50 a side; + 19% tax; pay "
                            "after printing\n"),
            std::string::npos)
      << stores.out;
  const auto asJson = cli({"--json", "stores"});
  ASSERT_TRUE(asJson.status.success()) << asJson.describe();
  const auto listed = nlohmann::json::parse(asJson.out)["stores"];
  ASSERT_FALSE(listed.empty());
  EXPECT_EQ(listed[0]["prices"]["currency"], "EUR") << asJson.out;

  createStore("No Prices Yet");
  const auto unpriced = cli({"stores"});
  ASSERT_TRUE(unpriced.status.success()) << unpriced.describe();
  EXPECT_NE(unpriced.out.find("prices: no prices published"), std::string::npos) << unpriced.out;
}

TEST_F(CliOrdersTest, PaySaysWhatIsDueAndWhereToPayIt) {
  const auto sent = cli({"send", "--store", storeId_, file_.string()}, session());
  ASSERT_TRUE(sent.status.success()) << sent.describe();
  const std::string orderId = sentOrderId(sent);
  ASSERT_FALSE(orderId.empty()) << sent.out;
  const auto pay = cli({"pay", orderId}, session());
  ASSERT_TRUE(pay.status.success()) << pay.describe();
  EXPECT_NE(pay.out.find("order " + orderId + ": EUR 0.36 due"), std::string::npos) << pay.out;
  EXPECT_NE(pay.out.find("Pay at the shop's counter: Copy Corner"), std::string::npos) << pay.out;
  EXPECT_NE(pay.out.find("This cloud takes no payment online"), std::string::npos) << pay.out;
  const auto asJson = cli({"--json", "pay", orderId}, session());
  ASSERT_TRUE(asJson.status.success()) << asJson.describe();
  const auto answer = nlohmann::json::parse(asJson.out);
  EXPECT_EQ(answer["online_payment"], false);
  EXPECT_EQ(answer["currency"], "EUR");
  EXPECT_GT(answer["amount_due_minor"].get<long long>(), 0);

  ASSERT_TRUE(cli({"cancel", orderId}, session()).status.success());
  const auto cancelled = cli({"pay", orderId}, session());
  ASSERT_TRUE(cancelled.status.success()) << cancelled.describe();
  EXPECT_NE(cancelled.out.find("there is nothing to pay"), std::string::npos) << cancelled.out;
}

/// The cloud with a small upload limit, which it publishes.
class CliUploadLimitTest : public CliOrdersTest {
protected:
  void configure(CloudSettings& settings) override { settings.maxUploadBytes = 3000; }
};

TEST_F(CliUploadLimitTest, TheCloudsPublishedLimitIsCheckedBeforeAnOrderIsMade) {
  const auto health = request("GET", "/api/v1/health").asJson();
  EXPECT_EQ(health["max_upload_bytes"], 3000) << health.dump();
  const auto big = dir_->writeFile("big.txt", std::string(5000, 'x'));
  const auto refused = cli({"send", "--store", storeId_, big.string()}, session());
  EXPECT_EQ(refused.status.code, 1) << refused.describe();
  EXPECT_NE(refused.err.find("[payload_too_large]"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("at most 3000 bytes per document (the cloud's max_upload_bytes)"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(orderCount(), 0u);
  const auto small = dir_->writeFile("small.txt", "hello\n");
  EXPECT_TRUE(cli({"send", "--store", storeId_, small.string()}, session()).status.success());
}

} // namespace
} // namespace printrelay::cloud::testing
