#include "deliver/web_routes.h"

#include <fmt/format.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "base/buffer.h"
#include "deliver/content_coding.h"
#include "deliver/web_assets.h"

namespace steadycast::deliver {
namespace {

constexpr std::string_view kDashboardPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
constexpr std::string_view kPlayerPagePolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors *; base-uri 'none'";

std::string ContentTypeFor(std::string_view path) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".json", "application/json"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [suffix, type] : kTypes) {
    if (path.ends_with(suffix)) return std::string(type);
  }
  return "application/octet-stream";
}

// FNV-1a over the bytes: a strong validator for content that changes only with the binary
// (or, from disk, with an edit).
std::string EtagOf(std::string_view bytes) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return fmt::format("\"{:016x}-{:x}\"", hash, bytes.size());
}

struct Asset {
  base::Buffer bytes;
  base::Buffer gzip;  // empty: not stored compressed
  std::string etag;
  std::string content_type;
};

struct WebContext {
  WebRouteOptions options;
  std::map<std::string, Asset, std::less<>> embedded;      // by URL path
  std::map<std::string, std::string, std::less<>> vendor;  // URL path → source path (disk mode)
};

std::optional<Asset> ReadFromDisk(const std::string& path, std::string_view url) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  Asset asset;
  asset.etag = EtagOf(text.str());
  asset.bytes = base::Buffer::FromString(text.str());
  asset.content_type = ContentTypeFor(url);
  return asset;
}

// The file behind a URL path, embedded or (development) from disk.
std::optional<Asset> Find(const WebContext& context, std::string_view url) {
  if (context.options.web_dir.empty()) {
    auto it = context.embedded.find(url);
    if (it == context.embedded.end()) return std::nullopt;
    return it->second;
  }
  const std::string& root = context.options.web_dir;
  if (url.starts_with("/app/"))
    return ReadFromDisk(root + "/web/dashboard/" + std::string(url.substr(5)), url);
  if (url.starts_with("/player/")) {
    return ReadFromDisk(root + "/web/player/" + std::string(url.substr(8)), url);
  }
  auto it = context.vendor.find(url);
  if (it == context.vendor.end()) return std::nullopt;
  return ReadFromDisk(root + "/" + it->second, url);
}

net::HttpResponse Respond(const WebContext& context, const net::HttpRequest& request,
                          std::string_view url, std::string_view policy) {
  std::optional<Asset> asset = Find(context, url);
  if (!asset) {
    net::HttpResponse missing = net::ProblemResponse(404, "no such file");
    missing.Header("Cache-Control", "no-cache");
    return missing;
  }
  net::HttpResponse response;
  if (request.Header("if-none-match") == asset->etag) {
    response.status = 304;
  } else if (!asset->gzip.empty() && AcceptsGzip(request.Header("accept-encoding"))) {
    response.Body(asset->gzip, asset->content_type);
    response.Header("Content-Encoding", "gzip");
  } else {
    response.Body(asset->bytes, asset->content_type);
  }
  response.Header("ETag", asset->etag);
  response.Header("Cache-Control", "no-cache");
  response.Header("Vary", "Accept-Encoding");
  response.Header("X-Content-Type-Options", "nosniff");
  if (!policy.empty()) {
    response.Header("Content-Security-Policy", std::string(policy));
    response.Header("Referrer-Policy", "no-referrer");
  } else {
    // Modules and libraries: importable from pages on other origins (an embedding site).
    response.Header("Access-Control-Allow-Origin", "*");
  }
  if (policy == kDashboardPolicy) response.Header("X-Frame-Options", "DENY");
  return response;
}

std::shared_ptr<const WebContext> MakeContext(WebRouteOptions options) {
  auto context = std::make_shared<WebContext>();
  context->options = std::move(options);
  for (const EmbeddedWebAsset& embedded : EmbeddedWebAssets()) {
    Asset asset;
    const std::string_view bytes = embedded.bytes.View();
    asset.bytes = base::Buffer::FromString(bytes);
    if (embedded.gzip.begin != nullptr) asset.gzip = base::Buffer::FromString(embedded.gzip.View());
    asset.etag = EtagOf(bytes);
    asset.content_type = ContentTypeFor(embedded.url);
    context->embedded.emplace(embedded.url, std::move(asset));
    if (std::string_view(embedded.url).starts_with("/vendor/")) {
      context->vendor.emplace(embedded.url, embedded.source_path);
    }
  }
  return context;
}

}  // namespace

void RegisterWebRoutes(net::HttpRouter& router, WebRouteOptions options) {
  std::shared_ptr<const WebContext> context = MakeContext(std::move(options));
  router.Add("GET", "/", [context](const net::HttpRequest& request, net::HttpResponder respond) {
    respond(Respond(*context, request, "/app/index.html", kDashboardPolicy));
  });
  router.Add("GET", "/app/{rest...}",
             [context](const net::HttpRequest& request, net::HttpResponder respond) {
               const bool page = request.path.ends_with(".html");
               respond(Respond(*context, request, request.path, page ? kDashboardPolicy : ""));
             });
  router.Add("GET", "/play/{pb}",
             [context](const net::HttpRequest& request, net::HttpResponder respond) {
               respond(Respond(*context, request, "/player/play.html", kPlayerPagePolicy));
             });
  for (const char* pattern : {"/player/{rest...}", "/vendor/{rest...}"}) {
    router.Add("GET", pattern,
               [context](const net::HttpRequest& request, net::HttpResponder respond) {
                 const bool page = request.path.ends_with(".html");
                 respond(Respond(*context, request, request.path, page ? kPlayerPagePolicy : ""));
               });
  }
}

}  // namespace steadycast::deliver
