#pragma once
// Test-only helpers for ingest/rtmp: deterministic randomness, a recording listener/sink that
// turns everything a session reports into comparable text lines, and ClientScript, which
// plays an RTMP publisher (handshake, commands, FLV media bodies) with our own encoders.
// Header-only.

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "formats/amf0/amf0_value.h"
#include "formats/flv/flv_writer.h"
#include "ingest/rtmp/chunk_writer.h"
#include "ingest/rtmp/command.h"
#include "ingest/rtmp/control.h"
#include "ingest/rtmp/handshake_digest.h"
#include "ingest/rtmp/rtmp_session.h"
#include "media/media_sink.h"

namespace steadycast::ingest::rtmp::testing {

// A random filler whose output depends only on `seed` and the call sequence.
inline std::function<void(std::span<uint8_t>)> DeterministicRandom(uint32_t seed) {
  auto rng = std::make_shared<std::mt19937>(seed);
  return [rng](std::span<uint8_t> out) {
    for (uint8_t& b : out) b = static_cast<uint8_t>((*rng)() >> 24);
  };
}

// An avcC (High profile, 128x72) and an AudioSpecificConfig (AAC-LC 44.1 kHz mono) taken
// from an FFmpeg publish (testdata/ffmpeg_publish.bin).
inline std::vector<uint8_t> SampleAvcc() {
  const char* hex =
      "0164000affe100196764000aacd9420bf97011000003000100000300140f12259601000468ef8fcbfdf8f8"
      "00";
  std::vector<uint8_t> out;
  for (size_t i = 0; hex[i] != 0 && hex[i + 1] != 0; i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex + i, 2), nullptr, 16)));
  }
  return out;
}
inline std::vector<uint8_t> SampleAsc() { return {0x12, 0x08}; }

// Records sink and listener calls as text lines, e.g. "au video dts=0 pts=18000 key=1 n=12".
class Recorder : public media::MediaSink, public RtmpSessionListener {
 public:
  std::vector<std::string> events;
  std::function<void(const PublishInfo&)> on_publish;  // default: just record

  void OnVideoConfig(const media::VideoTrackConfig& c) override {
    events.push_back(fmt::format("video-config {}x{} {}", c.width, c.height, c.CodecString()));
  }
  void OnAudioConfig(const media::AudioTrackConfig& c) override {
    events.push_back(
        fmt::format("audio-config {}Hz {}ch {}", c.sample_rate, c.channels, c.CodecString()));
  }
  void OnAccessUnit(const media::AccessUnit& u) override {
    uint32_t sum = 0;
    for (size_t i = 0; i < u.data.size(); ++i) sum = sum * 31 + u.data[i];
    events.push_back(fmt::format("au {} dts={} pts={} key={} n={} sum={:08x}",
                                 u.kind == media::TrackKind::kVideo ? "video" : "audio", u.dts,
                                 u.pts, u.keyframe ? 1 : 0, u.data.size(), sum));
  }
  void OnConnect(const ConnectInfo& info) override {
    events.push_back(fmt::format("connect app={} tcUrl={}", info.app, info.tc_url));
  }
  void OnPublishRequest(const PublishInfo& info) override {
    events.push_back(fmt::format("publish app={} key={} type={} stream={}", info.app,
                                 info.stream_key, info.publish_type, info.stream_id));
    if (on_publish) on_publish(info);
  }
  void OnMetadata(const StreamMetadata& m) override {
    events.push_back(fmt::format("metadata {}x{} fps={} encoder={}", m.width.value_or(-1),
                                 m.height.value_or(-1), m.frame_rate.value_or(-1), m.encoder));
  }
  void OnUnpublish() override { events.push_back("unpublish"); }
};

// Builds the bytes an RTMP publisher sends: a plain handshake, then messages through our own
// ChunkWriter (so header compression and chunk sizes vary like real clients).
class ClientScript {
 public:
  using Value = formats::amf0::Value;

  ClientScript() {
    bytes_.push_back(3);
    std::vector<uint8_t> c1(kHandshakePacketSize);
    DeterministicRandom(99)(c1);
    std::fill_n(c1.begin(), 8, 0);
    bytes_.insert(bytes_.end(), c1.begin(), c1.end());
    bytes_.insert(bytes_.end(), kHandshakePacketSize, 0xC2);  // C2
  }

