#pragma once
// Test helpers for transcode/ (tests and the speed tool only): a synthetic H.264 source made
// with libavcodec/libx264 in memory (moving pattern, keyframes on a fixed interval, optional
// B-frames), fake AAC audio units, a recording MediaSink, and decoding an output rendition
// back with libavcodec to check its picture size and count.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/opt.h>
}

#include "base/buffer.h"
#include "base/status.h"
#include "media/access_unit.h"
#include "media/avc.h"
#include "media/media_sink.h"
#include "media/track.h"
#include "transcode/av_util.h"
#include "transcode/video_decoder.h"
#include "transcode/video_encoder.h"

namespace steadycast::transcode::testing {

struct SourceSpec {
  int width = 640;
  int height = 360;
  int fps = 30;
  int frames = 120;
  int keyint = 60;  // frames between keyframes
  int b_frames = 0;
  int64_t first_pts = 900'000;  // 10 s: sources do not start at zero
  const char* preset = "ultrafast";
  // "libx265": H.265 with in-band parameter sets and no configuration record, as MPEG-TS
  // ingest delivers it (the config carries only codec and size).
  const char* encoder = "libx264";
};

struct SourceStream {
  media::VideoTrackConfig config;
  std::vector<media::AccessUnit> video;  // decode order
};

inline void FillPattern(AVFrame& frame, int index) {
  for (int y = 0; y < frame.height; ++y) {
    uint8_t* row = frame.data[0] + y * frame.linesize[0];
    for (int x = 0; x < frame.width; ++x) {
      const bool box = std::abs(x - (index * 7) % frame.width) < frame.width / 8 &&
                       std::abs(y - frame.height / 2) < frame.height / 6;
      row[x] = box ? 235 : static_cast<uint8_t>((x + y + index * 3) & 0xFF);
    }
  }
  for (int p = 1; p < 3; ++p) {
    for (int y = 0; y < frame.height / 2; ++y) {
      std::memset(frame.data[p] + y * frame.linesize[p], p == 1 ? 128 + (index % 32) : 100,
                  frame.width / 2);
    }
  }
}

inline base::Result<SourceStream> MakeSource(const SourceSpec& spec) {
  av_log_set_level(AV_LOG_ERROR);  // x264 prints its statistics at INFO
  const bool hevc = std::string(spec.encoder) == "libx265";
  const AVCodec* codec = avcodec_find_encoder_by_name(spec.encoder);
  if (codec == nullptr) return base::Unimplemented(std::string("no ") + spec.encoder);
  av::CodecContextPtr c(avcodec_alloc_context3(codec));
  c->width = spec.width;
  c->height = spec.height;
  c->pix_fmt = AV_PIX_FMT_YUV420P;
  c->time_base = AVRational{1, 90000};
  c->framerate = AVRational{spec.fps, 1};
  c->gop_size = spec.keyint;
  c->keyint_min = spec.keyint;
  c->max_b_frames = spec.b_frames;
  c->bit_rate = 1'000'000;
  c->thread_count = 1;
  if (!hevc) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  AVDictionary* options = nullptr;
  av_dict_set(&options, "preset", spec.preset, 0);
  if (hevc) {
    const std::string params = "log-level=error:scenecut=0:keyint=" + std::to_string(spec.keyint) +
                               ":min-keyint=" + std::to_string(spec.keyint) +
                               ":bframes=" + std::to_string(spec.b_frames);
    av_dict_set(&options, "x265-params", params.c_str(), 0);
  } else {
    av_dict_set(&options, "x264-params", "scenecut=0:force-cfr=1", 0);
  }
  const int ret = avcodec_open2(c.get(), codec, &options);
  av_dict_free(&options);
  if (ret < 0) return av::Error(ret, "test source: open");
  SourceStream out;
  if (hevc) {
    out.config.codec = media::Codec::kH265;
    out.config.width = spec.width;
    out.config.height = spec.height;
  } else {
    SC_ASSIGN_OR_RETURN(
        out.config, ConfigFromExtradata({c->extradata, static_cast<size_t>(c->extradata_size)}));
  }
  av::FramePtr frame(av_frame_alloc());
  frame->width = spec.width;
  frame->height = spec.height;
  frame->format = AV_PIX_FMT_YUV420P;
  if (av_frame_get_buffer(frame.get(), 0) < 0) return base::Internal("test source: buffer");
  av::PacketPtr packet(av_packet_alloc());
  auto receive = [&]() {
    while (avcodec_receive_packet(c.get(), packet.get()) == 0) {
      media::AccessUnit unit;
      unit.codec = hevc ? media::Codec::kH265 : media::Codec::kH264;
      unit.pts = packet->pts;
      unit.dts = packet->dts;
      unit.keyframe = (packet->flags & AV_PKT_FLAG_KEY) != 0;
      unit.data = media::AnnexBToLengthPrefixed({packet->data, static_cast<size_t>(packet->size)});
      out.video.push_back(std::move(unit));
      av_packet_unref(packet.get());
    }
  };
  const int64_t step = 90000 / spec.fps;
  for (int i = 0; i < spec.frames; ++i) {
    if (av_frame_make_writable(frame.get()) < 0) return base::Internal("test source: writable");
    FillPattern(*frame, i);
    frame->pts = spec.first_pts + i * step;
    if (avcodec_send_frame(c.get(), frame.get()) < 0) return base::Internal("test source: send");
    receive();
  }
  avcodec_send_frame(c.get(), nullptr);
  receive();
  return out;
}

inline media::AudioTrackConfig AacConfig() {
  media::AudioTrackConfig a;
  a.asc = base::Buffer::Copy(std::vector<uint8_t>{0x11, 0x90});  // AAC-LC 48 kHz stereo
  a.object_type = 2;
  a.sample_rate = 48000;
  a.channels = 2;
  return a;
}

// Fake AAC frames (the transcoder never decodes audio) covering [first, first + duration).
inline std::vector<media::AccessUnit> MakeAudio(int64_t first_pts, int64_t duration_ticks) {
  std::vector<media::AccessUnit> units;
  const int64_t step = 1920;  // 1024 samples at 48 kHz
  for (int64_t t = 0; t < duration_ticks; t += step) {
    media::AccessUnit u;
    u.kind = media::TrackKind::kAudio;
    u.codec = media::Codec::kAac;
    u.pts = u.dts = first_pts + t;
    u.keyframe = true;
    const uint8_t tag = static_cast<uint8_t>(units.size());
    u.data = base::Buffer::Copy(std::vector<uint8_t>{0x21, tag, 0x42});
    units.push_back(std::move(u));
  }
  return units;
}

// Video and audio merged by dts as a publisher sends them (video first on ties).
inline std::vector<media::AccessUnit> Interleave(const std::vector<media::AccessUnit>& video,
                                                 const std::vector<media::AccessUnit>& audio) {
  std::vector<media::AccessUnit> all;
  size_t a = 0;
  for (const auto& v : video) {
    while (a < audio.size() && audio[a].dts < v.dts) all.push_back(audio[a++]);
    all.push_back(v);
  }
  while (a < audio.size()) all.push_back(audio[a++]);
  return all;
}

// Records everything a rendition receives; checks that calls never overlap.
class RecordingSink : public media::MediaSink {
 public:
  void OnVideoConfig(const media::VideoTrackConfig& config) override {
    std::lock_guard lock(mu_);
    Enter();
    video_configs.push_back(config);
    video_config_at.push_back(VideoCountLocked());
  }
  void OnAudioConfig(const media::AudioTrackConfig& config) override {
    std::lock_guard lock(mu_);
    Enter();
    audio_configs.push_back(config);
  }
  void OnAccessUnit(const media::AccessUnit& unit) override {
    std::lock_guard lock(mu_);
    Enter();
    units.push_back(unit);
  }

