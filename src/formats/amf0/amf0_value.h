#pragma once
// Value: one AMF0 value (Adobe "Action Message Format -- AMF 0", §2). RTMP command and data
// messages (types 20 and 18) are sequences of these: a command name, a transaction id, a
// command object and arguments.
//
// A Value owns its children (objects hold ordered key/value properties, arrays hold elements);
// copies are deep. Values are plain data: not thread-safe for concurrent mutation, safe to
// read from several threads. Values built by the Decoder nest at most DecoderLimits::max_depth
// deep; the recursive helpers here (==, DebugString, destruction) rely on that bound.
//
// References (marker 0x07) are refused by the Decoder, so there is no reference type here.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace steadycast::formats::amf0 {

// Type markers on the wire (AMF0 §2.1).
enum class Marker : uint8_t {
  kNumber = 0x00,
  kBoolean = 0x01,
  kString = 0x02,
  kObject = 0x03,
  kMovieClip = 0x04,  // reserved, not supported
  kNull = 0x05,
  kUndefined = 0x06,
  kReference = 0x07,
  kEcmaArray = 0x08,
  kObjectEnd = 0x09,
  kStrictArray = 0x0A,
  kDate = 0x0B,
  kLongString = 0x0C,
  kUnsupported = 0x0D,
  kRecordSet = 0x0E,  // reserved, not supported
  kXmlDocument = 0x0F,
  kTypedObject = 0x10,
  kAvmPlusObject = 0x11,  // switch to AMF3: not supported
};

enum class Type : uint8_t {
  kNumber,
  kBoolean,
  kString,
  kObject,
  kNull,
  kUndefined,
  kEcmaArray,
  kStrictArray,
  kDate,
  kLongString,
  kUnsupported,  // the "unsupported" marker 0x0D: a value with no payload
  kXmlDocument,
  kTypedObject,
};

std::string_view TypeName(Type type);

struct Property;

class Value {
 public:
  Value();  // null
  ~Value();
  Value(const Value&);
  Value(Value&&) noexcept;
  Value& operator=(const Value&);
  Value& operator=(Value&&) noexcept;

  static Value Number(double v);
  static Value Boolean(bool v);
  // Encoded as a long string when longer than 65535 bytes.
  static Value String(std::string v);
  static Value LongString(std::string v);
  static Value XmlDocument(std::string v);
  static Value Null();
  static Value Undefined();
  static Value Unsupported();
  // Overloads rather than default `{}` arguments: Property is incomplete here.
  static Value Object();
  static Value Object(std::vector<Property> properties);
  static Value EcmaArray();
  static Value EcmaArray(std::vector<Property> properties);
  static Value TypedObject(std::string class_name);
  static Value TypedObject(std::string class_name, std::vector<Property> properties);
  static Value StrictArray();
  static Value StrictArray(std::vector<Value> elements);
  static Value Date(double unix_millis, int16_t timezone_minutes = 0);

  Type type() const { return type_; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_boolean() const { return type_ == Type::kBoolean; }
  bool is_string() const { return type_ == Type::kString || type_ == Type::kLongString; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_undefined() const { return type_ == Type::kUndefined; }
  // Object, ECMA array and typed object all carry ordered key/value properties.
  bool has_properties() const {
    return type_ == Type::kObject || type_ == Type::kEcmaArray || type_ == Type::kTypedObject;
  }

  double number() const { return number_; }  // number, or milliseconds of a date
  bool boolean() const { return boolean_; }
  // Text of a string, long string or XML document; the class name of a typed object.
  const std::string& text() const { return text_; }
  int16_t timezone_minutes() const { return timezone_; }  // dates only
  const std::vector<Property>& properties() const { return properties_; }
  std::vector<Property>& mutable_properties() { return properties_; }
  const std::vector<Value>& elements() const { return elements_; }
  std::vector<Value>& mutable_elements() { return elements_; }

  // The first property named `key`, or nullptr (also for values without properties).
  const Value* Find(std::string_view key) const;
  std::optional<double> FindNumber(std::string_view key) const;
  std::optional<std::string_view> FindString(std::string_view key) const;
  std::optional<bool> FindBoolean(std::string_view key) const;

  // Appends a property (builder style): Value::Object().Add("code", Value::String("x")).
  Value& Add(std::string key, Value value) &;
  Value&& Add(std::string key, Value value) &&;

  // Deep equality; numbers compare bit for bit so NaN payloads round-trip.
  bool operator==(const Value& other) const;

  // Compact JSON-like text for logs and test failures, cut at `max_chars`.
  std::string DebugString(size_t max_chars = 512) const;

 private:
  void AppendDebug(std::string& out, size_t max_chars) const;

  Type type_ = Type::kNull;
  bool boolean_ = false;
  int16_t timezone_ = 0;
  double number_ = 0;
  std::string text_;
  std::vector<Property> properties_;
  std::vector<Value> elements_;
};

struct Property {
  std::string key;
  Value value;
  bool operator==(const Property& other) const = default;
};

}  // namespace steadycast::formats::amf0
