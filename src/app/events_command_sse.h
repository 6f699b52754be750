#pragma once
// The pure half of `steadycast events`: a Server-Sent Events decoder (WHATWG HTML §9.2.6
// "Interpreting an event stream") for `events tail`, and the one-line rendering of an event
// envelope shared by `events list` and `events tail`.
//
// SseDecoder takes bytes in any split and returns the complete messages they finish; lines are
// bounded (kMaxSseLineBytes, and a message's data by kMaxSseMessageBytes) so a hostile or
// broken server cannot make the client buffer without limit. No I/O; not thread-safe (one per
// connection).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace steadycast::app {

inline constexpr size_t kMaxSseLineBytes = size_t{256} * 1024;
inline constexpr size_t kMaxSseMessageBytes = size_t{1024} * 1024;

struct SseMessage {
  std::string id;     // the stream's last event id when the message was dispatched
  std::string event;  // "message" when the stream gave no `event:` field
  std::string data;   // `data:` lines joined with "\n"
  bool operator==(const SseMessage&) const = default;
};

class SseDecoder {
 public:
  // Appends the messages completed by `bytes` to `out`. kResourceExhausted when a line or a
  // message exceeds its limit (the decoder is then unusable: reconnect).
  base::Status Feed(std::string_view bytes, std::vector<SseMessage>& out);
  const std::string& last_event_id() const { return last_event_id_; }
  int64_t comments() const { return comments_; }  // heartbeats seen

 private:
  void ProcessLine(std::string_view line, std::vector<SseMessage>& out);

  std::string line_;
  bool skip_lf_ = false;  // the previous line ended with CR: a following LF belongs to it
  bool failed_ = false;
  std::string event_;
  std::string data_;
  bool has_data_ = false;
  std::string last_event_id_;
  int64_t comments_ = 0;
};

// "2026-11-26T00:59:00.000Z  live_stream.updated  ls_...  #3  evt_..." for an event envelope
// (missing or mistyped fields print as "-"; never throws).
std::string FormatEventLine(const nlohmann::json& envelope);

}  // namespace steadycast::app
