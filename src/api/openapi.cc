#include "api/openapi.h"

#include <utility>

#include "base/buffer.h"

namespace steadycast::api {

void RegisterOpenApiRoute(net::HttpRouter& router) {
  // One copy of the text in a refcounted buffer, shared by every response.
  router.Add("GET", "/v1/openapi.json",
             [body = base::Buffer::FromString(OpenApiDocument())](const net::HttpRequest&,
                                                                  net::HttpResponder respond) {
               net::HttpResponse response;
               response.Body(body, "application/json");
               response.Header("Cache-Control", "max-age=300");
               respond(std::move(response));
             });
}

}  // namespace steadycast::api
