#include "ingest/rtmp/media_mapper.h"

#include <string>

#include "formats/flv/flv_tag.h"
#include "media/aac.h"
#include "media/avc.h"

namespace steadycast::ingest::rtmp {
namespace {

namespace flv = formats::flv;

constexpr int64_t kTicksPerMs = media::kTimescale / 1000;

std::string VideoCodecName(uint8_t codec_id) {
  switch (static_cast<flv::VideoCodecId>(codec_id)) {
    case flv::VideoCodecId::kSorensonH263:
      return "Sorenson H.263";
    case flv::VideoCodecId::kScreen:
      return "Screen video";
    case flv::VideoCodecId::kVp6:
      return "On2 VP6";
    case flv::VideoCodecId::kHevc:
      return "HEVC";
    case flv::VideoCodecId::kAvc:
      return "H.264";
  }
  return "codec id " + std::to_string(codec_id);
}

std::string SoundFormatName(uint8_t format) {
  switch (format) {
    case 0:
    case 3:
      return "linear PCM";
    case 1:
      return "ADPCM";
    case 2:
    case 14:
      return "MP3";
    case 4:
    case 5:
    case 6:
      return "Nellymoser";
    case 7:
    case 8:
      return "G.711";
    case 11:
      return "Speex";
    default:
      return "sound format " + std::to_string(format);
  }
}

// The part of `body` that `part` (a span into it) covers, sharing the storage.
base::Buffer SliceOf(const base::Buffer& body, std::span<const uint8_t> part) {
  return body.Slice(static_cast<size_t>(part.data() - body.data()), part.size());
}

}  // namespace

int64_t TimestampExtender::Extend(uint32_t timestamp_ms) {
  if (!started_) {
    started_ = true;
    last_ = timestamp_ms;
    extended_ = timestamp_ms;
    return extended_;
  }
  const uint32_t forward = timestamp_ms - last_;  // modulo 2^32
  const int64_t delta =
      forward <= 0x80000000u ? int64_t{forward} : int64_t{forward} - (int64_t{1} << 32);
  last_ = timestamp_ms;
  extended_ += delta;
  return extended_;
}

base::Status MediaMapper::OnVideo(uint32_t timestamp_ms, const base::Buffer& body) {
  SC_ASSIGN_OR_RETURN(flv::VideoTag tag, flv::ParseVideoTag(body.span()));
  if (tag.frame_type == flv::VideoFrameType::kVideoInfo) return base::Status::Ok();
  if (tag.codec_id != static_cast<uint8_t>(flv::VideoCodecId::kAvc)) {
    return base::Unimplemented("rtmp: video codec " + VideoCodecName(tag.codec_id) +
                               " is not supported (publish H.264)");
  }
  const int64_t dts = timestamps_.Extend(timestamp_ms) * kTicksPerMs;
  switch (tag.packet_type) {
    case flv::AvcPacketType::kEndOfSequence:
      return base::Status::Ok();
    case flv::AvcPacketType::kSequenceHeader: {
      if (tag.payload.empty()) {  // placeholder some remuxers send before the real record
        ++empty_sequence_headers_;
        return base::Status::Ok();
      }
      SC_ASSIGN_OR_RETURN(media::ParsedVideoConfig parsed,
                          media::VideoConfigFromAvcc(tag.payload).WithContext("rtmp video"));
      nal_length_size_ = parsed.nal_length_size;
      if (!parsed.config.frame_rate.has_value()) parsed.config.frame_rate = metadata_frame_rate_;
      if (video_config_ != parsed.config) {
        video_config_ = parsed.config;
        sink_.OnVideoConfig(*video_config_);
      }
      return base::Status::Ok();
    }
    case flv::AvcPacketType::kNalu:
      break;
  }
  if (!video_config_.has_value()) {
    ++dropped_before_config_;
    return base::Status::Ok();
  }
  if (tag.payload.empty()) return base::Status::Ok();
  media::AccessUnit unit;
  unit.kind = media::TrackKind::kVideo;
  unit.codec = media::Codec::kH264;
  unit.dts = dts;
  unit.pts = dts + int64_t{tag.composition_time_ms} * kTicksPerMs;
  unit.keyframe = tag.frame_type == flv::VideoFrameType::kKeyframe;
  if (nal_length_size_ == 4) {
    SC_RETURN_IF_ERROR(
        media::ForEachNal(tag.payload, [](std::span<const uint8_t>) {}).WithContext("rtmp video"));
    unit.data = SliceOf(body, tag.payload);
  } else {
    SC_ASSIGN_OR_RETURN(
        unit.data,
        media::NormalizeNalLengths(tag.payload, nal_length_size_).WithContext("rtmp video"));
  }
  sink_.OnAccessUnit(unit);
  return base::Status::Ok();
}

base::Status MediaMapper::OnAudio(uint32_t timestamp_ms, const base::Buffer& body) {
  SC_ASSIGN_OR_RETURN(flv::AudioTag tag, flv::ParseAudioTag(body.span()));
  if (tag.sound_format != static_cast<uint8_t>(flv::SoundFormat::kAac)) {
    return base::Unimplemented("rtmp: audio " + SoundFormatName(tag.sound_format) +
                               " is not supported (publish AAC)");
  }
  const int64_t dts = timestamps_.Extend(timestamp_ms) * kTicksPerMs;
  if (tag.aac_packet_type == flv::AacPacketType::kSequenceHeader) {
    // ffmpeg remuxing with -c copy (e.g. from MPEG-TS) sends an empty AAC sequence header first
    // and the real one once it has seen an audio frame: wait for that one.
    if (tag.payload.empty()) {
      ++empty_sequence_headers_;
      return base::Status::Ok();
    }
    SC_ASSIGN_OR_RETURN(media::AudioTrackConfig config,
                        media::ParseAudioSpecificConfig(tag.payload).WithContext("rtmp audio"));
    if (audio_config_ != config) {
      audio_config_ = config;
      sink_.OnAudioConfig(*audio_config_);
    }
    return base::Status::Ok();
  }
  if (!audio_config_.has_value()) {
    ++dropped_before_config_;
    return base::Status::Ok();
  }
  if (tag.payload.empty()) return base::Status::Ok();
  media::AccessUnit unit;
  unit.kind = media::TrackKind::kAudio;
  unit.codec = media::Codec::kAac;
  unit.dts = dts;
  unit.pts = dts;
  unit.keyframe = true;
  unit.data = SliceOf(body, tag.payload);
  sink_.OnAccessUnit(unit);
  return base::Status::Ok();
}

}  // namespace steadycast::ingest::rtmp
