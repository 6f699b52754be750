// libFuzzer target: arbitrary bytes into the worker link decoder, fed whole and in pieces whose
// sizes come from the input; every decoded message re-encodes and decodes to itself.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "formats/worker_link/worker_link.h"

using steadycast::formats::worker_link::Decoder;
using steadycast::formats::worker_link::Encode;
using steadycast::formats::worker_link::Message;
using steadycast::formats::worker_link::WorkerLinkLimits;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  WorkerLinkLimits limits;
  limits.max_payload = 1 << 20;
  limits.max_text = 4096;
  limits.max_codec_config = 1024;
  std::span<const uint8_t> input(data, size);

  Decoder whole(limits);
  std::vector<Message> messages;
  const bool ok = whole.Feed(input, messages).ok();
  if (whole.buffered() > 12 + limits.max_payload) __builtin_trap();

  // The same bytes in pieces of 1..16 bytes (sizes taken from the input) decode the same.
  Decoder split(limits);
  std::vector<Message> split_messages;
  bool split_ok = true;
  for (size_t pos = 0, i = 0; pos < size && split_ok; ++i) {
    const size_t n = std::min<size_t>(size - pos, 1 + data[i % size] % 16);
    split_ok = split.Feed(input.subspan(pos, n), split_messages).ok();
    pos += n;
  }
  if (ok != split_ok || messages.size() != split_messages.size()) __builtin_trap();

  for (const Message& message : messages) {
    std::vector<uint8_t> bytes;
    if (!Encode(message, bytes, limits).ok()) __builtin_trap();
    Decoder again(limits);
    std::vector<Message> back;
    if (!again.Feed(bytes, back).ok() || back.size() != 1) __builtin_trap();
  }
  return 0;
}
