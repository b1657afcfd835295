// The agent's control routes: GET /agent/me (also the paused agent's check-in), PUT
// /agent/printers and POST /agent/keys, with hostile input, and the Date header on answers.

#include "common/crypto/envelope.h"
#include "common/crypto/hpke.h"
#include "common/util/encoding.h"
#include "tests/cloud/cloud_fixture.h"

namespace printrelay::cloud::testing {
namespace {

class AgentControlApiTest : public StoreFixture {
protected:
  HttpReply put(const std::string& path, const json& body, const std::string& token) {
    return request("PUT", path, token, body.dump());
  }
};

json printer(const std::string& name) {
  return json{{"name", name},
              {"state", "idle"},
              {"accepting", true},
              {"is_default", true},
              {"agent_printer", true},
              {"reasons", json::array({"toner-low-warning"})},
              {"problems", json::array({"toner low"})},
              {"info", "Front desk"},
              {"location", "Ground floor"},
              {"make_and_model", "HP LaserJet"}};
}

TEST_F(AgentControlApiTest, MeNamesTheAgentAndItsStoreAndCountsAsContact) {
  clock_.advance(3600); // long after enrollment: the store is offline
  ASSERT_FALSE(request("GET", "/api/v1/stores/" + storeId_).asJson().value("online", true));
  const auto me = request("GET", "/api/v1/agent/me", agent_.credential);
  ASSERT_EQ(me.status, 200) << me.describe();
  EXPECT_EQ(me.asJson().value("agent_id", ""), agent_.agentId);
  EXPECT_EQ(me.asJson().value("store_id", ""), storeId_);
  EXPECT_EQ(me.asJson().value("key_id", ""), agent_.keyId);
  EXPECT_EQ(me.asJson().value("server_time", 0), clock_.now());
  EXPECT_TRUE(request("GET", "/api/v1/stores/" + storeId_).asJson().value("online", false));
}

TEST_F(AgentControlApiTest, MeRefusesOtherCredentials) {
  EXPECT_EQ(request("GET", "/api/v1/agent/me").status, 401);
  EXPECT_EQ(request("GET", "/api/v1/agent/me", "not-a-credential").status, 401);
  EXPECT_EQ(request("GET", "/api/v1/agent/me", kAdminToken).status, 403);
}

TEST_F(AgentControlApiTest, PrinterReportIsStoredWholeAndShownWithTheStore) {
  const auto first =
      put("/api/v1/agent/printers",
          json{{"printers", json::array({printer("Front"), printer("Back")})}}, agent_.credential);
  ASSERT_EQ(first.status, 200) << first.describe();
  auto store = request("GET", "/api/v1/stores/" + storeId_).asJson();
  ASSERT_EQ(store["printers"].size(), 2u) << store.dump();
  EXPECT_EQ(store["printers"][0], printer("Front"));
  EXPECT_EQ(store.value("printers_reported_at", 0), clock_.now());

  // A later report replaces the earlier one.
  ASSERT_EQ(put("/api/v1/agent/printers", json{{"printers", json::array({printer("Back")})}},
                agent_.credential)
                .status,
            200);
  store = request("GET", "/api/v1/stores/" + storeId_).asJson();
  ASSERT_EQ(store["printers"].size(), 1u);
  EXPECT_EQ(store["printers"][0].value("name", ""), "Back");
}

TEST_F(AgentControlApiTest, HostilePrinterReportsAreRefusedAndTheLastReportStays) {
  ASSERT_EQ(put("/api/v1/agent/printers", json{{"printers", json::array({printer("Front")})}},
                agent_.credential)
                .status,
            200);
  json tooMany = json::array();
  for (int i = 0; i < 65; ++i) {
    tooMany.push_back(printer("P" + std::to_string(i)));
  }
  json evil = printer("Front");
  evil["state"] = "on fire";
  json script = printer("Front");
  script["extra"] = "<script>";
  json control = printer("Front");
  control["name"] = std::string("Fr\x01ont");
  json reasons = printer("Front");
  reasons["reasons"] = json::array({1, 2});
  json flag = printer("Front");
  flag["accepting"] = "yes";
  json longName = printer("Front");
  longName["name"] = std::string(500, 'x');
  const std::vector<std::string> bodies = {
      "",
      "not json",
      "[]",
      R"({"printers": {}})",
      json{{"printers", tooMany}}.dump(),
      json{{"printers", json::array({evil})}}.dump(),
      json{{"printers", json::array({control})}}.dump(),
      json{{"printers", json::array({reasons})}}.dump(),
      json{{"printers", json::array({flag})}}.dump(),
      json{{"printers", json::array({longName})}}.dump(),
      json{{"printers", json::array({42})}}.dump(),
      json{{"printers", json::array()}, {"store_id", "st_other"}}.dump(),
  };
  for (const auto& body : bodies) {
    const auto reply = request("PUT", "/api/v1/agent/printers", agent_.credential, body);
    EXPECT_EQ(reply.status, 400) << body.substr(0, 100) << " → " << reply.describe();
    EXPECT_FALSE(reply.errorCode().empty()) << reply.describe();
  }
  // A field the schema does not know inside a printer is dropped, never stored.
  const auto scriptReply =
      put("/api/v1/agent/printers", json{{"printers", json::array({script})}}, agent_.credential);
  EXPECT_EQ(scriptReply.status, 200) << scriptReply.describe();
  const auto store = request("GET", "/api/v1/stores/" + storeId_).asJson();
  ASSERT_EQ(store["printers"].size(), 1u);
  EXPECT_FALSE(store["printers"][0].contains("extra"));
  EXPECT_EQ(request("PUT", "/api/v1/agent/printers", kAdminToken, R"({"printers":[]})").status,
            403);
}

json abilities() {
  return json{{"media_supported", json::array({"iso_a4_210x297mm", "na_letter_8.5x11in"})},
              {"media_default", "iso_a4_210x297mm"},
              {"sides_supported", json::array({"one-sided"})},
              {"color_modes_supported", json::array({"monochrome", "color"})},
              {"copies_min", 1},
              {"copies_max", 9999},
              {"page_ranges_supported", true},
              {"number_up_supported", json::array({1, 2, 4})},
              {"orientations_supported", json::array({"portrait", "landscape"})},
              {"document_formats", json::array({"application/pdf", "text/plain"})}};
}

TEST_F(AgentControlApiTest, PrinterAbilitiesAreStoredAsParsedAndShownWithTheStore) {
  json withAbilities = printer("Front");
  withAbilities["abilities"] = abilities();
  json partial = printer("Back");
  partial["abilities"] = json{{"sides_supported", json::array({"one-sided"})}, {"junk", 1}};
  const auto reply =
      put("/api/v1/agent/printers", json{{"printers", json::array({withAbilities, partial})}},
          agent_.credential);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  const auto store = request("GET", "/api/v1/stores/" + storeId_).asJson();
  EXPECT_EQ(store["printers"][0]["abilities"], abilities()) << store.dump();
  // Re-serialized: defaults filled in, unknown keys gone.
  const json& back = store["printers"][1]["abilities"];
  EXPECT_FALSE(back.contains("junk"));
  EXPECT_EQ(back["copies_max"], 999);
  EXPECT_EQ(back["media_supported"], json::array());
}

TEST_F(AgentControlApiTest, HostileAbilitiesAreRefusedNamingTheField) {
  const auto refused = [&](const std::string& field, const json& value) {
    json p = printer("Front");
    p["abilities"] = abilities();
    if (field.empty()) {
      p["abilities"] = value;
    } else {
      p["abilities"][field] = value;
    }
    const auto reply =
        put("/api/v1/agent/printers", json{{"printers", json::array({p})}}, agent_.credential);
    EXPECT_EQ(reply.status, 400) << field << " → " << reply.describe();
    EXPECT_EQ(reply.errorCode(), "invalid_request") << field;
    EXPECT_NE(reply.body.find("printers[0].abilities"), std::string::npos) << reply.body;
  };
  refused("", "everything");
  refused("", json::array());
  refused("media_supported", "iso_a4_210x297mm");
  refused("media_supported", json::array({1}));
  refused("media_supported", json::array({""}));
  refused("media_supported", json::array({std::string(200, 'x')}));
  refused("copies_min", 0);
  refused("copies_max", 2000000);
  refused("copies_max", "many");
  refused("page_ranges_supported", "yes");
  refused("number_up_supported", json::array({0}));
  refused("number_up_supported", json::array({"2"}));
  json tooMany = json::array();
  for (int i = 0; i < 300; ++i) {
    tooMany.push_back("m" + std::to_string(i));
  }
  refused("media_supported", tooMany);
  json low = abilities();
  low["copies_min"] = 10;
  low["copies_max"] = 5;
  refused("", low);
}

TEST_F(AgentControlApiTest, AReportOfManyPrintersWithAbilitiesFits) {
  json printers = json::array();
  json media = json::array();
  for (int i = 0; i < 40; ++i) {
    media.push_back("custom_paper-" + std::to_string(i) + "_100x" + std::to_string(100 + i) + "mm");
  }
  for (int i = 0; i < 64; ++i) {
    json p = printer("P" + std::to_string(i));
    p["abilities"] = abilities();
    p["abilities"]["media_supported"] = media;
    printers.push_back(p);
  }
  const std::string body = json{{"printers", printers}}.dump();
  ASSERT_GT(body.size(), 64u * 1024);
  const auto reply = request("PUT", "/api/v1/agent/printers", agent_.credential, body);
  EXPECT_EQ(reply.status, 200) << reply.describe();
}

TEST_F(AgentControlApiTest, KeyRotationSealsNewUploadsToTheNewKey) {
  const auto next = hpke::KeyPair::generate();
  const std::string publicKey = base64Encode(next.publicKey());
  const std::string keyId = envelope::keyIdFor(next.publicKey());
  const auto reply = request("POST", "/api/v1/agent/keys", agent_.credential,
                             json{{"public_key", publicKey}, {"key_id", keyId}}.dump());
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson().value("previous_key_id", ""), agent_.keyId);
  const auto store = request("GET", "/api/v1/stores/" + storeId_).asJson();
  EXPECT_EQ(store.value("key_id", ""), keyId);
  EXPECT_EQ(store.value("public_key", ""), publicKey);
}

TEST_F(AgentControlApiTest, KeyRotationRefusesBadKeys) {
  const auto next = hpke::KeyPair::generate();
  const std::string publicKey = base64Encode(next.publicKey());
  const std::vector<std::pair<json, std::string>> cases = {
      {json{{"public_key", publicKey}, {"key_id", "wrong"}}, "key_id_mismatch"},
      {json{{"public_key", "AAAA"}, {"key_id", "x"}}, "invalid_public_key"},
      {json{{"public_key", "!!not base64!!"}, {"key_id", "x"}}, "invalid_public_key"},
      {json{{"key_id", "x"}}, "invalid_request"},
      {json{{"public_key", publicKey},
            {"key_id", envelope::keyIdFor(next.publicKey())},
            {"store_id", "st_other"}},
       "invalid_request"},
  };
  for (const auto& [body, code] : cases) {
    const auto reply = request("POST", "/api/v1/agent/keys", agent_.credential, body.dump());
    EXPECT_EQ(reply.status, 400) << body.dump();
    EXPECT_EQ(reply.errorCode(), code) << reply.describe();
  }
  EXPECT_EQ(request("GET", "/api/v1/stores/" + storeId_).asJson().value("key_id", ""), agent_.keyId)
      << "a refused rotation changes nothing";
}

TEST_F(AgentControlApiTest, EveryAnswerCarriesTheServersDate) {
  for (const std::string path : {"/api/v1/health", "/api/v1/no-such-route", "/api/v1/agent/me"}) {
    const auto reply = request("GET", path);
    bool found = false;
    for (const auto& [name, value] : reply.headers) {
      if (name == "Date") {
        found = true;
        // The fixture's clock starts at 1'800'000'000: Fri, 15 Jan 2027 08:00:00 GMT.
        EXPECT_EQ(value, "Fri, 15 Jan 2027 08:00:00 GMT") << path;
      }
    }
    EXPECT_TRUE(found) << path << " has no Date header";
  }
}

} // namespace
} // namespace printrelay::cloud::testing
