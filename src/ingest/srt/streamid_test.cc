// ParseStreamId takes a whole string (SRTO_STREAMID arrives complete in the handshake), so
// there is no split-feeding here; the fuzz target covers arbitrary bytes.

#include "ingest/srt/streamid.h"

#include <string>

#include <gtest/gtest.h>

namespace steadycast::ingest::srt {
namespace {

StreamId MustParse(std::string_view text) {
  auto parsed = ParseStreamId(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
  return parsed.ok() ? *parsed : StreamId{};
}

void ExpectRefused(std::string_view text) {
  auto parsed = ParseStreamId(text);
  EXPECT_FALSE(parsed.ok()) << "accepted: " << text;
  if (!parsed.ok()) {
    EXPECT_EQ(parsed.status().code(), base::ErrorCode::kInvalidArgument);
  }
}

TEST(StreamIdTest, ContractForm) {
  const StreamId id = MustParse("#!::r=K3y_-abc,m=publish");
  EXPECT_EQ(id.resource, "K3y_-abc");
  EXPECT_EQ(id.mode, StreamIdMode::kPublish);
  EXPECT_TRUE(id.access_control_syntax);
  EXPECT_EQ(CheckPublish(id), PublishCheck::kOk);
}

TEST(StreamIdTest, KeysInAnyOrder) {
  EXPECT_EQ(MustParse("#!::m=publish,r=abc"), MustParse("#!::r=abc,m=publish"));
}

TEST(StreamIdTest, PlainKey) {
  const StreamId id = MustParse("abcDEF123_-");
  EXPECT_EQ(id.resource, "abcDEF123_-");
  EXPECT_EQ(id.mode, StreamIdMode::kUnspecified);
  EXPECT_FALSE(id.access_control_syntax);
  EXPECT_EQ(CheckPublish(id), PublishCheck::kOk);
}

TEST(StreamIdTest, OtherStandardAndCustomKeysAreTolerated) {
  const StreamId id =
      MustParse("#!::u=alice,r=key,h=example.com,s=sess1,t=stream,m=publish,user_x=1,acme_y=2,z=");
  EXPECT_EQ(id.resource, "key");
  EXPECT_EQ(id.user, "alice");
  EXPECT_EQ(id.host, "example.com");
  EXPECT_EQ(id.session, "sess1");
  EXPECT_EQ(id.type, "stream");
  EXPECT_EQ(CheckPublish(id), PublishCheck::kOk);
}

TEST(StreamIdTest, ModeWithoutMIsPublish) {
  const StreamId id = MustParse("#!::r=key");
  EXPECT_EQ(id.mode, StreamIdMode::kUnspecified);
  EXPECT_EQ(CheckPublish(id), PublishCheck::kOk);
}

TEST(StreamIdTest, RequestBidirectionalAndUnknownModesAreRefused) {
  EXPECT_EQ(CheckPublish(MustParse("#!::r=key,m=request")), PublishCheck::kBadMode);
  EXPECT_EQ(CheckPublish(MustParse("#!::r=key,m=bidirectional")), PublishCheck::kBadMode);
  EXPECT_EQ(CheckPublish(MustParse("#!::r=key,m=Publish")), PublishCheck::kBadMode);
  EXPECT_EQ(CheckPublish(MustParse("#!::r=key,m=")), PublishCheck::kBadMode);
  EXPECT_EQ(MustParse("#!::r=key,m=request").mode, StreamIdMode::kRequest);
  EXPECT_EQ(MustParse("#!::r=key,m=pull").mode, StreamIdMode::kUnknown);
}

TEST(StreamIdTest, NonStreamTypesAreRefused) {
  EXPECT_EQ(CheckPublish(MustParse("#!::r=key,m=publish,t=file")), PublishCheck::kUnsupportedType);
  EXPECT_EQ(CheckPublish(MustParse("#!::r=key,t=auth")), PublishCheck::kUnsupportedType);
}

TEST(StreamIdTest, PercentEscapesInKeysAndValues) {
  EXPECT_EQ(MustParse("#!::r=a%2Cb%3dc%25d,m=publish").resource, "a,b=c%d");
  EXPECT_EQ(MustParse("#!::%72=key").resource, "key");  // %72 = 'r'
  EXPECT_EQ(MustParse("plain%20key").resource, "plain key");
  EXPECT_EQ(MustParse("#!::r=caf%C3%A9").resource, "caf\xC3\xA9");  // UTF-8 passes
}

TEST(StreamIdTest, WholeUrlEncodedStreamId) {
  const StreamId id = MustParse("%23%21%3A%3Ar%3DKEY%2Cm%3Dpublish");
  EXPECT_EQ(id.resource, "KEY");
  EXPECT_EQ(id.mode, StreamIdMode::kPublish);
  EXPECT_TRUE(id.access_control_syntax);
}

TEST(StreamIdTest, ValueMayContainEquals) { EXPECT_EQ(MustParse("#!::r=a=b").resource, "a=b"); }

TEST(StreamIdTest, EmptyItemsAreIgnored) {
  EXPECT_EQ(MustParse("#!::,r=a,,m=publish,").resource, "a");
}

TEST(StreamIdTest, MalformedEscapesAreRefused) {
  ExpectRefused("#!::r=a%2");
  ExpectRefused("#!::r=a%zz");
  ExpectRefused("key%");
  ExpectRefused("key%4");
  ExpectRefused("%23%2");
}

TEST(StreamIdTest, ControlCharactersAreRefused) {
  ExpectRefused("key\n");
  ExpectRefused(std::string_view("ke\0y", 4));
  ExpectRefused("#!::r=a%0Ab");
  ExpectRefused("#!::r=a\x7f");
  ExpectRefused("key%00");
}

TEST(StreamIdTest, LengthLimit) {
  MustParse(std::string(512, 'k'));
  ExpectRefused(std::string(513, 'k'));
  MustParse("#!::r=" + std::string(506, 'k'));
  ExpectRefused("#!::r=" + std::string(507, 'k'));
}

TEST(StreamIdTest, StructuralErrorsAreRefused) {
  ExpectRefused("");
  ExpectRefused("#!::");
  ExpectRefused("#!::m=publish");     // no r
  ExpectRefused("#!::r=,m=publish");  // empty r
  ExpectRefused("#!::r=a,r=b");       // duplicate r
  ExpectRefused("#!::r=a,m=publish,m=request");
  ExpectRefused("#!::r=a,publish");     // item without '='
  ExpectRefused("#!::=x,r=a");          // empty key
  ExpectRefused("#!:{r=a,m=publish}");  // nested form: not supported
  ExpectRefused("#!x");
  ExpectRefused("#!");
}

TEST(StreamIdTest, ErrorsNeverQuoteTheKey) {
  for (const char* text : {"#!::r=SECRETKEY%zz", "#!::r=SECRETKEY,r=SECRETKEY", "SECRETKEY\n",
                           "#!::r=SECRETKEY,SECRETKEY"}) {
    auto parsed = ParseStreamId(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().message().find("SECRETKEY"), std::string::npos)
        << parsed.status().message();
  }
}

}  // namespace
}  // namespace steadycast::ingest::srt
