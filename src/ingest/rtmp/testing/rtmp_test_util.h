#pragma once
// Test-only helpers for ingest/rtmp: deterministic randomness for handshakes. Header-only.

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <span>

namespace steadycast::ingest::rtmp::testing {

// A random filler whose output depends only on `seed` and the call sequence.
inline std::function<void(std::span<uint8_t>)> DeterministicRandom(uint32_t seed) {
  auto rng = std::make_shared<std::mt19937>(seed);
  return [rng](std::span<uint8_t> out) {
    for (uint8_t& b : out) b = static_cast<uint8_t>((*rng)() >> 24);
  };
}

}  // namespace steadycast::ingest::rtmp::testing
