#include "health/health_history.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace steadycast::health {

static_assert(std::is_trivially_copyable_v<HealthSample>, "a ring of plain structs");

void HealthSample::AddRendition(std::string_view name, bool passthrough, double encode_speed,
                                int64_t frames_dropped) {
  if (rendition_count >= kMaxRenditions) return;
  RenditionSample& r = renditions[rendition_count++];
  const size_t n = std::min(name.size(), r.name.size());
  std::memcpy(r.name.data(), name.data(), n);
  if (n < r.name.size()) r.name[n] = '\0';
  r.passthrough = passthrough;
  r.encode_speed = encode_speed;
  r.frames_dropped = frames_dropped;
}

bool HealthHistory::MakeRoomLocked() {
  auto oldest = rings_.end();
  for (auto it = rings_.begin(); it != rings_.end(); ++it) {
    if (it->second.publisher) continue;
    if (oldest == rings_.end() || it->second.last_publisher < oldest->second.last_publisher) {
      oldest = it;
    }
  }
  if (oldest == rings_.end()) return false;
  rings_.erase(oldest);
  return true;
}

bool HealthHistory::Record(const std::string& stream_id, const HealthSample& sample, Time now) {
  if (options_.samples_per_stream == 0) return false;
  const bool publisher = sample.ingest.has_value();
  std::lock_guard lock(mu_);
  auto it = rings_.find(stream_id);
  if (it == rings_.end()) {
    if (!publisher) return false;
    if (rings_.size() >= options_.max_streams && !MakeRoomLocked()) return false;
    it = rings_.emplace(stream_id, Ring{}).first;
  }
  Ring& ring = it->second;
  if (ring.samples.size() < options_.samples_per_stream) {
    if (ring.samples.size() == ring.samples.capacity()) {  // grow, but never past the bound
      ring.samples.reserve(
          std::min(options_.samples_per_stream, std::max<size_t>(64, 2 * ring.samples.capacity())));
    }
    ring.samples.push_back(sample);
  } else {
    ring.samples[ring.next] = sample;
    ring.next = (ring.next + 1) % ring.samples.size();
  }
  ring.publisher = publisher;
  if (publisher) ring.last_publisher = now;
  return true;
}

void HealthHistory::Prune(Time now, const std::function<bool(const std::string&)>& exists) {
  std::lock_guard lock(mu_);
  std::erase_if(rings_, [&](const auto& entry) {
    return !exists(entry.first) ||
           now - entry.second.last_publisher >= options_.keep_without_publisher;
  });
}

std::vector<HealthSample> HealthHistory::Recent(const std::string& stream_id,
                                                size_t seconds) const {
  std::lock_guard lock(mu_);
  auto it = rings_.find(stream_id);
  if (it == rings_.end()) return {};
  const Ring& ring = it->second;
  const size_t size = ring.samples.size();
  const size_t count = std::min(seconds, size);
  // Oldest sample at `next` once the ring is full (next is 0 before).
  std::vector<HealthSample> out;
  out.reserve(count);
  for (size_t i = size - count; i < size; ++i) out.push_back(ring.samples[(ring.next + i) % size]);
  return out;
}

bool HealthHistory::Has(const std::string& stream_id) const {
  std::lock_guard lock(mu_);
  return rings_.contains(stream_id);
}

size_t HealthHistory::streams() const {
  std::lock_guard lock(mu_);
  return rings_.size();
}

}  // namespace steadycast::health