  std::vector<media::AccessUnit> Video() const { return Filter(media::TrackKind::kVideo); }
  std::vector<media::AccessUnit> Audio() const { return Filter(media::TrackKind::kAudio); }

  std::vector<media::VideoTrackConfig> video_configs;
  std::vector<size_t> video_config_at;  // video units received before each video config
  std::vector<media::AudioTrackConfig> audio_configs;
  std::vector<media::AccessUnit> units;
  size_t threads_seen = 0;

 private:
  size_t VideoCountLocked() const {
    size_t n = 0;
    for (const auto& u : units) n += u.kind == media::TrackKind::kVideo ? 1 : 0;
    return n;
  }
  void Enter() {
    const auto id = std::this_thread::get_id();
    if (std::find(threads_.begin(), threads_.end(), id) == threads_.end()) threads_.push_back(id);
    threads_seen = threads_.size();
  }
  std::vector<media::AccessUnit> Filter(media::TrackKind kind) const {
    std::vector<media::AccessUnit> out;
    for (const auto& u : units) {
      if (u.kind == kind) out.push_back(u);
    }
    return out;
  }
  std::mutex mu_;
  std::vector<std::thread::id> threads_;
};

struct DecodedRendition {
  int frames = 0;
  int width = 0;
  int height = 0;
  bool sizes_consistent = true;
};

// Decodes a rendition's video with libavcodec (from its last config's avcC).
inline base::Result<DecodedRendition> DecodeBack(const media::VideoTrackConfig& config,
                                                 const std::vector<media::AccessUnit>& video) {
  SC_ASSIGN_OR_RETURN(auto decoder, VideoDecoder::Open(config, 1));
  DecodedRendition out;
  auto on_frame = [&](const AVFrame& frame) {
    if (out.frames > 0 && (frame.width != out.width || frame.height != out.height)) {
      out.sizes_consistent = false;
    }
    out.width = frame.width;
    out.height = frame.height;
    ++out.frames;
  };
  for (const auto& unit : video) SC_RETURN_IF_ERROR(decoder->Decode(unit, on_frame));
  SC_RETURN_IF_ERROR(decoder->Drain(on_frame));
  return out;
}

}  // namespace steadycast::transcode::testing
