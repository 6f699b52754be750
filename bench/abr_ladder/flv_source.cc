#include "bench/abr_ladder/flv_source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "base/buffer.h"
#include "formats/flv/flv_demuxer.h"
#include "ingest/rtmp/media_mapper.h"

namespace steadycast::bench {
namespace {

namespace flv = formats::flv;

constexpr size_t kFeedPieceBytes = size_t{64} * 1024;

// Routes audio and video tags to the mapper, as the RTMP session routes type 8/9 messages.
class TagRouter final : public flv::FlvDemuxerListener {
 public:
  explicit TagRouter(ingest::rtmp::MediaMapper& mapper) : mapper_(mapper) {}
  void OnHeader(bool, bool) override {}
  void OnTag(flv::FlvTagType type, uint32_t timestamp_ms, std::span<const uint8_t> body) override {
    if (type == flv::FlvTagType::kScriptData) return;
    const base::Buffer buffer = base::Buffer::Copy(body);  // the RTMP path owns its messages too
    const base::Status status = type == flv::FlvTagType::kVideo
                                    ? mapper_.OnVideo(timestamp_ms, buffer)
                                    : mapper_.OnAudio(timestamp_ms, buffer);
    if (!status.ok()) ++map_errors_;
  }
  uint64_t map_errors() const { return map_errors_; }

 private:
  ingest::rtmp::MediaMapper& mapper_;
  uint64_t map_errors_ = 0;
};

// Keeps the first video config (probe).
class ConfigSink final : public media::MediaSink {
 public:
  void OnVideoConfig(const media::VideoTrackConfig& config) override {
    if (!video) video = config;
  }
  void OnAudioConfig(const media::AudioTrackConfig&) override {}
  void OnAccessUnit(const media::AccessUnit&) override {}
  std::optional<media::VideoTrackConfig> video;
};

// Forwards everything to `next` and counts the units on the way.
class CountingSink final : public media::MediaSink {
 public:
  explicit CountingSink(media::MediaSink& next) : next_(next) {}
  void OnVideoConfig(const media::VideoTrackConfig& config) override {
    next_.OnVideoConfig(config);
  }
  void OnAudioConfig(const media::AudioTrackConfig& config) override {
    next_.OnAudioConfig(config);
  }
  void OnAccessUnit(const media::AccessUnit& unit) override {
    if (unit.kind == media::TrackKind::kVideo) {
      if (result.video_units == 0) {
        result.first_video_pts = unit.pts;
        result.last_video_pts = unit.pts;
      }
      result.first_video_pts = std::min(result.first_video_pts, unit.pts);
      result.last_video_pts = std::max(result.last_video_pts, unit.pts);
      ++result.video_units;
    } else {
      ++result.audio_units;
    }
    next_.OnAccessUnit(unit);
  }
  FeedResult result;

 private:
  media::MediaSink& next_;
};

}  // namespace

double FeedResult::MediaSeconds() const {
  if (video_units < 2) return 0;
  const double span = static_cast<double>(last_video_pts - first_video_pts);
  return span * static_cast<double>(video_units) / static_cast<double>(video_units - 1) /
         static_cast<double>(media::kTimescale);
}

base::Result<std::vector<uint8_t>> ReadInputFile(const std::string& path) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return base::NotFound(path + ": " + ec.message());
  if (size > kMaxInputBytes) return base::InvalidArgument(path + ": larger than 1 GiB");
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
    return base::Internal(path + ": read failed");
  }
  return bytes;
}

base::Result<FlvProbe> ProbeFlv(std::span<const uint8_t> file) {
  ConfigSink sink;
  ingest::rtmp::MediaMapper mapper(sink);
  TagRouter router(mapper);
  flv::FlvDemuxer demuxer(router);
  for (size_t at = 0; at < file.size() && !sink.video; at += kFeedPieceBytes) {
    const size_t n = std::min(kFeedPieceBytes, file.size() - at);
    SC_RETURN_IF_ERROR(demuxer.Feed(file.subspan(at, n)));
  }
  if (!sink.video) return base::InvalidArgument("input: no AVC sequence header");
  return FlvProbe{*sink.video};
}

base::Result<FeedResult> FeedFlv(std::span<const uint8_t> file, media::MediaSink& sink) {
  CountingSink counting(sink);
  ingest::rtmp::MediaMapper mapper(counting);
  TagRouter router(mapper);
  flv::FlvDemuxer demuxer(router);
  for (size_t at = 0; at < file.size(); at += kFeedPieceBytes) {
    const size_t n = std::min(kFeedPieceBytes, file.size() - at);
    SC_RETURN_IF_ERROR(demuxer.Feed(file.subspan(at, n)));
  }
  SC_RETURN_IF_ERROR(demuxer.Finish());
  counting.result.map_errors = router.map_errors();
  return counting.result;
}

}  // namespace steadycast::bench
