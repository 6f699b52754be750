#pragma once
// Building outbox events (store::NewEvent) and the delivered envelope (docs/contract.md "Webhook
// delivery": {"id","type","created_at","object":{"type","id"},"sequence","data"}). Payloads
// are built from LiveStreamPublicJson, so they never carry secrets. Pure; thread-safe.

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace steadycast::events {

// An event about `stream` with the stream's public object as data. `extra` (an object, may be
// empty) is merged into data — e.g. {"reason":"stall"} or {"publisher":{...}}.
store::NewEvent LiveStreamEvent(std::string_view type, const store::LiveStream& stream,
                                int64_t now_ms, const nlohmann::json& extra = nullptr);

// The JSON envelope of a stored event, as delivered and listed.
nlohmann::json EventEnvelope(const store::StoredEvent& event);

}  // namespace steadycast::events
