#include "formats/amf0/amf0_decoder.h"

#include <algorithm>
#include <bit>
#include <optional>
#include <string>
#include <utility>

namespace steadycast::formats::amf0 {
namespace {

using base::ByteReader;
using base::Result;
using base::Status;

base::Status Truncated(std::string_view what) {
  return Status(kTruncatedCode, "amf0: truncated " + std::string(what));
}

// One container being filled. Containers are built inside their frame and moved into the
// parent only once complete, so the explicit stack never points into a growing vector.
struct Frame {
  Value container;
  bool has_properties = true;  // object / ECMA array / typed object; else strict array
  uint32_t elements_left = 0;  // strict arrays: elements still to read
  std::string key;             // objects: name of the property being decoded
};

// The state of one DecodeOne call: a loop over an explicit stack instead of recursion, so a
// payload nested 10,000 deep costs one bounded error, not 10,000 stack frames.
class DecodeRun {
 public:
  DecodeRun(const DecoderLimits& limits, ByteReader& reader, size_t& values_left)
      : limits_(limits), reader_(reader), values_left_(values_left) {}

  Result<Value> Run();

 private:
  // Reads a marker; scalars land in `done`, containers push a frame.
  Status StartValue(std::optional<Value>& done);
  Status StartContainer(Marker marker);
  Result<Value> ReadScalar(Marker marker);
  Result<std::string> ReadText(size_t length_bytes, std::string_view what);
  Result<double> ReadDouble(std::string_view what);
  // Reads the next key of the top frame; sets `ended` on the empty-key + object-end pair.
  Status ReadKey(bool& ended);
  void AttachToTop(Value value);
  Value PopTop();

