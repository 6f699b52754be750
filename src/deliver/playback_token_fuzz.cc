// Fuzzes the playback token verifier (whole tokens, claims, base64url) and the playlist
// rewriter that hands tokens on. The first byte picks the target; the rest is its input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/base64.h"
#include "base/clock.h"
#include "deliver/playback_token.h"
#include "deliver/playlist_rewrite.h"
#include "deliver/testdata/token_vectors.h"

namespace {

using namespace steadycast::deliver;  // NOLINT: a fuzz harness
using steadycast::base::Base64Decode;
using steadycast::base::Base64Encode;
using steadycast::base::kBase64UrlUnpadded;

const PlaybackTokenVerifier& Verifier() {
  static steadycast::base::FakeClock clock;
  static auto verifier = PlaybackTokenVerifier::Create(
                             {{TokenAlgorithm::kHs256, "k1", std::string(testing::kSecret1)},
                              {TokenAlgorithm::kRs256, "", std::string(testing::kRsa1SpkiPem)}},
                             clock)
                             .value();
  return *verifier;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0:
      Verifier().Verify(in, "pb_signed").IgnoreError();
      break;
    case 1:
      token_internal::CheckClaims(in, "pb_signed", 1'700'000'000'000, std::chrono::seconds(30))
          .IgnoreError();
      break;
    case 2:
      // Only canonical encodings decode, so decoding then encoding gives the input back.
      if (auto decoded = Base64Decode(in, kBase64UrlUnpadded); decoded.ok()) {
        if (Base64Encode(*decoded, kBase64UrlUnpadded) != in) std::abort();
      }
      break;
    default:
      // Rewriting only ever adds text.
      if (AddQueryToPlaylistUris(in, "token", "a.b_c").size() < in.size()) std::abort();
      break;
  }
  return 0;
}
