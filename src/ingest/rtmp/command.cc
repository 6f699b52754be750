#include "ingest/rtmp/command.h"

#include <cmath>
#include <utility>

#include "formats/amf0/amf0_encoder.h"

namespace steadycast::ingest::rtmp {
namespace {

using formats::amf0::Value;

constexpr size_t kMaxEncoderNameLength = 256;

std::optional<double> FiniteNumber(const Value& object, std::string_view key) {
  std::optional<double> v = object.FindNumber(key);
  if (v.has_value() && !std::isfinite(*v)) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::string_view> Command::StringArgument(size_t index) const {
  if (index >= arguments.size() || !arguments[index].is_string()) return std::nullopt;
  return std::string_view(arguments[index].text());
}

std::optional<double> Command::NumberArgument(size_t index) const {
  if (index >= arguments.size() || !arguments[index].is_number()) return std::nullopt;
  return arguments[index].number();
}

std::span<const uint8_t> Amf0Body(const RtmpMessage& message) {
  std::span<const uint8_t> body = message.payload.span();
  const auto type = static_cast<MessageType>(message.type_id);
  if ((type == MessageType::kCommandAmf3 || type == MessageType::kDataAmf3) && !body.empty() &&
      body[0] == 0) {
    body = body.subspan(1);
  }
  return body;
}

base::Result<Command> ParseCommand(const RtmpMessage& message,
                                   const formats::amf0::Decoder& decoder) {
  SC_ASSIGN_OR_RETURN(std::vector<Value> values,
                      decoder.DecodeAll(Amf0Body(message)).WithContext("rtmp command"));
  if (values.empty() || !values[0].is_string()) {
    return base::InvalidArgument("rtmp command: the first value is not a command name");
  }
  Command command;
  command.name = values[0].text();
  if (values.size() > 1 && values[1].is_number() && std::isfinite(values[1].number())) {
    command.transaction_id = values[1].number();
  }
  if (values.size() > 2) command.command_object = std::move(values[2]);
  for (size_t i = 3; i < values.size(); ++i) command.arguments.push_back(std::move(values[i]));
  return command;
}

RtmpMessage MakeCommandMessage(uint32_t chunk_stream_id, uint32_t stream_id,
                               std::span<const Value> values) {
  RtmpMessage message;
  message.chunk_stream_id = chunk_stream_id;
  message.type_id = static_cast<uint8_t>(MessageType::kCommandAmf0);
  message.stream_id = stream_id;
  message.payload = base::Buffer::Take(formats::amf0::EncodeValues(values));
  return message;
}

RtmpMessage MakeDataMessage(uint32_t chunk_stream_id, uint32_t stream_id, uint32_t timestamp,
                            std::span<const Value> values) {
  RtmpMessage message = MakeCommandMessage(chunk_stream_id, stream_id, values);
  message.type_id = static_cast<uint8_t>(MessageType::kDataAmf0);
  message.timestamp = timestamp;
  return message;
}

Value StatusObject(std::string_view level, std::string_view code, std::string_view description) {
  return Value::Object()
      .Add("level", Value::String(std::string(level)))
      .Add("code", Value::String(std::string(code)))
      .Add("description", Value::String(std::string(description)));
}

std::string_view StripQuery(std::string_view text) { return text.substr(0, text.find('?')); }

std::optional<StreamMetadata> ParseMetadata(const std::vector<Value>& values) {
  size_t index = 0;
  if (index < values.size() && values[index].is_string() &&
      values[index].text() == "@setDataFrame") {
    ++index;
  }
  if (index >= values.size() || !values[index].is_string() ||
      values[index].text() != "onMetaData") {
    return std::nullopt;
  }
  ++index;
  StreamMetadata out;
  if (index >= values.size() || !values[index].has_properties()) return out;
  const Value& object = values[index];
  out.width = FiniteNumber(object, "width");
  out.height = FiniteNumber(object, "height");
  out.frame_rate = FiniteNumber(object, "framerate");
  if (!out.frame_rate.has_value()) out.frame_rate = FiniteNumber(object, "fps");
  out.video_data_rate_kbps = FiniteNumber(object, "videodatarate");
  out.audio_data_rate_kbps = FiniteNumber(object, "audiodatarate");
  out.audio_sample_rate = FiniteNumber(object, "audiosamplerate");
  out.video_codec_id = FiniteNumber(object, "videocodecid");
  out.audio_codec_id = FiniteNumber(object, "audiocodecid");
  if (auto encoder = object.FindString("encoder")) {
    out.encoder = std::string(encoder->substr(0, kMaxEncoderNameLength));
  }
  return out;
}

}  // namespace steadycast::ingest::rtmp
