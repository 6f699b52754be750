#include "net/http_router.h"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include "base/log.h"

namespace steadycast::net {
namespace {

constexpr int kRankRest = 0;
constexpr int kRankCapture = 1;
constexpr int kRankAffixCapture = 2;
constexpr int kRankLiteral = 3;

bool IsDotSegment(std::string_view segment) { return segment == "." || segment == ".."; }

// Walks the segments of a path without allocating: "/a/b" → "a", "b"; "/" has none; "/a/"
// has "a" and "".
class SegmentCursor {
 public:
  explicit SegmentCursor(std::string_view path)
      : rest_(path.empty() ? path : path.substr(1)), more_(!rest_.empty()) {}

  bool Next(std::string_view& segment) {
    if (!more_) return false;
    const size_t slash = rest_.find('/');
    segment = rest_.substr(0, slash);
    if (slash == std::string_view::npos) {
      more_ = false;
      rest_ = {};
    } else {
      rest_ = rest_.substr(slash + 1);
    }
    return true;
  }
  // Takes everything left ("b/c" of "/a/b/c" after "a").
  bool TakeRest(std::string_view& rest) {
    if (!more_) return false;
    rest = rest_;
    more_ = false;
    rest_ = {};
    return true;
  }
  bool done() const { return !more_; }

 private:
  std::string_view rest_;
  bool more_;
};

// A {rest...} value: one or more segments, none empty, "." or "..".
bool IsSafeRest(std::string_view rest) {
  if (rest.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t end = rest.find('/', start);
    if (end == std::string_view::npos) end = rest.size();
    const std::string_view segment = rest.substr(start, end - start);
    if (segment.empty() || IsDotSegment(segment)) return false;
    if (end == rest.size()) return true;
    start = end + 1;
  }
}

std::string JoinAllowed(std::vector<std::string_view> methods) {
  if (std::find(methods.begin(), methods.end(), "GET") != methods.end()) {
    methods.push_back("HEAD");
  }
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  std::string allow;
  for (const auto method : methods) {
    if (!allow.empty()) allow += ", ";
    allow += method;
  }
  return allow;
}

}  // namespace

void HttpRouter::Add(std::string method, std::string pattern, HttpHandler handler) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  Route route;
  route.method = std::move(method);
  route.handler = std::move(handler);
  route.pattern = pattern;
  SegmentCursor cursor(pattern);
  std::string_view text;
  while (cursor.Next(text)) {
    route.segments.emplace_back(text);
    Segment segment;
    const size_t open = text.find('{');
    const size_t close = text.find('}');
    if (open == std::string_view::npos && close == std::string_view::npos) {
      segment.literal = std::string(text);
      route.rank.emplace_back(kRankLiteral, text.size());
    } else if (open == std::string_view::npos || close == std::string_view::npos || close < open ||
               text.find_first_of("{}", open + 1) != close ||
               text.find_first_of("{}", close + 1) != std::string_view::npos || close == open + 1) {
      throw std::invalid_argument("malformed capture in route pattern: " + pattern);
    } else {
      segment.kind = SegmentKind::kCapture;
      segment.literal = std::string(text.substr(0, open));
      segment.name = std::string(text.substr(open + 1, close - open - 1));
      segment.suffix = std::string(text.substr(close + 1));
      const size_t affix = segment.literal.size() + segment.suffix.size();
      if (segment.name.ends_with("...")) {
        segment.kind = SegmentKind::kRest;
        segment.name.resize(segment.name.size() - 3);
        if (affix != 0 || !cursor.done() || segment.name.empty()) {
          throw std::invalid_argument("{rest...} must be a whole, last segment: " + pattern);
        }
        route.rank.emplace_back(kRankRest, 0);
      } else {
        route.rank.emplace_back(affix ? kRankAffixCapture : kRankCapture, affix);
      }
    }
    route.parsed.push_back(std::move(segment));
  }
  routes_.push_back(std::move(route));
}

bool HttpRouter::Match(const Route& route, std::string_view path,
                       std::map<std::string, std::string>* params) {
  if (path.empty() || path.front() != '/') return false;
  SegmentCursor cursor(path);
  std::string_view segment;
  for (const Segment& part : route.parsed) {
    if (part.kind == SegmentKind::kRest) {
      if (!cursor.TakeRest(segment) || !IsSafeRest(segment)) return false;
      if (params) (*params)[part.name] = std::string(segment);
      continue;
    }
    if (!cursor.Next(segment)) return false;
    if (part.kind == SegmentKind::kLiteral) {
      if (segment != part.literal) return false;
      continue;
    }
    const size_t affix = part.literal.size() + part.suffix.size();
    if (segment.size() <= affix || !segment.starts_with(part.literal) ||
        !segment.ends_with(part.suffix)) {
      return false;
    }
    const std::string_view value = segment.substr(part.literal.size(), segment.size() - affix);
    if (IsDotSegment(value)) return false;
    if (params) (*params)[part.name] = std::string(value);
  }
  return cursor.done();
}

std::vector<HttpRouter::RouteInfo> HttpRouter::Routes() const {
  std::vector<RouteInfo> routes;
  routes.reserve(routes_.size());
  for (const Route& route : routes_) routes.push_back({route.method, route.pattern});
  return routes;
}

void HttpRouter::Dispatch(HttpRequest request, HttpResponder respond) const {
  const Route* best = nullptr;
  bool best_exact_method = false;
  std::vector<std::string_view> allowed;
  for (const Route& route : routes_) {
    if (!Match(route, request.path, nullptr)) continue;
    allowed.push_back(route.method);
    const bool exact = route.method == request.method;
    if (!exact && !(request.method == "HEAD" && route.method == "GET")) continue;
    // Prefer the more specific pattern; on equal patterns an exact HEAD route beats GET.
    if (best == nullptr || route.rank > best->rank ||
        (route.rank == best->rank && exact && !best_exact_method)) {
      best = &route;
      best_exact_method = exact;
    }
  }
  if (best == nullptr) {
    if (allowed.empty()) {
      respond(ProblemResponse(404, "no such resource"));
      return;
    }
    HttpResponse response =
        ProblemResponse(405, "method " + request.method + " is not allowed on this resource");
    response.Header("Allow", JoinAllowed(std::move(allowed)));
    respond(std::move(response));
    return;
  }
  Match(*best, request.path, &request.params);
  try {
    best->handler(request, respond);
  } catch (const std::exception& e) {
    SC_LOG_ERROR("http: handler for {} {} threw: {}", best->method, best->pattern, e.what());
    respond(ProblemResponse(500, "internal error"));
  } catch (...) {
    SC_LOG_ERROR("http: handler for {} {} threw a non-standard exception", best->method,
                 best->pattern);
    respond(ProblemResponse(500, "internal error"));
  }
}

}  // namespace steadycast::net
