#include "ingest/rtmp/control.h"

#include <vector>

#include <gtest/gtest.h>

namespace steadycast::ingest::rtmp {
namespace {

std::vector<uint8_t> Bytes(const RtmpMessage& m) {
  return std::vector<uint8_t>(m.payload.span().begin(), m.payload.span().end());
}

TEST(ControlTest, BuildersUseTheControlChunkStream) {
  const RtmpMessage ack = MakeWindowAckSize(2500000);
  EXPECT_EQ(ack.chunk_stream_id, kControlChunkStream);
  EXPECT_EQ(ack.stream_id, 0u);
  EXPECT_EQ(ack.type_id, 5);
  EXPECT_EQ(Bytes(ack), (std::vector<uint8_t>{0x00, 0x26, 0x25, 0xA0}));
  EXPECT_EQ(Bytes(MakeSetPeerBandwidth(2500000, PeerBandwidthLimit::kDynamic)),
            (std::vector<uint8_t>{0x00, 0x26, 0x25, 0xA0, 0x02}));
  EXPECT_EQ(Bytes(MakeUserControl(UserControlEvent::kStreamBegin, 1)),
            (std::vector<uint8_t>{0x00, 0x00, 0x00, 0x00, 0x00, 0x01}));
  EXPECT_EQ(Bytes(MakeSetChunkSize(4096)), (std::vector<uint8_t>{0x00, 0x00, 0x10, 0x00}));
  EXPECT_EQ(MakeAcknowledgement(7).type_id, 3);
  EXPECT_EQ(MakeAbort(7).type_id, 2);
}

TEST(ControlTest, ParsesWhatItBuilds) {
  EXPECT_EQ(*ParseSetChunkSize(MakeSetChunkSize(4096).payload.span(), 1 << 24), 4096u);
  EXPECT_EQ(*ParseAbort(MakeAbort(9).payload.span()), 9u);
  auto bw =
      ParseSetPeerBandwidth(MakeSetPeerBandwidth(5, PeerBandwidthLimit::kSoft).payload.span());
  ASSERT_TRUE(bw.ok());
  EXPECT_EQ(bw->window_size, 5u);
  EXPECT_EQ(bw->limit_type, 1);
  auto ping =
      ParseUserControl(MakeUserControl(UserControlEvent::kPingRequest, 1234).payload.span());
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(ping->event, 6);
  EXPECT_EQ(ping->value, 1234u);
  auto buffer = ParseUserControl(MakeSetBufferLength(1, 3000).payload.span());
  ASSERT_TRUE(buffer.ok());
  EXPECT_EQ(buffer->buffer_length_ms, 3000u);
}

TEST(ControlTest, RefusesShortPayloadsAndBadChunkSizes) {
  EXPECT_FALSE(ParseU32Payload(std::vector<uint8_t>{1, 2, 3}, "x").ok());
  EXPECT_FALSE(ParseSetPeerBandwidth(std::vector<uint8_t>{0, 0, 0, 1}).ok());
  EXPECT_FALSE(ParseUserControl(std::vector<uint8_t>{0, 6, 0}).ok());
  EXPECT_FALSE(ParseUserControl(std::vector<uint8_t>{0, 3, 0, 0, 0, 1}).ok());  // no length
  EXPECT_FALSE(ParseSetChunkSize(std::vector<uint8_t>{0, 0, 0, 0}, 1 << 24).ok());
  EXPECT_FALSE(ParseSetChunkSize(std::vector<uint8_t>{0x80, 0, 0, 1}, 1 << 24).ok());
  EXPECT_FALSE(ParseSetChunkSize(std::vector<uint8_t>{0x7F, 0xFF, 0xFF, 0xFF}, 1 << 24).ok());
  EXPECT_TRUE(ParseSetChunkSize(std::vector<uint8_t>{0x01, 0x00, 0x00, 0x00}, 1 << 24).ok());
}

TEST(ControlTest, AckCounterAcknowledgesEachWindow) {
  AckCounter counter;
  EXPECT_EQ(counter.OnTotalBytes(10'000'000), std::nullopt);  // no window yet
  counter.set_window(1000);
  EXPECT_EQ(counter.OnTotalBytes(10'000'001), 10'000'001u);  // the backlog crosses the window
  EXPECT_EQ(counter.OnTotalBytes(10'001'000), std::nullopt);
  EXPECT_EQ(counter.OnTotalBytes(10'001'001), 10'001'001u);
  EXPECT_EQ(counter.OnTotalBytes(10'006'001), 10'006'001u);
  // The sequence number wraps modulo 2^32.
  AckCounter wrap;
  wrap.set_window(1u << 31);
  EXPECT_EQ(wrap.OnTotalBytes(uint64_t{1} << 31), 1u << 31);
  EXPECT_EQ(wrap.OnTotalBytes(uint64_t{1} << 32), 0u);
}

}  // namespace
}  // namespace steadycast::ingest::rtmp
