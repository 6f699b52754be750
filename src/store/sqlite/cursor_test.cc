#include "store/sqlite/cursor.h"

#include <string>

#include <gtest/gtest.h>

namespace steadycast::store::sqlite {
namespace {

TEST(Base64UrlTest, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    auto decoded = Base64UrlDecode(Base64UrlEncode(bytes));
    ASSERT_TRUE(decoded.ok()) << i;
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(i * 37 + 250));
  }
}

TEST(Base64UrlTest, KnownVectorsRfc4648) {
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Base64UrlTest, RejectsPaddingForeignCharsAndNonCanonicalBits) {
  EXPECT_FALSE(Base64UrlDecode("Zg==").ok());
  EXPECT_FALSE(Base64UrlDecode("Zm9v+").ok());
  EXPECT_FALSE(Base64UrlDecode("Zm9/").ok());
  EXPECT_FALSE(Base64UrlDecode("Z").ok());   // 6 bits cannot end a byte
  EXPECT_FALSE(Base64UrlDecode("Zh").ok());  // "Zg" with non-zero leftover bits
  EXPECT_TRUE(Base64UrlDecode("").ok());
}

TEST(CursorTest, RoundTrip) {
  CursorPosition p{1'700'000'000'123, "ls_abc123"};
  auto decoded = DecodeCursor(EncodeCursor(p));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, p);
  CursorPosition zero{0, "x"};
  EXPECT_EQ(*DecodeCursor(EncodeCursor(zero)), zero);
}

TEST(CursorTest, MalformedCursorsAreInvalidArgument) {
  const std::string cases[] = {
      "",
      "!!!",
      Base64UrlEncode("no-separator"),
      Base64UrlEncode(":ls_1"),                   // no time
      Base64UrlEncode("12:"),                     // no id
      Base64UrlEncode("-5:ls_1"),                 // negative
      Base64UrlEncode("+5:ls_1"),                 // sign
      Base64UrlEncode("05:ls_1"),                 // leading zero
      Base64UrlEncode("5x:ls_1"),                 // junk in time
      Base64UrlEncode("99999999999999999999:a"),  // overflow
      Base64UrlEncode("5:LS_1"),                  // id alphabet
      Base64UrlEncode("5:ls_1' OR 1=1 --"),       // injection attempt is just a bad id
      Base64UrlEncode("5:" + std::string(65, 'a')),
      std::string(kMaxCursorLength + 1, 'A'),
  };
  for (const std::string& c : cases) {
    auto decoded = DecodeCursor(c);
    ASSERT_FALSE(decoded.ok()) << c;
    EXPECT_EQ(decoded.status().code(), base::ErrorCode::kInvalidArgument) << c;
  }
}

}  // namespace
}  // namespace steadycast::store::sqlite
