#include "events/event.h"

#include <string>

#include "base/clock.h"
#include "base/random.h"
#include "events/live_stream_object.h"

namespace steadycast::events {

using nlohmann::json;

store::NewEvent LiveStreamEvent(std::string_view type, const store::LiveStream& stream,
                                int64_t now_ms, const json& extra) {
  json data = LiveStreamPublicJson(stream);
  if (extra.is_object()) {
    for (const auto& [key, value] : extra.items()) data[key] = value;
  }
  return store::NewEvent{.id = base::RandomId("evt"),
                         .type = std::string(type),
                         .object_type = "live_stream",
                         .object_id = stream.id,
                         .created_at_ms = now_ms,
                         .data_json = data.dump()};
}

json EventEnvelope(const store::StoredEvent& event) {
  json data = json::parse(event.data_json, nullptr, /*allow_exceptions=*/false);
  if (data.is_discarded()) data = json::object();
  return json{{"id", event.id},
              {"type", event.type},
              {"created_at", base::FormatRfc3339(event.created_at_ms)},
              {"object", {{"type", event.object_type}, {"id", event.object_id}}},
              {"sequence", event.sequence},
              {"data", std::move(data)}};
}

}  // namespace steadycast::events
