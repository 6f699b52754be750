#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "formats/amf0/amf0_decoder.h"
#include "formats/amf0/amf0_encoder.h"
#include "formats/amf0/amf0_value.h"

namespace steadycast::formats::amf0 {
namespace {

std::vector<uint8_t> Bytes(std::initializer_list<int> list) {
  std::vector<uint8_t> out;
  for (int b : list) out.push_back(static_cast<uint8_t>(b));
  return out;
}

// An RTMP connect command as ffmpeg sends it.
std::vector<Value> ConnectCommand() {
  return {Value::String("connect"), Value::Number(1),
          Value::Object()
              .Add("app", Value::String("live"))
              .Add("type", Value::String("nonprivate"))
              .Add("flashVer", Value::String("FMLE/3.0 (compatible; Lavf60.16.100)"))
              .Add("tcUrl", Value::String("rtmp://127.0.0.1:1935/live"))};
}

// One value of every supported type, nested.
std::vector<Value> EveryType() {
  return {
      Value::Number(-1.5),
      Value::Number(std::numeric_limits<double>::quiet_NaN()),
      Value::Boolean(true),
      Value::Boolean(false),
      Value::String(""),
      Value::String("h\xc3\xa9llo"),
      Value::LongString("long"),
      Value::XmlDocument("<a/>"),
      Value::Null(),
      Value::Undefined(),
      Value::Unsupported(),
      Value::Date(1.7e12, -60),
      Value::Object().Add("a", Value::Number(1)).Add("", Value::Null()),
      Value::EcmaArray()
          .Add("width", Value::Number(1280))
          .Add("nested", Value::Object().Add("x", Value::StrictArray({Value::Boolean(true)}))),
      Value::TypedObject("flex.Foo", {Property{"k", Value::String("v")}}),
      Value::StrictArray({Value::Number(1), Value::String("two"), Value::StrictArray()}),
  };
}

TEST(Amf0Test, DecodesKnownBytes) {
  // "_result", 1.0, null, {code: "ok"}
  const auto bytes = Bytes({0x02, 0x00, 0x07, '_',  'r',  'e',  's',  'u',  'l',  't',  0x00, 0x3f,
                            0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x03, 0x00, 0x04, 'c',
                            'o',  'd',  'e',  0x02, 0x00, 0x02, 'o',  'k',  0x00, 0x00, 0x09});
  auto values = Decoder().DecodeAll(bytes);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  ASSERT_EQ(values->size(), 4u);
  EXPECT_EQ((*values)[0], Value::String("_result"));
  EXPECT_EQ((*values)[1].number(), 1.0);
  EXPECT_TRUE((*values)[2].is_null());
  EXPECT_EQ((*values)[3].FindString("code"), "ok");
  EXPECT_EQ(EncodeValues(*values), bytes);
}

TEST(Amf0Test, RoundTripsEveryType) {
  const std::vector<Value> values = EveryType();
  const std::vector<uint8_t> bytes = EncodeValues(values);
  auto decoded = Decoder().DecodeAll(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, values);
  EXPECT_EQ(EncodeValues(*decoded), bytes);
}

TEST(Amf0Test, LongStringIsUsedAboveShortLimit) {
  const Value big = Value::String(std::string(70000, 'x'));
  const std::vector<uint8_t> bytes = EncodeValues(std::vector<Value>{big});
  EXPECT_EQ(bytes[0], static_cast<uint8_t>(Marker::kLongString));
  auto decoded = Decoder().DecodeAll(bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ((*decoded)[0].text(), big.text());
  EXPECT_EQ((*decoded)[0].type(), Type::kLongString);
}

TEST(Amf0Test, EveryPrefixOfOneValueIsTruncated) {
  for (const Value& value : EveryType()) {
    std::vector<uint8_t> bytes;
    EncodeValue(value, bytes);
    for (size_t n = 0; n < bytes.size(); ++n) {
      base::ByteReader reader(std::span<const uint8_t>(bytes).first(n));
      auto decoded = Decoder().DecodeOne(reader);
      ASSERT_FALSE(decoded.ok()) << value.DebugString() << " prefix " << n;
      EXPECT_TRUE(IsTruncated(decoded.status())) << decoded.status().ToString();
    }
  }
}

TEST(Amf0Test, EveryPrefixOfMessageFailsCleanlyOrYieldsLeadingValues) {
  const std::vector<Value> values = ConnectCommand();
  const std::vector<uint8_t> bytes = EncodeValues(values);
  for (size_t n = 0; n <= bytes.size(); ++n) {
    auto decoded = Decoder().DecodeAll(std::span<const uint8_t>(bytes).first(n));
    if (decoded.ok()) {
      // Only prefixes that end between values decode, and then to the leading values.
      ASSERT_LE(decoded->size(), values.size());
      for (size_t i = 0; i < decoded->size(); ++i) EXPECT_EQ((*decoded)[i], values[i]);
      EXPECT_EQ(EncodeValues(*decoded).size(), n);
    } else {
      EXPECT_TRUE(IsTruncated(decoded.status())) << decoded.status().ToString();
    }
  }
  auto whole = Decoder().DecodeAll(bytes);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, values);
}

TEST(Amf0Test, Nesting10000DeepIsRefused) {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < 10000; ++i) {
    bytes.push_back(0x03);  // object
    bytes.push_back(0x00);  // key "a"
    bytes.push_back(0x01);
    bytes.push_back('a');
  }
  bytes.push_back(0x05);
  for (int i = 0; i < 10000; ++i) {
    bytes.insert(bytes.end(), {0x00, 0x00, 0x09});
  }
  auto decoded = Decoder().DecodeAll(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), base::ErrorCode::kOutOfRange);
  EXPECT_NE(decoded.status().message().find("nested deeper than 64"), std::string::npos);

