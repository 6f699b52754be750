#include "api/openapi.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "api/api_test_util.h"
#include "api/live_stream_settings.h"
#include "deliver/playback_routes.h"

namespace steadycast::api {
namespace {

using nlohmann::json;

bool IsOperationKey(std::string_view key) {
  static constexpr std::string_view kOperationKeys[] = {"get",     "put",  "post",  "delete",
                                                        "options", "head", "patch", "trace"};
  return std::find(std::begin(kOperationKeys), std::end(kOperationKeys), key) !=
         std::end(kOperationKeys);
}

json Document() {
  json doc = json::parse(OpenApiDocument(), nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(doc.is_discarded()) << "openapi.json is not valid JSON";
  return doc;
}

// Follows a local "$ref" ("#/components/...") once; other values are returned as they are.
const json& Resolve(const json& doc, const json& value) {
  if (!value.is_object() || !value.contains("$ref")) return value;
  const std::string ref = value["$ref"].get<std::string>();
  EXPECT_TRUE(ref.starts_with("#/")) << ref;
  return doc.at(json::json_pointer(ref.substr(1)));
}

// "/hls/{playback_id}/{path}" and "/hls/{pb}/{rest...}" both become "/hls/{}/{}": the router's
// capture names and its "{rest...}" syntax are implementation details the document spells
// with OpenAPI path templates.
std::string NormalizePattern(const std::string& pattern) {
  static const std::regex kCapture(R"(\{[^{}]*\})");
  return std::regex_replace(pattern, kCapture, "{}");
}

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

using RouteSet = std::set<std::pair<std::string, std::string>>;  // (METHOD, normalized path)

RouteSet DocumentedRoutes(const json& doc) {
  RouteSet routes;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (IsOperationKey(method)) routes.emplace(Upper(method), NormalizePattern(path));
    }
  }
  return routes;
}

TEST(OpenApiDocumentTest, IsOpenApi31Shaped) {
  const json doc = Document();
  ASSERT_TRUE(doc.is_object());
  ASSERT_TRUE(doc["openapi"].is_string());
  EXPECT_TRUE(doc["openapi"].get<std::string>().starts_with("3.1.")) << doc["openapi"];
  EXPECT_TRUE(doc["info"]["title"].is_string());
  EXPECT_TRUE(doc["info"]["version"].is_string());
  ASSERT_TRUE(doc["paths"].is_object());
  ASSERT_TRUE(doc["components"].is_object());
  const json& basic = doc["components"]["securitySchemes"]["basicAuth"];
  EXPECT_EQ(basic["type"], "http");
  EXPECT_EQ(basic["scheme"], "basic");
  EXPECT_EQ(doc["security"], json::parse(R"([{"basicAuth": []}])"));

  std::set<std::string> operation_ids;
  static const std::regex kStatus("^[1-5][0-9][0-9]$");
  for (const auto& [path, item] : doc["paths"].items()) {
    SCOPED_TRACE(path);
    EXPECT_TRUE(path.starts_with("/"));
    ASSERT_TRUE(item.is_object());
    // Every template variable of the path is declared as a required path parameter.
    std::set<std::string> templated;
    static const std::regex kVariable(R"(\{([^{}]+)\})");
    for (auto it = std::sregex_iterator(path.begin(), path.end(), kVariable);
         it != std::sregex_iterator(); ++it) {
      templated.insert((*it)[1]);
    }
    for (const auto& [method, operation] : item.items()) {
      SCOPED_TRACE(method);
      ASSERT_TRUE(IsOperationKey(method)) << "not an operation: " << method;
      ASSERT_TRUE(operation["operationId"].is_string());
      EXPECT_TRUE(operation_ids.insert(operation["operationId"].get<std::string>()).second)
          << "duplicate operationId " << operation["operationId"];
      EXPECT_TRUE(operation["summary"].is_string());
      ASSERT_TRUE(operation["responses"].is_object());
      EXPECT_FALSE(operation["responses"].empty());
      for (const auto& [status, response] : operation["responses"].items()) {
        EXPECT_TRUE(std::regex_match(status, kStatus) || status == "default") << status;
        EXPECT_TRUE(Resolve(doc, response)["description"].is_string()) << status;
      }
      std::set<std::string> declared;
      for (const json& parameter : operation.value("parameters", json::array())) {
        const json& p = Resolve(doc, parameter);
        ASSERT_TRUE(p["name"].is_string());
        ASSERT_TRUE(p["in"].is_string());
        EXPECT_TRUE(p.contains("schema")) << p["name"];
        if (p["in"] == "path") {
          EXPECT_EQ(p["required"], true) << p["name"];
          declared.insert(p["name"].get<std::string>());
        }
      }
      EXPECT_EQ(declared, templated);
    }
  }
}

// Every "$ref" in the document points at something that exists.
TEST(OpenApiDocumentTest, EveryReferenceResolves) {
  const json doc = Document();
  int refs = 0;
  std::function<void(const json&)> walk = [&](const json& value) {
    if (value.is_object()) {
      if (auto it = value.find("$ref"); it != value.end() && it->is_string()) {
        ++refs;
        const std::string ref = it->get<std::string>();
        ASSERT_TRUE(ref.starts_with("#/")) << ref;
        EXPECT_TRUE(doc.contains(json::json_pointer(ref.substr(1)))) << "dangling " << ref;
      }
      for (const auto& [key, child] : value.items()) walk(child);
    } else if (value.is_array()) {
      for (const json& child : value) walk(child);
    }
  };
  walk(doc);
  EXPECT_GT(refs, 50);
}

TEST(OpenApiDocumentTest, DescribesTheContract) {
  const json doc = Document();
  const json& schemas = doc["components"]["schemas"];
  for (const char* name : {"LiveStreamCreate", "LiveStreamUpdate", "LadderRung"}) {
    EXPECT_EQ(schemas[name]["additionalProperties"], false) << name;
  }
  EXPECT_TRUE(schemas["LiveStreamCreate"]["properties"].contains("playback_policy"));
  EXPECT_FALSE(schemas["LiveStreamUpdate"]["properties"].contains("playback_policy"));
  for (const char* field : {"type", "title", "status", "detail", "errors"}) {
    EXPECT_TRUE(schemas["Problem"]["properties"].contains(field)) << field;
  }
  EXPECT_TRUE(schemas["LiveStreamList"]["properties"].contains("next_cursor"));
  EXPECT_TRUE(schemas["LiveStreamUpdateResponse"]["properties"]["meta"]["properties"].contains(
      "applies_on_next_connection"));

  const json& paths = doc["paths"];
  for (const auto& [path, item] : paths.items()) {
    for (const auto& [method, operation] : item.items()) {
      SCOPED_TRACE(path);
      SCOPED_TRACE(method);
      std::set<std::string> headers;
      for (const json& parameter : operation.value("parameters", json::array())) {
        const json& p = Resolve(doc, parameter);
        if (p["in"] == "header") headers.insert(p["name"].get<std::string>());
      }
      const json& responses = operation["responses"];
      // Public /v1 routes: this document and the anonymous player beacons.
      const bool is_public = path == "/v1/openapi.json" || path == "/v1/playback/beacons";
      if (path.starts_with("/v1/") && !is_public) {  // authenticated
        if (method == "post") {
          EXPECT_EQ(headers.count("Idempotency-Key"), 1u);
        }
        if (path.starts_with("/v1/live-streams") && (method == "patch" || method == "delete")) {
          EXPECT_EQ(headers.count("If-Match"), 1u);
          EXPECT_TRUE(responses.contains("412"));
        }
        EXPECT_TRUE(responses.contains("401"));
        EXPECT_TRUE(responses.contains("429"));
        // Rate-limit headers on every response of an authenticated route.
        for (const auto& [status, response] : responses.items()) {
          const json& headers_of = Resolve(doc, response)["headers"];
          for (const char* h : {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}) {
            EXPECT_TRUE(headers_of.contains(h)) << status << " " << h;
          }
        }
        EXPECT_TRUE(Resolve(doc, responses["429"])["headers"].contains("Retry-After"));
        EXPECT_TRUE(Resolve(doc, responses["401"])["headers"].contains("WWW-Authenticate"));
        EXPECT_FALSE(operation.contains("security")) << "uses the document's basicAuth";
      } else {
        EXPECT_EQ(operation["security"], json::array()) << "public route";
      }
    }
  }
  for (const char* name :
       {"Unauthorized", "Forbidden", "NotFound", "Conflict", "PreconditionFailed",
        "PayloadTooLarge", "UnsupportedMediaType", "Unprocessable", "TooManyRequests"}) {
    EXPECT_TRUE(
        doc["components"]["responses"][name]["content"].contains("application/problem+json"))
        << name;
  }
}

// The ranges in the schema are the validator's (live_stream_settings.h).
TEST(OpenApiDocumentTest, RangesMatchTheValidator) {
  const json doc = Document();
  for (const char* schema : {"LiveStream", "LiveStreamCreate", "LiveStreamUpdate"}) {
    SCOPED_TRACE(schema);
    const json& p = doc["components"]["schemas"][schema]["properties"];
    EXPECT_EQ(p["reconnect_window"]["minimum"], 0);
    EXPECT_EQ(p["reconnect_window"]["maximum"], kMaxReconnectWindow);
    EXPECT_EQ(p["srt_passphrase"]["minLength"], kMinSrtPassphrase);
    EXPECT_EQ(p["srt_passphrase"]["maxLength"], kMaxSrtPassphrase);
    EXPECT_EQ(p["srt_latency_ms"]["minimum"], kMinSrtLatencyMs);
    EXPECT_EQ(p["srt_latency_ms"]["maximum"], kMaxSrtLatencyMs);
    EXPECT_EQ(p["latency_mode"]["enum"], json::parse(R"(["standard","low"])"));
    EXPECT_EQ(p["takeover"]["enum"], json::parse(R"(["silent-only","newest"])"));
  }
  const json& schemas = doc["components"]["schemas"];
  EXPECT_EQ(schemas["Ladder"]["oneOf"][1]["maxItems"], kMaxLadderRungs);
  EXPECT_EQ(schemas["Metadata"]["maxProperties"], kMaxMetadataKeys);
  EXPECT_EQ(schemas["Metadata"]["propertyNames"]["maxLength"], kMaxMetadataKeyBytes);
  EXPECT_EQ(schemas["Metadata"]["additionalProperties"]["maxLength"], kMaxMetadataValueChars);
}

// Registers every route the way app/server.cc does, so the router holds the server's table.
class OpenApiRoutesTest : public testing::ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();  // RegisterApiRoutes (which registers /v1/openapi.json too)
    deliver::RegisterPlaybackRoutes(router_,
                                    [](std::string_view) { return deliver::PlaybackTarget{}; });
  }
};

