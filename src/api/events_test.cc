#include "api/events.h"

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/api_test_util.h"
#include "base/base64.h"

namespace steadycast::api {
namespace {

using nlohmann::json;
using testing::ExpectProblem;
using testing::Reply;

class EventsApiTest : public testing::ApiTest {
 protected:
  // Creates `n` streams (one live_stream.created each) and returns their ids, oldest first.
  std::vector<std::string> CreateStreams(int n) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) ids.push_back(CreateStream()["id"].get<std::string>());
    return ids;
  }

  // Every event of a listing, following next_cursor from `target`.
  std::vector<json> ListAll(const std::string& target, int* pages = nullptr) {
    std::vector<json> out;
    std::string next = target;
    for (int page = 1;; ++page) {
      Reply r = Call("GET", next);
      EXPECT_EQ(r.status, 200) << r.body;
      for (const json& e : r.json["data"]) out.push_back(e);
      if (pages) *pages = page;
      if (r.json["next_cursor"].is_null() || page > 100) return out;
      next = target + (target.find('?') == std::string::npos ? "?" : "&") +
             "cursor=" + r.json["next_cursor"].get<std::string>();
    }
  }
};

TEST_F(EventsApiTest, ListIsNewestFirstWithEnvelopes) {
  auto ids = CreateStreams(3);
  Reply r = Call("GET", "/v1/events");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  ASSERT_EQ(r.json["data"].size(), 3u);
  EXPECT_TRUE(r.json["next_cursor"].is_null());
  for (int i = 0; i < 3; ++i) {
    const json& e = r.json["data"][i];
    EXPECT_EQ(e["type"], "live_stream.created");
    EXPECT_EQ(e["object"]["id"], ids[2 - i]);  // newest first
    EXPECT_EQ(e["object"]["type"], "live_stream");
    EXPECT_EQ(e["sequence"], 1);
    EXPECT_TRUE(e["id"].get<std::string>().starts_with("evt_"));
    EXPECT_FALSE(e["data"].contains("stream_key"));  // never secrets
  }
}

TEST_F(EventsApiTest, PaginationVisitsEveryEventOnceInOrder) {
  CreateStreams(7);
  int pages = 0;
  std::vector<json> all = ListAll("/v1/events?limit=3", &pages);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(all.size(), 7u);
  std::set<std::string> seen;
  for (const json& e : all) EXPECT_TRUE(seen.insert(e["id"].get<std::string>()).second);
  std::vector<json> one_page = Call("GET", "/v1/events?limit=100").json["data"];
  ASSERT_EQ(one_page.size(), 7u);
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(all[i]["id"], one_page[i]["id"]);
}

TEST_F(EventsApiTest, ExactlyFullPageHasNoNextCursor) {
  CreateStreams(2);
  Reply r = Call("GET", "/v1/events?limit=2");
  EXPECT_EQ(r.json["data"].size(), 2u);
  EXPECT_TRUE(r.json["next_cursor"].is_null());
}

TEST_F(EventsApiTest, DefaultLimitIsTheApiDefault) {
  CreateStreams(ctx_->options.default_page_limit + 1);
  Reply r = Call("GET", "/v1/events");
  EXPECT_EQ(r.json["data"].size(), static_cast<size_t>(ctx_->options.default_page_limit));
  EXPECT_TRUE(r.json["next_cursor"].is_string());
}

TEST_F(EventsApiTest, FilterByTypeAndObject) {
  auto ids = CreateStreams(2);
  ASSERT_EQ(Call("PATCH", "/v1/live-streams/" + ids[0], R"({"reconnect_window":5})").status, 200);
  ASSERT_EQ(Call("DELETE", "/v1/live-streams/" + ids[1]).status, 204);

  auto types = [&](const std::string& target) {
    std::vector<std::string> out;
    for (const json& e : ListAll(target)) out.push_back(e["type"]);
    return out;
  };
  EXPECT_EQ(types("/v1/events?type=live_stream.updated"),
            std::vector<std::string>{"live_stream.updated"});
  EXPECT_EQ(types("/v1/events?type=live_stream.deleted,live_stream.updated"),
            (std::vector<std::string>{"live_stream.deleted", "live_stream.updated"}));
  EXPECT_EQ(types("/v1/events?object_id=" + ids[0]),
            (std::vector<std::string>{"live_stream.updated", "live_stream.created"}));
  EXPECT_EQ(types("/v1/events?live_stream_id=" + ids[1]),
            (std::vector<std::string>{"live_stream.deleted", "live_stream.created"}));
  EXPECT_EQ(types("/v1/events?live_stream_id=" + ids[1] + "&type=live_stream.created"),
            std::vector<std::string>{"live_stream.created"});
  EXPECT_TRUE(types("/v1/events?type=live_stream.idle").empty());
  EXPECT_TRUE(types("/v1/events?object_id=ls_unknown").empty());
}

