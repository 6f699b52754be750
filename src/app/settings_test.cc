#include "app/settings.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace steadycast::app {
namespace {

std::string WriteTemp(const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("steadycast_settings_" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

TEST(SettingsTest, NamesAreDerivedFromTheSettingName) {
  EXPECT_EQ(EnvName("hls.segment_seconds"), "STEADYCAST_HLS_SEGMENT_SECONDS");
  EXPECT_EQ(FlagName("hls.segment_seconds"), "--hls-segment-seconds");
  EXPECT_EQ(FlagName("data_dir"), "--data-dir");
}

TEST(SettingsTest, DefaultsMatchTheContract) {
  const auto s = Settings::Resolve(std::nullopt, {}, {});
  EXPECT_EQ(s.String("data_dir"), "./data");
  EXPECT_EQ(s.String("http_addr"), "0.0.0.0:8080");
  EXPECT_EQ(s.String("rtmp_addr"), "0.0.0.0:1935");
  EXPECT_EQ(s.String("srt_addr"), "0.0.0.0:9000");
  EXPECT_EQ(s.Source("data_dir"), "default");
}

TEST(SettingsTest, PrecedenceIsFlagThenEnvThenFileThenDefault) {
  const auto file = WriteTemp(
      "data_dir = \"/from/file\"\nhttp_addr = \"127.0.0.1:1\"\nrtmp_addr = \"127.0.0.1:2\"\n"
      "[hls]\nsegment_seconds = 4\n");
  const auto s = Settings::Resolve(
      file, {{"data_dir", "/from/flag"}},
      {{"STEADYCAST_DATA_DIR", "/from/env"}, {"STEADYCAST_HTTP_ADDR", "127.0.0.1:3"}});
  EXPECT_EQ(s.String("data_dir"), "/from/flag");
  EXPECT_EQ(s.Source("data_dir"), "flag");
  EXPECT_EQ(s.String("http_addr"), "127.0.0.1:3");
  EXPECT_EQ(s.Source("http_addr"), "env");
  EXPECT_EQ(s.String("rtmp_addr"), "127.0.0.1:2");
  EXPECT_EQ(s.Source("rtmp_addr"), "file");
  EXPECT_DOUBLE_EQ(s.Double("hls.segment_seconds"), 4.0);
  std::remove(file.c_str());
}

TEST(SettingsTest, BadInputIsAClearError) {
  const auto file = WriteTemp("no_such_key = 1\n");
  EXPECT_THROW(Settings::Resolve(file, {}, {}), std::runtime_error);
  std::remove(file.c_str());
  EXPECT_THROW(Settings::Resolve(std::nullopt, {{"hls.segment_seconds", "abc"}}, {}),
               std::runtime_error);
  EXPECT_THROW(Settings::Resolve(std::nullopt, {{"hls.playlist_segments", "1000"}}, {}),
               std::runtime_error);
  EXPECT_THROW(Settings::Resolve(std::nullopt, {}, {{"STEADYCAST_HTTP_THREADS", "1.5"}}),
               std::runtime_error);
  const auto broken = WriteTemp("data_dir = \n");
  EXPECT_THROW(Settings::Resolve(broken, {}, {}), std::runtime_error);
  std::remove(broken.c_str());
}

}  // namespace
}  // namespace steadycast::app
