#include "package/hls_query.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace steadycast::package {
namespace {

struct Good {
  std::string query;
  HlsDirectives expected;
};

HlsDirectives Msn(uint64_t msn, std::optional<uint32_t> part = std::nullopt) {
  HlsDirectives d;
  d.msn = msn;
  d.part = part;
  return d;
}

HlsDirectives Skip(bool yes, bool v2, std::optional<uint64_t> msn = std::nullopt,
                   std::optional<uint32_t> part = std::nullopt) {
  HlsDirectives d = Msn(0, part);
  d.msn = msn;
  d.skip = yes;
  d.skip_v2 = v2;
  return d;
}

TEST(HlsQueryTest, AcceptsDirectivesAndIgnoresEverythingElse) {
  const std::vector<Good> good = {
      {"", {}},
      {"&", {}},
      {"&&", {}},
      {"token=abc.def", {}},
      {"token", {}},
      {"=", {}},
      {"=5", {}},
      {"_HLS_msn=0", Msn(0)},
      {"_HLS_msn=12", Msn(12)},
      {"_HLS_msn=12&", Msn(12)},
      {"&&_HLS_msn=12&&", Msn(12)},
      {"_HLS_msn=007", Msn(7)},  // §4.2: leading zeros are still a decimal-integer
      {"_HLS_msn=00000000000000000001", Msn(1)},  // 20 characters
      {"_HLS_msn=18446744073709551615", Msn(18446744073709551615u)},
      {"_HLS_msn=12&_HLS_part=3", Msn(12, 3)},
      {"_HLS_part=3&_HLS_msn=12", Msn(12, 3)},  // any order (clients sort, §6.3.2)
      {"_HLS_msn=12&_HLS_part=4294967295", Msn(12, 4294967295u)},
      {"_HLS_msn=12&_HLS_part=0&_HLS_skip=YES&token=x", Skip(true, false, 12, 0)},
      {"_HLS_skip=YES", Skip(true, false)},
      {"_HLS_skip=v2", Skip(false, true)},
      {"token=a=b&_HLS_msn=5", Msn(5)},
      {"token=%zz&_HLS_msn=5", Msn(5)},                       // others are not ours to judge
      {"_HLS_msn%=5", {}},                                    // a malformed name is no directive
      {"_hls_msn=x&_HLS_MSN=x&_HLS_msn_=x&x_HLS_msn=1", {}},  // names are case-sensitive
      {"_HLS_pathway=%22A%22&_HLS_throughput=1", {}},         // other reserved names
      {"_HLS_ms%6E=%31%32", Msn(12)},                         // percent-decoded (RFC 3986)
      {"%5FHLS_msn=1&_HLS_part=%32", Msn(1, 2)},
      {"_HLS_skip=%59ES", Skip(true, false)},
  };
  for (const Good& g : good) {
    const base::Result<HlsDirectives> parsed = ParseHlsDirectives(g.query);
    ASSERT_TRUE(parsed.ok()) << g.query << ": " << parsed.status().ToString();
    EXPECT_EQ(*parsed, g.expected) << g.query;
  }
}

struct Bad {
  std::string query;
  std::string message;  // a substring of the error
};

TEST(HlsQueryTest, RejectsMalformedDirectivesNamingTheParameter) {
  const std::vector<Bad> bad = {
      {"_HLS_msn", "_HLS_msn: needs a value"},
      {"_HLS_msn=", "_HLS_msn: must be a decimal-integer"},
      {"_HLS_msn=-1", "_HLS_msn: must be a decimal-integer"},
      {"_HLS_msn=+1", "_HLS_msn: must be a decimal-integer"},
      {"_HLS_msn= 1", "_HLS_msn: must be a decimal-integer"},
      {"_HLS_msn=1 ", "_HLS_msn: must be a decimal-integer"},
      {"_HLS_msn=%201", "_HLS_msn: must be a decimal-integer"},
      {"_HLS_msn=0x1f", "_HLS_msn: must be a decimal-integer"},
      {"_HLS_msn=1.0", "_HLS_msn: must be a decimal-integer"},
      {"_HLS_msn=1e3", "_HLS_msn: must be a decimal-integer"},
      {"_HLS_msn=1+1", "_HLS_msn: must be a decimal-integer"},
      {"_HLS_msn=1=1", "_HLS_msn: must be a decimal-integer"},
      {"_HLS_msn=12#frag", "_HLS_msn: must be a decimal-integer"},
      {"_HLS_msn=000000000000000000001", "_HLS_msn: must be a decimal-integer of 1 to 20"},
      {"_HLS_msn=18446744073709551616", "_HLS_msn: out of range"},
      {"_HLS_msn=99999999999999999999", "_HLS_msn: out of range"},
      {"_HLS_msn=999999999999999999999999", "_HLS_msn: must be a decimal-integer"},
      {"_HLS_msn=1&_HLS_part=4294967296", "_HLS_part: out of range"},
      {"_HLS_msn=1&_HLS_part=-0", "_HLS_part: must be a decimal-integer"},
      {"_HLS_msn=1&_HLS_part", "_HLS_part: needs a value"},
      {"_HLS_msn=%", "_HLS_msn: malformed percent-encoding"},
      {"_HLS_msn=%3", "_HLS_msn: malformed percent-encoding"},
      {"_HLS_msn=%3g", "_HLS_msn: malformed percent-encoding"},
      {"_HLS_part=1", "_HLS_part: given without _HLS_msn"},
      {"_HLS_part=1&_HLS_skip=YES", "_HLS_part: given without _HLS_msn"},
      {"_HLS_msn=1&_HLS_msn=1", "_HLS_msn: given more than once"},
      {"_HLS_msn=1&_HLS_ms%6E=2", "_HLS_msn: given more than once"},
      {"_HLS_msn=1&_HLS_part=1&_HLS_part=2", "_HLS_part: given more than once"},
      {"_HLS_skip=YES&_HLS_skip=YES", "_HLS_skip: given more than once"},
      {"_HLS_skip=YES&_HLS_skip=v2", "_HLS_skip: given more than once"},
      {"_HLS_skip", "_HLS_skip: needs a value"},
      {"_HLS_skip=", "_HLS_skip: must be YES or v2"},
      {"_HLS_skip=yes", "_HLS_skip: must be YES or v2"},
      {"_HLS_skip=NO", "_HLS_skip: must be YES or v2"},
      {"_HLS_skip=V2", "_HLS_skip: must be YES or v2"},
      {"_HLS_skip=YES ", "_HLS_skip: must be YES or v2"},
      {"_HLS_skip=%", "_HLS_skip: malformed percent-encoding"},
      // The first error wins, the rest is not read.
      {"_HLS_msn=x&_HLS_part=y", "_HLS_msn: must be a decimal-integer"},
  };
  for (const Bad& b : bad) {
    const base::Result<HlsDirectives> parsed = ParseHlsDirectives(b.query);
    ASSERT_FALSE(parsed.ok()) << b.query;
    EXPECT_EQ(parsed.status().code(), base::ErrorCode::kInvalidArgument) << b.query;
    EXPECT_NE(parsed.status().message().find(b.message), std::string::npos)
        << b.query << " gave " << parsed.status().message();
  }
}

TEST(HlsQueryTest, ALongQueryOfOtherParametersIsCheap) {
  std::string query;
  for (int i = 0; i < 10'000; ++i) query += "x=%zz&&";
  query += "_HLS_msn=3";
  const base::Result<HlsDirectives> parsed = ParseHlsDirectives(query);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, Msn(3));
}

}  // namespace
}  // namespace steadycast::package
