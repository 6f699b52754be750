#include "formats/amf0/amf0_value.h"

#include <bit>
#include <cstdio>
#include <utility>

namespace steadycast::formats::amf0 {

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kNumber:
      return "number";
    case Type::kBoolean:
      return "boolean";
    case Type::kString:
      return "string";
    case Type::kObject:
      return "object";
    case Type::kNull:
      return "null";
    case Type::kUndefined:
      return "undefined";
    case Type::kEcmaArray:
      return "ecma-array";
    case Type::kStrictArray:
      return "strict-array";
    case Type::kDate:
      return "date";
    case Type::kLongString:
      return "long-string";
    case Type::kUnsupported:
      return "unsupported";
    case Type::kXmlDocument:
      return "xml-document";
    case Type::kTypedObject:
      return "typed-object";
  }
  return "?";
}

Value::Value() = default;
Value::~Value() = default;
Value::Value(const Value&) = default;
Value::Value(Value&&) noexcept = default;
Value& Value::operator=(const Value&) = default;
Value& Value::operator=(Value&&) noexcept = default;

Value Value::Number(double v) {
  Value out;
  out.type_ = Type::kNumber;
  out.number_ = v;
  return out;
}

Value Value::Boolean(bool v) {
  Value out;
  out.type_ = Type::kBoolean;
  out.boolean_ = v;
  return out;
}

Value Value::String(std::string v) {
  Value out;
  out.type_ = Type::kString;
  out.text_ = std::move(v);
  return out;
}

Value Value::LongString(std::string v) {
  Value out = String(std::move(v));
  out.type_ = Type::kLongString;
  return out;
}

Value Value::XmlDocument(std::string v) {
  Value out = String(std::move(v));
  out.type_ = Type::kXmlDocument;
  return out;
}

Value Value::Null() { return Value(); }

Value Value::Undefined() {
  Value out;
  out.type_ = Type::kUndefined;
  return out;
}

Value Value::Unsupported() {
  Value out;
  out.type_ = Type::kUnsupported;
  return out;
}

Value Value::Object() { return Object(std::vector<Property>()); }
Value Value::EcmaArray() { return EcmaArray(std::vector<Property>()); }
Value Value::TypedObject(std::string class_name) {
  return TypedObject(std::move(class_name), std::vector<Property>());
}
Value Value::StrictArray() { return StrictArray(std::vector<Value>()); }

Value Value::Object(std::vector<Property> properties) {
  Value out;
  out.type_ = Type::kObject;
  out.properties_ = std::move(properties);
  return out;
}

Value Value::EcmaArray(std::vector<Property> properties) {
  Value out = Object(std::move(properties));
  out.type_ = Type::kEcmaArray;
  return out;
}

Value Value::TypedObject(std::string class_name, std::vector<Property> properties) {
  Value out = Object(std::move(properties));
  out.type_ = Type::kTypedObject;
  out.text_ = std::move(class_name);
  return out;
}

Value Value::StrictArray(std::vector<Value> elements) {
  Value out;
  out.type_ = Type::kStrictArray;
  out.elements_ = std::move(elements);
  return out;
}

Value Value::Date(double unix_millis, int16_t timezone_minutes) {
  Value out;
  out.type_ = Type::kDate;
  out.number_ = unix_millis;
  out.timezone_ = timezone_minutes;
  return out;
}

const Value* Value::Find(std::string_view key) const {
  for (const Property& p : properties_) {
    if (p.key == key) return &p.value;
  }
  return nullptr;
}

std::optional<double> Value::FindNumber(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->number();
}

std::optional<std::string_view> Value::FindString(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string_view(v->text());
}

std::optional<bool> Value::FindBoolean(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr || !v->is_boolean()) return std::nullopt;
  return v->boolean();
}

Value& Value::Add(std::string key, Value value) & {
  properties_.push_back(Property{std::move(key), std::move(value)});
  return *this;
}

Value&& Value::Add(std::string key, Value value) && {
  properties_.push_back(Property{std::move(key), std::move(value)});
  return std::move(*this);
}

bool Value::operator==(const Value& other) const {
  return type_ == other.type_ && boolean_ == other.boolean_ && timezone_ == other.timezone_ &&
         std::bit_cast<uint64_t>(number_) == std::bit_cast<uint64_t>(other.number_) &&
         text_ == other.text_ && properties_ == other.properties_ && elements_ == other.elements_;
}

std::string Value::DebugString(size_t max_chars) const {
  std::string out;
  AppendDebug(out, max_chars);
  if (out.size() > max_chars) {
    out.resize(max_chars);
    out += "...";
  }
  return out;
}

void Value::AppendDebug(std::string& out, size_t max_chars) const {
  if (out.size() > max_chars) return;  // the caller cuts; stop growing early
  switch (type_) {
    case Type::kNumber: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.17g", number_);
      out += buf;
      return;
    }
    case Type::kBoolean:
      out += boolean_ ? "true" : "false";
      return;
    case Type::kString:
    case Type::kLongString:
    case Type::kXmlDocument:
      out += '"';
      out += text_.substr(0, max_chars);
      out += '"';
      return;
    case Type::kDate:
      out += "date(" + std::to_string(static_cast<int64_t>(number_)) + ")";
      return;
    case Type::kNull:
    case Type::kUndefined:
    case Type::kUnsupported:
      out += TypeName(type_);
      return;
    case Type::kStrictArray:
      out += '[';
      for (size_t i = 0; i < elements_.size() && out.size() <= max_chars; ++i) {
        if (i > 0) out += ',';
        elements_[i].AppendDebug(out, max_chars);
      }
      out += ']';
      return;
    case Type::kObject:
    case Type::kEcmaArray:
    case Type::kTypedObject:
      if (type_ == Type::kTypedObject) out += text_;
      out += '{';
      for (size_t i = 0; i < properties_.size() && out.size() <= max_chars; ++i) {
        if (i > 0) out += ',';
        out += properties_[i].key.substr(0, max_chars);
        out += ':';
        properties_[i].value.AppendDebug(out, max_chars);
      }
      out += '}';
      return;
  }
}

}  // namespace steadycast::formats::amf0
