#pragma once
// Server settings with one source of truth for their names: each setting "a.b_c" is the TOML
// key `b_c` in table `[a]` (or a top-level key without a dot), the environment variable
// STEADYCAST_A_B_C and the command-line flag --a-b-c. Precedence: flag > env > file > default
// (docs/contract.md "Binary and command line"). Parsed once at start-up; errors are exceptions
// caught in main (start-up only).

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace steadycast::app {

enum class SettingType { kString, kInt, kDouble, kBool };

struct SettingSpec {
  std::string name;  // "data_dir", "hls.segment_seconds"
  SettingType type;
  std::string default_value;
  std::string help;
  double min = 0;  // numeric bounds (inclusive) when min < max
  double max = 0;
};

// Every setting `serve` understands.
const std::vector<SettingSpec>& ServeSettingSpecs();

// "hls.segment_seconds" → "STEADYCAST_HLS_SEGMENT_SECONDS" / "--hls-segment-seconds".
std::string EnvName(const std::string& setting);
std::string FlagName(const std::string& setting);

// Resolved settings: values as text, validated against their specs.
class Settings {
 public:
  // Layers: defaults, then the TOML file (if given; must exist), then the environment, then
  // `flags` (only the ones the user gave). Throws std::runtime_error with a clear message on
  // an unknown key in the file, a bad type, or a value out of range.
  static Settings Resolve(const std::optional<std::string>& config_file,
                          const std::map<std::string, std::string>& flags,
                          const std::map<std::string, std::string>& environment);

  std::string String(const std::string& name) const;
  long long Int(const std::string& name) const;
  double Double(const std::string& name) const;
  bool Bool(const std::string& name) const;
  // Where the value came from: "default", "file", "env", "flag".
  std::string Source(const std::string& name) const;

 private:
  void Set(const SettingSpec& spec, const std::string& value, const std::string& source);
  std::map<std::string, std::pair<std::string, std::string>> values_;  // name → (value, source)
};

// The process environment as a map (only STEADYCAST_* variables).
std::map<std::string, std::string> SteadycastEnvironment();

}  // namespace steadycast::app
