#include "app/streams_format.h"

#include <algorithm>
#include <charconv>
#include <set>

#include <fmt/format.h>

#include "base/json_nesting.h"

namespace steadycast::app {
namespace {

using nlohmann::json;

// object[key] or null, for values of any shape (a const json's operator[] must not miss).
const json& Field(const json& object, std::string_view key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

}  // namespace

json ParseJsonLimited(std::string_view text) {
  if (base::JsonNestingDepth(text) > kMaxJsonDepth) return json(json::value_t::discarded);
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

base::Result<json> BuildSettingsBody(const StreamSettingsFlags& f) {
  json body = json::object();
  if (!f.body.empty()) {
    body = ParseJsonLimited(f.body);
    if (!body.is_object()) return base::InvalidArgument("--body must be a JSON object");
  }
  if (f.reconnect_window) body["reconnect_window"] = *f.reconnect_window;
  if (f.srt_passphrase) body["srt_passphrase"] = *f.srt_passphrase;
  if (f.no_srt_passphrase) body["srt_passphrase"] = nullptr;
  if (f.srt_latency_ms) {
    const std::string& text = *f.srt_latency_ms;
    int ms = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (text == "default") {
      body["srt_latency_ms"] = nullptr;
    } else if (!text.empty() && ec == std::errc() && end == text.data() + text.size()) {
      body["srt_latency_ms"] = ms;
    } else {
      return base::InvalidArgument("--srt-latency-ms must be milliseconds or \"default\"");
    }
  }
  if (f.latency_mode) body["latency_mode"] = *f.latency_mode;
  if (f.ladder) {
    if (*f.ladder == "default" || *f.ladder == "passthrough") {
      body["ladder"] = *f.ladder;
    } else {
      json rungs = ParseJsonLimited(*f.ladder);
      if (!rungs.is_array()) {
        return base::InvalidArgument(
            R"(--ladder must be default, passthrough or a JSON array like [{"height":720,"video_kbps":3000}])");
      }
      body["ladder"] = std::move(rungs);
    }
  }
  if (f.slate) body["slate"] = true;
  if (f.no_slate) body["slate"] = false;
  if (f.takeover) body["takeover"] = *f.takeover;
  if (f.playback_policy) body["playback_policy"] = *f.playback_policy;
  if (!f.metadata.empty()) {
    json metadata = json::object();
    for (const std::string& pair : f.metadata) {
      const size_t eq = pair.find('=');
      if (eq == std::string::npos || eq == 0) {
        return base::InvalidArgument("--metadata must be KEY=VALUE: " + pair);
      }
      metadata[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
    body["metadata"] = std::move(metadata);
  }
  // Flag values come from the terminal as bytes: JSON needs UTF-8 (dump() would throw later).
  try {
    (void)body.dump();
  } catch (const json::exception&) {
    return base::InvalidArgument("flag values must be UTF-8 text");
  }
  return body;
}

namespace {

// Lays out rows in columns two spaces apart (no trailing blanks).
std::string Columns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string Text(const json& value, const char* if_null = "") {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return if_null;
  return value.dump();
}

std::string PlaybackIds(const json& stream) {
  std::string out;
  for (const json& pb : stream.value("playback_ids", json::array())) {
    if (!pb.is_object()) continue;
    if (!out.empty()) out += ", ";
    out += Text(Field(pb, "id"));
    if (Field(pb, "policy") != "public") out += " (" + Text(Field(pb, "policy")) + ")";
  }
  return out;
}

}  // namespace

std::string FormatStreamTable(const json& streams) {
  std::vector<std::vector<std::string>> rows = {{"ID", "STATUS", "CREATED", "PLAYBACK"}};
  for (const json& s : streams) {
    if (!s.is_object()) continue;
    rows.push_back({Text(Field(s, "id")), Text(Field(s, "status")), Text(Field(s, "created_at")),
                    PlaybackIds(s)});
  }
  return Columns(rows);
}

std::string FormatStreamDetails(const json& stream, const std::string& base_url) {
  if (!stream.is_object()) return stream.dump() + "\n";
  std::vector<std::vector<std::string>> rows;
  std::set<std::string> shown;
  auto row = [&](const std::string& key, const std::string& label, std::string value) {
    shown.insert(key);
    rows.push_back({label, std::move(value)});
  };
  const json& ingest = stream.value("ingest", json::object());
  const std::string key = Text(stream.value("stream_key", json()));
  row("id", "id", Text(stream.value("id", json())));
  row("status", "status", Text(stream.value("status", json())));
  row("stream_key", "stream key", key);
  shown.insert("ingest");
  if (ingest.is_object() && ingest.contains("rtmp")) {
    rows.push_back({"rtmp server", Text(Field(ingest, "rtmp"))});
    if (Field(ingest, "rtmp").is_string())
      rows.push_back({"rtmp publish", Text(Field(ingest, "rtmp")) + "/" + key});
  }
  if (ingest.is_object() && ingest.contains("srt"))
    rows.push_back({"srt publish", Text(Field(ingest, "srt"), "-")});
  shown.insert("playback_ids");
  for (const json& pb : stream.value("playback_ids", json::array())) {
    if (!pb.is_object()) continue;
    std::string value = base_url + "/hls/" + Text(Field(pb, "id")) + ".m3u8";
    if (Field(pb, "policy") != "public")
      value += "  (" + Text(Field(pb, "policy")) + ": needs ?token=JWT)";
    rows.push_back({"playback", value});
  }
  row("reconnect_window", "reconnect window",
      Text(stream.value("reconnect_window", json())) + " s");
  row("srt_passphrase", "srt passphrase", Text(stream.value("srt_passphrase", json()), "(none)"));
  row("srt_latency_ms", "srt latency ms",
      Text(stream.value("srt_latency_ms", json()), "(server default)"));
  row("latency_mode", "latency mode", Text(stream.value("latency_mode", json())));
  row("ladder", "ladder", Text(stream.value("ladder", json())));
  row("slate", "slate", Text(stream.value("slate", json())));
  row("takeover", "takeover", Text(stream.value("takeover", json())));
  std::string metadata;
  const json metadata_object = stream.value("metadata", json::object());
  for (const auto& [k, v] : metadata_object.items()) {
    metadata += (metadata.empty() ? "" : ", ") + k + "=" + Text(v);
  }
  row("metadata", "metadata", metadata.empty() ? "(none)" : metadata);
  row("created_at", "created", Text(stream.value("created_at", json())));
  row("updated_at", "updated", Text(stream.value("updated_at", json())));
  for (const auto& [k, v] : stream.items()) {  // fields added to the API later
    if (shown.count(k) == 0) rows.push_back({k, Text(v)});
  }
  return Columns(rows);
}

std::string FormatProblem(int status, std::string_view body) {
  const json problem = ParseJsonLimited(body);
  if (!problem.is_object() || !problem.contains("title")) {
    std::string text(body.substr(0, 500));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return fmt::format("HTTP {}{}{}\n", status, text.empty() ? "" : ": ", text);
  }
  std::string out = fmt::format("{} {}", status, Text(Field(problem, "title")));
  if (Field(problem, "detail").is_string() &&
      !Field(problem, "detail").get<std::string>().empty()) {
    out += ": " + Field(problem, "detail").get<std::string>();
  }
  out += "\n";
  for (const json& error : problem.value("errors", json::array())) {
    if (!error.is_object()) continue;
    out += fmt::format("  {}: {}\n", Text(Field(error, "field")), Text(Field(error, "message")));
  }
  return out;
}

}  // namespace steadycast::app
