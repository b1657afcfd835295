// GET /api/v1/stores?near=LAT,LON: nearest first with the distance, each store with its online
// state, its printers as the agent reported them and its prices; hostile parameters refused.
#include "tests/cloud/cloud_fixture.h"

namespace printrelay::cloud::testing {
namespace {

class StoreFinderTest : public CloudFixture {
protected:
  json find(const std::string& query) {
    const auto reply = request("GET", "/api/v1/stores" + query);
    EXPECT_EQ(reply.status, 200) << query << ": " << reply.describe();
    return reply.asJson().value("stores", json::array());
  }

  static std::vector<std::string> names(const json& stores) {
    std::vector<std::string> out;
    for (const auto& s : stores) {
      out.push_back(s.value("name", ""));
    }
    return out;
  }
};

TEST_F(StoreFinderTest, NearSortsByGreatCircleDistance) {
  createStore("Berlin", 52.52, 13.405);
  createStore("Paris", 48.8566, 2.3522);
  createStore("Potsdam", 52.39, 13.06);
  createStore("Sydney", -33.8688, 151.2093);
  const json near = find("?near=52.40,13.07");
  EXPECT_EQ(names(near), (std::vector<std::string>{"Potsdam", "Berlin", "Paris", "Sydney"}));
  EXPECT_LT(near[0]["distance_km"].get<double>(), 2.0);
  EXPECT_NEAR(near[1]["distance_km"].get<double>(), 27.0, 2.0);
  EXPECT_NEAR(near[2]["distance_km"].get<double>(), 855.0, 15.0);
  EXPECT_NEAR(near[3]["distance_km"].get<double>(), 16090.0, 100.0);
  // Across the antimeridian and from the other side of the earth.
  EXPECT_EQ(names(find("?near=-33.0,-179.9")).front(), "Sydney");
  EXPECT_EQ(names(find("?near=%2B48.85,2.35")).front(), "Paris");
  // Without near: by name, no distance.
  const json all = find("");
  EXPECT_EQ(names(all), (std::vector<std::string>{"Berlin", "Paris", "Potsdam", "Sydney"}));
  EXPECT_FALSE(all[0].contains("distance_km"));
  // limit keeps the nearest.
  EXPECT_EQ(names(find("?near=48.85,2.35&limit=2")),
            (std::vector<std::string>{"Paris", "Potsdam"}));
  EXPECT_EQ(find("?limit=1").size(), 1u);
  EXPECT_EQ(find("?near=0,0&limit=1000").size(), 4u);
}

TEST_F(StoreFinderTest, HostileParametersAreRefused) {
  createStore("Berlin", 52.52, 13.405);
  for (const std::string query : {"near=",
                                  "near=abc",
                                  "near=52.5",
                                  "near=52.5,",
                                  "near=,13.4",
                                  "near=91,0",
                                  "near=-90.5,0",
                                  "near=0,181",
                                  "near=0,-180.01",
                                  "near=nan,0",
                                  "near=inf,0",
                                  "near=0,-inf",
                                  "near=1e1,0",
                                  "near=0x10,0",
                                  "near=52.5;13.4",
                                  "near=52.5,13.4,1",
                                  "near=52.5%2013.4",
                                  "near=%2052.5,1",
                                  "near=52..5,1",
                                  "near=1.0000000000000001e-400,0",
                                  "limit=0",
                                  "limit=-1",
                                  "limit=abc",
                                  "limit=1001",
                                  "limit=1.5",
                                  "limit=",
                                  "near=1,1&lat=1&lon=1",
                                  "lat=1"}) {
    const auto reply = request("GET", "/api/v1/stores?" + query);
    EXPECT_EQ(reply.status, 400) << query << ": " << reply.describe();
    EXPECT_EQ(reply.errorCode(), "invalid_request") << query;
  }
  // The edges are fine.
  EXPECT_EQ(find("?near=90,180").size(), 1u);
  EXPECT_EQ(find("?near=-90,-180").size(), 1u);
  EXPECT_EQ(find("?near=.5,-0.25").size(), 1u);
}

TEST_F(StoreFinderTest, EachStoreShowsOnlineStatePrintersAndPrices) {
  const std::string quiet = createStore("Quiet", 10, 10);
  const std::string busy = createStore("Busy", 10.1, 10.1);
  const EnrolledAgent agent = enrollAgent(busy);
  const json printer{{"name", "Front"},
                     {"state", "idle"},
                     {"accepting", true},
                     {"is_default", true},
                     {"agent_printer", true},
                     {"reasons", json::array()},
                     {"problems", json::array()},
                     {"info", ""},
                     {"location", ""},
                     {"make_and_model", "HP"}};
  ASSERT_EQ(request("PUT", "/api/v1/agent/printers", agent.credential,
                    json{{"printers", json::array({printer})}}.dump())
                .status,
            200);
  const json prices{
      {"currency", "EUR"},
      {"per_side_minor", {{"monochrome", {{"default", 10}}}, {"color", {{"default", 40}}}}},
      {"payment_policy", "pay_first"}};
  ASSERT_EQ(
      request("PUT", "/api/v1/shop/stores/" + busy + "/prices", kAdminToken, prices.dump()).status,
      200);

  json stores = find("?near=10.1,10.1");
  ASSERT_EQ(stores.size(), 2u);
  EXPECT_EQ(stores[0]["id"], busy);
  EXPECT_EQ(stores[0]["online"], true);
  EXPECT_EQ(stores[0]["accepting_orders"], true);
  ASSERT_EQ(stores[0]["printers"].size(), 1u);
  EXPECT_EQ(stores[0]["printers"][0], printer);
  EXPECT_EQ(stores[0]["prices"]["currency"], "EUR");
  EXPECT_EQ(stores[0]["prices"]["per_side_minor"]["color"]["default"], 40);
  EXPECT_EQ(stores[0]["prices"]["payment_policy"], "pay_first");
  EXPECT_EQ(stores[1]["id"], quiet);
  EXPECT_EQ(stores[1]["online"], false);
  EXPECT_EQ(stores[1]["printers"], json::array());
  EXPECT_TRUE(stores[1]["prices"].is_null());
  EXPECT_FALSE(stores[0].contains("public_key")); // the list stays light

  // An agent silent for longer than the online window takes its store offline.
  clock_.advance(Api::kOnlineWindowSeconds + 1);
  stores = find("?near=10.1,10.1");
  EXPECT_EQ(stores[0]["online"], false);
  EXPECT_EQ(stores[0]["printers"].size(), 1u); // the last report is still shown
}

} // namespace
} // namespace printrelay::cloud::testing
