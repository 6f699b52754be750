#pragma once
// Matches a request's method and path against registered patterns and calls the handler.
// Patterns are literal segments and "{name}" captures: "/v1/live-streams/{id}/health";
// "{name}.m3u8" style suffix captures and a trailing "{rest...}" (the remaining path) are
// supported too. Unknown path → 404 problem+json; known path, other method → 405 with Allow.
// Routes are registered at start-up; Dispatch is thread-safe afterwards.
//
// Pattern grammar (segments split on '/'):
//   literal         "live-streams"          matches exactly that segment
//   capture         "{id}"                  any non-empty segment except "." and ".."
//   affix capture   "{pb}.m3u8", "seg_{n}"  a literal prefix and/or suffix around a non-empty
//                                           capture (the literals are not part of the value)
//   rest            "{rest...}"             last segment only: the remaining path, one or more
//                                           non-empty segments, none of them "." or ".."
// The most specific route wins, comparing segment by segment from the left: literal beats
// affix capture (longer literal text beats shorter) beats capture beats rest. A GET route
// also answers HEAD unless a HEAD route exists (the server then sends no body).
// Handler exceptions (a mistake, e.g. a nlohmann::json type error in api code) are caught
// here and turned into a logged 500 problem+json: the server never sees them.

#include <string>
#include <string_view>
#include <vector>

#include "net/http_types.h"

namespace steadycast::net {

class HttpRouter {
 public:
  // Throws std::invalid_argument for a malformed pattern (a start-up programming error).
  void Add(std::string method, std::string pattern, HttpHandler handler);
  // Fills request.params and calls the matching handler (or responds 404/405).
  void Dispatch(HttpRequest request, HttpResponder respond) const;

  // A registered route as given to Add (the pattern text unchanged, "{rest...}" included).
  struct RouteInfo {
    std::string method;
    std::string pattern;
    bool operator==(const RouteInfo&) const = default;
  };
  // Every registered route in registration order, for documentation checks (the OpenAPI
  // coverage test) and diagnostics. The implicit HEAD of a GET route is not listed.
  std::vector<RouteInfo> Routes() const;

 private:
  enum class SegmentKind { kLiteral, kCapture, kRest };
  struct Segment {
    SegmentKind kind = SegmentKind::kLiteral;
    std::string literal;  // kLiteral: the text; kCapture: the prefix before "{"
    std::string name;     // capture name
    std::string suffix;   // kCapture: the text after "}"
  };
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    HttpHandler handler;
    std::vector<Segment> parsed;
    // Specificity per segment (rank, literal length), compared lexicographically.
    std::vector<std::pair<int, size_t>> rank;
    std::string pattern;
  };

  // True if `path` matches; fills `params` when given.
  static bool Match(const Route& route, std::string_view path,
                    std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
};

}  // namespace steadycast::net
