#include "base/base64.h"

#include <string>
#include <utility>

#include <gtest/gtest.h>

namespace steadycast::base {
namespace {

constexpr Base64Format kStandardUnpadded{Base64Alphabet::kStandard, Base64Padding::kForbidden};
constexpr Base64Format kUrlSafePadded{Base64Alphabet::kUrlSafe, Base64Padding::kRequired};
constexpr Base64Format kAllFormats[] = {kBase64Standard, kBase64UrlUnpadded, kStandardUnpadded,
                                        kUrlSafePadded};

// RFC 4648 §10 test vectors.
const std::pair<const char*, const char*> kRfcVectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

std::string WithoutPadding(std::string s) {
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

TEST(Base64Test, Rfc4648VectorsInEveryFormat) {
  for (const auto& [plain, encoded] : kRfcVectors) {
    for (Base64Format format : kAllFormats) {
      const std::string expected = format.padding == Base64Padding::kRequired
                                       ? std::string(encoded)
                                       : WithoutPadding(encoded);
      EXPECT_EQ(Base64Encode(plain, format), expected);
      auto decoded = Base64Decode(expected, format);
      ASSERT_TRUE(decoded.ok()) << expected << ": " << decoded.status().ToString();
      EXPECT_EQ(*decoded, plain);
    }
  }
}

TEST(Base64Test, AlphabetsDifferOnlyIn62And63) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64Encode(bytes, kBase64Standard), "+/+/");
  EXPECT_EQ(Base64Encode(bytes, kBase64UrlUnpadded), "-_-_");
  EXPECT_EQ(Base64Encode("\xfb\xff", kBase64UrlUnpadded), "-_8");
  EXPECT_EQ(*Base64Decode("-_-_", kBase64UrlUnpadded), bytes);
  EXPECT_EQ(*Base64Decode("+/+/", kBase64Standard), bytes);
  EXPECT_FALSE(Base64Decode("+/+/", kBase64UrlUnpadded).ok());
  EXPECT_FALSE(Base64Decode("-_-_", kBase64Standard).ok());
}

TEST(Base64Test, PaddedRejectsMalformed) {
  for (const char* bad : {"Zg", "Zg=", "Z===", "====", "Zm9v!", "Zm-v",
                          "Zh==", "Zm9=", "=Zg=", "Zg==Zg==", "Zm 9v"}) {
    EXPECT_FALSE(Base64Decode(bad, kBase64Standard).ok()) << bad;
  }
}

TEST(Base64Test, UnpaddedRejectsMalformed) {
  for (const char* bad :
       {"Zg==", "Zg=", "Zh", "Zm9", "Z", "Zm9vY", "Zm9v+", "Zm9/", "+/+/", "Zm 9v", "Zm9v\n"}) {
    EXPECT_FALSE(Base64Decode(bad, kBase64UrlUnpadded).ok()) << bad;
  }
  EXPECT_FALSE(Base64Decode(std::string_view("Zm\0v", 4), kBase64UrlUnpadded).ok());
  EXPECT_TRUE(Base64Decode("", kBase64UrlUnpadded).ok());
}

TEST(Base64Test, MessagesNameTheAlphabetAndTheFault) {
  EXPECT_EQ(Base64Decode("Zg", kBase64Standard).status().message(),
            "base64: length not a multiple of 4");
  EXPECT_EQ(Base64Decode("Zm9v!!!!", kBase64Standard).status().message(),
            "base64: invalid character");
  EXPECT_EQ(Base64Decode("Zh==", kBase64Standard).status().message(), "base64: non-canonical");
  EXPECT_EQ(Base64Decode("Z", kBase64UrlUnpadded).status().message(), "base64url: truncated");
  EXPECT_EQ(Base64Decode("Zm9v+A", kBase64UrlUnpadded).status().message(),
            "base64url: invalid character");
  EXPECT_EQ(Base64Decode("Zh", kBase64UrlUnpadded).status().message(), "base64url: non-canonical");
}

TEST(Base64Test, RoundTripsEveryLengthAndByte) {
  for (Base64Format format : kAllFormats) {
    std::string bytes;
    for (int i = 0; i < 300; ++i) {
      const std::string encoded = Base64Encode(bytes, format);
      auto decoded = Base64Decode(encoded, format);
      ASSERT_TRUE(decoded.ok()) << i << ": " << decoded.status().ToString();
      EXPECT_EQ(*decoded, bytes);
      EXPECT_EQ(encoded.find('=') == std::string::npos,
                format.padding == Base64Padding::kForbidden || bytes.size() % 3 == 0);
      bytes.push_back(static_cast<char>(i * 37 + 250));
    }
  }
}

// Every 2-character input (all 65536 byte pairs; four per "=="-padded quantum in the padded
// formats): it decodes exactly when it is the canonical encoding of what it decodes to.
TEST(Base64Test, ExhaustiveTwoCharactersAcceptOnlyCanonical) {
  for (Base64Format format : kAllFormats) {
    int accepted = 0;
    for (int a = 0; a < 256; ++a) {
      for (int b = 0; b < 256; ++b) {
        std::string text{static_cast<char>(a), static_cast<char>(b)};
        if (format.padding == Base64Padding::kRequired) text += "==";
        auto decoded = Base64Decode(text, format);
        if (!decoded.ok()) continue;
        ++accepted;
        ASSERT_EQ(decoded->size(), 1u) << text;
        EXPECT_EQ(Base64Encode(*decoded, format), text);
      }
    }
    EXPECT_EQ(accepted, 256);  // one canonical encoding per byte value
  }
}

}  // namespace
}  // namespace steadycast::base
