#include "common/util/error.h"
#include "common/wire/protocol.h"
#include "tests/support/error_code.h"

#include <functional>
#include <gtest/gtest.h>
#include <string>

namespace printrelay::protocol {
namespace {

using nlohmann::json;

/// The code thrown while converting `j` to T, or "no error".
template <typename T> std::string codeFor(const json& j) {
  return test_support::errorCode([&] { (void)j.get<T>(); });
}

/// The message thrown while converting `j` to T, or "".
template <typename T> std::string messageFor(const json& j) {
  return test_support::errorMessage([&] { (void)j.get<T>(); });
}

json validOffer() {
  return json{{"job_id", "job_1"},
              {"order_id", "ord_1"},
              {"lease_id", "lease_1"},
              {"lease_expires_at", 1700000000},
              {"document_name", "thesis.pdf"},
              {"content_type", "application/pdf"},
              {"envelope_size", 123456},
              {"key_id", "01520b9fd72dc69a66a8124bb9126599"},
              {"options", {{"copies", 2}, {"sides", "two-sided-long-edge"}}}};
}

json validEvent() {
  return json{{"seq", 1}, {"lease_id", "lease_1"}, {"state", "printing"}};
}

// ---------------------------------------------------------------------------------------------
// PrintOptions

TEST(PrintOptions, DefaultsFromAnEmptyObject) {
  const auto o = json::object().get<PrintOptions>();
  EXPECT_EQ(o.copies, 1);
  EXPECT_EQ(o.media, "iso_a4_210x297mm");
  EXPECT_EQ(o.sides, "one-sided");
  EXPECT_EQ(o.colorMode, "monochrome");
}

TEST(PrintOptions, RoundTrip) {
  PrintOptions o;
  o.copies = 999;
  o.media = "na_letter_8.5x11in";
  o.sides = "two-sided-short-edge";
  o.colorMode = "color";
  const json j = o;
  EXPECT_EQ(j.at("print-color-mode"), "color");
  const auto back = j.get<PrintOptions>();
  EXPECT_EQ(back.copies, 999);
  EXPECT_EQ(back.media, o.media);
  EXPECT_EQ(back.sides, o.sides);
  EXPECT_EQ(back.colorMode, o.colorMode);
}

TEST(PrintOptions, CopiesMustBeASmallInteger) {
  for (const json& bad :
       {json(0), json(-1), json(1000), json(1.5), json(2.0), json("2"), json(true), json(1e30),
        json(UINT64_MAX), json(INT64_MIN), json::array({1}), json::object()}) {
    EXPECT_EQ(codeFor<PrintOptions>(json{{"copies", bad}}), "invalid_request") << bad.dump();
  }
  EXPECT_NE(messageFor<PrintOptions>(json{{"copies", 0}}).find("copies"), std::string::npos);
  EXPECT_EQ((json{{"copies", nullptr}}.get<PrintOptions>().copies), 1);
}

TEST(PrintOptions, UnknownOptionsAreRefused) {
  EXPECT_EQ(codeFor<PrintOptions>(json{{"staple", true}}), "unsupported_option");
  EXPECT_EQ(codeFor<PrintOptions>(json{{"Copies", 2}}), "unsupported_option");
  EXPECT_EQ(codeFor<PrintOptions>(json{{"", 2}}), "unsupported_option");
}

TEST(PrintOptions, StringsAreChecked) {
  EXPECT_EQ(codeFor<PrintOptions>(json{{"media", "a/../b"}}), "invalid_request");
  EXPECT_EQ(codeFor<PrintOptions>(json{{"media", "a b"}}), "invalid_request");
  EXPECT_EQ(codeFor<PrintOptions>(json{{"media", std::string(65, 'a')}}), "invalid_request");
  EXPECT_EQ(codeFor<PrintOptions>(json{{"media", std::string(64, 'a')}}), "no error");
  EXPECT_EQ(codeFor<PrintOptions>(json{{"media", 4}}), "invalid_request");
  EXPECT_EQ(codeFor<PrintOptions>(json{{"sides", "duplex"}}), "invalid_request");
  EXPECT_EQ(codeFor<PrintOptions>(json{{"print-color-mode", "COLOR"}}), "invalid_request");
  EXPECT_EQ(codeFor<PrintOptions>(json{{"print-color-mode", json::array()}}), "invalid_request");
}

TEST(PrintOptions, MustBeAnObject) {
  for (const json& bad : {json(nullptr), json(1), json("copies"), json::array(), json(true)}) {
    EXPECT_EQ(codeFor<PrintOptions>(bad), "invalid_request") << bad.dump();
  }
}

// ---------------------------------------------------------------------------------------------
// Enrollment

TEST(Enroll, RequestRoundTripAndRequiredFields) {
  EnrollRequest r{"ABCD-1234", "c29tZSBrZXk=", "shop-pc", "0.1.0"};
  const json j = r;
  const auto back = j.get<EnrollRequest>();
  EXPECT_EQ(back.code, r.code);
  EXPECT_EQ(back.publicKey, r.publicKey);
  EXPECT_EQ(back.agentName, r.agentName);
  EXPECT_EQ(back.agentVersion, r.agentVersion);
  for (const char* field : {"code", "public_key"}) {
    json missing = j;
    missing.erase(field);
    EXPECT_EQ(codeFor<EnrollRequest>(missing), "invalid_request") << field;
    EXPECT_NE(messageFor<EnrollRequest>(missing).find(field), std::string::npos);
    json wrongType = j;
    wrongType[field] = 42;
    EXPECT_EQ(codeFor<EnrollRequest>(wrongType), "invalid_request") << field;
  }
  json optional = j;
  optional.erase("agent_name");
  optional.erase("agent_version");
  EXPECT_EQ(codeFor<EnrollRequest>(optional), "no error");
  json longCode = j;
  longCode["code"] = std::string(65, 'x');
  EXPECT_EQ(codeFor<EnrollRequest>(longCode), "invalid_request");
  json longName = j;
  longName["agent_name"] = std::string(129, 'x');
  EXPECT_EQ(codeFor<EnrollRequest>(longName), "invalid_request");
}

TEST(Enroll, ResponseRoundTripAndRequiredFields) {
  EnrollResponse r{"agent_1", "store_1", "Corner Copy", "0152", "cred"};
  const json j = r;
  const auto back = j.get<EnrollResponse>();
  EXPECT_EQ(back.agentId, "agent_1");
  EXPECT_EQ(back.storeName, "Corner Copy");
  EXPECT_EQ(back.credential, "cred");
  for (const char* field : {"agent_id", "store_id", "key_id", "credential"}) {
    json missing = j;
    missing.erase(field);
    EXPECT_EQ(codeFor<EnrollResponse>(missing), "invalid_request") << field;
  }
  EXPECT_EQ(codeFor<EnrollResponse>(json::array()), "invalid_request");
}

// ---------------------------------------------------------------------------------------------
// Job offers

TEST(JobOffer, RoundTrip) {
  const auto o = validOffer().get<JobOffer>();
  EXPECT_EQ(o.jobId, "job_1");
  EXPECT_EQ(o.leaseExpiresAt, 1700000000);
  EXPECT_EQ(o.envelopeSize, 123456U);
  EXPECT_EQ(o.options.copies, 2);
  EXPECT_EQ(o.options.sides, "two-sided-long-edge");
  const json again = o;
  EXPECT_EQ(again, [] {
    json j = validOffer();
    j["options"] = j["options"].get<PrintOptions>();
    return j;
  }());
}

TEST(JobOffer, OptionsMayBeOmitted) {
  json j = validOffer();
  j.erase("options");
  EXPECT_EQ(j.get<JobOffer>().options.copies, 1);
}

TEST(JobOffer, EveryRequiredFieldIsRequired) {
  for (const char* field :
       {"job_id", "order_id", "lease_id", "lease_expires_at", "envelope_size", "key_id"}) {
    json j = validOffer();
    j.erase(field);
    EXPECT_EQ(codeFor<JobOffer>(j), "invalid_request") << field;
    j[field] = nullptr;
    EXPECT_EQ(codeFor<JobOffer>(j), "invalid_request") << field;
  }
}

TEST(JobOffer, HostileValues) {
  const std::pair<const char*, json> cases[] = {
      {"job_id", 5},
      {"job_id", json::array({"a"})},
      {"job_id", std::string(65, 'j')},
      {"order_id", json::object()},
      {"lease_expires_at", -1},
      {"lease_expires_at", 1.5},
      {"lease_expires_at", "1700000000"},
      {"lease_expires_at", UINT64_MAX},
      {"envelope_size", -1},
      {"envelope_size", UINT64_MAX},
      {"envelope_size", 1e300},
      {"envelope_size", true},
      {"document_name", std::string(256, 'd')},
      {"content_type", 7},
      {"options", "duplex"},
      {"options", json::array()},
      {"options", json{{"copies", 100000}}},
  };
  for (const auto& [field, value] : cases) {
    json j = validOffer();
    j[field] = value;
    EXPECT_EQ(codeFor<JobOffer>(j), "invalid_request") << field << " = " << value.dump();
  }
  json unknownOption = validOffer();
  unknownOption["options"]["finishing"] = "staple";
  EXPECT_EQ(codeFor<JobOffer>(unknownOption), "unsupported_option");
  json extra = validOffer();
  extra["future_field"] = {1, 2, 3};
  EXPECT_EQ(codeFor<JobOffer>(extra), "no error"); // unknown top-level fields are ignored
  json biggest = validOffer();
  biggest["envelope_size"] = INT64_MAX;
  EXPECT_EQ(biggest.get<JobOffer>().envelopeSize, static_cast<std::uint64_t>(INT64_MAX));
}

TEST(JobOffer, ParsedFromHostileText) {
  for (const char* text : {R"({"job_id": "j", "order_id": "o", "lease_id": "l",
                                "lease_expires_at": 184467440737095516150,
                                "envelope_size": 1, "key_id": "k"})",
                           R"({"job_id": "j\u0000x", "order_id": "o", "lease_id": "l",
                                "lease_expires_at": 1, "envelope_size": 1e400, "key_id": "k"})",
                           R"([{"job_id": "j"}])", R"("just a string")", "null", "-0"}) {
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) {
      continue; // not JSON: never reaches from_json
    }
    EXPECT_EQ(codeFor<JobOffer>(j), "invalid_request") << text;
  }
}

