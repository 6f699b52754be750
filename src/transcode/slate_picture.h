#pragma once
// The still picture of the slate (through the reconnect window): what the
// transcoder encodes into every rendition while a stream waits for its publisher. Either the
// operator's image file (PNG or JPEG, fitted inside the picture and centred on black) or a
// generated card: a dark background with a line of text ("THE STREAM WILL RESUME SHORTLY")
// drawn with a built-in 5×7 bitmap font, so no font library or file is needed.
//
// The picture is made once at the source's size; each rendition scales it like a decoded
// source picture. Pure functions (no globals); the image file is read with a size limit and
// decoded with libavcodec under a pixel limit, so a hostile file gives an error, not a crash.

#include <cstdint>
#include <span>
#include <string>

#include "base/status.h"
#include "transcode/av_util.h"

namespace steadycast::transcode {

inline constexpr char kDefaultSlateText[] = "The stream will resume shortly";
inline constexpr size_t kMaxSlateImageBytes = size_t{16} * 1024 * 1024;
inline constexpr int64_t kMaxSlateImagePixels = int64_t{8192} * 8192;

// A YUV 4:2:0 picture of `width`×`height` (both even, ≥ 2): the image at `image_path`, or the
// generated card with `text` when the path is empty.
base::Result<av::FramePtr> MakeSlatePicture(int width, int height, const std::string& image_path,
                                            const std::string& text = kDefaultSlateText);

// The generated card alone (letters outside A–Z, 0–9, ".", "-" and space are drawn as space;
// lower case is drawn as upper case).
base::Result<av::FramePtr> MakeSlateCard(int width, int height, const std::string& text);

// Decodes a PNG or JPEG image held in memory and fits it into a `width`×`height` picture.
base::Result<av::FramePtr> FitSlateImage(std::span<const uint8_t> file, int width, int height);

}  // namespace steadycast::transcode
