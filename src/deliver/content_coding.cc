#include "deliver/content_coding.h"

#include <zlib.h>

#include <array>
#include <cctype>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "package/segment_window.h"

namespace steadycast::deliver {
namespace {

constexpr std::string_view kDashContentType = "application/dash+xml";
// zlib's windowBits for a gzip wrapper (RFC 1952) instead of zlib's own (RFC 1950).
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kMemLevel = 8;  // zlib's default
constexpr size_t kCacheSlots = 64;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 §12.4.2 qvalue: "0" ["." 0*3DIGIT] / "1" ["." 0*3("0")]. Only whether it is above
// zero matters here; a malformed weight makes the entry unusable (treated as q=0).
bool PositiveQuality(std::string_view q) {
  if (q.empty() || q.size() > 5) return false;
  if (q[0] == '1') {
    return q.size() == 1 || (q[1] == '.' && q.substr(2).find_first_not_of('0') == q.npos);
  }
  if (q[0] != '0') return false;
  if (q.size() == 1) return false;
  if (q[1] != '.') return false;
  bool positive = false;
  for (char c : q.substr(2)) {
    if (c < '0' || c > '9') return false;
    positive = positive || c != '0';
  }
  return positive;
}

// One "coding;q=…" element: the coding and whether its weight is above zero.
std::pair<std::string_view, bool> ParseElement(std::string_view element) {
  const size_t semi = element.find(';');
  const std::string_view coding = Trim(element.substr(0, semi));
  bool positive = true;
  std::string_view params = semi == element.npos ? std::string_view() : element.substr(semi + 1);
  while (!params.empty()) {
    const size_t next = params.find(';');
    const std::string_view param = Trim(params.substr(0, next));
    params = next == params.npos ? std::string_view() : params.substr(next + 1);
    const size_t eq = param.find('=');
    if (eq == param.npos || !EqualsIgnoreCase(Trim(param.substr(0, eq)), "q")) continue;
    positive = PositiveQuality(Trim(param.substr(eq + 1)));
  }
  return {coding, positive};
}

bool IsPlaylistType(std::string_view content_type) {
  return content_type == package::kPlaylistContentType || content_type == kDashContentType;
}

std::optional<std::string_view> HeaderValue(const net::HttpResponse& response,
                                            std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

// Direct-mapped cache of compressed playlist bodies, keyed by the exact text.
class GzipCache {
 public:
  base::Result<base::Buffer> Compress(std::string_view text) {
    const size_t slot = std::hash<std::string_view>()(text) % kCacheSlots;
    {
      std::lock_guard lock(mu_);
      if (slots_[slot].gzip.size() > 0 && slots_[slot].text == text) return slots_[slot].gzip;
    }
    SC_ASSIGN_OR_RETURN(base::Buffer gzip, GzipCompress(text, kPlaylistGzipLevel));
    std::lock_guard lock(mu_);
    slots_[slot] = Slot{std::string(text), gzip};
    return gzip;
  }

 private:
  struct Slot {
    std::string text;
    base::Buffer gzip;
  };
  std::mutex mu_;
  std::array<Slot, kCacheSlots> slots_;
};

GzipCache& Cache() {
  static GzipCache* cache = new GzipCache();  // never destroyed: used until the process exits
  return *cache;
}

}  // namespace

bool AcceptsGzip(std::string_view accept_encoding) {
  std::optional<bool> gzip;
  std::optional<bool> any;
  while (!accept_encoding.empty()) {
    const size_t comma = accept_encoding.find(',');
    const auto [coding, positive] = ParseElement(accept_encoding.substr(0, comma));
    accept_encoding =
        comma == accept_encoding.npos ? std::string_view() : accept_encoding.substr(comma + 1);
    if (EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip")) {
      gzip = gzip.value_or(false) || positive;
    } else if (coding == "*") {
      any = any.value_or(false) || positive;
    }
  }
  if (gzip) return *gzip;
  return any.value_or(false);
}

base::Result<base::Buffer> GzipCompress(std::string_view bytes, int level) {
  z_stream stream{};
  if (deflateInit2(&stream, level, Z_DEFLATED, kGzipWindowBits, kMemLevel, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return base::Internal("gzip: deflateInit2 failed");
  }
  std::vector<uint8_t> out(deflateBound(&stream, static_cast<uLong>(bytes.size())));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  const int ret = deflate(&stream, Z_FINISH);
  const size_t written = out.size() - stream.avail_out;
  deflateEnd(&stream);
  if (ret != Z_STREAM_END) return base::Internal("gzip: deflate did not finish");
  out.resize(written);
  return base::Buffer::Take(std::move(out));
}

void GzipPlaylistAnswer(net::HttpResponse& response, std::string_view accept_encoding) {
  response.Header("Vary", "Accept-Encoding");
  if (response.status != 200 || response.stream || HeaderValue(response, "Content-Encoding")) {
    return;
  }
  const std::optional<std::string_view> type = HeaderValue(response, "Content-Type");
  if (!type || !IsPlaylistType(*type) || !AcceptsGzip(accept_encoding)) return;
  base::Result<base::Buffer> gzip = Cache().Compress(response.body.AsStringView());
  if (!gzip.ok()) return;  // identity is always acceptable to the client as a fallback
  response.body = std::move(gzip).value();
  response.Header("Content-Encoding", "gzip");
}

net::HttpResponder GzipPlaylistAnswers(const net::HttpRequest& request,
                                       net::HttpResponder respond) {
  return [accept = std::string(request.Header("accept-encoding")),
          respond = std::move(respond)](net::HttpResponse response) {
    GzipPlaylistAnswer(response, accept);
    respond(std::move(response));
  };
}

}  // namespace steadycast::deliver
