#include "api/events_stream.h"

#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "api/api_test_util.h"
#include "events/event_bus_store.h"

namespace steadycast::api {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Reply;

// Collects what the hub writes.
class FakeStream final : public net::HttpBodyStream {
 public:
  bool Write(std::string bytes) override {
    std::lock_guard lock(mu_);
    if (!open_) return false;
    text_ += bytes;
    return true;
  }
  void Close() override {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  bool IsOpen() const override {
    std::lock_guard lock(mu_);
    return open_;
  }
  std::string text() const {
    std::lock_guard lock(mu_);
    return text_;
  }
  bool WaitFor(const std::string& needle, std::chrono::milliseconds timeout = 5s) const {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (text().find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::string text_;
  bool open_ = true;
};

// The API with a bus: writes go through a PublishingStore, as app/ wires it.
class EventStreamTest : public testing::ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    publishing_ = std::make_unique<events::PublishingStore>(*store_, bus_);
    bus_ctx_.reset(new ApiContext{.store = *publishing_,
                                  .clock = clock_,
                                  .sessions = *sessions_,
                                  .options = MakeOptions(),
                                  .event_bus = &bus_});
    RegisterApiRoutes(bus_router_, *bus_ctx_);
  }

  // Dispatches on the bus-wired router; starts the stream (if any) on a FakeStream.
  std::shared_ptr<FakeStream> Open(const std::string& target,
                                   std::map<std::string, std::string> headers, int* status) {
    net::HttpRequest request;
    request.method = "GET";
    request.target = target;
    EXPECT_TRUE(net::ParseTarget(target, request.path, request.query).ok());
    headers["authorization"] = authorization_;
    request.headers = std::move(headers);
    auto stream = std::make_shared<FakeStream>();
    bus_router_.Dispatch(std::move(request), [&](net::HttpResponse response) {
      *status = response.status;
      if (response.stream) {
        EXPECT_TRUE(response.HasHeader("content-type"));
        response.stream(stream);
      }
    });
    return stream;
  }

  // A PATCH through the bus-wired API (so the bus sees it).
  void Patch(const std::string& id, int window) {
    net::HttpRequest request;
    request.method = "PATCH";
    request.target = request.path = "/v1/live-streams/" + id;
    request.headers = {{"authorization", authorization_}, {"content-type", "application/json"}};
    request.body = json{{"reconnect_window", window}}.dump();
    int status = 0;
    bus_router_.Dispatch(std::move(request), [&](net::HttpResponse r) { status = r.status; });
    EXPECT_EQ(status, 200);
  }

  events::EventBus bus_;
  std::unique_ptr<events::PublishingStore> publishing_;
  std::unique_ptr<ApiContext> bus_ctx_;
  net::HttpRouter bus_router_;  // declared last: its hub goes first
};

TEST_F(EventStreamTest, LiveEventsArriveAsSseMessages) {
  const std::string id = CreateStream()["id"];
  int status = 0;
  auto stream = Open("/v1/events/stream", {}, &status);
  ASSERT_EQ(status, 200);
  ASSERT_TRUE(stream->WaitFor(": connected"));
  Patch(id, 7);
  ASSERT_TRUE(stream->WaitFor("event: live_stream.updated\n"));
  const std::string text = stream->text();
  EXPECT_EQ(text.find("live_stream.created"), std::string::npos);  // no history without a resume
  const size_t data = text.find("data: ");
  ASSERT_NE(data, std::string::npos);
  json envelope = json::parse(text.substr(data + 6, text.find('\n', data) - data - 6));
  EXPECT_EQ(envelope["object"]["id"], id);
  EXPECT_EQ(envelope["data"]["reconnect_window"], 7);
  EXPECT_NE(text.find("id: " + envelope["id"].get<std::string>() + "\n"), std::string::npos);
}

TEST_F(EventStreamTest, LastEventIdReplaysThenGoesLiveWithoutDuplicates) {
  const std::string a = CreateStream()["id"];
  const std::string b = CreateStream()["id"];
  Reply listed = Call("GET", "/v1/events?limit=100");
  const std::string first_id = listed.json["data"][1]["id"];  // oldest: a's created
  int status = 0;
  auto stream = Open("/v1/events/stream", {{"last-event-id", first_id}}, &status);
  ASSERT_EQ(status, 200);
  ASSERT_TRUE(stream->WaitFor("\"id\":\"" + b + "\""));  // b's created, replayed
  Patch(a, 9);
  ASSERT_TRUE(stream->WaitFor("live_stream.updated"));
  const std::string text = stream->text();
  EXPECT_EQ(text.find("id: " + first_id + "\n"), std::string::npos);
  size_t count = 0;
  for (size_t at = text.find("event: "); at != std::string::npos;
       at = text.find("event: ", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 2u);  // b created, a updated
}

TEST_F(EventStreamTest, FilterByLiveStream) {
  const std::string a = CreateStream()["id"];
  const std::string b = CreateStream()["id"];
  int status = 0;
  auto stream = Open("/v1/events/stream?live_stream_id=" + b, {}, &status);
  ASSERT_EQ(status, 200);
  ASSERT_TRUE(stream->WaitFor(": connected"));
  Patch(a, 3);
  Patch(b, 4);
  ASSERT_TRUE(stream->WaitFor("live_stream.updated"));
  EXPECT_EQ(stream->text().find(a), std::string::npos);
}

TEST_F(EventStreamTest, BadResumeOrFilterIs400AndNoBusIs503) {
  int status = 0;
  Open("/v1/events/stream", {{"last-event-id", "evt_missing"}}, &status);
  EXPECT_EQ(status, 400);
  Open("/v1/events/stream", {{"last-event-id", "garbage"}}, &status);
  EXPECT_EQ(status, 400);
  Open("/v1/events/stream?live_stream_id=", {}, &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(Call("GET", "/v1/events/stream").status, 503);  // the fixture's API has no bus
}

TEST_F(EventStreamTest, BusCloseEndsTheStream) {
  int status = 0;
  auto stream = Open("/v1/events/stream", {}, &status);
  ASSERT_TRUE(stream->WaitFor(": connected"));
  bus_.Close();
  for (int i = 0; i < 500 && stream->IsOpen(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(stream->IsOpen());
}

TEST(EventStreamHubTest, HeartbeatsAndGapForASlowClient) {
  auto opened = store::OpenSqliteStore(":memory:");
  ASSERT_TRUE(opened.ok());
  events::EventBus bus;
  EventStreamHub hub((*opened)->events(), bus, {.heartbeat = 20ms, .queue_capacity = 2});
  auto stream = std::make_shared<FakeStream>();
  hub.Add(stream, "", 0);
  EXPECT_TRUE(stream->WaitFor(": heartbeat"));
  std::vector<store::StoredEvent> burst;
  for (int64_t p = 1; p <= 5; ++p) {
    store::StoredEvent e;
    e.id = "evt_" + std::to_string(p);
    e.type = "live_stream.updated";
    e.object_type = "live_stream";
    e.object_id = "ls_x";
    e.position = p;
    burst.push_back(e);
  }
  bus.Publish(burst);
  EXPECT_TRUE(stream->WaitFor("event: gap\ndata: {\"lost\":3}"));
  EXPECT_TRUE(stream->WaitFor("id: evt_2\n"));
  EXPECT_EQ(hub.StreamCount(), 1u);
  stream->Close();
  for (int i = 0; i < 300 && hub.StreamCount() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(hub.StreamCount(), 0u);
}

}  // namespace
}  // namespace steadycast::api
