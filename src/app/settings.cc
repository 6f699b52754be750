#include "app/settings.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>
#include <toml++/toml.h>

extern char** environ;

namespace steadycast::app {
namespace {

const SettingSpec* FindSpec(const std::string& name) {
  for (const auto& spec : ServeSettingSpecs()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string Trim(std::string s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

// Flattens a TOML table into "table.key" → text, refusing unknown keys.
void FlattenToml(const toml::table& table, const std::string& prefix,
                 std::map<std::string, std::string>& out, const std::string& file) {
  for (const auto& [key, node] : table) {
    const std::string name =
        prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    if (const auto* sub = node.as_table()) {
      FlattenToml(*sub, name, out, file);
      continue;
    }
    if (!FindSpec(name))
      throw std::runtime_error(fmt::format("{}: unknown setting '{}'", file, name));
    if (auto s = node.value<std::string>(); s && node.is_string()) {
      out[name] = *s;
    } else if (node.is_integer()) {
      out[name] = std::to_string(*node.value<int64_t>());
    } else if (node.is_floating_point()) {
      out[name] = fmt::format("{}", *node.value<double>());
    } else if (node.is_boolean()) {
      out[name] = *node.value<bool>() ? "true" : "false";
    } else {
      throw std::runtime_error(fmt::format("{}: setting '{}' has an unsupported type", file, name));
    }
  }
}

}  // namespace

const std::vector<SettingSpec>& ServeSettingSpecs() {
  static const std::vector<SettingSpec> kSpecs = {
      {"data_dir", SettingType::kString, "./data", "directory for the database and state files"},
      {"http_addr", SettingType::kString, "0.0.0.0:8080", "HTTP listen address (API + playback)"},
      {"rtmp_addr", SettingType::kString, "0.0.0.0:1935", "RTMP listen address"},
      {"srt_addr", SettingType::kString, "0.0.0.0:9000", "SRT listen address (UDP)"},
      {"rtmps_addr", SettingType::kString, "0.0.0.0:1936",
       "RTMPS listen address (only when tls.cert_file and tls.key_file are set)"},
      {"tls.cert_file", SettingType::kString, "", "PEM certificate chain for RTMPS"},
      {"tls.key_file", SettingType::kString, "", "PEM private key for RTMPS"},
      {"log_level", SettingType::kString, "info", "trace|debug|info|warn|error|off"},
      {"public_host", SettingType::kString, "",
       "host name shown in ingest URLs (default: the Host header of the API request)"},
      {"web.dir", SettingType::kString, "",
       "development: serve the dashboard and player from this checkout (the repository root) "
       "instead of the copies compiled into the binary"},
      {"playback.hs256_secret", SettingType::kString, "",
       "HS256 secret (>= 32 bytes) that signs playback tokens for signed playback ids"},
      {"playback.rs256_public_key_file", SettingType::kString, "",
       "PEM public key that verifies RS256 playback tokens for signed playback ids"},
      {"http.threads", SettingType::kInt, "0", "I/O threads (0 = one per core)", 0, 256},
      {"http.max_body_bytes", SettingType::kInt, "65536",
       "largest request body, in bytes (larger: 413 payload-too-large)", 1024, 16 * 1024 * 1024},
      {"http.header_timeout_ms", SettingType::kInt, "30000",
       "a request's header must arrive within this from the connection's start or the previous "
       "response (partial: 408 and close; idle keep-alive: close)",
       100, 600000},
      {"http.body_timeout_ms", SettingType::kInt, "30000",
       "a request's body must arrive within this after its header (short or unterminated: 408 "
       "and close)",
       100, 600000},
      {"hls.segment_seconds", SettingType::kDouble, "2", "target segment duration", 0.5, 10},
      {"hls.playlist_segments", SettingType::kInt, "6", "segments listed in a media playlist", 3,
       60},
      {"hls.part_seconds", SettingType::kDouble, "0.5",
       "LL-HLS part length for streams with latency_mode \"low\"", 0.2, 1.0},
      {"srt.latency_ms", SettingType::kInt, "500",
       "SRT receive latency (the caller's larger value wins)", 20, 10000},
      {"srt.peer_idle_timeout_ms", SettingType::kInt, "5000",
       "declare an SRT link dead after this much silence", 1000, 60000},
      {"srt.pbkeylen", SettingType::kInt, "32", "AES key length for passphrase streams (16/24/32)",
       16, 32},
      {"rtmp.max_message_bytes", SettingType::kInt, "16777216",
       "largest RTMP message accepted (bigger chunk sizes/messages close the connection)", 4096,
       256 * 1024 * 1024},
      {"rtmp.io_threads", SettingType::kInt, "0",
       "threads that run RTMP(S) connections, each connection on one (0 = one per core)", 0, 256},
      {"rtmp.idle_timeout_ms", SettingType::kInt, "10000",
       "close an RTMP connection that sends nothing for this long", 1000, 600000},
      {"rtmp.handshake_timeout_ms", SettingType::kInt, "20000",
       "close an RTMP(S) connection whose handshake (TLS included) is not done this long after "
       "it was accepted",
       1000, 600000},
      {"transcode.enabled", SettingType::kBool, "true",
       "build the ABR ladder (off: every stream is delivered as its source rendition only)"},
      {"transcode.preset", SettingType::kString, "veryfast",
       "x264 preset of the transcoded renditions (ultrafast ... medium)"},
      {"transcode.threads_per_stream", SettingType::kInt, "2",
       "x264 threads per stream, shared by its renditions", 1, 64},
      {"transcode.slate_image", SettingType::kString, "",
       "PNG or JPEG shown while a stream waits for its publisher (empty: a generated card)"},
      {"transcode.isolation", SettingType::kString, "process",
       "where the ladder is transcoded: \"process\" (a supervised worker process per stream: a "
       "decoder crash costs that stream a restart, not the server) or \"thread\" (in the "
       "server process)"},
      {"transcode.worker_memory_mb", SettingType::kInt, "2048",
       "address-space limit of each transcoder worker process (isolation \"process\"), MiB", 256,
       1048576},
      {"transcode.slate_after_ms", SettingType::kInt, "1000",
       "a reconnecting stream without media this long shows the slate", 0, 60000},
      {"session.stall_timeout_ms", SettingType::kInt, "4000",
       "a publisher that sends no media this long counts as lost (stream → reconnecting)", 500,
       120000},
      {"session.silent_after_ms", SettingType::kInt, "1000",
       "a publisher silent this long may be replaced by a new one with the same key", 100, 60000},
      {"ingest.max_refused_keys", SettingType::kInt, "10",
       "refused stream keys per minute from one address before it is locked out", 1, 100000},
      {"ingest.lockout_seconds", SettingType::kInt, "300",
       "how long an address stays locked out after too many refused keys", 1, 86400},
      {"api.rate_limits", SettingType::kBool, "true", "enforce API rate limits"},
      {"api.read_rate", SettingType::kDouble, "20", "reads (GET) per second per access token", 0.01,
       100000},
      {"api.read_burst", SettingType::kDouble, "40", "read burst per access token", 1, 100000},
      {"api.write_rate", SettingType::kDouble, "5", "writes per second per access token", 0.01,
       100000},
      {"api.write_burst", SettingType::kDouble, "10", "write burst per access token", 1, 100000},
      {"api.address_rate", SettingType::kDouble, "10",
       "unauthenticated or failed-auth requests per second per client address", 0.01, 100000},
      {"api.address_burst", SettingType::kDouble, "20", "burst of those per client address", 1,
       100000},
      {"beacons.address_rate", SettingType::kDouble, "20",
       "player QoE beacons per second per client address (a NAT of viewers shares one)", 0.01,
       100000},
      {"beacons.address_burst", SettingType::kDouble, "60", "burst of beacons per client address",
       1, 100000},
      {"viewers.experience_hold_ms", SettingType::kInt, "30000",
       "testing: how long rebuffering must stay above 5 % (below 3 %) before a stream's viewer "
       "experience is degraded (recovered)",
       100, 3600000},
      {"webhooks.allow_private", SettingType::kBool, "true",
       "accept webhook URLs on private and loopback addresses (link-local and cloud metadata "
       "addresses are always refused)"},
      {"webhooks.retry_hours", SettingType::kInt, "24",
       "retry a failing webhook delivery this long before marking it failed", 1, 72},
      {"webhooks.workers", SettingType::kInt, "4", "concurrent webhook deliveries", 1, 64},
      {"webhooks.time_scale", SettingType::kDouble, "1",
       "testing: multiplies webhook retry delays and circuit-breaker cool-downs", 0.0001, 1},
  };
  return kSpecs;
}

std::string EnvName(const std::string& setting) {
  std::string out = "STEADYCAST_";
  for (char c : setting) out.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(c)));
  return out;
}

std::string FlagName(const std::string& setting) {
  std::string out = "--";
  for (char c : setting) out.push_back(c == '.' || c == '_' ? '-' : c);
  return out;
}

Settings Settings::Resolve(const std::optional<std::string>& config_file,
                           const std::map<std::string, std::string>& flags,
                           const std::map<std::string, std::string>& environment) {
  Settings s;
  for (const auto& spec : ServeSettingSpecs()) s.Set(spec, spec.default_value, "default");
  if (config_file) {
    toml::table table;
    try {
      table = toml::parse_file(*config_file);
    } catch (const toml::parse_error& e) {
      throw std::runtime_error(fmt::format("{}: {}", *config_file, e.description()));
    }
    std::map<std::string, std::string> from_file;
    FlattenToml(table, "", from_file, *config_file);
    for (const auto& [name, value] : from_file) s.Set(*FindSpec(name), value, "file");
  }
  for (const auto& spec : ServeSettingSpecs()) {
    if (auto it = environment.find(EnvName(spec.name)); it != environment.end()) {
      s.Set(spec, it->second, "env");
    }
  }
  for (const auto& [name, value] : flags) {
    const SettingSpec* spec = FindSpec(name);
    if (!spec) throw std::runtime_error(fmt::format("unknown setting '{}'", name));
    s.Set(*spec, value, "flag");
  }
  return s;
}

void Settings::Set(const SettingSpec& spec, const std::string& raw, const std::string& source) {
  const std::string value = Trim(raw);
  const auto fail = [&](const std::string& why) {
    throw std::runtime_error(
        fmt::format("setting '{}' (from {}): {}: '{}'", spec.name, source, why, value));
  };
  double number = 0;
  switch (spec.type) {
    case SettingType::kString:
      break;
    case SettingType::kBool:
      if (value != "true" && value != "false") fail("expected true or false");
      break;
    case SettingType::kInt:
    case SettingType::kDouble: {
      char* end = nullptr;
      number = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0') fail("expected a number");
      if (spec.type == SettingType::kInt &&
          number != static_cast<double>(static_cast<long long>(number))) {
        fail("expected an integer");
      }
      if (spec.min < spec.max && (number < spec.min || number > spec.max)) {
        fail(fmt::format("out of range {}..{}", spec.min, spec.max));
      }
      break;
    }
  }
  values_[spec.name] = {value, source};
}

std::string Settings::String(const std::string& name) const { return values_.at(name).first; }
long long Settings::Int(const std::string& name) const {
  return std::stoll(values_.at(name).first);
}
double Settings::Double(const std::string& name) const { return std::stod(values_.at(name).first); }
bool Settings::Bool(const std::string& name) const { return values_.at(name).first == "true"; }
std::string Settings::Source(const std::string& name) const { return values_.at(name).second; }

std::map<std::string, std::string> SteadycastEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    if (entry.rfind("STEADYCAST_", 0) != 0) continue;
    const auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

}  // namespace steadycast::app
