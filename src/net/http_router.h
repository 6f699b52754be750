#pragma once
// Matches a request's method and path against registered patterns and calls the handler.
// Patterns are literal segments and "{name}" captures: "/v1/live-streams/{id}/health";
// "{name}.m3u8" style suffix captures and a trailing "{rest...}" (the remaining path) are
// supported too. Unknown path → 404 problem+json; known path, other method → 405 with Allow.
// Routes are registered at start-up; Dispatch is thread-safe afterwards.

#include <string>
#include <vector>

#include "net/http_types.h"

namespace steadycast::net {

class HttpRouter {
 public:
  void Add(std::string method, std::string pattern, HttpHandler handler);
  // Fills request.params and calls the matching handler (or responds 404/405).
  void Dispatch(HttpRequest request, HttpResponder respond) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    HttpHandler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace steadycast::net
