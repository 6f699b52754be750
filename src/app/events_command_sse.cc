#include "app/events_command_sse.h"

#include <fmt/format.h>

namespace steadycast::app {

base::Status SseDecoder::Feed(std::string_view bytes, std::vector<SseMessage>& out) {
  if (failed_) return base::ResourceExhausted("event stream decoder failed earlier");
  for (char c : bytes) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n') {
      skip_lf_ = c == '\r';
      ProcessLine(line_, out);
      line_.clear();
      if (data_.size() > kMaxSseMessageBytes) {
        failed_ = true;
        return base::ResourceExhausted("event stream message too long");
      }
      continue;
    }
    if (line_.size() >= kMaxSseLineBytes) {
      failed_ = true;
      return base::ResourceExhausted("event stream line too long");
    }
    line_.push_back(c);
  }
  return base::Status::Ok();
}

void SseDecoder::ProcessLine(std::string_view line, std::vector<SseMessage>& out) {
  if (line.empty()) {  // dispatch
    if (has_data_) {
      out.push_back({last_event_id_, event_.empty() ? "message" : event_, data_});
    }
    event_.clear();
    data_.clear();
    has_data_ = false;
    return;
  }
  if (line.front() == ':') {
    ++comments_;
    return;
  }
  const size_t colon = line.find(':');
  std::string_view name = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (name == "event") {
    event_ = value;
  } else if (name == "data") {
    if (has_data_) data_ += '\n';
    data_ += value;
    has_data_ = true;
  } else if (name == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_ = value;
  }
  // "retry" and unknown fields are ignored.
}

namespace {

std::string Field(const nlohmann::json& object, const char* name) {
  if (!object.is_object()) return "-";
  auto it = object.find(name);
  if (it == object.end()) return "-";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return "-";
}

}  // namespace

std::string FormatEventLine(const nlohmann::json& envelope) {
  const nlohmann::json object =
      envelope.is_object() && envelope.contains("object") ? envelope["object"] : nlohmann::json();
  return fmt::format("{}  {:<34}  {}  #{}  {}", Field(envelope, "created_at"),
                     Field(envelope, "type"), Field(object, "id"), Field(envelope, "sequence"),
                     Field(envelope, "id"));
}

}  // namespace steadycast::app