  // Strict arrays nest the same way.
  std::vector<uint8_t> arrays;
  for (int i = 0; i < 10000; ++i) arrays.insert(arrays.end(), {0x0A, 0x00, 0x00, 0x00, 0x01});
  arrays.push_back(0x05);
  EXPECT_FALSE(Decoder().DecodeAll(arrays).ok());
}

TEST(Amf0Test, NestingAtTheLimitDecodes) {
  Value v = Value::Null();
  for (int i = 0; i < 64; ++i) v = Value::StrictArray({std::move(v)});
  const std::vector<uint8_t> bytes = EncodeValues(std::vector<Value>{v});
  auto decoded = Decoder().DecodeAll(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ((*decoded)[0], v);
  Value deeper = Value::StrictArray({v});
  EXPECT_FALSE(Decoder().DecodeAll(EncodeValues(std::vector<Value>{deeper})).ok());
}

TEST(Amf0Test, StringLongerThanLimitIsRefusedBeforeReading) {
  DecoderLimits limits;
  limits.max_string_length = 16;
  // A long string that claims 4 GiB: refused on the length, without the bytes being present.
  const auto bytes = Bytes({0x0C, 0xFF, 0xFF, 0xFF, 0xFF, 'x'});
  auto decoded = Decoder(limits).DecodeAll(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), base::ErrorCode::kOutOfRange);
  EXPECT_TRUE(
      Decoder(limits).DecodeAll(EncodeValues(std::vector{Value::String("0123456789abcdef")})).ok());
}

TEST(Amf0Test, StrictArrayCountBeyondLimitIsRefused) {
  const auto bytes = Bytes({0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x05});
  auto decoded = Decoder().DecodeAll(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), base::ErrorCode::kResourceExhausted);
  // Within the limit but with missing elements: truncated, and nothing huge was reserved.
  const auto short_array = Bytes({0x0A, 0x00, 0x00, 0xFF, 0x00, 0x05});
  auto truncated = Decoder().DecodeAll(short_array);
  ASSERT_FALSE(truncated.ok());
  EXPECT_TRUE(IsTruncated(truncated.status()));
}

TEST(Amf0Test, TooManyPropertiesAreRefused) {
  DecoderLimits limits;
  limits.max_elements = 2;
  Value obj = Value::Object().Add("a", Value::Null()).Add("b", Value::Null());
  EXPECT_TRUE(Decoder(limits).DecodeAll(EncodeValues(std::vector{obj})).ok());
  obj.Add("c", Value::Null());
  auto decoded = Decoder(limits).DecodeAll(EncodeValues(std::vector{obj}));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), base::ErrorCode::kResourceExhausted);
}

TEST(Amf0Test, TotalValueBudgetIsPerMessage) {
  DecoderLimits limits;
  limits.max_total_values = 5;
  std::vector<uint8_t> five(5, 0x05);  // five nulls
  EXPECT_TRUE(Decoder(limits).DecodeAll(five).ok());
  std::vector<uint8_t> six(6, 0x05);
  auto decoded = Decoder(limits).DecodeAll(six);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), base::ErrorCode::kResourceExhausted);
}

TEST(Amf0Test, UnsupportedMarkersHaveClearErrors) {
  auto amf3 = Decoder().DecodeAll(Bytes({0x11, 0x01}));
  ASSERT_FALSE(amf3.ok());
  EXPECT_EQ(amf3.status().code(), base::ErrorCode::kUnimplemented);
  EXPECT_NE(amf3.status().message().find("AMF3"), std::string::npos);

  auto reference = Decoder().DecodeAll(Bytes({0x07, 0x00, 0x00}));
  ASSERT_FALSE(reference.ok());
  EXPECT_EQ(reference.status().code(), base::ErrorCode::kUnimplemented);

  for (int marker : {0x04, 0x0E, 0x12, 0xFF}) {
    auto decoded = Decoder().DecodeAll(Bytes({marker}));
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), base::ErrorCode::kInvalidArgument) << marker;
  }
  auto stray_end = Decoder().DecodeAll(Bytes({0x09}));
  ASSERT_FALSE(stray_end.ok());
  EXPECT_EQ(stray_end.status().code(), base::ErrorCode::kInvalidArgument);
}

TEST(Amf0Test, EcmaArrayCountIsOnlyAHint) {
  // Claims 100 entries, holds one, ends with the object-end marker.
  const auto bytes = Bytes({0x08, 0x00, 0x00, 0x00, 0x64, 0x00, 0x01, 'w',  0x00, 0x40,
                            0x59, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09});
  auto decoded = Decoder().DecodeAll(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ((*decoded)[0].FindNumber("w"), 100.0);
}

TEST(Amf0Test, FindHelpers) {
  const Value obj = ConnectCommand()[2];
  EXPECT_EQ(obj.FindString("app"), "live");
  EXPECT_EQ(obj.FindNumber("app"), std::nullopt);
  EXPECT_EQ(obj.FindBoolean("missing"), std::nullopt);
  EXPECT_EQ(Value::Number(1).Find("x"), nullptr);
  EXPECT_EQ(obj.DebugString(20).size(), 23u);
}

}  // namespace
}  // namespace steadycast::formats::amf0