  ClientScript& Send(const RtmpMessage& message) {
    writer_.Write(message, bytes_);
    return *this;
  }
  ClientScript& SetChunkSize(uint32_t size) {
    Send(MakeSetChunkSize(size));
    writer_.set_chunk_size(size);
    return *this;
  }
  ClientScript& Command(uint32_t stream_id, std::vector<Value> values) {
    return Send(MakeCommandMessage(stream_id == 0 ? 3 : 8, stream_id, values));
  }
  ClientScript& Connect(std::string app = "live") {
    return Command(0, {Value::String("connect"), Value::Number(1),
                       Value::Object()
                           .Add("app", Value::String(app))
                           .Add("type", Value::String("nonprivate"))
                           .Add("flashVer", Value::String("FMLE/3.0 (compatible; test)"))
                           .Add("tcUrl", Value::String("rtmp://127.0.0.1/" + app))});
  }
  ClientScript& CreateStream(double txid = 4) {
    return Command(0, {Value::String("createStream"), Value::Number(txid), Value::Null()});
  }
  ClientScript& Publish(std::string name, uint32_t stream_id = 1) {
    media_stream_id_ = stream_id;
    return Command(stream_id, {Value::String("publish"), Value::Number(5), Value::Null(),
                               Value::String(std::move(name)), Value::String("live")});
  }
  // connect + releaseStream + FCPublish + createStream + publish, as FFmpeg and OBS send them.
  ClientScript& StartPublishing(std::string key) {
    Connect();
    Command(0,
            {Value::String("releaseStream"), Value::Number(2), Value::Null(), Value::String(key)});
    Command(0, {Value::String("FCPublish"), Value::Number(3), Value::Null(), Value::String(key)});
    CreateStream();
    return Publish(key);
  }
  ClientScript& Metadata(double width, double height, double fps) {
    return Send(MakeDataMessage(
        4, media_stream_id_, 0,
        std::vector<Value>{Value::String("@setDataFrame"), Value::String("onMetaData"),
                           Value::EcmaArray()
                               .Add("width", Value::Number(width))
                               .Add("height", Value::Number(height))
                               .Add("framerate", Value::Number(fps))
                               .Add("encoder", Value::String("test"))}));
  }
  ClientScript& Video(uint32_t timestamp, std::vector<uint8_t> body) {
    return Send(
        RtmpMessage{6, 9, media_stream_id_, timestamp, base::Buffer::Take(std::move(body))});
  }
  ClientScript& Audio(uint32_t timestamp, std::vector<uint8_t> body) {
    return Send(
        RtmpMessage{4, 8, media_stream_id_, timestamp, base::Buffer::Take(std::move(body))});
  }
  ClientScript& VideoConfig(uint32_t timestamp = 0) {
    return Video(timestamp, formats::flv::BuildAvcSequenceHeaderBody(SampleAvcc()));
  }
  ClientScript& AudioConfig(uint32_t timestamp = 0) {
    return Audio(timestamp, formats::flv::BuildAacSequenceHeaderBody(SampleAsc()));
  }
  // One access unit holding a single NAL unit of `nal_size` bytes.
  ClientScript& Frame(uint32_t timestamp, bool keyframe, int32_t cts_ms = 0, size_t nal_size = 40) {
    std::vector<uint8_t> nal = {
        static_cast<uint8_t>(nal_size >> 24), static_cast<uint8_t>(nal_size >> 16),
        static_cast<uint8_t>(nal_size >> 8), static_cast<uint8_t>(nal_size)};
    nal.push_back(keyframe ? 0x65 : 0x41);
    for (size_t i = 1; i < nal_size; ++i) nal.push_back(static_cast<uint8_t>(i + timestamp));
    return Video(timestamp, formats::flv::BuildAvcNaluBody(keyframe, cts_ms, nal));
  }
  ClientScript& AacFrame(uint32_t timestamp, size_t size = 20) {
    std::vector<uint8_t> frame(size, static_cast<uint8_t>(timestamp));
    return Audio(timestamp, formats::flv::BuildAacRawBody(frame));
  }

  const std::vector<uint8_t>& bytes() const { return bytes_; }
  // Bytes after the handshake (what the session fuzz target appends to its own handshake).
  std::vector<uint8_t> AfterHandshake() const {
    return std::vector<uint8_t>(bytes_.begin() + 1 + 2 * kHandshakePacketSize, bytes_.end());
  }

 private:
  std::vector<uint8_t> bytes_;
  ChunkWriter writer_;
  uint32_t media_stream_id_ = 1;
};

}  // namespace steadycast::ingest::rtmp::testing
