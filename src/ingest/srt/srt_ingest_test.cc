// The SRT ingest glue: the accept decision, the connection handler with a fake connection
// (pure: the committed TS sample fed whole, byte by byte and in random splits must give the
// same media), and a real FFmpeg publishing over SRT into net::SrtServer.

#include "ingest/srt/srt_ingest.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/testing/split_feeder.h"
#include "ingest/srt/srt_ingest_test_util.h"

namespace steadycast::ingest::srt {
namespace {

using std::chrono::milliseconds;
using testing::FakeConnection;
using testing::MediaLog;
using testing::RecordingSession;

std::vector<uint8_t> ReadSample() {
  std::ifstream in(std::string(SRT_TESTDATA_DIR) + "/h264_aac_1s.ts", std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

StreamLookupResult Lookup(const std::string& key, const std::string& /*remote*/ = "") {
  if (key == "live-key") return {.found = true};
  if (key == "enc-key") {
    return {.found = true, .passphrase = "correct horse battery", .latency = milliseconds(800)};
  }
  if (key == "off-key") return {.found = true, .disabled = true};
  return {};
}

net::SrtAcceptDecision Decide(std::string_view stream_id, SrtIngestOptions options = {}) {
  return DecideSrtAccept({.stream_id = stream_id, .remote_address = "10.0.0.1:4000"}, options,
                         Lookup);
}

TEST(SrtAcceptDecisionTest, AcceptsKnownKeysWithTheirSettings) {
  auto plain = Decide("#!::r=live-key,m=publish");
  EXPECT_TRUE(plain.accept);
  EXPECT_TRUE(plain.passphrase.empty());
  EXPECT_FALSE(plain.latency.has_value());
  EXPECT_TRUE(Decide("live-key").accept);

  auto encrypted = Decide("#!::r=enc-key,m=publish", {.pbkeylen = 24});
  EXPECT_TRUE(encrypted.accept);
  EXPECT_EQ(encrypted.passphrase, "correct horse battery");
  EXPECT_EQ(encrypted.pbkeylen, 24);
  EXPECT_EQ(encrypted.latency, milliseconds(800));
}

TEST(SrtAcceptDecisionTest, RejectsWithSpecificCodes) {
  EXPECT_EQ(Decide("#!::r=nope,m=publish").reject_code, net::kSrtRejectNotFound);
  EXPECT_EQ(Decide("#!::r=off-key,m=publish").reject_code, net::kSrtRejectForbidden);
  EXPECT_EQ(Decide("#!::r=live-key,m=request").reject_code, net::kSrtRejectBadMode);
  EXPECT_EQ(Decide("#!::r=live-key,m=publish,t=file").reject_code, net::kSrtRejectUnsupportedMedia);
  EXPECT_EQ(Decide("#!::m=publish").reject_code, net::kSrtRejectBadRequest);
  EXPECT_EQ(Decide("").reject_code, net::kSrtRejectBadRequest);
  EXPECT_FALSE(Decide("#!::r=nope,m=publish").accept);
}

TEST(SrtAcceptDecisionTest, LookupIsNotAskedForBadStreamIds) {
  int lookups = 0;
  const StreamLookup counting = [&](const std::string&, const std::string&) {
    ++lookups;
    return StreamLookupResult{};
  };
  DecideSrtAccept({.stream_id = "#!::r=k,m=request"}, {}, counting);
  DecideSrtAccept({.stream_id = "#!:{bad}"}, {}, counting);
  EXPECT_EQ(lookups, 0);
  DecideSrtAccept({.stream_id = "#!::r=k,m=publish"}, {}, counting);
  EXPECT_EQ(lookups, 1);
}

TEST(SrtAcceptDecisionTest, DeciderCountsByReason) {
  SrtIngest ingest({}, Lookup, [](const media::PublishRequest&) {
    return base::Result<std::unique_ptr<media::PublishSession>>(base::NotFound("unused"));
  });
  const net::SrtAcceptDecider decider = ingest.Decider();
  for (const char* id : {"live-key", "nope", "nope", "#!::r=off-key", "#!::r=x,m=request"}) {
    decider({.stream_id = id, .remote_address = "10.0.0.1:4000"});
  }
  const SrtIngestCounters counters = ingest.Counters();
  EXPECT_EQ(counters.accepted, 1);
  EXPECT_EQ(counters.not_found, 2);
  EXPECT_EQ(counters.disabled, 1);
  EXPECT_EQ(counters.bad_stream_id, 1);
}

// One SrtIngestConnection over a FakeConnection, as net::SrtServer would drive it.
struct Harness {
  explicit Harness(std::string stream_id = "#!::r=live-key,m=publish",
                   base::Status refusal = base::Status::Ok(), SrtIngestOptions options = {})
      : ingest(options, Lookup,
               [this, refusal](const media::PublishRequest& request)
                   -> base::Result<std::unique_ptr<media::PublishSession>> {
                 requests.push_back(request);
                 if (!refusal.ok()) return refusal;
                 return std::unique_ptr<media::PublishSession>(
                     std::make_unique<RecordingSession>(log));
               }),
        connection(std::make_shared<FakeConnection>(std::move(stream_id))) {
    handler = ingest.HandlerFactory()(connection);
  }

  std::vector<media::PublishRequest> requests;
  MediaLog log;
  SrtIngest ingest;
  std::shared_ptr<FakeConnection> connection;
  std::unique_ptr<net::SrtConnectionHandler> handler;
};

TEST(SrtIngestConnectionTest, AuthorizesWithTheKeyAndForwardsMedia) {
  Harness h;
  ASSERT_EQ(h.requests.size(), 1u);
  EXPECT_EQ(h.requests[0].protocol, "srt");
  EXPECT_EQ(h.requests[0].stream_key, "live-key");
  EXPECT_EQ(h.requests[0].remote_address, "10.0.0.1:4000");
  EXPECT_TRUE(h.requests[0].app.empty());
  const std::vector<uint8_t> ts = ReadSample();
  ASSERT_GT(ts.size(), 10'000u);
  h.handler->OnData(ts);
  h.handler->OnClosed();
  EXPECT_TRUE(h.log.session_destroyed);
  EXPECT_EQ(h.connection->closes, 0);
  ASSERT_EQ(h.log.video_configs.size(), 1u);
  EXPECT_EQ(h.log.video_configs[0].codec, media::Codec::kH264);
  EXPECT_EQ(h.log.video_configs[0].width, 64);
  EXPECT_EQ(h.log.video_configs[0].height, 48);
  ASSERT_EQ(h.log.audio_configs.size(), 1u);
  EXPECT_EQ(h.log.audio_configs[0].sample_rate, 48000);
  EXPECT_EQ(h.log.audio_configs[0].channels, 1);
  // 25 frames in the file; the last one, a PES ended by nothing, is dropped at close (see
  // TruncatedLastFrameIsNotForwarded).
  EXPECT_EQ(h.log.CountUnits(media::TrackKind::kVideo), 24);
  EXPECT_EQ(h.log.CountUnits(media::TrackKind::kAudio), 48);
  EXPECT_TRUE(h.log.FirstVideoIsKeyframe());
}

TEST(SrtIngestConnectionTest, AnySplitGivesTheSameMedia) {
  const std::vector<uint8_t> ts = ReadSample();
  std::vector<std::string> results;
  for (const auto& plan : base::testing::SplitPlans(ts.size(), 4)) {
    Harness h;
    base::testing::FeedInPieces(ts, plan,
                                [&](std::span<const uint8_t> piece) { h.handler->OnData(piece); });
    h.handler->OnClosed();
    results.push_back(h.log.Dump());
    EXPECT_EQ(results.back(), results.front()) << plan.name;
  }
}

// Regression (found by the GStreamer-over-SRT HLS test): when a caller hangs up, libsrt drops
// the tail of the stream, so the video PES in progress is cut; it must not be forwarded as a
// frame (it failed to decode in the last HLS segment).
TEST(SrtIngestConnectionTest, TruncatedLastFrameIsNotForwarded) {
  const std::vector<uint8_t> ts = ReadSample();
  Harness whole;
  whole.handler->OnData(ts);
  whole.handler->OnClosed();
  std::vector<size_t> full_sizes;
  for (const auto& unit : whole.log.units) {
    if (unit.kind == media::TrackKind::kVideo) full_sizes.push_back(unit.size);
  }
  // Cut at every packet boundary of the last quarter: whatever is forwarded is whole.
  for (size_t cut = ts.size() * 3 / 4 / 188 * 188; cut < ts.size(); cut += 188) {
    Harness h;
    h.handler->OnData(std::span(ts).first(cut));
    h.handler->OnClosed();
    size_t index = 0;
    for (const auto& unit : h.log.units) {
      if (unit.kind != media::TrackKind::kVideo) continue;
      ASSERT_LT(index, full_sizes.size());
      EXPECT_EQ(unit.size, full_sizes[index]) << "cut at " << cut << ", frame " << index;
      ++index;
    }
  }
}

TEST(SrtIngestConnectionTest, RefusedPublisherIsClosedAndGetsNoMedia) {
  Harness h("#!::r=live-key,m=publish", base::FailedPrecondition("stream busy"));
  EXPECT_EQ(h.connection->closes, 1);
  h.handler->OnData(ReadSample());
  h.handler->OnClosed();
  EXPECT_TRUE(h.log.units.empty());
  EXPECT_EQ(h.ingest.Counters().unauthorized, 1);
}

TEST(SrtIngestConnectionTest, NonTsPayloadClosesTheConnection) {
  SrtIngestOptions options;
  options.demuxer.max_unsynced_bytes = 4096;
  Harness h("live-key", base::Status::Ok(), options);
  const std::vector<uint8_t> garbage(10'000, 0x00);
  h.handler->OnData(garbage);
  EXPECT_EQ(h.connection->closes, 1);
  EXPECT_TRUE(h.log.session_destroyed);  // the publisher is gone at once
  EXPECT_EQ(h.ingest.Counters().demux_errors, 1);
  h.handler->OnData(ReadSample());  // nothing more is forwarded
  h.handler->OnClosed();
  EXPECT_TRUE(h.log.units.empty());
}

TEST(SrtIngestConnectionTest, LinkStatsAreForwarded) {
  Harness h;
  net::SrtLinkStats stats;
  stats.rtt_ms = 101.5;
  stats.packets_retransmitted = 7;
  stats.packets_dropped = 2;
  stats.latency_ms = 800;
  h.handler->OnStats(stats);
  ASSERT_EQ(h.log.link_stats.size(), 1u);
  EXPECT_EQ(h.log.link_stats[0].rtt_ms, 101.5);
  EXPECT_EQ(h.log.link_stats[0].packets_retransmitted, 7);
  EXPECT_EQ(h.log.link_stats[0].packets_dropped, 2);
  EXPECT_EQ(h.log.link_stats[0].latency_ms, 800);
}

TEST(SrtIngestConnectionTest, DisconnectClosesAndOutlivesTheConnection) {
  Harness h;
  ASSERT_EQ(h.requests.size(), 1u);
  h.requests[0].disconnect();
  EXPECT_EQ(h.connection->closes, 1);
  h.handler->OnClosed();
  h.handler.reset();
  h.connection.reset();
  h.requests[0].disconnect();  // the connection is gone: a no-op
}

TEST(ToLinkStatsTest, CopiesEveryFigure) {
  net::SrtLinkStats in{.rtt_ms = 1,
                       .receive_rate_mbps = 2,
                       .link_bandwidth_mbps = 3,
                       .packets_received = 4,
                       .packets_lost = 5,
                       .packets_retransmitted = 6,
                       .packets_dropped = 7,
                       .packets_belated = 8,
                       .packets_undecrypted = 9,
                       .bytes_received = 10,
                       .receive_buffer_ms = 11,
                       .flight_size = 12,
                       .latency_ms = 13,
                       .connected_ms = 14};
  const media::LinkStats expected{.rtt_ms = 1,
                                  .receive_rate_mbps = 2,
                                  .link_bandwidth_mbps = 3,
                                  .packets_received = 4,
                                  .packets_lost = 5,
                                  .packets_retransmitted = 6,
                                  .packets_dropped = 7,
                                  .packets_belated = 8,
                                  .packets_undecrypted = 9,
                                  .bytes_received = 10,
                                  .receive_buffer_ms = 11,
                                  .flight_size = 12,
                                  .latency_ms = 13,
                                  .connected_ms = 14};
  EXPECT_EQ(ToLinkStats(in), expected);
}

}  // namespace
}  // namespace steadycast::ingest::srt