TEST_F(EventsApiTest, FilteredPaginationFollowsTheFilter) {
  auto ids = CreateStreams(5);
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(Call("PATCH", "/v1/live-streams/" + ids[0], json{{"reconnect_window", i + 1}}.dump())
                  .status,
              200);
  }
  std::vector<json> all = ListAll("/v1/events?object_id=" + ids[0] + "&limit=2");
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i]["sequence"], 5 - i);
}

TEST_F(EventsApiTest, GetOneOr404) {
  CreateStreams(1);
  const json listed = Call("GET", "/v1/events").json["data"][0];
  Reply r = Call("GET", "/v1/events/" + listed["id"].get<std::string>());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["data"], listed);
  ExpectProblem(Call("GET", "/v1/events/evt_nope"), 404, "not-found");
}

TEST_F(EventsApiTest, BadParametersAre400) {
  for (const char* target :
       {"/v1/events?limit=0", "/v1/events?limit=101", "/v1/events?limit=x", "/v1/events?cursor=zz",
        "/v1/events?cursor=", "/v1/events?type=", "/v1/events?type=a,,b", "/v1/events?type=A.b",
        "/v1/events?object_id=", "/v1/events?object_id=ls_a&live_stream_id=ls_b",
        "/v1/events?live_stream_id=ls%20x"}) {
    ExpectProblem(Call("GET", target), 400, "invalid-request");
  }
}

TEST_F(EventsApiTest, NeedsAuthenticationAndAllowsReadTokens) {
  EXPECT_EQ(Call("GET", "/v1/events", "", {{"authorization", ""}}).status, 401);
  const std::string read = NewAuthorization(store::TokenScope::kRead);
  EXPECT_EQ(Call("GET", "/v1/events", "", {{"authorization", read}}).status, 200);
}

TEST(EventCursorTest, RoundTripsAndRejectsEverythingElse) {
  for (int64_t p : {int64_t{1}, int64_t{42}, int64_t{9'000'000'000}}) {
    EXPECT_EQ(DecodeEventCursor(EncodeEventCursor(p)), p);
  }
  EXPECT_FALSE(DecodeEventCursor(""));
  EXPECT_FALSE(DecodeEventCursor(EncodeEventCursor(0)));
  EXPECT_FALSE(DecodeEventCursor(EncodeEventCursor(-5)));
  EXPECT_FALSE(DecodeEventCursor(base::Base64Encode("p01", base::kBase64UrlUnpadded)));
  EXPECT_FALSE(DecodeEventCursor(base::Base64Encode("q1", base::kBase64UrlUnpadded)));
  EXPECT_FALSE(DecodeEventCursor(base::Base64Encode("p1x", base::kBase64UrlUnpadded)));
  EXPECT_FALSE(DecodeEventCursor(std::string(100, 'A')));
}

TEST(EventTypesParseTest, CommaSeparatedWithLimits) {
  EXPECT_EQ(ParseEventTypes("a.b"), std::vector<std::string>{"a.b"});
  EXPECT_EQ(ParseEventTypes("a,b_c"), (std::vector<std::string>{"a", "b_c"}));
  EXPECT_FALSE(ParseEventTypes("a,"));
  EXPECT_FALSE(ParseEventTypes(std::string(kMaxEventTypeLength + 1, 'a')));
  std::string many = "a";
  for (size_t i = 0; i < kMaxEventTypeFilters; ++i) many += ",a";
  EXPECT_FALSE(ParseEventTypes(many));
}

}  // namespace
}  // namespace steadycast::api