// ---------------------------------------------------------------------------------------------
// Job events

TEST(JobEvent, RoundTripWithAndWithoutOptionalFields) {
  const auto bare = validEvent().get<JobEvent>();
  EXPECT_EQ(bare.seq, 1U);
  EXPECT_FALSE(bare.spoolerJobId.has_value());
  const json bareAgain = bare;
  EXPECT_EQ(bareAgain, validEvent());

  JobEvent full;
  full.seq = 7;
  full.leaseId = "lease_1";
  full.state = "printed";
  full.spoolerJobId = 42;
  full.printer = "Office_Laser";
  full.message = "done";
  const json j = full;
  const auto back = j.get<JobEvent>();
  EXPECT_EQ(back.seq, 7U);
  EXPECT_EQ(back.spoolerJobId, 42);
  EXPECT_EQ(back.printer, "Office_Laser");
  EXPECT_EQ(back.message, "done");
}

TEST(JobEvent, OutcomeUnknownCarriesItsEvidence) {
  JobEvent e;
  e.seq = 3;
  e.leaseId = "lease_1";
  e.state = "outcome_unknown";
  e.spoolerJobId = 577;
  e.spoolerState = "processing";
  e.spoolerSeenAt = 1'700'000'000;
  e.bytesSent = 4096;
  const json j = e;
  EXPECT_EQ(j["spooler_state"], "processing");
  EXPECT_EQ(j["spooler_seen_at"], 1'700'000'000);
  EXPECT_EQ(j["bytes_sent"], 4096);
  const auto back = j.get<JobEvent>();
  EXPECT_EQ(back.spoolerState, "processing");
  EXPECT_EQ(back.spoolerSeenAt, 1'700'000'000);
  EXPECT_EQ(back.bytesSent, 4096u);
  // Without evidence the fields are left out, not sent empty.
  const json bare = validEvent();
  EXPECT_FALSE(bare.get<JobEvent>().bytesSent.has_value());
  EXPECT_FALSE(json(bare.get<JobEvent>()).contains("spooler_state"));
}

TEST(JobEvent, HostileValues) {
  const std::pair<const char*, json> cases[] = {
      {"seq", 0},
      {"seq", -1},
      {"seq", UINT64_MAX},
      {"seq", 1.0},
      {"seq", "1"},
      {"state", "exploded"},
      {"state", "PRINTED"},
      {"state", 3},
      {"lease_id", std::string(129, 'l')},
      {"spooler_job_id", 0},
      {"spooler_job_id", -4},
      {"spooler_job_id", 2147483648LL},
      {"spooler_job_id", "12"},
      {"printer", std::string(128, 'p')},
      {"message", std::string(1025, 'm')},
      {"message", json::object()},
      {"spooler_state", std::string(33, 's')},
      {"spooler_state", 5},
      {"spooler_seen_at", -1},
      {"spooler_seen_at", "now"},
      {"bytes_sent", -1},
      {"bytes_sent", 1.5},
  };
  for (const auto& [field, value] : cases) {
    json j = validEvent();
    j[field] = value;
    EXPECT_EQ(codeFor<JobEvent>(j), "invalid_request") << field << " = " << value.dump();
  }
  for (const char* field : {"seq", "lease_id", "state"}) {
    json j = validEvent();
    j.erase(field);
    EXPECT_EQ(codeFor<JobEvent>(j), "invalid_request") << field;
  }
  json nullSpooler = validEvent();
  nullSpooler["spooler_job_id"] = nullptr;
  EXPECT_FALSE(nullSpooler.get<JobEvent>().spoolerJobId.has_value());
  json maxSpooler = validEvent();
  maxSpooler["spooler_job_id"] = INT32_MAX;
  EXPECT_EQ(maxSpooler.get<JobEvent>().spoolerJobId, INT32_MAX);
  for (const char* state : {"printing", "printed", "failed", "released", "outcome_unknown"}) {
    json j = validEvent();
    j["state"] = state;
    EXPECT_EQ(codeFor<JobEvent>(j), "no error") << state;
  }
}

} // namespace
} // namespace printrelay::protocol
