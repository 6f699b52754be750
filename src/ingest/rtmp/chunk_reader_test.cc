#include "ingest/rtmp/chunk_reader.h"

#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "base/bytes.h"
#include "base/testing/split_feeder.h"
#include "ingest/rtmp/chunk_writer.h"
#include "ingest/rtmp/control.h"

namespace steadycast::ingest::rtmp {
namespace {

struct Outcome {
  std::vector<RtmpMessage> messages;
  std::string error;  // empty when every byte was accepted
  bool operator==(const Outcome&) const = default;
};

Outcome Read(std::span<const uint8_t> input, const base::testing::SplitPlan& plan,
             ChunkReaderLimits limits = {}) {
  ChunkReader reader(limits);
  Outcome outcome;
  base::testing::FeedInPieces(input, plan, [&](std::span<const uint8_t> piece) {
    if (!outcome.error.empty()) return;
    base::Status status = reader.Feed(piece, [&](RtmpMessage m) {
      outcome.messages.push_back(std::move(m));
      return base::Status::Ok();
    });
    if (!status.ok()) outcome.error = status.ToString();
  });
  return outcome;
}

// Reads `input` whole, byte by byte and in random splits; all must agree. Returns the result.
Outcome ReadAllWays(const std::vector<uint8_t>& input, ChunkReaderLimits limits = {}) {
  Outcome whole = Read(input, {"whole", {input.size()}}, limits);
  for (const auto& plan : base::testing::SplitPlans(input.size())) {
    EXPECT_EQ(Read(input, plan, limits), whole) << plan.name;
  }
  return whole;
}

std::vector<uint8_t> Payload(size_t n, uint8_t seed) {
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(seed + i * 7);
  return out;
}

RtmpMessage Message(uint32_t csid, uint8_t type, uint32_t stream, uint32_t ts,
                    std::vector<uint8_t> payload) {
  return RtmpMessage{csid, type, stream, ts, base::Buffer::Take(std::move(payload))};
}

void Append(std::vector<uint8_t>& out, std::initializer_list<int> bytes) {
  for (int b : bytes) out.push_back(static_cast<uint8_t>(b));
}
void Append(std::vector<uint8_t>& out, const std::vector<uint8_t>& bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}
void Append(std::vector<uint8_t>& out, const std::vector<uint8_t>& bytes, size_t from, size_t n) {
  out.insert(out.end(), bytes.begin() + from, bytes.begin() + from + n);
}

// RTMP 1.0 §5.3.2.1: four audio messages of 32 bytes, 20 ms apart: fmt 0, 2, 3, 3.
TEST(ChunkReaderTest, SpecExampleOne) {
  std::vector<uint8_t> bytes;
  std::vector<RtmpMessage> expected;
  for (int i = 0; i < 4; ++i) {
    const auto payload = Payload(32, static_cast<uint8_t>(i));
    if (i == 0) {
      Append(bytes, {0x03, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x20, 0x08, 0x39, 0x30, 0x00, 0x00});
    } else if (i == 1) {
      Append(bytes, {0x83, 0x00, 0x00, 0x14});
    } else {
      Append(bytes, {0xC3});
    }
    Append(bytes, payload);
    expected.push_back(Message(3, 8, 12345, 1000 + 20 * i, payload));
  }
  const Outcome outcome = ReadAllWays(bytes);
  EXPECT_EQ(outcome.error, "");
  EXPECT_EQ(outcome.messages, expected);

  ChunkWriter writer;
  std::vector<uint8_t> written;
  for (const auto& m : expected) writer.Write(m, written);
  EXPECT_EQ(written, bytes);
}

// RTMP 1.0 §5.3.2.2: one 307-byte message in chunks of 128: fmt 0, 3, 3.
TEST(ChunkReaderTest, SpecExampleTwo) {
  const auto payload = Payload(307, 1);
  std::vector<uint8_t> bytes;
  Append(bytes, {0x04, 0x00, 0x03, 0xE8, 0x00, 0x01, 0x33, 0x09, 0x39, 0x30, 0x00, 0x00});
  Append(bytes, payload, 0, 128);
  Append(bytes, {0xC4});
  Append(bytes, payload, 128, 128);
  Append(bytes, {0xC4});
  Append(bytes, payload, 256, 51);
  const Outcome outcome = ReadAllWays(bytes);
  ASSERT_EQ(outcome.error, "");
  ASSERT_EQ(outcome.messages.size(), 1u);
  EXPECT_EQ(outcome.messages[0], Message(4, 9, 12345, 1000, payload));

  ChunkWriter writer;
  std::vector<uint8_t> written;
  writer.Write(outcome.messages[0], written);
  EXPECT_EQ(written, bytes);
}

TEST(ChunkReaderTest, InterleavedChunkStreams) {
  const auto video = Payload(200, 3);
  const auto audio = Payload(10, 9);
  std::vector<uint8_t> bytes;
  Append(bytes, {0x06, 0x00, 0x00, 0x10, 0x00, 0x00, 0xC8, 0x09, 0x01, 0x00, 0x00, 0x00});
  Append(bytes, video, 0, 128);
  Append(bytes, {0x07, 0x00, 0x00, 0x11, 0x00, 0x00, 0x0A, 0x08, 0x01, 0x00, 0x00, 0x00});
  Append(bytes, audio);
  Append(bytes, {0xC6});
  Append(bytes, video, 128, 72);
  const Outcome outcome = ReadAllWays(bytes);
  ASSERT_EQ(outcome.error, "");
  ASSERT_EQ(outcome.messages.size(), 2u);
  EXPECT_EQ(outcome.messages[0], Message(7, 8, 1, 0x11, audio));
  EXPECT_EQ(outcome.messages[1], Message(6, 9, 1, 0x10, video));
}

TEST(ChunkReaderTest, TwoAndThreeByteBasicHeaders) {
  std::vector<uint8_t> bytes;
  ChunkWriter writer;
  std::vector<RtmpMessage> expected;
  for (uint32_t csid : {2u, 63u, 64u, 319u, 320u, 65599u}) {
    expected.push_back(Message(csid, 20, 0, csid, Payload(5, 1)));
    writer.Write(expected.back(), bytes);
  }
  EXPECT_EQ(bytes[0], 0x02);
  const Outcome outcome = ReadAllWays(bytes);
  EXPECT_EQ(outcome.error, "");
  EXPECT_EQ(outcome.messages, expected);
}

TEST(ChunkReaderTest, ExtendedTimestampOnFormat3Chunks) {
  // fmt 0 with timestamp 0x01000000 (extended), 200 bytes in two chunks: the fmt 3
  // continuation repeats the extended field. Then a fmt 3 chunk starts a new message whose
  // delta (the fmt 0 timestamp, per §5.3.1.2.4) is again extended.
  const auto payload = Payload(200, 5);
  std::vector<uint8_t> bytes;
  Append(bytes, {0x05, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xC8, 0x09, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00,
                 0x00, 0x00});
  Append(bytes, payload, 0, 128);
  Append(bytes, {0xC5, 0x01, 0x00, 0x00, 0x00});
  Append(bytes, payload, 128, 72);
  Append(bytes, {0xC5, 0x01, 0x00, 0x00, 0x00});
  Append(bytes, payload, 0, 128);
  Append(bytes, {0xC5, 0x01, 0x00, 0x00, 0x00});
  Append(bytes, payload, 128, 72);
  const Outcome outcome = ReadAllWays(bytes);
  ASSERT_EQ(outcome.error, "");
  ASSERT_EQ(outcome.messages.size(), 2u);
  EXPECT_EQ(outcome.messages[0], Message(5, 9, 1, 0x01000000, payload));
  EXPECT_EQ(outcome.messages[1], Message(5, 9, 1, 0x02000000, payload));
}

TEST(ChunkReaderTest, TimestampDeltaWrapsAround32Bits) {
  std::vector<uint8_t> bytes;
  // fmt 0 at 0xFFFFFFF0 (extended), then fmt 2 with delta 0x20: 0x10 after the wrap.
  Append(bytes, {0x04, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x01, 0x08, 0x01, 0x00, 0x00, 0x00, 0xFF, 0xFF,
                 0xFF, 0xF0, 0xAA});
  Append(bytes, {0x84, 0x00, 0x00, 0x20, 0xBB});
  const Outcome outcome = ReadAllWays(bytes);
  ASSERT_EQ(outcome.error, "");
  ASSERT_EQ(outcome.messages.size(), 2u);
  EXPECT_EQ(outcome.messages[0].timestamp, 0xFFFFFFF0u);
  EXPECT_EQ(outcome.messages[1].timestamp, 0x10u);
}

TEST(ChunkReaderTest, SetChunkSizeAppliesToTheNextChunk) {
  ChunkWriter writer;
  std::vector<uint8_t> bytes;
  writer.Write(MakeSetChunkSize(4096), bytes);
  writer.set_chunk_size(4096);
  const RtmpMessage big = Message(6, 9, 1, 40, Payload(10000, 2));
  writer.Write(big, bytes);
  const Outcome outcome = ReadAllWays(bytes);
  ASSERT_EQ(outcome.error, "");
  ASSERT_EQ(outcome.messages.size(), 1u);  // Set Chunk Size is consumed by the reader
  EXPECT_EQ(outcome.messages[0], big);
}

TEST(ChunkReaderTest, RandomMessagesRoundTripThroughTheWriter) {
  std::mt19937 rng(42);
  for (int round = 0; round < 20; ++round) {
    ChunkWriter writer;
    writer.set_compress_headers(round % 2 == 0);
    std::vector<uint8_t> bytes;
    std::vector<RtmpMessage> expected;
    uint32_t ts[4] = {0, 0, 0, 0};
    for (int i = 0; i < 30; ++i) {
      if (rng() % 8 == 0) {
        const uint32_t size = 1 + rng() % 300;
        writer.Write(MakeSetChunkSize(size), bytes);
        writer.set_chunk_size(size);
      }
      const uint32_t lane = rng() % 4;
      const uint32_t csid = std::array<uint32_t, 4>{3, 4, 100, 1000}[lane];
      ts[lane] += rng() % 3 == 0 ? 0x1000000 + rng() : rng() % 50;
      const size_t length = rng() % 3 == 0 ? 0 : rng() % 700;
      expected.push_back(Message(csid, static_cast<uint8_t>(8 + lane % 2), 1 + lane % 2, ts[lane],
                                 Payload(length, static_cast<uint8_t>(i))));
      writer.Write(expected.back(), bytes);
    }
    const Outcome outcome = ReadAllWays(bytes);
    ASSERT_EQ(outcome.error, "") << round;
    EXPECT_EQ(outcome.messages, expected) << round;
  }
}

TEST(ChunkReaderTest, ChunkSizeZero) {
  std::vector<uint8_t> bytes;
  ChunkWriter().Write(Message(2, 1, 0, 0, {0, 0, 0, 0}), bytes);
  const Outcome outcome = ReadAllWays(bytes);
  EXPECT_NE(outcome.error.find("Set Chunk Size of 0"), std::string::npos) << outcome.error;
}

TEST(ChunkReaderTest, ChunkSize0x7FFFFFFF) {
  // Allowed by the protocol, above our maximum message size: refused, nothing allocated.
  std::vector<uint8_t> bytes;
  ChunkWriter().Write(Message(2, 1, 0, 0, {0x7F, 0xFF, 0xFF, 0xFF}), bytes);
  ChunkReader reader;
  base::Status status = reader.Feed(bytes, [](RtmpMessage) { return base::Status::Ok(); });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), base::ErrorCode::kOutOfRange);
  EXPECT_EQ(reader.chunk_size(), kDefaultChunkSize);
  EXPECT_EQ(reader.buffered_bytes(), 0u);
  // The top bit is reserved.
  std::vector<uint8_t> top_bit;
  ChunkWriter().Write(Message(2, 1, 0, 0, {0x80, 0x00, 0x10, 0x00}), top_bit);
  EXPECT_NE(ReadAllWays(top_bit).error.find("top bit"), std::string::npos);
  // Short payload.
  std::vector<uint8_t> short_payload;
  ChunkWriter().Write(Message(2, 1, 0, 0, {0x00, 0x10}), short_payload);
  EXPECT_NE(ReadAllWays(short_payload).error, "");
}

