// Fuzzes what `steadycast streams` does with a server's response bodies and with flag text:
// JSON parsing with the depth limit, the table / key-value / problem formatting, and the
// settings body built from the same bytes used as every text flag. Nothing may crash or throw.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/streams_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)steadycast::app::FormatProblem(400, text);
  const nlohmann::json parsed = steadycast::app::ParseJsonLimited(text);
  if (!parsed.is_discarded()) {
    (void)steadycast::app::FormatStreamTable(parsed);
    (void)steadycast::app::FormatStreamDetails(parsed, "http://127.0.0.1:8080");
    if (parsed.is_object() && parsed.contains("data")) {
      (void)steadycast::app::FormatStreamTable(parsed["data"]);
      (void)steadycast::app::FormatStreamDetails(parsed["data"], "");
    }
  }
  steadycast::app::StreamSettingsFlags flags;
  flags.body = text;
  flags.ladder = text;
  flags.srt_latency_ms = text;
  flags.srt_passphrase = text;
  flags.metadata = {text};
  (void)steadycast::app::BuildSettingsBody(flags);
  flags.body.clear();
  (void)steadycast::app::BuildSettingsBody(flags);
  return 0;
}
