#include "api/playback_beacons.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "analytics/beacon_counters.h"
#include "analytics/viewer_aggregator.h"
#include "api/api_test_util.h"

namespace steadycast::api {
namespace {

using analytics::BeaconOutcome;
using nlohmann::json;
using testing::ExpectProblem;
using testing::Reply;

constexpr const char* kPath = "/v1/playback/beacons";
constexpr const char* kGoodToken = "header.claims.signature";

json Beacon(const std::string& playback_id, int seq = 0) {
  return json{{"v", 1},
              {"playback_id", playback_id},
              {"view_id", "view-0123456789ab"},
              {"seq", seq},
              {"events",
               {{{"type", "view_start"}, {"at_ms", 0}},
                {{"type", "first_frame"}, {"at_ms", 700}, {"startup_ms", 700}},
                {{"type", "heartbeat"},
                 {"at_ms", 10000},
                 {"playing_ms", 9000},
                 {"rebuffer_ms", 300},
                 {"rebuffer_count", 1},
                 {"bitrate_kbps", 1500}}}}};
}

class PlaybackBeaconsTest : public testing::ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ctx_->viewer_aggregator = &aggregator_;
    ctx_->beacon_counters = &counters_;
    ctx_->verify_playback_token = [](std::string_view playback_id, std::string_view token) {
      return playback_id.starts_with("pb_") && token == kGoodToken;
    };
    stream_ = CreateStream();
    playback_id_ = stream_["playback_ids"][0]["id"];
  }

  ApiOptions MakeOptions() override {
    ApiOptions options = ApiTest::MakeOptions();
    options.beacons.rate_limits = false;
    return options;
  }

  // POSTs `body` anonymously (no Authorization) as sendBeacon does.
  Reply Post(const std::string& body, const std::string& content_type = "text/plain;charset=UTF-8",
             const std::string& target = kPath) {
    return Call("POST", target, body, {{"authorization", ""}, {"content-type", content_type}});
  }

  uint64_t Count(BeaconOutcome outcome) const { return counters_.Get(outcome); }

  analytics::ViewerAggregator aggregator_{clock_};
  analytics::BeaconCounters counters_;
  json stream_;
  std::string playback_id_;
};

TEST_F(PlaybackBeaconsTest, AcceptsAnonymousBeaconWith202AndCors) {
  const Reply r = Post(Beacon(playback_id_).dump());
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json["data"]["status"], "accepted");
  EXPECT_EQ(r.Header("access-control-allow-origin"), "*");
  EXPECT_EQ(Count(BeaconOutcome::kAccepted), 1u);
  const auto figures = aggregator_.Figures(stream_["id"]);
  ASSERT_TRUE(figures.has_value());
  EXPECT_EQ(figures->current, 1);
  EXPECT_EQ(figures->startup_ms_p50, 700);
  EXPECT_DOUBLE_EQ(figures->rebuffer_ratio, 300.0 / 9300.0);
}

TEST_F(PlaybackBeaconsTest, RepeatedSeqIsADuplicateStill202) {
  ASSERT_EQ(Post(Beacon(playback_id_, 4).dump()).status, 202);
  const Reply r = Post(Beacon(playback_id_, 4).dump());
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.json["data"]["status"], "duplicate");
  EXPECT_EQ(Count(BeaconOutcome::kAccepted), 1u);
  EXPECT_EQ(Count(BeaconOutcome::kDuplicate), 1u);
}

TEST_F(PlaybackBeaconsTest, ContentTypes) {
  EXPECT_EQ(Post(Beacon(playback_id_, 1).dump(), "application/json").status, 202);
  EXPECT_EQ(Post(Beacon(playback_id_, 2).dump(), "Text/Plain").status, 202);
  EXPECT_EQ(Post(Beacon(playback_id_, 3).dump(), "").status, 202);  // no Content-Type at all
  ExpectProblem(Post(Beacon(playback_id_, 4).dump(), "application/x-www-form-urlencoded"), 415,
                "unsupported-media-type");
  EXPECT_EQ(Count(BeaconOutcome::kAccepted), 3u);
  EXPECT_EQ(Count(BeaconOutcome::kInvalid), 1u);
  EXPECT_TRUE(IsBeaconContentType("text/plain ; charset=UTF-8"));
  EXPECT_FALSE(IsBeaconContentType("text/html"));
}

TEST_F(PlaybackBeaconsTest, InvalidFieldIs400NamingTheField) {
  json body = Beacon(playback_id_);
  body["events"][2]["at_ms"] = -5;
  const Reply r = Post(body.dump());
  ExpectProblem(r, 400, "invalid-request");
  ASSERT_EQ(r.json["errors"].size(), 1u);
  EXPECT_EQ(r.json["errors"][0]["field"], "events[2].at_ms");
  EXPECT_EQ(r.Header("access-control-allow-origin"), "*");
  ExpectProblem(Post("{not json"), 400, "invalid-json");
  ExpectProblem(Post(Beacon("pb with spaces").dump()), 400, "invalid-request");
  EXPECT_EQ(Count(BeaconOutcome::kInvalid), 3u);
  EXPECT_EQ(Count(BeaconOutcome::kAccepted), 0u);
}

