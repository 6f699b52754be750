#include "transcode/slate_picture.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <fstream>
#include <vector>

#include <fmt/format.h>

extern "C" {
#include <libavutil/imgutils.h>
}

namespace steadycast::transcode {
namespace {

constexpr int kGlyphWidth = 5;
constexpr int kGlyphHeight = 7;
constexpr int kGlyphAdvance = kGlyphWidth + 1;
constexpr uint8_t kBackgroundLuma = 28;
constexpr uint8_t kTextLuma = 235;
constexpr uint8_t kNeutralChroma = 128;

using Glyph = std::array<uint8_t, kGlyphHeight>;  // one row per byte, bit 4 = leftmost column

Glyph GlyphFor(char c) {
  static constexpr Glyph kLetters[26] = {
      {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}, {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E},
      {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}, {0x1E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1E},
      {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}, {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10},
      {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}, {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11},
      {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}, {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C},
      {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}, {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F},
      {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}, {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11},
      {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10},
      {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}, {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11},
      {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}, {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04},
      {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04},
      {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}, {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11},
      {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F},
  };
  static constexpr Glyph kDigits[10] = {
      {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}, {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},
      {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}, {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},
      {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}, {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},
      {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},
      {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}, {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C},
  };
  const unsigned char u = static_cast<unsigned char>(std::toupper(static_cast<unsigned char>(c)));
  if (u >= 'A' && u <= 'Z') return kLetters[u - 'A'];
  if (u >= '0' && u <= '9') return kDigits[u - '0'];
  if (u == '.') return {0, 0, 0, 0, 0, 0x0C, 0x0C};
  if (u == '-') return {0, 0, 0, 0x1F, 0, 0, 0};
  return {};
}

base::Status CheckSize(int width, int height) {
  if (width < 2 || height < 2 || width % 2 || height % 2 || width > 8192 || height > 8192) {
    return base::InvalidArgument(fmt::format("slate: picture size {}x{} unusable", width, height));
  }
  return base::Status::Ok();
}

// A YUV 4:2:0 frame filled with one colour.
base::Result<av::FramePtr> SolidFrame(int width, int height, uint8_t luma) {
  av::FramePtr frame(av_frame_alloc());
  if (!frame) return base::ResourceExhausted("slate: out of memory");
  frame->format = AV_PIX_FMT_YUV420P;
  frame->width = width;
  frame->height = height;
  if (int rc = av_frame_get_buffer(frame.get(), 0); rc < 0) return av::Error(rc, "slate: buffer");
  for (int y = 0; y < height; ++y)
    std::memset(frame->data[0] + y * frame->linesize[0], luma, width);
  for (int plane = 1; plane < 3; ++plane) {
    for (int y = 0; y < height / 2; ++y) {
      std::memset(frame->data[plane] + y * frame->linesize[plane], kNeutralChroma, width / 2);
    }
  }
  return frame;
}

void DrawText(AVFrame& frame, const std::string& text, int scale, int left, int top) {
  for (size_t i = 0; i < text.size(); ++i) {
    const Glyph glyph = GlyphFor(text[i]);
    const int x0 = left + static_cast<int>(i) * kGlyphAdvance * scale;
    for (int row = 0; row < kGlyphHeight; ++row) {
      for (int col = 0; col < kGlyphWidth; ++col) {
        if (!(glyph[row] & (0x10 >> col))) continue;
        for (int dy = 0; dy < scale; ++dy) {
          uint8_t* line = frame.data[0] + (top + row * scale + dy) * frame.linesize[0];
          std::memset(line + x0 + col * scale, kTextLuma, scale);
        }
      }
    }
  }
}

base::Result<av::FramePtr> DecodeImage(std::span<const uint8_t> file) {
  static constexpr uint8_t kPng[] = {0x89, 'P', 'N', 'G'};
  AVCodecID id = AV_CODEC_ID_NONE;
  if (file.size() >= 4 && std::memcmp(file.data(), kPng, 4) == 0) id = AV_CODEC_ID_PNG;
  if (file.size() >= 3 && file[0] == 0xFF && file[1] == 0xD8 && file[2] == 0xFF) {
    id = AV_CODEC_ID_MJPEG;
  }
  if (id == AV_CODEC_ID_NONE) return base::InvalidArgument("slate: image is neither PNG nor JPEG");
  const AVCodec* codec = avcodec_find_decoder(id);
  if (codec == nullptr) return base::Unimplemented("slate: libavcodec lacks the image decoder");
  av::CodecContextPtr context(avcodec_alloc_context3(codec));
  if (!context) return base::ResourceExhausted("slate: out of memory");
  context->max_pixels = kMaxSlateImagePixels;
  if (int rc = avcodec_open2(context.get(), codec, nullptr); rc < 0) {
    return av::Error(rc, "slate: open image decoder");
  }
  av::PacketPtr packet(av_packet_alloc());
  if (!packet || av_new_packet(packet.get(), static_cast<int>(file.size())) < 0) {
    return base::ResourceExhausted("slate: out of memory");
  }
  std::memcpy(packet->data, file.data(), file.size());
  if (int rc = avcodec_send_packet(context.get(), packet.get()); rc < 0) {
    return av::Error(rc, "slate: decode image");
  }
  (void)avcodec_send_packet(context.get(), nullptr);
  av::FramePtr frame(av_frame_alloc());
  if (!frame) return base::ResourceExhausted("slate: out of memory");
  if (int rc = avcodec_receive_frame(context.get(), frame.get()); rc < 0) {
    return av::Error(rc, "slate: decode image");
  }
  return frame;
}

// Long text goes on two lines, split at the space nearest the middle (bigger letters).
std::vector<std::string> Lines(const std::string& text) {
  constexpr size_t kOneLineMax = 16;
  if (text.size() <= kOneLineMax) return {text};
  size_t best = std::string::npos;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != ' ') continue;
    const auto distance = [&](size_t at) {
      return at > text.size() / 2 ? at - text.size() / 2 : text.size() / 2 - at;
    };
    if (best == std::string::npos || distance(i) < distance(best)) best = i;
  }
  if (best == std::string::npos) return {text};
  return {text.substr(0, best), text.substr(best + 1)};
}

}  // namespace