TEST(ChunkReaderTest, MessageLengthZero) {
  std::vector<uint8_t> bytes;
  Append(bytes, {0x03, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00});
  Append(bytes, {0xC3});  // a new empty message, delta 5
  Append(bytes, {0x03, 0x00, 0x00, 0x09, 0x00, 0x00, 0x01, 0x14, 0x00, 0x00, 0x00, 0x00, 0x05});
  const Outcome outcome = ReadAllWays(bytes);
  ASSERT_EQ(outcome.error, "");
  ASSERT_EQ(outcome.messages.size(), 3u);
  EXPECT_EQ(outcome.messages[0], Message(3, 20, 0, 5, {}));
  EXPECT_EQ(outcome.messages[1], Message(3, 20, 0, 10, {}));
  EXPECT_EQ(outcome.messages[2], Message(3, 20, 0, 9, {0x05}));
}

TEST(ChunkReaderTest, MessageLength0xFFFFFF) {
  ChunkReaderLimits limits;
  limits.max_message_size = size_t{1024} * 1024;
  // Only the header: the length is refused before any payload is read or buffered.
  const std::vector<uint8_t> bytes = {0x04, 0x00, 0x00, 0x00, 0xFF, 0xFF,
                                      0xFF, 0x09, 0x01, 0x00, 0x00, 0x00};
  ChunkReader reader(limits);
  base::Status status = reader.Feed(bytes, [](RtmpMessage) { return base::Status::Ok(); });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), base::ErrorCode::kOutOfRange);
  EXPECT_NE(status.message().find("16777215"), std::string::npos);
  EXPECT_EQ(reader.buffered_bytes(), 0u);
  const Outcome outcome = ReadAllWays(bytes, limits);
  EXPECT_NE(outcome.error, "");
  // Errors are final.
  EXPECT_FALSE(reader.Feed(bytes, [](RtmpMessage) { return base::Status::Ok(); }).ok());
}

