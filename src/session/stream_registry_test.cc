#include "session/stream_registry.h"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"

namespace steadycast::session {
namespace {

class StreamRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::OpenSqliteStore(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    stream_.id = "ls_test";
    stream_.stream_key = "key-0123456789abcdef";
    stream_.playback_ids = {{"pb_test", "public"}};
    ASSERT_TRUE(store_->live_streams().Create(stream_).ok());
    registry_ = std::make_unique<StreamRegistry>(*store_, clock_, RegistryOptions{});
  }

  media::PublishRequest Request(int* kicks) {
    media::PublishRequest r;
    r.protocol = "rtmp";
    r.app = "live";
    r.stream_key = stream_.stream_key;
    r.remote_address = "127.0.0.1:5000";
    r.disconnect = [kicks] { ++*kicks; };
    return r;
  }

  static media::AccessUnit Audio(int64_t pts) {
    media::AccessUnit au;
    au.kind = media::TrackKind::kAudio;
    au.codec = media::Codec::kAac;
    au.pts = au.dts = pts;
    au.keyframe = true;
    au.data = base::Buffer::FromString("aac");
    return au;
  }

  store::StreamStatus Status() { return store_->live_streams().Get(stream_.id)->status; }

  base::FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  store::LiveStream stream_;
  std::unique_ptr<StreamRegistry> registry_;
};

TEST_F(StreamRegistryTest, UnknownKeyIsNotFound) {
  int kicks = 0;
  auto req = Request(&kicks);
  req.stream_key = "nope";
  auto r = registry_->Authorize(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::ErrorCode::kNotFound);
}

TEST_F(StreamRegistryTest, DisabledStreamIsRefused) {
  ASSERT_TRUE(store_->live_streams().SetStatus(stream_.id, store::StreamStatus::kDisabled, 1).ok());
  int kicks = 0;
  auto r = registry_->Authorize(Request(&kicks));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::ErrorCode::kPermissionDenied);
}

TEST_F(StreamRegistryTest, FirstMediaMakesActiveAndLeavingMakesIdle) {
  int kicks = 0;
  auto pub = registry_->Authorize(Request(&kicks));
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(Status(), store::StreamStatus::kIdle);
  EXPECT_TRUE(registry_->LookupPlayback("pb_test").exists);
  EXPECT_NE(registry_->LookupPlayback("pb_test").packager, nullptr);
  (*pub)->OnAccessUnit(Audio(0));
  EXPECT_EQ(Status(), store::StreamStatus::kActive);
  EXPECT_EQ(registry_->active_publishers(), 1u);
  pub->reset();
  EXPECT_EQ(Status(), store::StreamStatus::kIdle);
  EXPECT_EQ(registry_->active_publishers(), 0u);
}

TEST_F(StreamRegistryTest, HealthyPublisherIsNotReplacedButSilentOneIs) {
  int first_kicks = 0;
  int second_kicks = 0;
  auto first = registry_->Authorize(Request(&first_kicks));
  ASSERT_TRUE(first.ok());
  (*first)->OnAccessUnit(Audio(0));
  auto refused = registry_->Authorize(Request(&second_kicks));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), base::ErrorCode::kFailedPrecondition);

  clock_.Advance(std::chrono::milliseconds(1500));
  auto second = registry_->Authorize(Request(&second_kicks));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first_kicks, 1);
  // The replaced publisher leaving does not end the stream.
  (*second)->OnAccessUnit(Audio(100));
  first->reset();
  EXPECT_EQ(Status(), store::StreamStatus::kActive);
  EXPECT_EQ(registry_->active_publishers(), 1u);
}

TEST_F(StreamRegistryTest, KickCallsDisconnect) {
  int kicks = 0;
  auto pub = registry_->Authorize(Request(&kicks));
  ASSERT_TRUE(pub.ok());
  registry_->Kick(stream_.id);
  EXPECT_EQ(kicks, 1);
  registry_->Kick("ls_other");
  EXPECT_EQ(kicks, 1);
}

TEST_F(StreamRegistryTest, PlaybackLookupIsCachedUntilForgotten) {
  EXPECT_TRUE(registry_->LookupPlayback("pb_test").exists);
  ASSERT_TRUE(store_->live_streams().Delete(stream_.id).ok());
  EXPECT_TRUE(registry_->LookupPlayback("pb_test").exists);  // served from the cache
  registry_->Forget(stream_.id);
  EXPECT_FALSE(registry_->LookupPlayback("pb_test").exists);
}

TEST_F(StreamRegistryTest, UnknownPlaybackIdDoesNotExist) {
  EXPECT_FALSE(registry_->LookupPlayback("pb_missing").exists);
  auto t = registry_->LookupPlayback("pb_test");
  EXPECT_TRUE(t.exists);
  EXPECT_EQ(t.packager, nullptr);
}

}  // namespace
}  // namespace steadycast::session
