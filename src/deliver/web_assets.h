#pragma once
// The web app, the player and the browser libraries they load, compiled into the binary
// (deliver/web_embed.cmake generates EmbeddedWebAssets() from the repository's web/ folder and
// node_modules). Served by web_routes.h.

#include <span>
#include <string_view>

namespace steadycast::deliver {

// Bytes of one embedded file: [begin, end), static storage. Empty when begin is null.
struct EmbeddedBytes {
  const char* begin = nullptr;
  const char* end = nullptr;
  std::string_view View() const {
    return begin == nullptr ? std::string_view() : std::string_view(begin, end - begin);
  }
};

struct EmbeddedWebAsset {
  const char* url;          // "/player/steadycast-player.js"
  const char* source_path;  // relative to the repository root: "web/player/steadycast-player.js"
  EmbeddedBytes bytes;
  EmbeddedBytes gzip;  // gzip -9 of `bytes` for text types, else empty
};

// Every embedded asset (generated at build time).
std::span<const EmbeddedWebAsset> EmbeddedWebAssets();

}  // namespace steadycast::deliver
