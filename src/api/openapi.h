#pragma once
// The OpenAPI 3.1 document of the whole HTTP surface (src/api/openapi.json, kept by hand next
// to the handlers), compiled into the binary at build time (openapi_embed.cmake turns the file
// into a generated .cc; nothing is read from disk at run time), and its route:
//
//   GET /v1/openapi.json → 200 application/json, Cache-Control: max-age=300
//
// Public like /healthz: no authentication, no rate limit (a static document). openapi_test.cc
// checks that the document lists exactly the routes the server registers.

#include <string_view>

#include "net/http_router.h"

namespace steadycast::api {

// The document's text exactly as in openapi.json (UTF-8 JSON). Static storage; thread-safe.
std::string_view OpenApiDocument();

// Adds GET /v1/openapi.json. Stateless: the handler shares one immutable buffer.
void RegisterOpenApiRoute(net::HttpRouter& router);

}  // namespace steadycast::api
