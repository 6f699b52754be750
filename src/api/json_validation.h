#pragma once
// Strict reading of a JSON object from a request body, collecting every field error instead of
// stopping at the first, so a client can fix a request in one round trip. Used by every
// resource that accepts a body (live streams now; webhook endpoints next). Not thread-safe
// (one per request); the json value must outlive the reader.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/problem.h"

namespace steadycast::api {

// Deepest nesting of arrays and objects a request body may have (ours nest at most 3 deep).
inline constexpr int kMaxJsonBodyDepth = 32;

// Parses `body` without exceptions; nullopt (and a short reason) when it is not valid JSON or
// nests deeper than kMaxJsonBodyDepth (checked first, by a scan that builds nothing: a hostile
// body never becomes a deep tree that later code would walk recursively).
std::optional<nlohmann::json> ParseJsonBody(std::string_view body, std::string* error);

// Number of Unicode code points in valid UTF-8 `text` ("chars" in the contract's limits).
size_t Utf8Length(std::string_view text);

class ObjectReader {
 public:
  // `prefix` is prepended to field names in errors ("ladder[0]." for nested objects).
  ObjectReader(const nlohmann::json& object, std::string prefix, std::vector<FieldError>& errors);

  // The member `name`, or nullptr when absent. Marks `name` as known.
  const nlohmann::json* Member(std::string_view name);
  // Typed readers: nullopt when absent or invalid (then an error is recorded).
  std::optional<int64_t> Int(std::string_view name, int64_t min, int64_t max);
  std::optional<bool> Bool(std::string_view name);
  std::optional<std::string> Enum(std::string_view name,
                                  std::initializer_list<std::string_view> allowed);
  // Records an "unknown field" error for every member no reader asked for.
  void RejectUnknown();
  // Records an "unknown field" error for a member that exists, e.g. one not allowed in a mode.
  void Reject(std::string_view name, std::string_view message);

  void AddError(std::string_view name, std::string message);
  std::string FieldName(std::string_view name) const { return prefix_ + std::string(name); }

 private:
  const nlohmann::json& object_;
  std::string prefix_;
  std::vector<FieldError>& errors_;
  std::set<std::string, std::less<>> known_;
};

// Reads an integer value (no fractions, no strings) within [min, max], else records an error
// for `field` and returns nullopt.
std::optional<int64_t> ReadInt(const nlohmann::json& value, const std::string& field, int64_t min,
                               int64_t max, std::vector<FieldError>& errors);

}  // namespace steadycast::api
