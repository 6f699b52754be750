// Fuzzes the `events tail` decoder with what a server (or anything on that port) may send: the
// SSE decoder in one piece and byte by byte (identical messages required), and each message's
// data through the JSON parser and the one-line formatting. Nothing may crash or throw.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "app/events_command_sse.h"
#include "app/streams_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  steadycast::app::SseDecoder whole;
  std::vector<steadycast::app::SseMessage> a;
  const bool ok_whole = whole.Feed(input, a).ok();
  steadycast::app::SseDecoder bytes;
  std::vector<steadycast::app::SseMessage> b;
  bool ok_bytes = true;
  for (size_t i = 0; i < size && ok_bytes; ++i) ok_bytes = bytes.Feed(input.substr(i, 1), b).ok();
  if (ok_whole != ok_bytes || (ok_whole && a != b)) std::abort();
  for (const auto& message : a) {
    (void)steadycast::app::FormatEventLine(steadycast::app::ParseJsonLimited(message.data));
  }
  return 0;
}
