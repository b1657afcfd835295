// The customer's order mails: each kind is queued by the order service at its transition (and
// only there: no mail for states that need none, none twice for one state), then delivered
// through a real SMTP server (Debian's python3-aiosmtpd) and taken apart as a mail client would:
// multipart/alternative with a UTF-8 plain-text and HTML part, names from users escaped in the
// HTML, the shop's name and address, the order's short id, amounts in the shop's currency.
#include "cloud/mail/mailer.h"
#include "cloud/mail/order_mail.h"
#include "cloud/orders/lifecycle.h"
#include "cloud/orders/order_service.h"
#include "cloud/orders/payments.h"
#include "cloud/storage/store_factory.h"
#include "common/util/error.h"
#include "tests/support/smtp_server.h"

#include <cctype>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>

namespace printrelay::cloud::testing {
namespace {

using printrelay::testing::SmtpServer;
using namespace std::chrono_literals;

constexpr std::int64_t kNow = 1'000'000;
const std::string kHostileDocument = "<script>alert(1)</script> & \"notes\".pdf";
const std::string kHostileShop = "Bob's <b>Prints</b> & \"Copies\"";
const std::string kAddress = "1 Main Street <Unit 2>";

// ---- A small MIME reader, as a mail client reads the message -------------------------------

struct MimePart {
  std::map<std::string, std::string> headers; ///< lower-cased names
  std::string body;                           ///< transfer-decoded
};

std::string lower(std::string s) {
  for (auto& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

std::string decodeQuotedPrintable(const std::string& in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '=' && i + 1 < in.size() && in[i + 1] == '\n') {
      i += 1;
    } else if (in[i] == '=' && i + 2 < in.size()) {
      out += static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

/// Headers (unfolded) and the decoded body of an entity in LF-only text.
MimePart parseEntity(const std::string& text) {
  MimePart part;
  const auto split = text.find("\n\n");
  const std::string head = text.substr(0, split);
  part.body = split == std::string::npos ? "" : text.substr(split + 2);
  std::string name;
  std::size_t start = 0;
  while (start < head.size()) {
    auto end = head.find('\n', start);
    end = end == std::string::npos ? head.size() : end;
    const std::string line = head.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !name.empty()) {
      part.headers[name] += " " + line.substr(line.find_first_not_of(" \t"));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) {
      continue;
    }
    name = lower(line.substr(0, colon));
    const auto value = line.find_first_not_of(' ', colon + 1);
    part.headers[name] = value == std::string::npos ? "" : line.substr(value);
  }
  if (lower(part.headers["content-transfer-encoding"]) == "quoted-printable") {
    part.body = decodeQuotedPrintable(part.body);
  }
  return part;
}

/// The message's own headers and its parts (in order), for a multipart message.
std::pair<MimePart, std::vector<MimePart>> parseMultipart(const std::string& message) {
  std::string lf;
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (!(message[i] == '\r' && i + 1 < message.size() && message[i + 1] == '\n')) {
      lf += message[i];
    }
  }
  MimePart top = parseEntity(lf);
  std::vector<MimePart> parts;
  const std::string type = top.headers["content-type"];
  const auto b = type.find("boundary=");
  if (b == std::string::npos) {
    return {top, parts};
  }
  std::string boundary = type.substr(b + 9);
  boundary = boundary.substr(0, boundary.find(';'));
  if (!boundary.empty() && boundary.front() == '"') {
    boundary = boundary.substr(1, boundary.find('"', 1) - 1);
  }
  const std::string delimiter = "--" + boundary;
  std::size_t at = top.body.find(delimiter);
  while (at != std::string::npos) {
    const std::size_t begin = at + delimiter.size();
    if (top.body.compare(begin, 2, "--") == 0) {
      break; // the closing delimiter
    }
    const std::size_t next = top.body.find("\n" + delimiter, begin);
    if (next == std::string::npos) {
      break;
    }
    parts.push_back(parseEntity(top.body.substr(begin + 1, next - begin - 1)));
    at = next + 1;
  }
  return {top, parts};
}

// ---- The fixture: an in-memory store, the order service, a real SMTP server -----------------

class OrderMailsTest : public ::testing::Test {
protected:
  void SetUp() override {
    store_ = openStore("sqlite::memory:");
    auto tx = store_->begin();
    StoreRecord shop;
    shop.id = "st_1";
    shop.name = kHostileShop;
    shop.address = kAddress;
    shop.keyId = "k1";
    tx->insertStore(shop);
    UserRecord customer;
    customer.id = "cu_1";
    customer.email = "cu@example.com";
    customer.role = "customer";
    customer.passwordHash = "x";
    tx->insertUser(customer);
    tx->commit();
  }

  /// EUR with 19 % tax: one page costs 0.10 + 0.02 tax, in colour or not.
  void setPrices(const std::string& policy) {
    const nlohmann::json prices{
        {"currency", "EUR"},
        {"tax_rate_bp", 1900},
        {"per_side_minor", {{"monochrome", {{"default", 10}}}, {"color", {{"default", 10}}}}},
        {"duplex_per_sheet_minor", 0},
        {"per_copy_minor", 0},
        {"minimum_order_minor", 0}};
    auto tx = store_->begin();
    tx->putStorePrices({"st_1", prices.dump(), policy, kNow});
    tx->commit();
  }

  OrderServiceHooks hooks() {
    OrderServiceHooks h;
    h.mailQueued = [this] { ++wakes_; };
    h.onlinePayment = true;
    return h;
  }

  /// Runs `step` in one transaction through the order service and commits it.
  void change(const std::function<void(StoreTransaction&, OrderService&)>& step) {
    auto tx = store_->begin();
    OrderService orders(*tx, hooks(), kNow + (++tick_));
    step(*tx, orders);
    orders.commit();
  }

  /// A new order with its document stored (priced on one page when the store has prices).
  OrderRecord newOrder(bool hold) {
    OrderRecord order;
    const std::string n = std::to_string(++count_);
    order.id = "ord_" + std::string(32 - n.size(), '0') + n;
    change([&](StoreTransaction& tx, OrderService& orders) {
      order.storeId = "st_1";
      order.customerId = "cu_1";
      order.optionsJson = "{}";
      order.documentName = kHostileDocument;
      order.contentType = "application/pdf";
      order.createdAt = order.updatedAt = kNow;
      orders.create(order, "order created");
      recordHoldChoice(tx, order, hold);
      if (tx.findStorePrices("st_1")) {
        fixQuote(tx, order, 1, "client");
      }
      orders.documentArrived(order, "document stored");
    });
    return order;
  }

  void pay(OrderRecord& order) {
    change([&](StoreTransaction& tx, OrderService& orders) {
      auto charge = tx.findOrderCharge(order.id);
      ASSERT_TRUE(charge);
      recordPayment(tx, *charge, "card", "", kNow);
      orders.paid(order, "paid at the counter");
    });
  }

  void print(OrderRecord& order, OrderState outcome, const std::string& why = "") {
    change([&](StoreTransaction&, OrderService& orders) { orders.dispatch(order, "ag_1"); });
    change([&](StoreTransaction&, OrderService& orders) {
      orders.agentReport(order, OrderState::Printing, "agent: printing", "");
    });
    change([&](StoreTransaction&, OrderService& orders) {
      orders.agentReport(order, outcome, why.empty() ? "agent: printed" : "agent: " + why, why);
    });
  }

  std::vector<MailRecord> outbox() { return store_->begin()->listMails(); }

  std::unique_ptr<Store> store_;
  int wakes_ = 0;
  int count_ = 0;
  int tick_ = 0;
};

/// A mail a scenario queues: how its subject starts and what both parts must say.
struct Expected {
  std::string subjectStart;
  std::vector<std::string> says;
};

TEST_F(OrderMailsTest, EveryMomentIsMailedAtItsTransitionAndArrivesAsTwoPartsOverSmtp) {
  if (!SmtpServer::available()) {
    GTEST_SKIP() << "python3-aiosmtpd is not installed (scripts/test-deps.sh installs it)";
  }
  std::vector<Expected> expected;

  // held (no prices): the pickup code and how long the order waits
  OrderRecord held = newOrder(true);
  const std::string code = orderLifecycle(*store_->begin(), held).pickupCode;
  ASSERT_TRUE(isPickupCode(code));
  expected.push_back(
      {"Your print at " + kHostileShop + " is waiting for you", {code, "Pickup code", "7 days"}});
  // cancelled by the shop, with its reason
  change([&](StoreTransaction&, OrderService& orders) {
    orders.cancel(held, "cancelled by the shop (usr_9): out of toner", Canceller::Shop);
  });
  expected.push_back({"Your order at " + kHostileShop + " was cancelled", {"out of toner"}});
  // cancelled by the customer: no mail
  OrderRecord mine = newOrder(false);
  change([&](StoreTransaction&, OrderService& orders) {
    orders.cancel(mine, "cancelled by the customer", Canceller::Customer);
  });

  // printed, print then pay: ready for collection, what is due
  setPrices("print_then_pay");
  OrderRecord printed = newOrder(false);
  print(printed, OrderState::Printed);
  expected.push_back(
      {"Your print is ready for collection at", {"To pay at the counter: EUR 0.12"}});
  // refunded on its own (at the payment provider) once paid
  change([&](StoreTransaction& tx, OrderService&) {
    auto charge = tx.findOrderCharge(printed.id);
    ASSERT_TRUE(charge);
    recordPayment(tx, *charge, "online", "pi_1", kNow);
  });
  change([&](StoreTransaction&, OrderService& orders) {
    EXPECT_TRUE(orders.refund(printed, "refunded at the payment provider"));
  });
  expected.push_back({"Your payment to " + kHostileShop + " was refunded", {"EUR 0.12"}});

  // failed, unpaid: why, and nothing charged
  OrderRecord failed = newOrder(false);
  print(failed, OrderState::Failed, "paper jam in tray 2");
  expected.push_back({"Your print at " + kHostileShop + " could not be printed",
                      {"paper jam in tray 2", "You have not been charged"}});

  // pay first: the amount due and how to pay; paid and held: the code; failed: refunded
  setPrices("pay_first");
  OrderRecord payFirst = newOrder(true);
  EXPECT_EQ(payFirst.state, OrderState::AwaitingPayment);
  expected.push_back({"Payment needed for your print at " + kHostileShop + ": EUR 0.12",
                      {"Amount due", "EUR 0.12", "printrelay pay " + payFirst.id, "1 day"}});
  pay(payFirst);
  expected.push_back({"Your print at " + kHostileShop + " is waiting for you", {"Paid: EUR 0.12"}});
  change([&](StoreTransaction& tx, OrderService& orders) {
    payFirst =
        orders.releaseByPickupCode("st_1", orderLifecycle(tx, payFirst).pickupCode, "shopkeeper");
  });
  print(payFirst, OrderState::Failed, "printer offline");
  expected.push_back({"Your print at " + kHostileShop + " could not be printed",
                      {"printer offline", "Your payment of EUR 0.12 is refunded"}});

  // expired while awaiting payment: not charged
  OrderRecord unpaid = newOrder(false);
  expected.push_back({"Payment needed for your print at", {}});
  change([&](StoreTransaction&, OrderService& orders) { orders.expire(unpaid, "not paid"); });
  expected.push_back({"Your order at " + kHostileShop + " expired", {"You have not been charged"}});

  // Queued in the outbox in this order, one per moment.
  const auto mails = outbox();
  ASSERT_EQ(mails.size(), expected.size());
  for (std::size_t i = 0; i < mails.size(); ++i) {
    EXPECT_EQ(mails[i].subject.rfind(expected[i].subjectStart, 0), 0u)
        << i << ": " << mails[i].subject;
    EXPECT_EQ(mails[i].recipient, "cu@example.com");
    EXPECT_FALSE(mails[i].html.empty());
  }
  EXPECT_GT(wakes_, 0);

  // Delivered through the real SMTP server, as the background worker sends them.
  SmtpServer::Options options;
  options.port = SmtpServer::freePort();
  SmtpServer smtp(options);
  SmtpSettings settings;
  settings.host = "127.0.0.1";
  settings.port = smtp.port();
  settings.starttls = "never";
  settings.timeout = 10s;
  auto mailer = makeSmtpMailer(settings);
  for (const auto& mail : mails) {
    mailer->send(
        {"PrintRelay <noreply@print.example>", mail.recipient, mail.subject, mail.body, mail.html});
  }
  const auto received = smtp.waitForMessages(mails.size(), 20s);
  ASSERT_EQ(received.size(), mails.size());
  for (std::size_t i = 0; i < received.size(); ++i) {
    SCOPED_TRACE("mail " + std::to_string(i) + ": " + mails[i].subject);
    const auto [top, parts] = parseMultipart(received[i]);
    ASSERT_TRUE(top.headers.count("mime-version")) << received[i];
    EXPECT_EQ(top.headers.at("mime-version"), "1.0");
    EXPECT_EQ(lower(top.headers.at("content-type")).rfind("multipart/alternative;", 0), 0u)
        << top.headers.at("content-type");
    ASSERT_EQ(parts.size(), 2u) << received[i];
    const MimePart& text = parts[0];
    const MimePart& html = parts[1];
    EXPECT_EQ(lower(text.headers.at("content-type")), "text/plain; charset=utf-8");
    EXPECT_EQ(lower(html.headers.at("content-type")), "text/html; charset=utf-8");
    // The same facts in both parts: the shop, its address, the short id, the document.
    EXPECT_NE(text.body.find(kHostileShop), std::string::npos) << text.body;
    EXPECT_NE(text.body.find(kAddress), std::string::npos);
    EXPECT_NE(text.body.find(kHostileDocument), std::string::npos);
    EXPECT_NE(text.body.find("Order:     ord_0000"), std::string::npos) << text.body;
    EXPECT_NE(html.body.find(htmlEscaped(kHostileShop)), std::string::npos) << html.body;
    EXPECT_NE(html.body.find(htmlEscaped(kAddress)), std::string::npos);
    EXPECT_NE(html.body.find("ord_0000"), std::string::npos);
    // Escaped: the hostile names never become markup.
    EXPECT_NE(html.body.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;notes&quot;.pdf"),
              std::string::npos)
        << html.body;
    EXPECT_EQ(html.body.find("<script"), std::string::npos);
    EXPECT_EQ(html.body.find("<b>Prints"), std::string::npos);
    EXPECT_NE(html.body.find("Bob&#39;s &lt;b&gt;Prints&lt;/b&gt; &amp; &quot;Copies&quot;"),
              std::string::npos);
    for (const auto& phrase : expected[i].says) {
      EXPECT_NE(text.body.find(phrase), std::string::npos) << phrase << "\n" << text.body;
      EXPECT_NE(html.body.find(htmlEscaped(phrase)), std::string::npos) << phrase << "\n"
                                                                        << html.body;
    }
  }
}

TEST_F(OrderMailsTest, StatesThatNeedNoMailQueueNone) {
  OrderRecord order = newOrder(false); // queued
  change([&](StoreTransaction&, OrderService& orders) { orders.dispatch(order, "ag_1"); });
  change([&](StoreTransaction&, OrderService& orders) {
    orders.agentReport(order, OrderState::Printing, "agent: printing", "");
  });
  // A page count above the quote holds the order for the shop: the customer has nothing to do.
  change([&](StoreTransaction&, OrderService& orders) {
    orders.pagesCounted(order, false, "agent counted 9 pages");
  });
  EXPECT_EQ(store_->begin()->findOrder(order.id)->state, OrderState::Held);
  // An offer that never reached its agent goes back to the queue.
  OrderRecord other = newOrder(false);
  change([&](StoreTransaction&, OrderService& orders) { orders.dispatch(other, "ag_1"); });
  change([&](StoreTransaction& tx, OrderService& orders) {
    const auto job = tx.findJobByOrder(other.id);
    ASSERT_TRUE(job);
    EXPECT_TRUE(orders.handBackLease(job->id, job->leaseId));
  });
  EXPECT_TRUE(outbox().empty());
  EXPECT_EQ(wakes_, 0);
}

TEST_F(OrderMailsTest, ARepeatedReportMailsOnce) {
  OrderRecord order = newOrder(false);
  print(order, OrderState::Printed);
  ASSERT_EQ(outbox().size(), 1u);
  // The agent reports printed again: refused as a transition, and nothing more is queued.
  EXPECT_THROW(change([&](StoreTransaction&, OrderService& orders) {
                 orders.agentReport(order, OrderState::Printed, "agent: printed", "");
               }),
               Error);
  EXPECT_EQ(outbox().size(), 1u);
  // Two moves of one order in one transaction mail only the state it ends in.
  OrderRecord twice = newOrder(true);
  const std::size_t before = outbox().size();
  change([&](StoreTransaction& tx, OrderService& orders) {
    twice = orders.releaseByPickupCode("st_1", orderLifecycle(tx, twice).pickupCode, "shop");
    orders.dispatch(twice, "ag_1");
  });
  EXPECT_EQ(outbox().size(), before);
}

TEST(OrderMailBuilders, EveryKindHasBothPartsWithTheShopAndTheOrder) {
  OrderMailFacts facts;
  facts.orderId = "ord_0123456789abcdef0123456789abcdef";
  facts.documentName = "thesis.pdf";
  facts.shopName = "Copy Corner";
  facts.shopAddress = "1 Test Street";
  facts.pickupCode = "123456";
  facts.amount = "EUR 1.20";
  facts.waitSeconds = 86400;
  for (auto kind : {OrderMailKind::Held, OrderMailKind::AwaitingPayment, OrderMailKind::Printed,
                    OrderMailKind::Failed, OrderMailKind::Expired, OrderMailKind::Refunded,
                    OrderMailKind::Cancelled}) {
    const MailContent mail = orderMail(kind, facts);
    SCOPED_TRACE(mail.subject);
    EXPECT_FALSE(mail.subject.empty());
    for (const std::string* part : {&mail.text, &mail.html}) {
      EXPECT_NE(part->find("Copy Corner"), std::string::npos);
      EXPECT_NE(part->find("1 Test Street"), std::string::npos);
      EXPECT_NE(part->find("ord_01234567"), std::string::npos);
      EXPECT_NE(part->find("thesis.pdf"), std::string::npos);
    }
    EXPECT_EQ(mail.html.rfind("<!DOCTYPE html>", 0), 0u);
  }
  EXPECT_EQ(shortOrderId("ord_0123456789abcdef"), "ord_01234567");
  EXPECT_EQ(shortOrderId("ab"), "ab");
  EXPECT_EQ(htmlEscaped("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

} // namespace
} // namespace printrelay::cloud::testing
