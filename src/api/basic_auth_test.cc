#include "api/basic_auth.h"

#include <gtest/gtest.h>

namespace steadycast::api {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    auto decoded = base::Base64Decode(encoded, base::kBase64Standard);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64Test, RejectsMalformed) {
  for (const char* bad : {"Zg", "Zg=", "Z===", "Zm9v!", "Zm-v", "Zh==", "Zm9=", "=Zg="}) {
    EXPECT_FALSE(base::Base64Decode(bad, base::kBase64Standard).ok()) << bad;
  }
}

TEST(BasicAuthTest, ParsesTokenIdAndSecret) {
  auto c = ParseBasicAuthorization("Basic " + Base64Encode("tok_abc:s3cr:et"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->user, "tok_abc");
  EXPECT_EQ(c->password, "s3cr:et");  // only the first colon separates
  // The scheme is case-insensitive (RFC 9110 §11.1); extra spaces are tolerated.
  EXPECT_EQ(*ParseBasicAuthorization("bAsIc   " + Base64Encode("a:b") + " "),
            (BasicCredentials{"a", "b"}));
  EXPECT_EQ(*ParseBasicAuthorization("Basic " + Base64Encode("a:")), (BasicCredentials{"a", ""}));
}

TEST(BasicAuthTest, RejectsEverythingElseAsUnauthenticated) {
  const std::string cases[] = {
      "",
      "Basic",
      "Basic ",
      "Bearer abc",
      "Basicx " + Base64Encode("a:b"),
      "Basic " + Base64Encode("no-colon"),
      "Basic " + Base64Encode(":secret"),
      "Basic !!!!",
      "Basic " + Base64Encode("a:b").substr(1),
      "Basic " + std::string(kMaxAuthorizationLength, 'A'),
  };
  for (const std::string& header : cases) {
    auto c = ParseBasicAuthorization(header);
    ASSERT_FALSE(c.ok()) << header;
    EXPECT_EQ(c.status().code(), base::ErrorCode::kUnauthenticated) << header;
  }
}

}  // namespace
}  // namespace steadycast::api
