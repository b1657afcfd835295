#pragma once

// The fixture of the document tests (order_documents_test.cpp, order_options_test.cpp,
// page_count_test.cpp): a store with an enrolled agent and a customer, the printers the agent
// reports, and orders, uploads and counted events through the HTTP API.
#include "common/crypto/envelope.h"
#include "tests/cloud/cloud_fixture.h"
#include "tests/cloud/test_documents.h"
#include "tests/support/file_scan.h"
#include "tests/support/process.h"

namespace printrelay::cloud::testing {

/// What a printer report's "abilities" says (protocol::PrinterAbilities as JSON).
inline json abilities(json media, json sides, json colorModes,
                      json numberUp = json::array({1, 2, 4}), int copiesMax = 99) {
  return json{{"media_supported", std::move(media)},
              {"media_default", "iso_a4_210x297mm"},
              {"sides_supported", std::move(sides)},
              {"color_modes_supported", std::move(colorModes)},
              {"copies_min", 1},
              {"copies_max", copiesMax},
              {"page_ranges_supported", true},
              {"number_up_supported", std::move(numberUp)},
              {"orientations_supported", json::array({"portrait", "landscape"})},
              {"document_formats", json::array({"application/pdf", "text/plain"})}};
}

inline json printer(const std::string& name, const json& abilities = nullptr) {
  json p{{"name", name},
         {"state", "idle"},
         {"accepting", true},
         {"is_default", false},
         {"agent_printer", true},
         {"reasons", json::array()},
         {"problems", json::array()}};
  if (!abilities.is_null()) {
    p["abilities"] = abilities;
  }
  return p;
}

/// Front: A4 only, monochrome, one-sided. Back: A4 and A3, colour, duplex.
inline json twoPrinters() {
  return json::array(
      {printer("Front", abilities({"iso_a4_210x297mm"}, {"one-sided"}, {"monochrome"})),
       printer("Back", abilities({"iso_a4_210x297mm", "iso_a3_297x420mm"},
                                 {"one-sided", "two-sided-long-edge"}, {"monochrome", "color"}))});
}

class OrderDocumentsTest : public StoreFixture {
protected:
  /// The agent's printer report as the cloud stores it. (PUT /agent/printers keeps "abilities"
  /// once the printers track lands; written to the store directly here so these tests test only
  /// what they own.)
  void reportPrinters(const json& printers) {
    auto tx = server_->store().begin();
    tx->setStorePrinters(storeId_, printers.dump(), clock_.now());
    tx->commit();
  }

  HttpReply postOrder(const json& fields, const std::string& token = "") {
    json body{{"store_id", storeId_}, {"document_name", "doc"}, {"content_type", "text/plain"}};
    for (const auto& [key, value] : fields.items()) {
      body[key] = value;
    }
    return request("POST", "/api/v1/orders", token.empty() ? customer_ : token, body.dump());
  }

  std::string newOrder(const json& fields) {
    const auto reply = postOrder(fields);
    EXPECT_EQ(reply.status, 201) << reply.describe();
    return reply.asJson().value("id", "");
  }

  json order(const std::string& orderId) {
    const auto reply = request("GET", "/api/v1/orders/" + orderId, customer_);
    EXPECT_EQ(reply.status, 200) << reply.describe();
    return reply.asJson();
  }

  /// A refused upload left nothing: still awaiting_upload, no document, no file, no job.
  void expectNothingStored(const std::string& orderId) {
    const json o = order(orderId);
    EXPECT_EQ(o["state"], "awaiting_upload");
    EXPECT_TRUE(o["document"]["size"].is_null());
    EXPECT_EQ(o["history"].size(), 1u);
    EXPECT_TRUE(o["pages"]["cloud"].is_null());
    EXPECT_TRUE(documentFiles().empty()) << documentFiles().front();
    EXPECT_TRUE(pollNow(agent_).empty());
  }

  /// An order for a plaintext PDF of `pages` pages, uploaded and leased; returns the offer.
  json leasedPdfOrder(int pages, std::string* orderId, const json& fields = json::object()) {
    json create{{"content_type", "application/pdf"}};
    for (const auto& [key, value] : fields.items()) {
      create[key] = value;
    }
    *orderId = newOrder(create);
    const auto up = upload(customer_, *orderId, pdfWithPages(pages), "application/pdf");
    EXPECT_EQ(up.status, 200) << up.describe();
    const json jobs = pollNow(agent_);
    EXPECT_EQ(jobs.size(), 1u) << jobs.dump();
    return jobs.empty() ? json::object() : jobs[0];
  }

  HttpReply counted(const json& offer, int seq, int pages,
                    const std::string& contentType = "application/pdf") {
    return postEvent(agent_, offer["job_id"],
                     {{"seq", seq},
                      {"lease_id", offer["lease_id"]},
                      {"state", "counted"},
                      {"pages", pages},
                      {"content_type", contentType}});
  }

  std::string shopkeeperOf(const std::string& storeId) {
    const std::string email = freshEmail("shopkeeper");
    createUser(email, "shopkeeper", json::array({storeId}));
    return accessToken(email);
  }
};

} // namespace printrelay::cloud::testing