  const DecoderLimits& limits_;
  ByteReader& reader_;
  size_t& values_left_;
  std::vector<Frame> stack_;
};

Result<Value> DecodeRun::Run() {
  std::optional<Value> done;
  SC_RETURN_IF_ERROR(StartValue(done));
  while (true) {
    if (done.has_value()) {
      if (stack_.empty()) return std::move(*done);
      AttachToTop(std::move(*done));
      done.reset();
    }
    Frame& top = stack_.back();
    if (!top.has_properties) {
      if (top.elements_left == 0) {
        done = PopTop();
        continue;
      }
      --top.elements_left;
      SC_RETURN_IF_ERROR(StartValue(done));
      continue;
    }
    bool ended = false;
    SC_RETURN_IF_ERROR(ReadKey(ended));
    if (ended) {
      done = PopTop();
      continue;
    }
    SC_RETURN_IF_ERROR(StartValue(done));
  }
}

Status DecodeRun::ReadKey(bool& ended) {
  Frame& top = stack_.back();
  SC_ASSIGN_OR_RETURN(std::string key, ReadText(2, "property name"));
  if (key.empty()) {
    uint8_t marker = 0;
    if (!reader_.PeekU8(marker)) return Truncated("object (no end marker)");
    if (marker == static_cast<uint8_t>(Marker::kObjectEnd)) {
      reader_.Skip(1);
      ended = true;
      return Status::Ok();
    }
    // An empty name followed by a value: tolerated as a property named "".
  }
  if (top.container.properties().size() >= limits_.max_elements) {
    return base::ResourceExhausted("amf0: object has more than " +
                                   std::to_string(limits_.max_elements) + " properties");
  }
  top.key = std::move(key);
  return Status::Ok();
}

void DecodeRun::AttachToTop(Value value) {
  Frame& top = stack_.back();
  if (top.has_properties) {
    top.container.mutable_properties().push_back(Property{std::move(top.key), std::move(value)});
    top.key.clear();
  } else {
    top.container.mutable_elements().push_back(std::move(value));
  }
}

Value DecodeRun::PopTop() {
  Value value = std::move(stack_.back().container);
  stack_.pop_back();
  return value;
}

Result<std::string> DecodeRun::ReadText(size_t length_bytes, std::string_view what) {
  uint32_t length = 0;
  if (length_bytes == 2) {
    uint16_t short_length = 0;
    if (!reader_.ReadU16(short_length)) return Truncated(std::string(what) + " length");
    length = short_length;
  } else if (!reader_.ReadU32(length)) {
    return Truncated(std::string(what) + " length");
  }
  if (length > limits_.max_string_length) {
    return base::OutOfRange("amf0: " + std::string(what) + " of " + std::to_string(length) +
                            " bytes exceeds the limit of " +
                            std::to_string(limits_.max_string_length));
  }
  std::span<const uint8_t> bytes;
  if (!reader_.ReadBytes(length, bytes)) return Truncated(what);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Result<double> DecodeRun::ReadDouble(std::string_view what) {
  uint64_t bits = 0;
  if (!reader_.ReadU64(bits)) return Truncated(what);
  return std::bit_cast<double>(bits);
}

Status DecodeRun::StartValue(std::optional<Value>& done) {
  if (values_left_ == 0) {
    return base::ResourceExhausted("amf0: more values than the limit of " +
                                   std::to_string(limits_.max_total_values));
  }
  --values_left_;
  uint8_t byte = 0;
  if (!reader_.ReadU8(byte)) return Truncated("value (no type marker)");
  const auto marker = static_cast<Marker>(byte);
  switch (marker) {
    case Marker::kObject:
    case Marker::kEcmaArray:
    case Marker::kTypedObject:
    case Marker::kStrictArray:
      return StartContainer(marker);
    case Marker::kReference:
      return base::Unimplemented("amf0: reference values (marker 0x07) are not supported");
    case Marker::kAvmPlusObject:
      return base::Unimplemented(
          "amf0: AMF3 values (avmplus-object marker 0x11) are not supported; use "
          "objectEncoding 0");
    case Marker::kObjectEnd:
      return base::InvalidArgument("amf0: object-end marker outside an object");
    default: {
      SC_ASSIGN_OR_RETURN(Value value, ReadScalar(marker));
      done = std::move(value);
      return Status::Ok();
    }
  }
}

Result<Value> DecodeRun::ReadScalar(Marker marker) {
  switch (marker) {
    case Marker::kNumber: {
      SC_ASSIGN_OR_RETURN(double v, ReadDouble("number"));
      return Value::Number(v);
    }
    case Marker::kBoolean: {
      uint8_t v = 0;
      if (!reader_.ReadU8(v)) return Truncated("boolean");
      return Value::Boolean(v != 0);
    }
    case Marker::kString: {
      SC_ASSIGN_OR_RETURN(std::string text, ReadText(2, "string"));
      return Value::String(std::move(text));
    }
    case Marker::kLongString: {
      SC_ASSIGN_OR_RETURN(std::string text, ReadText(4, "long string"));
      return Value::LongString(std::move(text));
    }
    case Marker::kXmlDocument: {
      SC_ASSIGN_OR_RETURN(std::string text, ReadText(4, "XML document"));
      return Value::XmlDocument(std::move(text));
    }
    case Marker::kNull:
      return Value::Null();
    case Marker::kUndefined:
      return Value::Undefined();
    case Marker::kUnsupported:
      return Value::Unsupported();
    case Marker::kDate: {
      SC_ASSIGN_OR_RETURN(double ms, ReadDouble("date"));
      uint16_t tz = 0;
      if (!reader_.ReadU16(tz)) return Truncated("date time zone");
      return Value::Date(ms, static_cast<int16_t>(tz));
    }
    default: {  // MovieClip and RecordSet are reserved; anything above 0x11 is unknown
      const uint8_t byte = static_cast<uint8_t>(marker);
      return base::InvalidArgument("amf0: unknown or reserved type marker 0x" +
                                   base::HexDump(std::span<const uint8_t>(&byte, 1)));
    }
  }
}

Status DecodeRun::StartContainer(Marker marker) {
  if (stack_.size() >= limits_.max_depth) {
    return base::OutOfRange("amf0: values nested deeper than " + std::to_string(limits_.max_depth));
  }
  Frame frame;
  switch (marker) {
    case Marker::kObject:
      frame.container = Value::Object();
      break;
    case Marker::kTypedObject: {
      SC_ASSIGN_OR_RETURN(std::string class_name, ReadText(2, "typed object class name"));
      frame.container = Value::TypedObject(std::move(class_name));
      break;
    }
    case Marker::kEcmaArray: {
      // The count is only a hint (encoders disagree on it); the object-end marker ends it.
      uint32_t count_hint = 0;
      if (!reader_.ReadU32(count_hint)) return Truncated("ECMA array count");
      frame.container = Value::EcmaArray();
      break;
    }
    default: {  // strict array
      uint32_t count = 0;
      if (!reader_.ReadU32(count)) return Truncated("strict array count");
      if (count > limits_.max_elements) {
        return base::ResourceExhausted("amf0: strict array of " + std::to_string(count) +
                                       " elements exceeds the limit of " +
                                       std::to_string(limits_.max_elements));
      }
      frame.has_properties = false;
      frame.elements_left = count;
      frame.container = Value::StrictArray();
      // Every element takes at least one byte, so never reserve more than what is left.
      frame.container.mutable_elements().reserve(std::min<size_t>(count, reader_.remaining()));
      break;
    }
  }
  stack_.push_back(std::move(frame));
  return Status::Ok();
}

}  // namespace

Result<std::vector<Value>> Decoder::DecodeAll(std::span<const uint8_t> payload) const {
  ByteReader reader(payload);
  size_t values_left = limits_.max_total_values;
  std::vector<Value> values;
  while (!reader.empty()) {
    SC_ASSIGN_OR_RETURN(Value value, DecodeOne(reader, values_left));
    values.push_back(std::move(value));
  }
  return values;
}

Result<Value> Decoder::DecodeOne(ByteReader& reader) const {
  size_t values_left = limits_.max_total_values;
  return DecodeOne(reader, values_left);
}

Result<Value> Decoder::DecodeOne(ByteReader& reader, size_t& values_left) const {
  DecodeRun run(limits_, reader, values_left);
  return run.Run();
}

}  // namespace steadycast::formats::amf0
