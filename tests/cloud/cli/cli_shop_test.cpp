// The shopkeeper's commands (printrelay shop …) as a shopkeeper types them: real processes
// against the real cloud, over a store with orders in known states (held for pickup, queued,
// held for its page count, printed), and what they refuse: a malformed pickup code before
// anything is sent, another store, another shop's order, ids that cannot be one, a customer.
#include "common/crypto/envelope.h"
#include "tests/cloud/cli/cli_fixture.h"
#include "tests/cloud/test_documents.h"

#include <regex>
#include <sstream>

namespace printrelay::cloud::testing {
namespace {

using Env = std::map<std::string, std::optional<std::string>>;

/// The widest line of `text`, in characters (UTF-8 code points).
std::size_t widestLine(const std::string& text) {
  std::size_t widest = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::size_t n = 0;
    for (const char c : line) {
      n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    }
    widest = std::max(widest, n);
  }
  return widest;
}

class CliShopTest : public CliTest {
protected:
  void SetUp() override {
    CliTest::SetUp();
    if (IsSkipped()) {
      return;
    }
    storeId_ = createStore("Copy Corner");
    agent_ = enrollAgent(storeId_);
    shopkeeperEmail_ = freshEmail("shopkeeper");
    shopkeeperId_ = createUser(shopkeeperEmail_, "shopkeeper", json::array({storeId_}))["id"];
    shopkeeper_ = accessToken(shopkeeperEmail_);
    const json prices{
        {"currency", "EUR"},
        {"tax_rate_bp", 1900},
        {"per_side_minor", {{"monochrome", {{"default", 10}}}, {"color", {{"default", 50}}}}},
        {"payment_policy", "print_then_pay"}};
    ASSERT_EQ(
        request("PUT", "/api/v1/shop/stores/" + storeId_ + "/prices", shopkeeper_, prices.dump())
            .status,
        200);
    customerEmail_ = freshEmail("ada");
    createUser(customerEmail_);
    customer_ = accessToken(customerEmail_);
  }

  Env asShop() const { return {{"PRINTRELAY_TOKEN", shopkeeper_}}; }
  Env asCustomer() const { return {{"PRINTRELAY_TOKEN", customer_}}; }

  /// A new order of the customer, its document sealed and uploaded (1 page quoted); its id.
  std::string uploadedOrder(bool hold, const std::string& name = "report.pdf") {
    const auto created = request("POST", "/api/v1/orders", customer_,
                                 json{{"store_id", storeId_},
                                      {"document_name", name},
                                      {"content_type", "application/pdf"},
                                      {"pages", 1},
                                      {"hold", hold}}
                                     .dump());
    EXPECT_EQ(created.status, 201) << created.describe();
    const std::string id = created.asJson().value("id", "");
    const auto up =
        upload(customer_, id, seal(agent_, id, "%PDF-1.4 shop"), std::string(envelope::kMediaType));
    EXPECT_EQ(up.status, 200) << up.describe();
    return id;
  }

  /// The agent takes the one queued job; the offer.
  json leaseOne() {
    const json offers = pollNow(agent_);
    EXPECT_EQ(offers.size(), 1u) << offers.dump();
    return offers.empty() ? json::object() : offers[0];
  }

  void printed(const json& offer) {
    ASSERT_EQ(postEvent(agent_, offer["job_id"],
                        {{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "printed"}})
                  .status,
              200);
  }

  /// Orders in known states: held for pickup, queued, held for its page count, printed.
  struct KnownOrders {
    std::string held;
    std::string pickupCode;
    std::string pageHold;
    std::string printed;
    std::string queued;
  };
  KnownOrders knownOrders() {
    KnownOrders o;
    o.printed = uploadedOrder(false, "printed.pdf");
    printed(leaseOne());
    clock_.advance(60);
    o.pageHold = uploadedOrder(false, "long.pdf");
    const json offer = leaseOne();
    EXPECT_EQ(postEvent(agent_, offer["job_id"],
                        {{"seq", 1},
                         {"lease_id", offer["lease_id"]},
                         {"state", "counted"},
                         {"pages", 3},
                         {"content_type", "application/pdf"}})
                  .status,
              200);
    clock_.advance(60);
    o.held = uploadedOrder(true, "held.pdf");
    o.pickupCode = request("GET", "/api/v1/orders/" + o.held, customer_).asJson()["pickup_code"];
    clock_.advance(60);
    o.queued = uploadedOrder(false, "queued.pdf");
    return o;
  }