TEST(ChunkReaderTest, BufferedBytesAcrossChunkStreamsAreCapped) {
  ChunkReaderLimits limits;
  limits.max_buffered_bytes = 100000;
  std::vector<uint8_t> bytes;
  // Two 60000-byte messages started on two chunk streams, neither finished.
  Append(bytes, {0x04, 0x00, 0x00, 0x00, 0x00, 0xEA, 0x60, 0x09, 0x01, 0x00, 0x00, 0x00});
  Append(bytes, Payload(128, 0));
  Append(bytes, {0x05, 0x00, 0x00, 0x00, 0x00, 0xEA, 0x60, 0x09, 0x01, 0x00, 0x00, 0x00});
  const Outcome outcome = ReadAllWays(bytes, limits);
  EXPECT_NE(outcome.error.find("partial messages exceed"), std::string::npos) << outcome.error;
}

TEST(ChunkReaderTest, AbortDropsThePartialMessage) {
  const auto payload = Payload(200, 1);
  std::vector<uint8_t> bytes;
  Append(bytes, {0x04, 0x00, 0x00, 0x01, 0x00, 0x00, 0xC8, 0x09, 0x01, 0x00, 0x00, 0x00});
  Append(bytes, payload, 0, 128);
  ChunkWriter control;
  control.Write(MakeAbort(4), bytes);
  Append(bytes, {0x04, 0x00, 0x00, 0x02, 0x00, 0x00, 0x03, 0x09, 0x01, 0x00, 0x00, 0x00, 1, 2, 3});
  const Outcome outcome = ReadAllWays(bytes);
  ASSERT_EQ(outcome.error, "");
  ASSERT_EQ(outcome.messages.size(), 1u);
  EXPECT_EQ(outcome.messages[0], Message(4, 9, 1, 2, {1, 2, 3}));
}

