// Fuzzes live stream body validation (input: a POST/PATCH body). Accepted settings must
// apply cleanly and their canonical JSON must parse again.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/live_stream_settings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace steadycast::api;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (SettingsMode mode : {SettingsMode::kCreate, SettingsMode::kUpdate}) {
    SettingsParseResult result = ParseLiveStreamSettings(body, mode);
    if (!result.ok()) continue;
    steadycast::store::LiveStream stream;
    ApplySettings(result.settings, stream);
    for (const std::string* text : {&stream.ladder_json, &stream.metadata_json}) {
      if (nlohmann::json::parse(*text, nullptr, false).is_discarded()) __builtin_trap();
    }
  }
  return 0;
}
