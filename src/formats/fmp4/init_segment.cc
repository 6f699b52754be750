#include "formats/fmp4/init_segment.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include "formats/fmp4/box_writer.h"

namespace steadycast::formats::fmp4 {
namespace {

using media::AudioTrackConfig;
using media::VideoTrackConfig;

constexpr int kMaxDimension = 16384;
constexpr size_t kMaxAvccBytes = 64 * 1024;
constexpr size_t kMaxAscBytes = 64;  // descriptor lengths below use the 1-byte size form
// Unity transformation matrix (§8.2.2.3), written in mvhd and tkhd.
constexpr std::array<uint32_t, 9> kUnityMatrix = {0x00010000, 0, 0, 0,         0x00010000,
                                                  0,          0, 0, 0x40000000};
constexpr uint16_t kLanguageUnd = 0x55C4;  // ISO-639-2/T "und", packed 3×5 bits (§8.4.2.3)

void WriteMatrix(base::ByteWriter& w) {
  for (uint32_t v : kUnityMatrix) w.U32(v);
}

void WriteFtyp(BoxWriter& box, bool single_track) {
  box.Begin("ftyp");
  auto& w = box.bytes();
  w.Text("iso6");  // major brand
  w.U32(0);        // minor version
  w.Text("iso6");
  if (single_track) w.Text("cmfc");
  w.Text("mp41");
  box.End();
}

void WriteMvhd(BoxWriter& box, uint32_t next_track_id) {
  box.BeginFull("mvhd", 0, 0);
  auto& w = box.bytes();
  w.U32(0);  // creation_time
  w.U32(0);  // modification_time
  w.U32(kMovieTimescale);
  w.U32(0);           // duration: unknown (live, fragmented)
  w.U32(0x00010000);  // rate 1.0
  w.U16(0x0100);      // volume 1.0
  w.Zeros(2 + 8);     // reserved
  WriteMatrix(w);
  w.Zeros(24);  // pre_defined
  w.U32(next_track_id);
  box.End();
}

// Track header (§8.3.2). Width/height are the display size in 16.16 fixed point.
void WriteTkhd(BoxWriter& box, uint32_t track_id, bool audio, uint32_t width, uint32_t height) {
  box.BeginFull("tkhd", 0, 0x000003);  // track_enabled | track_in_movie
  auto& w = box.bytes();
  w.U32(0);  // creation_time
  w.U32(0);  // modification_time
  w.U32(track_id);
  w.U32(0);  // reserved
  w.U32(0);  // duration
  w.Zeros(8);
  w.U16(0);                   // layer
  w.U16(0);                   // alternate_group
  w.U16(audio ? 0x0100 : 0);  // volume
  w.U16(0);                   // reserved
  WriteMatrix(w);
  w.U32(width << 16);
  w.U32(height << 16);
  box.End();
}

void WriteMdhd(BoxWriter& box, uint32_t timescale) {
  box.BeginFull("mdhd", 0, 0);
  auto& w = box.bytes();
  w.U32(0);  // creation_time
  w.U32(0);  // modification_time
  w.U32(timescale);
  w.U32(0);  // duration
  w.U16(kLanguageUnd);
  w.U16(0);  // pre_defined
  box.End();
}

void WriteHdlr(BoxWriter& box, std::string_view handler, std::string_view name) {
  box.BeginFull("hdlr", 0, 0);
  auto& w = box.bytes();
  w.U32(0);  // pre_defined
  w.Text(handler);
  w.Zeros(12);  // reserved
  w.Text(name);
  w.U8(0);  // null-terminated UTF-8 name
  box.End();
}

void WriteDinf(BoxWriter& box) {
  box.Begin("dinf");
  box.BeginFull("dref", 0, 0);
  box.bytes().U32(1);                  // entry_count
  box.BeginFull("url ", 0, 0x000001);  // self-contained: media is in the same file
  box.End();
  box.End();
  box.End();
}

// Empty sample tables (§8.8.1: in a fragmented file all samples are in movie fragments).
void WriteEmptyTables(BoxWriter& box) {
  for (std::string_view type : {"stts", "stsc", "stco"}) {
    box.BeginFull(type, 0, 0);
    box.bytes().U32(0);  // entry_count
    box.End();
  }
  box.BeginFull("stsz", 0, 0);
  box.bytes().U32(0);  // sample_size
  box.bytes().U32(0);  // sample_count
  box.End();
}

// VisualSampleEntry (§12.1.3) "avc1" with avcC (ISO/IEC 14496-15 §5.4.2.1) and pasp (§12.1.4).
void WriteAvc1(BoxWriter& box, const VideoTrackConfig& video) {
  box.Begin("avc1");
  auto& w = box.bytes();
  w.Zeros(6);   // reserved
  w.U16(1);     // data_reference_index
  w.U16(0);     // pre_defined
  w.U16(0);     // reserved
  w.Zeros(12);  // pre_defined
  w.U16(static_cast<uint16_t>(video.width));
  w.U16(static_cast<uint16_t>(video.height));
  w.U32(0x00480000);  // horizresolution 72 dpi
  w.U32(0x00480000);  // vertresolution 72 dpi
  w.U32(0);           // reserved
  w.U16(1);           // frame_count
  w.Zeros(32);        // compressorname: empty Pascal string
  w.U16(0x0018);      // depth: colour, no alpha
  w.U16(0xFFFF);      // pre_defined = -1
  box.Begin("avcC");
  w.Bytes(video.avcc.span());
  box.End();
  if (video.sar_num != video.sar_den) {
    box.Begin("pasp");
    w.U32(static_cast<uint32_t>(video.sar_num));
    w.U32(static_cast<uint32_t>(video.sar_den));
    box.End();
  }
  box.End();
}

// ISO/IEC 14496-1 §8.3.3 descriptor header; lengths here are < 128 so one size byte suffices.
void WriteDescriptorHeader(base::ByteWriter& w, uint8_t tag, size_t length) {
  w.U8(tag);
  w.U8(static_cast<uint8_t>(length));
}

// esds (ISO/IEC 14496-14 §5.6): ES_Descriptor → DecoderConfigDescriptor (AAC, audio stream)
// → DecoderSpecificInfo (the AudioSpecificConfig) + SLConfigDescriptor (predefined 2 = MP4).
void WriteEsds(BoxWriter& box, const InitSegmentSpec& spec, const AudioTrackConfig& audio) {
  box.BeginFull("esds", 0, 0);
  auto& w = box.bytes();
  const size_t asc_size = audio.asc.size();
  const size_t dsi_size = 2 + asc_size;
  const size_t dcd_size = 2 + 13 + dsi_size;
  const size_t sl_size = 2 + 1;
  WriteDescriptorHeader(w, 0x03, 3 + dcd_size + sl_size);  // ES_DescrTag
  w.U16(static_cast<uint16_t>(kAudioTrackId));             // ES_ID
  w.U8(0);  // no stream dependence, no URL, no OCR stream, priority 0
  WriteDescriptorHeader(w, 0x04, 13 + dsi_size);  // DecoderConfigDescrTag
  w.U8(0x40);                                     // objectTypeIndication: MPEG-4 Audio
  w.U8((0x05 << 2) | 0x01);                       // streamType audio, upStream 0, reserved 1
  // bufferSizeDB: the AAC decoder input buffer, 6144 bits per channel (ISO/IEC 14496-3 §4.5.3.1).
  w.U24(static_cast<uint32_t>(768 * audio.channels));
  w.U32(spec.audio_max_bitrate);
  w.U32(spec.audio_avg_bitrate);
  WriteDescriptorHeader(w, 0x05, asc_size);  // DecSpecificInfoTag
  w.Bytes(audio.asc.span());
  WriteDescriptorHeader(w, 0x06, 1);  // SLConfigDescrTag
  w.U8(0x02);                         // predefined: reserved for use in MP4 files
  box.End();
}

// AudioSampleEntry (§12.2.3) "mp4a".
void WriteMp4a(BoxWriter& box, const InitSegmentSpec& spec, const AudioTrackConfig& audio) {
  box.Begin("mp4a");
  auto& w = box.bytes();
  w.Zeros(6);  // reserved
  w.U16(1);    // data_reference_index
  w.Zeros(8);  // reserved
  w.U16(static_cast<uint16_t>(audio.channels));
  w.U16(16);  // samplesize
  w.U16(0);   // pre_defined
  w.U16(0);   // reserved
  // samplerate is 16.16; rates above 65535 Hz do not fit and are signalled by the ASC alone.
  w.U32(audio.sample_rate <= 0xFFFF ? static_cast<uint32_t>(audio.sample_rate) << 16 : 0);
  WriteEsds(box, spec, audio);
  box.End();
}

void WriteVideoTrak(BoxWriter& box, const VideoTrackConfig& video) {
  // Display size honours the sample aspect ratio (tkhd width/height, §8.3.2.3).
  const int64_t display_width = std::clamp<int64_t>(
      static_cast<int64_t>(video.width) * video.sar_num / std::max(video.sar_den, 1), 1, 0xFFFF);
  box.Begin("trak");
  WriteTkhd(box, kVideoTrackId, false, static_cast<uint32_t>(display_width),
            static_cast<uint32_t>(video.height));
  box.Begin("mdia");
  WriteMdhd(box, kVideoTimescale);
  WriteHdlr(box, "vide", "VideoHandler");
  box.Begin("minf");
  box.BeginFull("vmhd", 0, 0x000001);
  box.bytes().Zeros(8);  // graphicsmode copy, opcolor 0
  box.End();
  WriteDinf(box);
  box.Begin("stbl");
  box.BeginFull("stsd", 0, 0);
  box.bytes().U32(1);  // entry_count
  WriteAvc1(box, video);
  box.End();
  WriteEmptyTables(box);
  box.End();  // stbl
  box.End();  // minf
  box.End();  // mdia
  box.End();  // trak
}

void WriteAudioTrak(BoxWriter& box, const InitSegmentSpec& spec, const AudioTrackConfig& audio) {
  box.Begin("trak");
  WriteTkhd(box, kAudioTrackId, true, 0, 0);
  box.Begin("mdia");
  WriteMdhd(box, AudioTimescale(audio));
  WriteHdlr(box, "soun", "SoundHandler");
  box.Begin("minf");
  box.BeginFull("smhd", 0, 0);
  box.bytes().Zeros(4);  // balance 0, reserved
  box.End();
  WriteDinf(box);
  box.Begin("stbl");
  box.BeginFull("stsd", 0, 0);
  box.bytes().U32(1);  // entry_count
  WriteMp4a(box, spec, audio);
  box.End();
  WriteEmptyTables(box);
  box.End();  // stbl
  box.End();  // minf
  box.End();  // mdia
  box.End();  // trak
}

// Track extends (§8.8.3): defaults are all overridden per sample in trun.
void WriteTrex(BoxWriter& box, uint32_t track_id) {
  box.BeginFull("trex", 0, 0);
  auto& w = box.bytes();
  w.U32(track_id);
  w.U32(1);  // default_sample_description_index
  w.U32(0);  // default_sample_duration
  w.U32(0);  // default_sample_size
  w.U32(0);  // default_sample_flags
  box.End();
}

base::Status ValidateVideo(const VideoTrackConfig& video) {
  if (video.codec != media::Codec::kH264) {
    return base::Unimplemented("fmp4: only H.264 video can be packaged");
  }
  if (video.avcc.empty() || video.avcc.size() > kMaxAvccBytes) {
    return base::InvalidArgument(fmt::format("fmp4: avcC size {} invalid", video.avcc.size()));
  }
  if (video.width <= 0 || video.height <= 0 || video.width > kMaxDimension ||
      video.height > kMaxDimension) {
    return base::InvalidArgument(
        fmt::format("fmp4: video size {}x{} out of range", video.width, video.height));
  }
  if (video.sar_num <= 0 || video.sar_den <= 0 || video.sar_num > 0xFFFF ||
      video.sar_den > 0xFFFF) {
    return base::InvalidArgument(
        fmt::format("fmp4: sample aspect ratio {}:{} invalid", video.sar_num, video.sar_den));
  }
  return base::Status::Ok();
}

base::Status ValidateAudio(const AudioTrackConfig& audio) {
  if (audio.codec != media::Codec::kAac) {
    return base::Unimplemented("fmp4: only AAC audio can be packaged");
  }
  if (audio.asc.empty() || audio.asc.size() > kMaxAscBytes) {
    return base::InvalidArgument(
        fmt::format("fmp4: AudioSpecificConfig size {} invalid", audio.asc.size()));
  }
  if (audio.sample_rate <= 0 || audio.sample_rate > 384'000 || audio.channels <= 0 ||
      audio.channels > 64) {
    return base::InvalidArgument(
        fmt::format("fmp4: audio {} Hz / {} channels invalid", audio.sample_rate, audio.channels));
  }
  return base::Status::Ok();
}

}  // namespace

base::Result<base::Buffer> BuildInitSegment(const InitSegmentSpec& spec) {
  if (!spec.video && !spec.audio) {
    return base::InvalidArgument("fmp4: init segment needs at least one track");
  }
  if (spec.video) SC_RETURN_IF_ERROR(ValidateVideo(*spec.video));
  if (spec.audio) SC_RETURN_IF_ERROR(ValidateAudio(*spec.audio));

  std::vector<uint8_t> out;
  out.reserve(1024 + (spec.video ? spec.video->avcc.size() : 0));
  BoxWriter box(out);
  WriteFtyp(box, !(spec.video && spec.audio));
  box.Begin("moov");
  WriteMvhd(box, kAudioTrackId + 1);
  if (spec.video) WriteVideoTrak(box, *spec.video);
  if (spec.audio) WriteAudioTrak(box, spec, *spec.audio);
  box.Begin("mvex");
  if (spec.video) WriteTrex(box, kVideoTrackId);
  if (spec.audio) WriteTrex(box, kAudioTrackId);
  box.End();  // mvex
  box.End();  // moov
  return base::Buffer::Take(std::move(out));
}

}  // namespace steadycast::formats::fmp4