  std::string stateOf(const std::string& orderId) {
    return request("GET", "/api/v1/shop/orders/" + orderId, shopkeeper_)
        .asJson()
        .value("state", "");
  }

  std::string storeId_;
  EnrolledAgent agent_;
  std::string shopkeeperEmail_;
  std::string shopkeeperId_;
  std::string shopkeeper_;
  std::string customerEmail_;
  std::string customer_;
};

TEST_F(CliShopTest, TheQueueIsATableWithinEightyColumnsOfTheOpenOrders) {
  const auto o = knownOrders();
  const auto queue = cli({"shop", "queue"}, asShop());
  ASSERT_TRUE(queue.status.success()) << queue.describe();
  EXPECT_TRUE(queue.out.starts_with("Copy Corner: 3 open orders\n"
                                    "ID            TIME (UTC)   CUSTOMER          PAGES       "
                                    "PRICE  STATE\n"))
      << queue.out;
  EXPECT_LE(widestLine(queue.out), 80u) << queue.out;
  // Newest first: queued, held for pickup, held for its pages; the printed one is not open.
  const std::regex rows(
      o.queued.substr(0, 12) +
      R"(  \d\d-\d\d \d\d:\d\d  ada-\d+@example\.c…      1    EUR 0\.12  queued\n)" +
      o.held.substr(0, 12) + R"( .* held \(pickup\)\n)" + o.pageHold.substr(0, 12) +
      R"( .*     3 .* held \(pages\)\n$)");
  EXPECT_TRUE(std::regex_search(queue.out, rows)) << queue.out;
  EXPECT_EQ(queue.out.find(o.printed.substr(0, 12)), std::string::npos) << queue.out;

  const auto all = cli({"shop", "queue", "--state", "all"}, asShop());
  EXPECT_NE(all.out.find(o.printed.substr(0, 12)), std::string::npos) << all.describe();
  EXPECT_TRUE(all.out.starts_with("Copy Corner: 4 orders\n")) << all.out;
  const auto printedOnly = cli({"shop", "queue", "--state", "printed"}, asShop());
  EXPECT_TRUE(printedOnly.out.starts_with("Copy Corner: 1 order in printed\n")) << printedOnly.out;
  const auto none = cli({"shop", "queue", "--state", "expired"}, asShop());
  EXPECT_EQ(none.out, "no orders in expired at Copy Corner\n") << none.describe();

  // For scripts: the API's page, with each customer's address.
  const auto asJson = cli({"--json", "shop", "queue", "--store", storeId_}, asShop());
  ASSERT_TRUE(asJson.status.success()) << asJson.describe();
  const json page = jsonOut(asJson);
  ASSERT_EQ(page["orders"].size(), 3u) << asJson.out;
  EXPECT_EQ(page["orders"][0]["customer_email"], customerEmail_);

  const auto bogus = cli({"shop", "queue", "--state", "bogus"}, asShop());
  EXPECT_EQ(bogus.status.code, 2) << bogus.describe();
  EXPECT_NE(bogus.err.find("unknown state 'bogus'; give open, all, or some of: awaiting_upload"),
            std::string::npos)
      << bogus.err;
}

TEST_F(CliShopTest, ShowGivesTheCustomerTheHistoryAndTheNextStepWithinEightyColumns) {
  const auto o = knownOrders();
  const auto held = cli({"shop", "show", o.held.substr(0, 12)}, asShop());
  ASSERT_TRUE(held.status.success()) << held.describe();
  EXPECT_LE(widestLine(held.out), 80u) << held.out;
  EXPECT_NE(held.out.find("Order     " + o.held + "\n"), std::string::npos) << held.out;
  EXPECT_NE(held.out.find("Store     Copy Corner\n"), std::string::npos) << held.out;
  EXPECT_NE(held.out.find("State     held for pickup\n"), std::string::npos) << held.out;
  EXPECT_NE(held.out.find("Customer  Test customer <" + customerEmail_ + ">\n"), std::string::npos)
      << held.out;
  EXPECT_NE(held.out.find("Document  held.pdf (1 page)\n"), std::string::npos) << held.out;
  EXPECT_NE(held.out.find("Price     EUR 0.12, not paid yet: EUR 0.12 due\n"), std::string::npos)
      << held.out;
  EXPECT_NE(held.out.find("History\n"), std::string::npos) << held.out;
  EXPECT_NE(held.out.find("Next: ask the customer for the pickup code, then:\n"
                          "  printrelay shop release CODE\n"),
            std::string::npos)
      << held.out;
  // The code is the customer's to give at the counter.
  EXPECT_EQ(held.out.find(o.pickupCode), std::string::npos) << held.out;

  const auto pages = cli({"shop", "show", o.pageHold}, asShop());
  EXPECT_NE(pages.out.find("Next: it has more pages than quoted; print it anyway (or shop "
                           "cancel):\n  printrelay shop approve " +
                           o.pageHold),
            std::string::npos)
      << pages.out;
  EXPECT_LE(widestLine(pages.out), 80u) << pages.out;
  const auto asJson = cli({"--json", "shop", "show", o.held}, asShop());
  EXPECT_EQ(jsonOut(asJson)["customer_email"], customerEmail_) << asJson.describe();
}

TEST_F(CliShopTest, ACustomersOrderWithAPickupCodeReleasedAtTheCounterAsATranscript) {
  // The customer, at home: sends a document held for pickup and gets its code.
  const auto file = dir_->writeFile("thesis.pdf", pdfWithPages(2));
  std::string transcript = "$ printrelay send --store " + storeId_ + " --hold thesis.pdf\n";
  const auto sent = cli({"send", "--store", storeId_, "--hold", file.string()}, asCustomer());
  ASSERT_TRUE(sent.status.success()) << sent.describe();
  transcript += sent.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(sent.out, m, std::regex(R"(PICKUP CODE:  (\d{3} \d{3}))")))
      << sent.out;
  const std::string spoken = m[1];
  ASSERT_TRUE(std::regex_search(sent.out, m, std::regex(R"(order\s+(ord_[0-9a-f]+))")));
  const std::string orderId = m[1];

