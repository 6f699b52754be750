#include "api/json_validation.h"

#include <fmt/format.h>

#include "base/json_nesting.h"

namespace steadycast::api {

std::optional<nlohmann::json> ParseJsonBody(std::string_view body, std::string* error) {
  if (base::JsonNestingDepth(body) > kMaxJsonBodyDepth) {
    if (error != nullptr) {
      *error = fmt::format("the request body nests deeper than {} levels", kMaxJsonBodyDepth);
    }
    return std::nullopt;
  }
  // allow_exceptions=false: a syntax error yields a "discarded" value instead of throwing. The
  // parser is iterative and the body is size-limited, so deep nesting cannot blow the stack.
  nlohmann::json value = nlohmann::json::parse(body.begin(), body.end(), nullptr,
                                               /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    if (error != nullptr) *error = "the request body is not valid JSON";
    return std::nullopt;
  }
  return value;
}

size_t Utf8Length(std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;  // count non-continuation bytes
  }
  return n;
}

std::optional<int64_t> ReadInt(const nlohmann::json& value, const std::string& field, int64_t min,
                               int64_t max, std::vector<FieldError>& errors) {
  const std::string range = fmt::format("must be an integer between {} and {}", min, max);
  if (value.is_number_integer() && !value.is_number_unsigned()) {
    const int64_t v = value.get<int64_t>();
    if (v >= min && v <= max) return v;
  } else if (value.is_number_unsigned()) {
    const uint64_t v = value.get<uint64_t>();
    if (max >= 0 && v <= static_cast<uint64_t>(max) && static_cast<int64_t>(v) >= min) {
      return static_cast<int64_t>(v);
    }
  }
  errors.push_back({field, range});
  return std::nullopt;
}

ObjectReader::ObjectReader(const nlohmann::json& object, std::string prefix,
                           std::vector<FieldError>& errors)
    : object_(object), prefix_(std::move(prefix)), errors_(errors) {}

const nlohmann::json* ObjectReader::Member(std::string_view name) {
  known_.emplace(name);
  auto it = object_.find(name);
  return it == object_.end() ? nullptr : &*it;
}

std::optional<int64_t> ObjectReader::Int(std::string_view name, int64_t min, int64_t max) {
  const nlohmann::json* value = Member(name);
  if (value == nullptr) return std::nullopt;
  return ReadInt(*value, FieldName(name), min, max, errors_);
}

std::optional<bool> ObjectReader::Bool(std::string_view name) {
  const nlohmann::json* value = Member(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) {
    AddError(name, "must be a boolean");
    return std::nullopt;
  }
  return value->get<bool>();
}

std::optional<std::string> ObjectReader::Enum(std::string_view name,
                                              std::initializer_list<std::string_view> allowed) {
  const nlohmann::json* value = Member(name);
  if (value == nullptr) return std::nullopt;
  if (value->is_string()) {
    const std::string& text = value->get_ref<const std::string&>();
    for (std::string_view option : allowed) {
      if (text == option) return text;
    }
  }
  std::string list;
  for (std::string_view option : allowed) {
    list += list.empty() ? "" : ", ";
    list += fmt::format("\"{}\"", option);
  }
  AddError(name, "must be one of " + list);
  return std::nullopt;
}

void ObjectReader::RejectUnknown() {
  for (const auto& [key, value] : object_.items()) {
    if (known_.find(key) == known_.end()) AddError(key, "unknown field");
  }
}

void ObjectReader::Reject(std::string_view name, std::string_view message) {
  known_.emplace(name);
  if (object_.contains(name)) AddError(name, std::string(message));
}

void ObjectReader::AddError(std::string_view name, std::string message) {
  errors_.push_back({FieldName(name), std::move(message)});
}

}  // namespace steadycast::api
