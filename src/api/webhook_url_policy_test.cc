#include "api/webhook_url_policy.h"

#include <gtest/gtest.h>

namespace steadycast::api {
namespace {

const WebhookUrlPolicy kOpen{.allow_private = true};
const WebhookUrlPolicy kStrict{.allow_private = false};

TEST(WebhookUrlPolicyTest, ParsesTheParts) {
  auto url = ParseWebhookUrl("HTTPS://Hooks.Example.com:8443/a/b?x=1#frag");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "hooks.example.com");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->target, "/a/b?x=1");
  auto plain = ParseWebhookUrl("http://example.com");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->port, 80);
  EXPECT_EQ(plain->target, "/");
  auto v6 = ParseWebhookUrl("https://[2001:db8::1]/h");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "2001:db8::1");
  EXPECT_EQ(v6->port, 443);
  EXPECT_EQ(ParseWebhookUrl("http://example.com?q")->target, "/?q");
}

TEST(WebhookUrlPolicyTest, RejectsBadSyntax) {
  for (const char* bad :
       {"", "example.com/hook", "ftp://example.com/", "javascript://x", "http://", "http:///x",
        "http://:80/", "http://user:pw@example.com/", "http://exa mple.com/", "http://ex\tample/",
        "http://example.com:0/", "http://example.com:65536/", "http://example.com:/",
        "http://example.com:8a/", "http://[::1/", "http://[zz::1]/", "http://[::1]x/",
        "http://ex%61mple.com/", "http://exämple.com/"}) {
    auto url = ParseWebhookUrl(bad);
    EXPECT_FALSE(url.ok()) << bad;
    if (!url.ok()) {
      EXPECT_EQ(url.status().code(), base::ErrorCode::kInvalidArgument) << bad;
    }
  }
  const std::string long_url = "https://example.com/" + std::string(kMaxWebhookUrlLength, 'a');
  EXPECT_FALSE(ParseWebhookUrl(long_url).ok());
  EXPECT_TRUE(ParseWebhookUrl(long_url.substr(0, kMaxWebhookUrlLength)).ok());
}

TEST(WebhookUrlPolicyTest, ClassifiesAddresses) {
  const std::pair<std::string_view, AddressClass> cases[] = {
      {"93.184.216.34", AddressClass::kPublic},
      {"2606:4700::1111", AddressClass::kPublic},
      {"169.254.169.254", AddressClass::kMetadata},
      {"fd00:ec2::254", AddressClass::kMetadata},
      {"::ffff:169.254.169.254", AddressClass::kMetadata},
      {"64:ff9b::a9fe:a9fe", AddressClass::kMetadata},  // NAT64 of 169.254.169.254
      {"2852039166", AddressClass::kMetadata},          // 169.254.169.254 as one number
      {"0xa9.0xfe.0xa9.0xfe", AddressClass::kMetadata},
      {"169.254.1.2", AddressClass::kLinkLocal},
      {"fe80::1", AddressClass::kLinkLocal},
      {"febf::1", AddressClass::kLinkLocal},
      {"10.1.2.3", AddressClass::kPrivate},
      {"172.16.0.1", AddressClass::kPrivate},
      {"172.31.255.255", AddressClass::kPrivate},
      {"172.32.0.1", AddressClass::kPublic},
      {"192.168.1.1", AddressClass::kPrivate},
      {"100.64.0.1", AddressClass::kPrivate},
      {"fc00::1", AddressClass::kPrivate},
      {"fd12:3456::1", AddressClass::kPrivate},
      {"127.0.0.1", AddressClass::kLoopback},
      {"127.1", AddressClass::kLoopback},
      {"::1", AddressClass::kLoopback},
      {"0.0.0.0", AddressClass::kLoopback},
      {"::", AddressClass::kLoopback},
      {"::ffff:10.0.0.1", AddressClass::kPrivate},
      {"224.0.0.1", AddressClass::kInvalid},
      {"255.255.255.255", AddressClass::kInvalid},
      {"ff02::1", AddressClass::kInvalid},
      {"not-an-ip", AddressClass::kInvalid},
      {"1.2.3.4 junk", AddressClass::kInvalid},  // inet_aton alone would accept this
      {std::string_view("10.0.0.1\0x", 10), AddressClass::kInvalid},
  };
  for (const auto& [ip, expected] : cases) EXPECT_EQ(ClassifyAddress(ip), expected) << ip;
}

TEST(WebhookUrlPolicyTest, LinkLocalAndMetadataAreAlwaysRefused) {
  for (const char* url :
       {"http://169.254.169.254/latest/meta-data", "http://[fd00:ec2::254]/",
        "http://metadata.google.internal/computeMetadata/v1/", "http://METADATA.google.internal./",
        "http://169.254.10.10/", "http://[fe80::1]/", "http://2852039166/",
        "http://[::ffff:169.254.169.254]/", "http://224.0.0.1/"}) {
    for (const WebhookUrlPolicy& policy : {kOpen, kStrict}) {
      auto checked = CheckWebhookUrl(url, policy);
      ASSERT_FALSE(checked.ok()) << url;
      EXPECT_EQ(checked.status().code(), base::ErrorCode::kPermissionDenied) << url;
    }
  }
}

TEST(WebhookUrlPolicyTest, PrivateAndLoopbackFollowTheSetting) {
  for (const char* url : {"http://10.0.0.5:8080/hook", "http://192.168.1.20/", "http://127.0.0.1/",
                          "http://[::1]:9000/", "http://localhost:3000/", "http://api.localhost/",
                          "http://[fd12::1]/", "http://0.0.0.0/"}) {
    EXPECT_TRUE(CheckWebhookUrl(url, kOpen).ok()) << url;
    auto strict = CheckWebhookUrl(url, kStrict);
    ASSERT_FALSE(strict.ok()) << url;
    EXPECT_EQ(strict.status().code(), base::ErrorCode::kPermissionDenied) << url;
  }
  // Names are decided at delivery time on the resolved addresses.
  EXPECT_TRUE(CheckWebhookUrl("https://hooks.example.com/x", kStrict).ok());
  EXPECT_TRUE(CheckWebhookUrl("https://93.184.216.34/x", kStrict).ok());
}

TEST(WebhookUrlPolicyTest, ResolvedAddressCheck) {
  EXPECT_TRUE(CheckWebhookAddress("93.184.216.34", kStrict).ok());
  EXPECT_TRUE(CheckWebhookAddress("10.0.0.1", kOpen).ok());
  EXPECT_FALSE(CheckWebhookAddress("10.0.0.1", kStrict).ok());
  EXPECT_FALSE(CheckWebhookAddress("169.254.169.254", kOpen).ok());
  EXPECT_FALSE(CheckWebhookAddress("garbage", kOpen).ok());
}

}  // namespace
}  // namespace steadycast::api
