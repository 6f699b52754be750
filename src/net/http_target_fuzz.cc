// Fuzzes request-target parsing and routing: any bytes as a target; when it parses, routes the
// decoded path and checks the router's safety promises (captures are single non-dot
// segments; {rest...} never holds an empty, "." or ".." segment).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/http_router.h"

namespace {

using steadycast::net::HttpRequest;
using steadycast::net::HttpResponder;
using steadycast::net::HttpResponse;
using steadycast::net::HttpRouter;

void CheckParams(const HttpRequest& request, HttpResponder respond) {
  for (const auto& [name, value] : request.params) {
    if (value.empty()) std::abort();
    if (name != "rest" && value.find('/') != std::string::npos) std::abort();
    size_t start = 0;
    while (start <= value.size()) {
      size_t end = value.find('/', start);
      if (end == std::string::npos) end = value.size();
      const std::string_view segment(value.data() + start, end - start);
      if (segment.empty() || segment == "." || segment == "..") std::abort();
      start = end + 1;
    }
  }
  respond(HttpResponse::Status(200));
}

const HttpRouter& Router() {
  static const HttpRouter* router = [] {
    auto* r = new HttpRouter;
    for (const char* pattern :
         {"/", "/healthz", "/v1/live-streams/{id}", "/v1/live-streams/{id}/{action}",
          "/hls/{pb}.m3u8", "/hls/{pb}/init_{n}.mp4", "/hls/{pb}/{file}", "/hls/{pb}/{rest...}"}) {
      r->Add("GET", pattern, CheckParams);
    }
    return r;
  }();
  return *router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  HttpRequest request;
  if (!steadycast::net::ParseTarget(target, request.path, request.query).ok()) return 0;
  if (request.path.find('\0') != std::string::npos) std::abort();
  request.method = size % 2 ? "GET" : "POST";
  int responses = 0;
  Router().Dispatch(std::move(request), [&](HttpResponse) { ++responses; });
  if (responses != 1) std::abort();
  return 0;
}
