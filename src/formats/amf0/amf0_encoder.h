#pragma once
// AMF0 encoder (Adobe AMF0 spec §2): serialises Values for RTMP replies (`_result`,
// `onStatus`, ...) and for tests that synthesise client messages. Pure functions that append
// to a caller-owned vector.
//
// Encoding recurses once per nesting level: callers pass values they built themselves or got
// from the Decoder (which bounds nesting), never unbounded trees.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "formats/amf0/amf0_value.h"

namespace steadycast::formats::amf0 {

// Appends `value`. Strings longer than 65535 bytes are written as long strings; property
// names longer than 65535 bytes (never produced by the Decoder) are cut to fit.
void EncodeValue(const Value& value, std::vector<uint8_t>& out);

// Appends every value in order (one RTMP command message payload).
void EncodeValues(std::span<const Value> values, std::vector<uint8_t>& out);
std::vector<uint8_t> EncodeValues(std::span<const Value> values);

}  // namespace steadycast::formats::amf0