TEST_F(OpenApiRoutesTest, DocumentListsExactlyTheRegisteredRoutes) {
  RouteSet registered;
  for (const auto& route : router_.Routes()) {
    registered.emplace(route.method, NormalizePattern(route.pattern));
  }
  // GET /metrics is registered by app/ (app::Metrics needs the whole server's state); api
  // tests cannot link app/, so it is listed here by hand.
  registered.emplace("GET", "/metrics");

  const RouteSet documented = DocumentedRoutes(Document());
  for (const auto& route : registered) {
    EXPECT_EQ(documented.count(route), 1u)
        << route.first << " " << route.second << " is registered but not in openapi.json";
  }
  for (const auto& route : documented) {
    EXPECT_EQ(registered.count(route), 1u)
        << route.first << " " << route.second << " is in openapi.json but not registered";
  }
  EXPECT_GE(registered.size(), 20u);
}

TEST_F(OpenApiRoutesTest, ServesTheDocumentWithoutAuthentication) {
  const testing::Reply r = Call("GET", "/v1/openapi.json", "", {{"authorization", ""}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("cache-control"), "max-age=300");
  EXPECT_EQ(r.body, OpenApiDocument());
  EXPECT_EQ(r.json["openapi"], "3.1.0");
}

// The live stream the API returns has exactly the fields the schema lists (both directions),
// and the list envelope has data + next_cursor.
TEST_F(OpenApiRoutesTest, LiveStreamSchemaMatchesResponses) {
  const json doc = Document();
  const json& schema = doc["components"]["schemas"]["LiveStream"];
  const json stream = CreateStream(R"({"srt_passphrase":"0123456789","metadata":{"a":"b"}})");
  std::set<std::string> returned;
  for (const auto& [key, value] : stream.items()) returned.insert(key);
  std::set<std::string> listed;
  for (const auto& [key, value] : schema["properties"].items()) listed.insert(key);
  EXPECT_EQ(returned, listed);
  std::set<std::string> required(schema["required"].begin(), schema["required"].end());
  EXPECT_EQ(required, listed);

  const testing::Reply list = Call("GET", "/v1/live-streams?limit=1");
  ASSERT_EQ(list.status, 200);
  std::set<std::string> envelope;
  for (const auto& [key, value] : list.json.items()) envelope.insert(key);
  const json& list_schema = doc["components"]["schemas"]["LiveStreamList"];
  std::set<std::string> envelope_required(list_schema["required"].begin(),
                                          list_schema["required"].end());
  EXPECT_EQ(envelope, envelope_required);
}

}  // namespace
}  // namespace steadycast::api
