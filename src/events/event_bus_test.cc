#include "events/event_bus.h"

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "events/event.h"
#include "events/event_bus_store.h"
#include "store/sqlite/sqlite_store.h"

namespace steadycast::events {
namespace {

using namespace std::chrono_literals;

store::StoredEvent Event(int64_t position, std::string object_id = "ls_a") {
  store::StoredEvent e;
  e.id = "evt_" + std::to_string(position);
  e.type = "live_stream.updated";
  e.object_type = "live_stream";
  e.object_id = std::move(object_id);
  e.position = position;
  return e;
}

std::vector<int64_t> Positions(const EventBatch& batch) {
  std::vector<int64_t> out;
  for (const auto& e : batch.events) out.push_back(e.position);
  return out;
}

TEST(EventBusTest, EverySubscriberGetsEveryEventInOrder) {
  EventBus bus;
  auto a = bus.Subscribe();
  auto b = bus.Subscribe();
  bus.Publish({Event(1), Event(2)});
  bus.Publish({Event(3)});
  EXPECT_EQ(Positions(a->Take()), (std::vector<int64_t>{1, 2, 3}));
  EventBatch batch = b->Take();
  EXPECT_EQ(Positions(batch), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(batch.lost, 0u);
  EXPECT_FALSE(batch.closed);
  EXPECT_TRUE(a->Take().events.empty());
  EXPECT_EQ(bus.published(), 3u);
}

TEST(EventBusTest, ObjectFilter) {
  EventBus bus;
  auto only_b = bus.Subscribe({.object_id = "ls_b"});
  bus.Publish({Event(1, "ls_a"), Event(2, "ls_b"), Event(3, "ls_a")});
  EXPECT_EQ(Positions(only_b->Take()), std::vector<int64_t>{2});
}

TEST(EventBusTest, SlowSubscriberLosesEventsAndIsToldWithoutSlowingOthers) {
  EventBus bus;
  auto slow = bus.Subscribe({.queue_capacity = 3});
  auto fast = bus.Subscribe();
  for (int64_t p = 1; p <= 10; ++p) bus.Publish({Event(p)});  // never blocks
  EventBatch batch = slow->Take();
  EXPECT_EQ(Positions(batch), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(batch.lost, 7u);
  EXPECT_EQ(fast->Take().events.size(), 10u);
  bus.Publish({Event(11)});
  batch = slow->Take();
  EXPECT_EQ(Positions(batch), std::vector<int64_t>{11});
  EXPECT_EQ(batch.lost, 0u);  // reported once
}

TEST(EventBusTest, WaitForWakesOnPublishAndTimesOut) {
  EventBus bus;
  auto sub = bus.Subscribe();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(sub->WaitFor(20ms).events.empty());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
  std::thread publisher([&] {
    std::this_thread::sleep_for(10ms);
    bus.Publish({Event(1)});
  });
  EXPECT_EQ(Positions(sub->WaitFor(5s)), std::vector<int64_t>{1});
  publisher.join();
}

TEST(EventBusTest, OnReadyAndCloseAndUnsubscribe) {
  EventBus bus;
  std::atomic<int> ready{0};
  auto sub = bus.Subscribe({.on_ready = [&] { ++ready; }});
  auto other = bus.Subscribe();
  EXPECT_EQ(bus.SubscriberCount(), 2u);
  other.reset();
  EXPECT_EQ(bus.SubscriberCount(), 1u);
  bus.Publish({Event(1)});
  EXPECT_EQ(ready.load(), 1);
  bus.Close();
  EXPECT_EQ(ready.load(), 2);
  EventBatch batch = sub->WaitFor(5s);
  EXPECT_EQ(batch.events.size(), 1u);
  EXPECT_TRUE(batch.closed);
  bus.Publish({Event(2)});  // ignored
  EXPECT_TRUE(bus.Subscribe()->Take().closed);
}

TEST(EventBusTest, SubscriptionMayOutliveTheBus) {
  auto bus = std::make_unique<EventBus>();
  auto sub = bus->Subscribe();
  bus.reset();
  EXPECT_TRUE(sub->Take().closed);
}

TEST(EventBusTest, ConcurrentPublishersKeepEachSubscriberComplete) {
  EventBus bus;
  auto sub = bus.Subscribe({.queue_capacity = 100'000});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) bus.Publish({Event(t * 1000 + i)});
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(sub->Take().events.size(), 2000u);
}

// The after-commit hook: events reach the bus only through the store, after commit, with
// their position and sequence; events committed before the publisher existed are not replayed.
TEST(PublishingStoreTest, PublishesCommittedEventsInOutboxOrder) {
  auto opened = store::OpenSqliteStore(":memory:");
  ASSERT_TRUE(opened.ok());
  store::Store& raw = **opened;
  store::LiveStream old_stream;
  old_stream.id = "ls_old";
  old_stream.stream_key = "key_old";
  ASSERT_TRUE(
      raw.live_streams()
          .CreateWithEvents(old_stream, {LiveStreamEvent("live_stream.created", old_stream, 1)})
          .ok());
  EventBus bus;
  PublishingStore store(raw, bus);
  auto sub = bus.Subscribe();
  store::LiveStream s;
  s.id = "ls_new";
  s.stream_key = "key_new";
  ASSERT_TRUE(store.live_streams()
                  .CreateWithEvents(s, {LiveStreamEvent("live_stream.created", s, 2)})
                  .ok());
  ASSERT_TRUE(store.live_streams()
                  .Mutate("ls_new",
                          [](store::LiveStream& st) -> base::Result<std::vector<store::NewEvent>> {
                            st.reconnect_window = 5;
                            return std::vector<store::NewEvent>{
                                LiveStreamEvent("live_stream.updated", st, 3)};
                          })
                  .ok());
  ASSERT_TRUE(store.events().Append({LiveStreamEvent("live_stream.health_changed", s, 4)}).ok());
  ASSERT_TRUE(store.live_streams()
                  .DeleteWithEvents("ls_new",
                                    [](const store::LiveStream& before) {
                                      return std::vector<store::NewEvent>{
                                          LiveStreamEvent("live_stream.deleted", before, 5)};
                                    })
                  .ok());
  EventBatch batch = sub->Take();
  ASSERT_EQ(batch.events.size(), 4u);
  const char* types[] = {"live_stream.created", "live_stream.updated", "live_stream.health_changed",
                         "live_stream.deleted"};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(batch.events[i].type, types[i]);
    EXPECT_EQ(batch.events[i].object_id, "ls_new");
    EXPECT_EQ(batch.events[i].sequence, static_cast<int64_t>(i + 1));
    if (i > 0) {
      EXPECT_GT(batch.events[i].position, batch.events[i - 1].position);
    }
  }
  // A failed write publishes nothing.
  EXPECT_FALSE(store.live_streams().Mutate("ls_gone", nullptr).ok());
  EXPECT_TRUE(sub->Take().events.empty());
}

}  // namespace
}  // namespace steadycast::events
