#pragma once
// Test helper for pure decoders (docs/style.md "Tests"): the same input is delivered whole, byte
// by byte and in seeded random splits; a decoder must produce identical events every time.
// Header-only; for tests only.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace steadycast::base::testing {

struct SplitPlan {
  std::string name;            // "whole", "byte-by-byte", "random-seed-N"
  std::vector<size_t> chunks;  // chunk sizes summing to the input size
};

inline std::vector<SplitPlan> SplitPlans(size_t size, int random_plans = 8) {
  std::vector<SplitPlan> plans;
  plans.push_back({"whole", {size}});
  SplitPlan bytes{"byte-by-byte", {}};
  bytes.chunks.assign(size, 1);
  plans.push_back(bytes);
  for (int seed = 1; seed <= random_plans; ++seed) {
    std::mt19937 rng(static_cast<uint32_t>(seed));
    SplitPlan plan{"random-seed-" + std::to_string(seed), {}};
    size_t left = size;
    while (left > 0) {
      const size_t max_chunk = std::min<size_t>(left, seed % 2 ? 7 : 300);
      std::uniform_int_distribution<size_t> dist(1, max_chunk);
      const size_t n = dist(rng);
      plan.chunks.push_back(n);
      left -= n;
    }
    plans.push_back(plan);
  }
  return plans;
}

// Calls `feed` with consecutive pieces of `input` according to `plan`.
inline void FeedInPieces(std::span<const uint8_t> input, const SplitPlan& plan,
                         const std::function<void(std::span<const uint8_t>)>& feed) {
  size_t pos = 0;
  for (size_t n : plan.chunks) {
    feed(input.subspan(pos, n));
    pos += n;
  }
}

}  // namespace steadycast::base::testing
