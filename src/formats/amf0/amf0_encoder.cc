#include "formats/amf0/amf0_encoder.h"

#include <bit>
#include <limits>

#include "base/bytes.h"

namespace steadycast::formats::amf0 {
namespace {

constexpr size_t kMaxShortLength = std::numeric_limits<uint16_t>::max();

void WriteMarker(base::ByteWriter& w, Marker marker) { w.U8(static_cast<uint8_t>(marker)); }

void WriteShortText(base::ByteWriter& w, std::string_view text) {
  if (text.size() > kMaxShortLength) text = text.substr(0, kMaxShortLength);
  w.U16(static_cast<uint16_t>(text.size()));
  w.Text(text);
}

void WriteLongText(base::ByteWriter& w, std::string_view text) {
  w.U32(static_cast<uint32_t>(text.size()));
  w.Text(text);
}

void WriteProperties(const Value& value, std::vector<uint8_t>& out) {
  base::ByteWriter w(out);
  for (const Property& p : value.properties()) {
    WriteShortText(w, p.key);
    EncodeValue(p.value, out);
  }
  w.U16(0);  // empty name + object-end marker
  WriteMarker(w, Marker::kObjectEnd);
}

}  // namespace

void EncodeValue(const Value& value, std::vector<uint8_t>& out) {
  base::ByteWriter w(out);
  switch (value.type()) {
    case Type::kNumber:
      WriteMarker(w, Marker::kNumber);
      w.U64(std::bit_cast<uint64_t>(value.number()));
      return;
    case Type::kBoolean:
      WriteMarker(w, Marker::kBoolean);
      w.U8(value.boolean() ? 1 : 0);
      return;
    case Type::kString:
      if (value.text().size() <= kMaxShortLength) {
        WriteMarker(w, Marker::kString);
        WriteShortText(w, value.text());
        return;
      }
      [[fallthrough]];
    case Type::kLongString:
      WriteMarker(w, Marker::kLongString);
      WriteLongText(w, value.text());
      return;
    case Type::kXmlDocument:
      WriteMarker(w, Marker::kXmlDocument);
      WriteLongText(w, value.text());
      return;
    case Type::kNull:
      WriteMarker(w, Marker::kNull);
      return;
    case Type::kUndefined:
      WriteMarker(w, Marker::kUndefined);
      return;
    case Type::kUnsupported:
      WriteMarker(w, Marker::kUnsupported);
      return;
    case Type::kDate:
      WriteMarker(w, Marker::kDate);
      w.U64(std::bit_cast<uint64_t>(value.number()));
      w.U16(static_cast<uint16_t>(value.timezone_minutes()));
      return;
    case Type::kObject:
      WriteMarker(w, Marker::kObject);
      WriteProperties(value, out);
      return;
    case Type::kTypedObject:
      WriteMarker(w, Marker::kTypedObject);
      WriteShortText(w, value.text());
      WriteProperties(value, out);
      return;
    case Type::kEcmaArray:
      WriteMarker(w, Marker::kEcmaArray);
      w.U32(static_cast<uint32_t>(value.properties().size()));
      WriteProperties(value, out);
      return;
    case Type::kStrictArray:
      WriteMarker(w, Marker::kStrictArray);
      w.U32(static_cast<uint32_t>(value.elements().size()));
      for (const Value& element : value.elements()) EncodeValue(element, out);
      return;
  }
}

void EncodeValues(std::span<const Value> values, std::vector<uint8_t>& out) {
  for (const Value& v : values) EncodeValue(v, out);
}

std::vector<uint8_t> EncodeValues(std::span<const Value> values) {
  std::vector<uint8_t> out;
  EncodeValues(values, out);
  return out;
}

}  // namespace steadycast::formats::amf0