  // The shop: the order waits in the queue; the customer reads the code out at the counter.
  const auto step = [&](const std::vector<std::string>& words) {
    std::string line = "$ printrelay";
    for (const auto& w : words) {
      line += " " + (w.find(' ') != std::string::npos ? "\"" + w + "\"" : w);
    }
    const auto r = cli(words, asShop());
    transcript += line + "\n" + r.out + r.err;
    EXPECT_TRUE(r.status.success()) << r.describe();
    EXPECT_LE(widestLine(r.out), 80u) << r.out;
    return r;
  };
  const auto queue = step({"shop", "queue"});
  EXPECT_NE(queue.out.find(orderId.substr(0, 12)), std::string::npos) << queue.out;
  EXPECT_NE(queue.out.find("held (pickup)"), std::string::npos) << queue.out;
  const auto released = step({"shop", "release", spoken});
  EXPECT_NE(released.out.find("released: order " + orderId + "\ncustomer: Test customer <" +
                              customerEmail_ + ">\ndocument: thesis.pdf\nnow:      queued\n"),
            std::string::npos)
      << released.out;
  printed(leaseOne());
  const auto shown = step({"shop", "show", orderId.substr(0, 12)});
  EXPECT_NE(shown.out.find("State     printed\n"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("Next: collect the payment, then:\n  printrelay shop paid " + orderId),
            std::string::npos)
      << shown.out;
  const auto paid = step({"shop", "paid", orderId.substr(0, 12), "--method", "cash"});
  EXPECT_NE(paid.out.find("order " + orderId +
                          ": paid in cash; now printed\nprice: EUR 0.24, "
                          "paid (cash)\n"),
            std::string::npos)
      << paid.out;
  EXPECT_LE(widestLine(transcript), 80u) << transcript;
  std::cout << "---- transcript (80 columns) ----\n" << transcript << "---- end ----\n";
}

TEST_F(CliShopTest, AMalformedPickupCodeIsRefusedBeforeAnythingIsSent) {
  for (const std::string code : {"12345", "1234567", "abcdef", "12a456", "123_456", "-"}) {
    const auto r = cli({"shop", "release", code}, asShop());
    EXPECT_EQ(r.status.code, 2) << code << " " << r.describe();
    EXPECT_NE(r.err.find("is not a pickup code: it is six digits"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("[invalid_pickup_code]"), std::string::npos) << r.err;
  }
  // Not even a session is needed to be told.
  const auto noSession = cli({"shop", "release", "12345"});
  EXPECT_EQ(noSession.status.code, 2) << noSession.describe();
  EXPECT_NE(noSession.err.find("nothing was sent"), std::string::npos);
  const auto asJson = cli({"--json", "shop", "release", "999"}, asShop());
  EXPECT_EQ(jsonOut(asJson).is_discarded(), true);
  EXPECT_EQ(json::parse(asJson.err)["error"]["code"], "invalid_pickup_code") << asJson.err;

  // Well formed but no order waits with it: the cloud says so, and what to do.
  const auto o = knownOrders();
  const std::string wrong = o.pickupCode == "000000" ? "000001" : "000000";
  const auto r = cli({"shop", "release", wrong}, asShop());
  EXPECT_EQ(r.status.code, 1) << r.describe();
  EXPECT_NE(r.err.find("no order at Copy Corner waits with pickup code " + wrong.substr(0, 3) +
                       " " + wrong.substr(3) + "; check the code with the customer"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("[pickup_code_not_found]"), std::string::npos) << r.err;
  EXPECT_EQ(stateOf(o.held), "held");
  // The right code in the spacing people use.
  const std::string dashed = o.pickupCode.substr(0, 3) + "-" + o.pickupCode.substr(3);
  EXPECT_TRUE(cli({"shop", "release", dashed}, asShop()).status.success());
  EXPECT_EQ(stateOf(o.held), "queued");
}

TEST_F(CliShopTest, AnotherStoreAnotherShopsOrderAndBadIdsAreRefusedWithWhatToDo) {
  const auto o = knownOrders();
  const std::string otherStore = createStore("Elsewhere");
  enrollAgent(otherStore);
  const auto wrongStore = cli({"shop", "queue", "--store", otherStore}, asShop());
  EXPECT_EQ(wrongStore.status.code, 1) << wrongStore.describe();
  EXPECT_NE(wrongStore.err.find("you do not keep store " + otherStore + "; your stores:\n  " +
                                storeId_ + "  Copy Corner\ngive --store with one of yours"),
            std::string::npos)
      << wrongStore.err;
  EXPECT_NE(wrongStore.err.find("[forbidden]"), std::string::npos);

  // An order of another shop looks like none at all.
  const std::string theirs = request("POST", "/api/v1/orders", customer_,
                                     json{{"store_id", otherStore},
                                          {"document_name", "x.pdf"},
                                          {"content_type", "application/pdf"}}
                                         .dump())
                                 .asJson()["id"];
  for (const char* command : {"show", "cancel", "reprint", "approve"}) {
    const auto r = cli({"shop", command, theirs}, asShop());
    EXPECT_EQ(r.status.code, 1) << command << " " << r.describe();
    EXPECT_NE(r.err.find("no order " + theirs +
                         " in the stores you keep; check the id with "
                         "printrelay shop queue --state all"),
              std::string::npos)
        << r.err;
  }
  const auto unknownPrefix = cli({"shop", "show", "ord_ffffffff"}, asShop());
  EXPECT_EQ(unknownPrefix.status.code, 1) << unknownPrefix.describe();
  EXPECT_NE(unknownPrefix.err.find("no order of Copy Corner starts with ord_ffffffff"),
            std::string::npos);
  for (const std::string& bad :
       std::vector<std::string>{"../../etc/passwd", "ord_", "ORD_ABC", "ord_xyz", "12345",
                                "ord_" + std::string(40, 'a'), std::string("ord_a\x1b[2J")}) {
    const auto r = cli({"shop", "show", bad}, asShop());
    EXPECT_EQ(r.status.code, 2) << bad << " " << r.describe();
    EXPECT_NE(r.err.find("is not an order id"), std::string::npos) << r.err;
  }
  EXPECT_EQ(stateOf(o.queued), "queued");
}

TEST_F(CliShopTest, ACustomerAMultiStoreShopkeeperAndNoSessionAreToldWhatToUse) {
  const auto customer = cli({"shop", "queue"}, asCustomer());
  EXPECT_EQ(customer.status.code, 1) << customer.describe();
  EXPECT_NE(customer.err.find("you are signed in as the customer " + customerEmail_ +
                              ". Your own orders: printrelay orders"),
            std::string::npos)
      << customer.err;
  EXPECT_NE(customer.err.find("[not_a_shopkeeper]"), std::string::npos);

  const auto noSession = cli({"shop", "queue"});
  EXPECT_EQ(noSession.status.code, 2) << noSession.describe();
  EXPECT_NE(noSession.err.find("printrelay login --email ADDRESS"), std::string::npos);

  const std::string second = createStore("Second Shop");
  ASSERT_EQ(request("PUT", "/api/v1/admin/stores/" + second + "/shopkeepers/" + shopkeeperId_,
                    kAdminToken, "{}")
                .status,
            200);
  const auto several = cli({"shop", "queue"}, asShop());
  EXPECT_EQ(several.status.code, 2) << several.describe();
  EXPECT_NE(several.err.find("you keep 2 stores; say which with --store ID:\n"), std::string::npos)
      << several.err;
  EXPECT_NE(several.err.find("  " + second + "  Second Shop"), std::string::npos) << several.err;
  EXPECT_TRUE(cli({"shop", "queue", "--store", second}, asShop()).status.success());

  const auto unknown = cli({"shop", "frobnicate"}, asShop());
  EXPECT_EQ(unknown.status.code, 2);
  EXPECT_NE(unknown.err.find("unknown shop subcommand 'frobnicate' (queue, show, approve"),
            std::string::npos)
      << unknown.err;
  const auto bare = cli({"shop"}, asShop());
  EXPECT_EQ(bare.status.code, 2);
  EXPECT_NE(bare.err.find("shop needs a subcommand: queue, show"), std::string::npos) << bare.err;
}

TEST_F(CliShopTest, OrdersAsAShopkeeperPointsToTheShopQueue) {
  const auto orders = cli({"orders"}, asShop());
  EXPECT_EQ(orders.status.code, 1) << orders.describe();
  EXPECT_NE(orders.err.find("you are signed in as a shopkeeper, whose account has no orders of "
                            "its own; use printrelay shop queue"),
            std::string::npos)
      << orders.err;
  EXPECT_NE(orders.err.find("[forbidden]"), std::string::npos) << orders.err;
  // The customer's --state filter is the API's state filter.
  const std::string held = uploadedOrder(true);
  const auto mine = cli({"--json", "orders", "--state", "held"}, asCustomer());
  ASSERT_TRUE(mine.status.success()) << mine.describe();
  EXPECT_EQ(jsonOut(mine)["orders"][0]["id"], held);
}

TEST_F(CliShopTest, ApprovePaidCancelAndReprintMoveOrdersOn) {
  const auto o = knownOrders();
  const auto approved = cli({"shop", "approve", o.pageHold}, asShop());
  ASSERT_TRUE(approved.status.success()) << approved.describe();
  EXPECT_EQ(approved.out, "order " + o.pageHold + ": 3 pages approved; queued to print\n");
  EXPECT_EQ(stateOf(o.pageHold), "queued");
  const auto again = cli({"shop", "approve", o.pageHold}, asShop());
  EXPECT_EQ(again.status.code, 1) << again.describe();
  EXPECT_NE(again.err.find("(printrelay shop show " + o.pageHold + " shows where it stands)"),
            std::string::npos)
      << again.err;

  const auto noMethod = cli({"shop", "paid", o.printed}, asShop());
  EXPECT_EQ(noMethod.status.code, 2);
  EXPECT_NE(noMethod.err.find("--method cash or --method card"), std::string::npos);
  const auto paid = cli({"shop", "paid", o.printed, "--method", "card"}, asShop());
  ASSERT_TRUE(paid.status.success()) << paid.describe();
  EXPECT_NE(paid.out.find("paid by card"), std::string::npos) << paid.out;
  const auto twice = cli({"shop", "paid", o.printed, "--method", "card"}, asShop());
  EXPECT_EQ(twice.status.code, 1);
  EXPECT_NE(twice.err.find("[already_paid]"), std::string::npos) << twice.err;

  const auto cancelled = cli({"shop", "cancel", o.queued, "--reason", "paper jam"}, asShop());
  ASSERT_TRUE(cancelled.status.success()) << cancelled.describe();
  EXPECT_EQ(cancelled.out, "order " + o.queued + " cancelled\n");
  EXPECT_EQ(stateOf(o.queued), "cancelled");

  const auto reprint = cli({"shop", "reprint", o.printed, "--reason", "smudged"}, asShop());
  ASSERT_TRUE(reprint.status.success()) << reprint.describe();
  EXPECT_EQ(reprint.out, "order " + o.printed + " is queued to print again\n");
  EXPECT_EQ(stateOf(o.printed), "queued");
}

// `shop resolve` is written against POST /api/v1/shop/orders/{id}/resolve, which engineer `ack`
// adds with the outcome_unknown state. Its test against the cloud is to be added once that is
// merged; until then only what it refuses before calling the cloud is tested.
TEST_F(CliShopTest, ResolveNeedsExactlyOneOfPrintedOrNotPrinted) {
  const std::string id = "ord_" + std::string(32, 'a');
  for (const std::vector<std::string>& words :
       {std::vector<std::string>{"shop", "resolve", id},
        {"shop", "resolve", id, "--printed", "--not-printed"}}) {
    const auto r = cli(words, asShop());
    EXPECT_EQ(r.status.code, 2) << r.describe();
    EXPECT_NE(r.err.find("shop resolve needs --printed"), std::string::npos) << r.err;
  }
}

TEST_F(CliShopTest, PricesShowAsWordsAndChangeByKey) {
  const auto shown = cli({"shop", "prices"}, asShop());
  ASSERT_TRUE(shown.status.success()) << shown.describe();
  EXPECT_LE(widestLine(shown.out), 80u) << shown.out;
  EXPECT_NE(shown.out.find("  Tax                         19 %            tax\n"),
            std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("  Black and white side        EUR 0.10        bw_page\n"),
            std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("  Payment                     after printing  payment\n"),
            std::string::npos)
      << shown.out;

  const auto set = cli({"shop", "prices", "--set", "bw_page=0.12,tax=7.7", "--set",
                        "color_page.A3=1.20", "--set", "per_copy=0.05"},
                       asShop());
  ASSERT_TRUE(set.status.success()) << set.describe();
  EXPECT_TRUE(set.out.starts_with("prices of Copy Corner saved\n")) << set.out;
  const json stored =
      request("GET", "/api/v1/shop/stores/" + storeId_ + "/prices", shopkeeper_).asJson();
  EXPECT_EQ(stored["per_side_minor"]["monochrome"]["default"], 12);
  EXPECT_EQ(stored["per_side_minor"]["color"]["default"], 50);
  EXPECT_EQ(stored["per_side_minor"]["color"]["iso_a3_297x420mm"], 120);
  EXPECT_EQ(stored["tax_rate_bp"], 770);
  EXPECT_EQ(stored["per_copy_minor"], 5);

  for (const std::string bad : {"bw_page=0.123", "bw_page=-1", "bw_page=ten", "tax=101", "bogus=1",
                                "payment=later", "currency=eur", "bw_page", "=1"}) {
    const auto r = cli({"shop", "prices", "--set", bad}, asShop());
    EXPECT_EQ(r.status.code, 2) << bad << " " << r.describe();
  }
  EXPECT_EQ(request("GET", "/api/v1/shop/stores/" + storeId_ + "/prices", shopkeeper_).asJson(),
            stored);

  // A whole list from a file, in the API's shape.
  json list = stored;
  list["payment_policy"] = "pay_first";
  const auto file = dir_->writeFile("prices.json", list.dump());
  const auto from = cli({"shop", "prices", "--from", file.string()}, asShop());
  ASSERT_TRUE(from.status.success()) << from.describe();
  EXPECT_NE(from.out.find("before printing"), std::string::npos) << from.out;
}

TEST_F(CliShopTest, DefaultsAndSettingsShowAndSet) {
  const auto defaults =
      cli({"shop", "defaults", "--copies", "2", "--sides", "two-sided-long-edge"}, asShop());
  ASSERT_TRUE(defaults.status.success()) << defaults.describe();
  EXPECT_NE(defaults.out.find("Options   2 copies, two-sided (long edge)"), std::string::npos)
      << defaults.out;
  const auto kept = cli({"shop", "defaults", "--color-mode", "color"}, asShop());
  EXPECT_NE(kept.out.find("2 copies, two-sided (long edge), colour"), std::string::npos)
      << kept.describe();
  const auto cleared = cli({"shop", "defaults", "--clear"}, asShop());
  EXPECT_NE(cleared.out.find("Options   none"), std::string::npos) << cleared.describe();
  EXPECT_EQ(cli({"shop", "defaults", "--pages", "1-2"}, asShop()).status.code, 2);
  EXPECT_EQ(cli({"shop", "defaults", "--sides", "three"}, asShop()).status.code, 2);
  const auto printer = cli({"shop", "defaults", "--printer", "nowhere"}, asShop());
  EXPECT_EQ(printer.status.code, 1) << printer.describe();
  EXPECT_NE(printer.err.find("[unknown_printer]"), std::string::npos) << printer.err;

  const auto settings = cli({"shop", "settings"}, asShop());
  ASSERT_TRUE(settings.status.success()) << settings.describe();
  EXPECT_LE(widestLine(settings.out), 80u) << settings.out;
  const auto set = cli({"shop", "settings", "--release-window", "2d", "--hold-by-default", "yes",
                        "--retention", "0"},
                       asShop());
  ASSERT_TRUE(set.status.success()) << set.describe();
  EXPECT_NE(set.out.find("Hold orders for pickup by default yes"), std::string::npos) << set.out;
  EXPECT_NE(set.out.find("Wait for the customer's code      2 days"), std::string::npos) << set.out;
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--upload-window", "1m"},
                                              {"--release-window", "91d"},
                                              {"--retention", "-1"},
                                              {"--payment-window", "soon"},
                                              {"--hold-by-default", "maybe"}}) {
    std::vector<std::string> words{"shop", "settings"};
    words.insert(words.end(), bad.begin(), bad.end());
    const auto r = cli(words, asShop());
    EXPECT_EQ(r.status.code, 2) << bad[0] << " " << r.describe();
  }
  const auto tooShort = cli({"shop", "settings", "--upload-window", "1m"}, asShop());
  EXPECT_NE(tooShort.err.find("--upload-window must be a duration from 5 minutes to 30 days"),
            std::string::npos)
      << tooShort.err;
}

TEST_F(CliShopTest, AnEnrollmentCodeComesWithWhatToDoWithItAndWorks) {
  const auto made = cli({"shop", "enroll-code"}, asShop());
  ASSERT_TRUE(made.status.success()) << made.describe();
  EXPECT_TRUE(made.out.starts_with("Enrollment code for Copy Corner (once, until ")) << made.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(made.out, m,
                                std::regex(R"(printrelay-agent enroll --code ([A-Za-z0-9_-]+)\n)")))
      << made.out;
  const auto keys = hpke::KeyPair::generate();
  const auto enrolled = request("POST", "/api/v1/agent/enroll", "",
                                json{{"code", m[1].str()},
                                     {"public_key", base64Encode(keys.publicKey())},
                                     {"agent_name", "front-desk-pc"},
                                     {"agent_version", "0.1.0"}}
                                    .dump());
  EXPECT_EQ(enrolled.status, 201) << enrolled.describe();
}

TEST_F(CliShopTest, FollowRedrawsTheQueueAsOrdersChange) {
  const auto o = knownOrders();
  auto env = asShop();
  env.emplace("XDG_CONFIG_HOME", (dir_->path() / "xdg").string());
  printrelay::testing::Process follow(spec(cliArgv({"shop", "queue", "--follow"}), env));
  follow.waitForStdoutLine(std::regex("^" + o.held.substr(0, 12) + R"( .*held \(pickup\)$)"), 30s);
  ASSERT_EQ(request("POST", "/api/v1/shop/stores/" + storeId_ + "/release", shopkeeper_,
                    json{{"pickup_code", o.pickupCode}}.dump())
                .status,
            200);
  follow.waitForStdoutLine(std::regex("^" + o.held.substr(0, 12) + R"( .* queued$)"), 30s);
  const std::string late = uploadedOrder(false, "late.pdf");
  follow.waitForStdoutLine(std::regex("^" + late.substr(0, 12) + R"( .* queued$)"), 30s);
  EXPECT_TRUE(follow.running());
  follow.stop();
}

} // namespace
} // namespace printrelay::cloud::testing
