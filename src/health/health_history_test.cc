#include "health/health_history.h"

#include <gtest/gtest.h>

#include <set>

namespace steadycast::health {
namespace {

using namespace std::chrono_literals;
using Time = HealthHistory::Time;

HealthSample Sample(int64_t second, bool publisher) {
  HealthSample s;
  s.at_ms = 1'700'000'000'000 + second * 1000;
  s.status = publisher ? "active" : "reconnecting";
  if (publisher) {
    s.ingest = IngestFigures{};
    s.ingest->units = second;
  }
  return s;
}

Time At(int64_t second) { return Time(std::chrono::seconds(second)); }

auto Exists(std::set<std::string> ids) {
  return [ids = std::move(ids)](const std::string& id) { return ids.contains(id); };
}

TEST(HealthHistory, KeepsTheLastSamplesOldestFirst) {
  HealthHistory history({.samples_per_stream = 10});
  for (int64_t t = 0; t < 25; ++t) ASSERT_TRUE(history.Record("ls_a", Sample(t, true), At(t)));
  const auto all = history.Recent("ls_a", 3600);
  ASSERT_EQ(all.size(), 10u);  // bounded
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].ingest->units, 15 + int64_t(i));
  const auto last3 = history.Recent("ls_a", 3);
  ASSERT_EQ(last3.size(), 3u);
  EXPECT_EQ(last3.front().ingest->units, 22);
  EXPECT_EQ(last3.back().ingest->units, 24);
  EXPECT_EQ(history.Recent("ls_a", 1).back().at_ms, all.back().at_ms);
  EXPECT_TRUE(history.Recent("ls_unknown", 10).empty());
}

TEST(HealthHistory, SlicingBeforeTheRingIsFull) {
  HealthHistory history;
  for (int64_t t = 0; t < 5; ++t) history.Record("ls_a", Sample(t, true), At(t));
  EXPECT_EQ(history.Recent("ls_a", 300).size(), 5u);
  EXPECT_EQ(history.Recent("ls_a", 2).front().ingest->units, 3);
  EXPECT_TRUE(history.Recent("ls_a", 0).empty());
}

TEST(HealthHistory, ARingStartsWithAPublisher) {
  HealthHistory history;
  EXPECT_FALSE(history.Record("ls_a", Sample(0, false), At(0)));
  EXPECT_FALSE(history.Has("ls_a"));
  EXPECT_TRUE(history.Record("ls_a", Sample(1, true), At(1)));
  EXPECT_TRUE(history.Record("ls_a", Sample(2, false), At(2)));  // reconnecting: kept
  const auto samples = history.Recent("ls_a", 10);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[1].status, "reconnecting");
  EXPECT_FALSE(samples[1].ingest);
}

TEST(HealthHistory, ExpiresAnHourWithoutAPublisherAndOnDelete) {
  HealthHistory history({.keep_without_publisher = 3600s});
  history.Record("ls_a", Sample(0, true), At(0));
  history.Record("ls_b", Sample(0, true), At(0));
  history.Record("ls_c", Sample(0, true), At(0));
  for (int64_t t = 1; t <= 3600; ++t) {
    history.Record("ls_a", Sample(t, false), At(t));
    history.Record("ls_b", Sample(t, t > 3000), At(t));  // a publisher came back
    history.Prune(At(t), Exists({"ls_a", "ls_b", "ls_c"}));
  }
  EXPECT_FALSE(history.Has("ls_a"));  // an hour without a publisher
  EXPECT_FALSE(history.Has("ls_c"));  // no samples at all for an hour
  EXPECT_TRUE(history.Has("ls_b"));
  history.Prune(At(3601), Exists({"ls_a"}));  // ls_b deleted
  EXPECT_EQ(history.streams(), 0u);
}

TEST(HealthHistory, BoundedNumberOfStreams) {
  HealthHistory history({.max_streams = 2});
  history.Record("ls_a", Sample(0, true), At(0));
  history.Record("ls_b", Sample(0, true), At(0));
  // Both have publishers: no room for a third.
  EXPECT_FALSE(history.Record("ls_c", Sample(1, true), At(1)));
  // ls_a's publisher leaves: its ring makes room for ls_c.
  history.Record("ls_a", Sample(2, false), At(2));
  EXPECT_TRUE(history.Record("ls_c", Sample(3, true), At(3)));
  EXPECT_FALSE(history.Has("ls_a"));
  EXPECT_TRUE(history.Has("ls_b"));
  EXPECT_EQ(history.streams(), 2u);
}

TEST(HealthHistory, RenditionNames) {
  HealthSample s;
  s.AddRendition("720p", false, 1.25, 3);
  s.AddRendition("a-very-long-rendition-name", true, 0, 0);
  for (int i = 0; i < 20; ++i) s.AddRendition("x", false, 1, 0);
  EXPECT_EQ(s.rendition_count, HealthSample::kMaxRenditions);
  EXPECT_EQ(s.renditions[0].Name(), "720p");
  EXPECT_EQ(s.renditions[0].frames_dropped, 3);
  EXPECT_EQ(s.renditions[1].Name(), "a-very-long-");
  EXPECT_TRUE(s.renditions[1].passthrough);
}

}  // namespace
}  // namespace steadycast::health