TEST(ChunkReaderTest, FirstChunkOfAStreamMustBeFormat0) {
  for (uint8_t first : {0x43, 0x83, 0xC3}) {
    const std::vector<uint8_t> bytes = {first, 0, 0, 0, 0, 0, 1, 8, 0};
    EXPECT_NE(ReadAllWays(bytes).error.find("expected 0"), std::string::npos);
  }
}

TEST(ChunkReaderTest, NewHeaderBeforeMessageCompleteIsRefused) {
  std::vector<uint8_t> bytes;
  Append(bytes, {0x04, 0x00, 0x00, 0x01, 0x00, 0x00, 0xC8, 0x09, 0x01, 0x00, 0x00, 0x00});
  Append(bytes, Payload(128, 0));
  Append(bytes, {0x84, 0x00, 0x00, 0x01});
  EXPECT_NE(ReadAllWays(bytes).error.find("before its message was complete"), std::string::npos);
}

TEST(ChunkReaderTest, TooManyChunkStreams) {
  ChunkReaderLimits limits;
  limits.max_chunk_streams = 3;
  std::vector<uint8_t> bytes;
  ChunkWriter writer;
  for (uint32_t csid = 3; csid < 7; ++csid) writer.Write(Message(csid, 20, 0, 0, {5}), bytes);
  const Outcome outcome = ReadAllWays(bytes, limits);
  EXPECT_EQ(outcome.messages.size(), 3u);
  EXPECT_NE(outcome.error.find("more than 3 chunk streams"), std::string::npos);
}

TEST(ChunkReaderTest, HandlerErrorStopsTheReader) {
  std::vector<uint8_t> bytes;
  ChunkWriter writer;
  writer.Write(Message(3, 20, 0, 0, {5}), bytes);
  writer.Write(Message(3, 20, 0, 1, {6}), bytes);
  ChunkReader reader;
  int calls = 0;
  base::Status status = reader.Feed(bytes, [&](RtmpMessage) {
    ++calls;
    return base::InvalidArgument("no");
  });
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace steadycast::ingest::rtmp
