#pragma once
// ServerHandshake: the server side of the RTMP handshake (RTMP 1.0 §5.2), as a pure state
// machine. Reads C0 (version 3) and C1, answers S0+S1+S2 in one go, then reads C2.
//
//   client                          server
//   C0 (1: version 3)  ─────────▶
//   C1 (1536)          ─────────▶
//                      ◀─────────   S0 (1) + S1 (1536) + S2 (1536)
//   C2 (1536)          ─────────▶   done: the chunk stream starts with the next byte
//
// Two flavours, chosen by C1 (see handshake_digest.h):
//  - C1 carries a valid Flash Player digest → S1 carries a Media Server digest under the same
//    scheme and S2 is signed with a key derived from C1's digest (what Flash-era clients and
//    FFmpeg expect when they check the server);
//  - otherwise the simple handshake of §5.2.3: S1 is random, S2 echoes C1.
//
// Accepts input in any split. Owned by one connection; not thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "base/status.h"
#include "ingest/rtmp/handshake_digest.h"

namespace steadycast::ingest::rtmp {

inline constexpr uint8_t kRtmpVersion = 3;

struct HandshakeOptions {
  // Fills the random parts of S1 and S2. Defaults to OpenSSL's RAND_bytes; tests inject a
  // deterministic filler.
  std::function<void(std::span<uint8_t>)> random;
  uint32_t server_time_ms = 0;  // S1's time field (informative only)
};

enum class HandshakeKind { kSimple, kDigest };

class ServerHandshake {
 public:
  explicit ServerHandshake(HandshakeOptions options = {});

  // Consumes handshake bytes from `input`, never past the end of C2, and appends S0+S1+S2 to
  // `output` as soon as C1 is complete. Returns how many bytes were consumed: what is left
  // belongs to the chunk stream. After an error the handshake is failed for good.
  base::Result<size_t> Feed(std::span<const uint8_t> input, std::vector<uint8_t>& output);

  bool done() const { return state_ == State::kDone; }
  // Known once C1 has been read.
  std::optional<HandshakeKind> kind() const { return kind_; }
  std::optional<DigestScheme> digest_scheme() const { return scheme_; }

 private:
  enum class State { kC0, kC1, kC2, kDone, kFailed };

  void Respond(std::vector<uint8_t>& output);

  HandshakeOptions options_;
  State state_ = State::kC0;
  std::array<uint8_t, kHandshakePacketSize> c1_{};
  size_t have_ = 0;  // bytes of C1 or C2 read so far
  std::optional<HandshakeKind> kind_;
  std::optional<DigestScheme> scheme_;
};

}  // namespace steadycast::ingest::rtmp
