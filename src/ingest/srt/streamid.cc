#include "ingest/srt/streamid.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace steadycast::ingest::srt {
namespace {

constexpr std::string_view kAccessControlPrefix = "#!::";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool HasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7F;
  });
}

// Decodes %XX escapes; control characters (raw or decoded) are refused. Errors never quote
// the text: it may hold a stream key.
base::Result<std::string> Decode(std::string_view text, std::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    const bool complete = i + 2 < text.size();
    const int high = complete ? HexValue(text[i + 1]) : -1;
    const int low = complete ? HexValue(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return base::InvalidArgument(fmt::format("stream id: malformed escape in {}", what));
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  if (HasControlCharacter(out)) {
    return base::InvalidArgument(fmt::format("stream id: control character in {}", what));
  }
  return out;
}

StreamIdMode ParseMode(std::string_view value) {
  if (value == "publish") return StreamIdMode::kPublish;
  if (value == "request") return StreamIdMode::kRequest;
  if (value == "bidirectional") return StreamIdMode::kBidirectional;
  return StreamIdMode::kUnknown;
}

// One `key=value` item of the `#!::` form, stored into `out`.
base::Status ParseItem(std::string_view item, std::vector<std::string>& seen, StreamId& out) {
  const size_t equals = item.find('=');
  if (equals == std::string_view::npos) {
    return base::InvalidArgument("stream id: item without '='");
  }
  SC_ASSIGN_OR_RETURN(std::string key, Decode(item.substr(0, equals), "a key"));
  if (key.empty()) return base::InvalidArgument("stream id: empty key");
  if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
    // Keys are short and not secret; values are never quoted.
    return base::InvalidArgument(fmt::format("stream id: duplicate key '{}'", key.substr(0, 32)));
  }
  SC_ASSIGN_OR_RETURN(std::string value, Decode(item.substr(equals + 1), "a value"));
  if (key == "r") {
    out.resource = std::move(value);
  } else if (key == "m") {
    out.mode = ParseMode(value);
  } else if (key == "u") {
    out.user = std::move(value);
  } else if (key == "s") {
    out.session = std::move(value);
  } else if (key == "h") {
    out.host = std::move(value);
  } else if (key == "t") {
    out.type = std::move(value);
  }
  // Other keys (reserved single letters, user_*, vendor keys) are tolerated and ignored.
  seen.push_back(std::move(key));
  return base::Status::Ok();
}

base::Result<StreamId> ParseAccessControl(std::string_view content) {
  StreamId out;
  out.access_control_syntax = true;
  std::vector<std::string> seen;
  while (!content.empty()) {
    const size_t comma = content.find(',');
    const std::string_view item = content.substr(0, comma);
    content = comma == std::string_view::npos ? std::string_view() : content.substr(comma + 1);
    if (item.empty()) continue;
    SC_RETURN_IF_ERROR(ParseItem(item, seen, out));
  }
  if (out.resource.empty()) return base::InvalidArgument("stream id: no resource (r=)");
  return out;
}

bool StartsWithEncodedHash(std::string_view text) {
  return text.size() >= 3 && text[0] == '%' && text[1] == '2' && text[2] == '3';
}

}  // namespace

base::Result<StreamId> ParseStreamId(std::string_view text) {
  if (text.size() > kMaxStreamIdBytes) {
    return base::InvalidArgument(
        fmt::format("stream id: {} bytes, more than {}", text.size(), kMaxStreamIdBytes));
  }
  std::string whole;
  if (StartsWithEncodedHash(text)) {
    // URL-encoded as a whole ("%23%21%3A%3Ar%3D..."): decode once, then parse as usual.
    SC_ASSIGN_OR_RETURN(whole, Decode(text, "the stream id"));
    text = whole;
  }
  if (text.starts_with("#!")) {
    if (!text.starts_with(kAccessControlPrefix)) {
      return base::InvalidArgument("stream id: unsupported '#!' syntax (only '#!::' is)");
    }
    return ParseAccessControl(text.substr(kAccessControlPrefix.size()));
  }
  SC_ASSIGN_OR_RETURN(std::string key, Decode(text, "the stream id"));
  if (key.empty()) return base::InvalidArgument("stream id: empty");
  StreamId out;
  out.resource = std::move(key);
  return out;
}

PublishCheck CheckPublish(const StreamId& stream_id) {
  if (stream_id.mode != StreamIdMode::kPublish && stream_id.mode != StreamIdMode::kUnspecified) {
    return PublishCheck::kBadMode;
  }
  if (!stream_id.type.empty() && stream_id.type != "stream") return PublishCheck::kUnsupportedType;
  return PublishCheck::kOk;
}

}  // namespace steadycast::ingest::srt
