// libFuzzer target: a whole server session. A fixed valid handshake is prepended so the
// fuzzer spends its time on the chunk stream, commands and media. Publishing is accepted at
// once. Fed whole and in two pieces, the session must answer and report the same way.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "ingest/rtmp/rtmp_session.h"

namespace {

using namespace steadycast::ingest::rtmp;

struct AcceptAll : RtmpSessionListener, steadycast::media::MediaSink {
  RtmpServerSession* session = nullptr;
  size_t events = 0;
  void OnPublishRequest(const PublishInfo&) override {
    session->AcceptPublish(*this).IgnoreError();
  }
  void OnMetadata(const StreamMetadata&) override { ++events; }
  void OnUnpublish() override { ++events; }
  void OnVideoConfig(const steadycast::media::VideoTrackConfig&) override { ++events; }
  void OnAudioConfig(const steadycast::media::AudioTrackConfig&) override { ++events; }
  void OnAccessUnit(const steadycast::media::AccessUnit&) override { ++events; }
};

struct Outcome {
  std::vector<uint8_t> output;
  size_t events = 0;
  bool ok = true;
  bool operator==(const Outcome&) const = default;
};

Outcome Run(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  RtmpSessionOptions options;
  options.handshake.random = [](std::span<uint8_t> out) {
    for (uint8_t& x : out) x = 0x42;
  };
  options.chunk_limits = {
      .max_message_size = 1 << 16, .max_chunk_streams = 8, .max_buffered_bytes = 1 << 17};
  options.max_pending_media_bytes = 1 << 16;
  AcceptAll listener;
  RtmpServerSession session(listener, options);
  listener.session = &session;
  Outcome outcome;
  outcome.ok = session.Feed(a).ok() && session.Feed(b).ok();
  outcome.output = session.TakeOutput();
  outcome.events = listener.events;
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> input(1 + 2 * kHandshakePacketSize, 0);  // C0 + zero C1 + zero C2
  input[0] = kRtmpVersion;
  input.insert(input.end(), data, data + size);
  const std::span<const uint8_t> all(input);
  const size_t cut = (size == 0 ? 0 : data[0] * size / 256) + 1 + 2 * kHandshakePacketSize;
  if (!(Run(all, {}) == Run(all.first(cut), all.subspan(cut)))) std::abort();
  return 0;
}