base::Result<av::FramePtr> MakeSlateCard(int width, int height, const std::string& text) {
  SC_RETURN_IF_ERROR(CheckSize(width, height));
  SC_ASSIGN_OR_RETURN(av::FramePtr frame, SolidFrame(width, height, kBackgroundLuma));
  const std::vector<std::string> lines = Lines(text);
  size_t longest = 0;
  for (const std::string& line : lines) longest = std::max(longest, line.size());
  const int columns = static_cast<int>(longest) * kGlyphAdvance;
  if (columns == 0) return frame;
  // Rows: each line's glyphs plus half a line between lines.
  const int rows = static_cast<int>(lines.size()) * kGlyphHeight * 3 / 2;
  // The text takes at most 80 % of the width and a third of the height.
  const int scale = std::min(width * 4 / 5 / columns, height / 3 / rows);
  if (scale < 1) return frame;  // too small for any text: the plain card
  const int line_pitch = kGlyphHeight * scale * 3 / 2;
  int top = (height - (static_cast<int>(lines.size()) - 1) * line_pitch - kGlyphHeight * scale) / 2;
  for (const std::string& line : lines) {
    const int line_columns = static_cast<int>(line.size()) * kGlyphAdvance;
    DrawText(*frame, line, scale, (width - line_columns * scale) / 2, top);
    top += line_pitch;
  }
  return frame;
}

base::Result<av::FramePtr> FitSlateImage(std::span<const uint8_t> file, int width, int height) {
  SC_RETURN_IF_ERROR(CheckSize(width, height));
  SC_ASSIGN_OR_RETURN(av::FramePtr image, DecodeImage(file));
  if (image->width <= 0 || image->height <= 0) return base::InvalidArgument("slate: empty image");
  // Fit inside, keep the aspect ratio, even sizes, centred on black.
  const double scale = std::min(static_cast<double>(width) / image->width,
                                static_cast<double>(height) / image->height);
  const int fit_width = std::clamp(static_cast<int>(image->width * scale) / 2 * 2, 2, width);
  const int fit_height = std::clamp(static_cast<int>(image->height * scale) / 2 * 2, 2, height);
  av::SwsPtr sws(sws_getContext(image->width, image->height,
                                static_cast<AVPixelFormat>(image->format), fit_width, fit_height,
                                AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr, nullptr, nullptr));
  if (!sws) return base::InvalidArgument("slate: image pixel format cannot be converted");
  SC_ASSIGN_OR_RETURN(av::FramePtr out, SolidFrame(width, height, 16));
  const int left = (width - fit_width) / 2 / 2 * 2;
  const int top = (height - fit_height) / 2 / 2 * 2;
  uint8_t* dst[4] = {out->data[0] + top * out->linesize[0] + left,
                     out->data[1] + top / 2 * out->linesize[1] + left / 2,
                     out->data[2] + top / 2 * out->linesize[2] + left / 2, nullptr};
  int dst_lines[4] = {out->linesize[0], out->linesize[1], out->linesize[2], 0};
  sws_scale(sws.get(), image->data, image->linesize, 0, image->height, dst, dst_lines);
  return out;
}

base::Result<av::FramePtr> MakeSlatePicture(int width, int height, const std::string& image_path,
                                            const std::string& text) {
  if (image_path.empty()) return MakeSlateCard(width, height, text);
  std::ifstream in(image_path, std::ios::binary | std::ios::ate);
  if (!in) return base::NotFound(fmt::format("slate: cannot open image {}", image_path));
  const std::streamoff size = in.tellg();
  if (size < 0 || static_cast<uint64_t>(size) > kMaxSlateImageBytes) {
    return base::InvalidArgument(
        fmt::format("slate: image {} is larger than {} bytes", image_path, kMaxSlateImageBytes));
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), size);
  if (in.gcount() != size) {
    return base::InvalidArgument(fmt::format("slate: cannot read image {}", image_path));
  }
  auto fitted = FitSlateImage(bytes, width, height);
  if (!fitted.ok()) {
    return base::Status(fitted.status().code(),
                        fmt::format("{} ({})", fitted.status().message(), image_path));
  }
  return fitted;
}

}  // namespace steadycast::transcode