TEST_F(PlaybackBeaconsTest, UnknownPlaybackIdIs404) {
  ExpectProblem(Post(Beacon("pb_doesnotexist").dump()), 404, "not-found");
  EXPECT_EQ(Count(BeaconOutcome::kUnknownPlaybackId), 1u);
  EXPECT_TRUE(aggregator_.AllFigures().empty());
}

TEST_F(PlaybackBeaconsTest, OversizedBodyIs413) {
  json body = Beacon(playback_id_);
  body["padding"] = std::string(size_t{16} * 1024, 'x');
  ExpectProblem(Post(body.dump()), 413, "payload-too-large");
  EXPECT_EQ(Count(BeaconOutcome::kTooLarge), 1u);
}

TEST_F(PlaybackBeaconsTest, SignedPlaybackIdNeedsAValidToken) {
  const json signed_stream = CreateStream(R"({"playback_policy":"signed"})");
  const std::string pb = signed_stream["playback_ids"][0]["id"];
  ExpectProblem(Post(Beacon(pb, 0).dump()), 403, "forbidden");
  json with_bad = Beacon(pb, 1);
  with_bad["token"] = "forged.token.value";
  ExpectProblem(Post(with_bad.dump()), 403, "forbidden");
  ExpectProblem(Post(Beacon(pb, 2).dump(), "text/plain", std::string(kPath) + "?token=a%20b"), 403,
                "forbidden");
  EXPECT_EQ(Count(BeaconOutcome::kForbidden), 3u);
  EXPECT_TRUE(aggregator_.AllFigures().empty());

  json with_good = Beacon(pb, 3);
  with_good["token"] = kGoodToken;
  EXPECT_EQ(Post(with_good.dump()).status, 202);
  EXPECT_EQ(
      Post(Beacon(pb, 4).dump(), "text/plain", std::string(kPath) + "?token=" + kGoodToken).status,
      202);
  EXPECT_EQ(Count(BeaconOutcome::kAccepted), 2u);
  EXPECT_EQ(aggregator_.Figures(signed_stream["id"])->current, 1);

  ctx_->verify_playback_token = nullptr;  // no signing keys configured: fail closed
  ExpectProblem(Post(with_good.dump()), 403, "forbidden");
  // A public id ignores any token.
  json public_with_token = Beacon(playback_id_);
  public_with_token["token"] = "whatever.it.is";
  EXPECT_EQ(Post(public_with_token.dump()).status, 202);
}

TEST_F(PlaybackBeaconsTest, UnknownThingsAreCountedAsIgnored) {
  json body = Beacon(playback_id_);
  body["experimental"] = true;
  body["events"].push_back({{"type", "ad_start"}, {"at_ms", 20000}});
  EXPECT_EQ(Post(body.dump()).status, 202);
  EXPECT_EQ(counters_.ignored_keys(), 1u);
  EXPECT_EQ(counters_.ignored_events(), 1u);
}

TEST_F(PlaybackBeaconsTest, PreflightAllowsAnyOrigin) {
  const Reply r = Call("OPTIONS", kPath, "",
                       {{"authorization", ""},
                        {"origin", "https://embed.example"},
                        {"access-control-request-method", "POST"},
                        {"access-control-request-headers", "content-type"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.Header("access-control-allow-origin"), "*");
  EXPECT_EQ(r.Header("access-control-allow-methods"), "POST, OPTIONS");
  EXPECT_EQ(r.Header("access-control-allow-headers"), "content-type");
}

TEST_F(PlaybackBeaconsTest, WithoutAnAggregatorTheRouteIsUnavailable) {
  ctx_->viewer_aggregator = nullptr;
  ExpectProblem(Post(Beacon(playback_id_).dump()), 503, "unavailable");
}

class PlaybackBeaconRateLimitTest : public PlaybackBeaconsTest {
 protected:
  ApiOptions MakeOptions() override {
    ApiOptions options = PlaybackBeaconsTest::MakeOptions();  // API limits stay off
    options.beacons.rate_limits = true;
    options.beacons.per_address = {1, 2};
    return options;
  }
};

TEST_F(PlaybackBeaconRateLimitTest, PerAddressBucketsAnswer429WithRetryAfter) {
  Reply r = Post(Beacon(playback_id_, 0).dump());
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.Header("ratelimit-limit"), "2");
  EXPECT_EQ(r.Header("ratelimit-remaining"), "1");
  EXPECT_EQ(Post(Beacon(playback_id_, 1).dump()).status, 202);
  r = Post(Beacon(playback_id_, 2).dump());
  ExpectProblem(r, 429, "rate-limited");
  EXPECT_EQ(r.Header("retry-after"), "1");
  EXPECT_EQ(r.Header("access-control-allow-origin"), "*");
  EXPECT_EQ(Count(BeaconOutcome::kRateLimited), 1u);
  // Invalid beacons are charged too (no free probing).
  ExpectProblem(Post("{}"), 429, "rate-limited");
  // Another address has its own bucket; the API's credentials buckets are not touched.
  remote_address_ = "198.51.100.7:4000";
  EXPECT_EQ(Post(Beacon(playback_id_, 3).dump()).status, 202);
  remote_address_ = "192.0.2.10:50000";
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(Post(Beacon(playback_id_, 4).dump()).status, 202);
  EXPECT_EQ(Count(BeaconOutcome::kAccepted), 4u);
  EXPECT_EQ(Count(BeaconOutcome::kRateLimited), 2u);
}

}  // namespace
}  // namespace steadycast::api
