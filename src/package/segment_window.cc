#include "package/segment_window.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <utility>

namespace steadycast::package {
namespace {

// Canonical unsigned decimal: digits only, no leading zero unless "0", bounded length.
std::optional<uint64_t> ParseCanonical(std::string_view digits) {
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  if (digits.size() > 1 && digits.front() == '0') return std::nullopt;
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

std::optional<std::string_view> Between(std::string_view name, std::string_view prefix,
                                        std::string_view suffix) {
  if (name.size() < prefix.size() + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix)) {
    return std::nullopt;
  }
  return name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
}

}  // namespace

std::optional<std::pair<uint64_t, uint32_t>> ParsePartName(std::string_view name) {
  auto inner = Between(name, "part", ".m4s");
  if (!inner) return std::nullopt;
  const size_t dot = inner->find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto sequence = ParseCanonical(inner->substr(0, dot));
  auto index = ParseCanonical(inner->substr(dot + 1));
  if (!sequence || !index || *index > UINT32_MAX) return std::nullopt;
  return std::pair<uint64_t, uint32_t>{*sequence, static_cast<uint32_t>(*index)};
}

std::optional<uint64_t> ParseSegmentName(std::string_view name) {
  auto digits = Between(name, "seg", ".m4s");
  return digits ? ParseCanonical(*digits) : std::nullopt;
}

std::optional<int64_t> ParseInitName(std::string_view name) {
  if (name == "init.mp4") return 0;
  auto digits = Between(name, "init", ".mp4");
  if (!digits || digits->size() > 18) return std::nullopt;
  auto value = ParseCanonical(*digits);
  if (!value || *value == 0) return std::nullopt;  // init 0 is only "init.mp4"
  return static_cast<int64_t>(*value);
}

const PublishedSegment* WindowSnapshot::Find(uint64_t sequence) const {
  if (segments.empty()) return nullptr;
  const uint64_t first = segments.front().entry.sequence;
  if (sequence < first || sequence - first >= segments.size()) return nullptr;
  return &segments[sequence - first];
}

const PublishedPart* WindowSnapshot::FindPart(uint64_t sequence, uint32_t index) const {
  if (open && open->sequence == sequence) {
    return index < open->parts.size() ? &open->parts[index] : nullptr;
  }
  const PublishedSegment* segment = Find(sequence);
  if (segment == nullptr || index >= segment->parts.size()) return nullptr;
  return &segment->parts[index];
}

uint64_t WindowSnapshot::ListedDiscontinuitySequence() const {
  uint64_t sequence = discontinuity_sequence;
  for (size_t i = 0; i < first_listed && i < segments.size(); ++i) {
    if (segments[i].entry.discontinuity) ++sequence;
  }
  return sequence;
}

SegmentWindow::SegmentWindow(int playlist_segments, int extra_retained_segments, int64_t target_ms,
                             uint64_t first_discontinuity_sequence, int playlist_version)
    : playlist_segments_(static_cast<size_t>(std::max(playlist_segments, 1))),
      retained_segments_(playlist_segments_ +
                         static_cast<size_t>(std::max(extra_retained_segments, 1))),
      target_ms_(std::max<int64_t>(target_ms, 1)),
      playlist_version_(playlist_version),
      snapshot_(std::make_shared<WindowSnapshot>()),
      freed_discontinuities_(first_discontinuity_sequence) {}

void SegmentWindow::SetFirstDiscontinuitySequence(uint64_t sequence) {
  std::lock_guard lock(mu_);
  if (segments_.empty() && total_ms_ == 0) freed_discontinuities_ = sequence;
}

void SegmentWindow::AddInit(int64_t init_index, base::Buffer bytes) {
  std::lock_guard lock(mu_);
  inits_[init_index] = std::move(bytes);
  // Not yet referenced by a listed segment: the next segment's snapshot carries it.
}

void SegmentWindow::AddSegment(PublishedSegment segment) {
  std::unique_lock lock(mu_);
  const int64_t ms = std::max<int64_t>(segment.entry.duration_ms, 1);
  const uint64_t bps = segment.bytes.size() * 8 * 1000 / static_cast<uint64_t>(ms);
  total_bytes_ += segment.bytes.size();
  total_ms_ += ms;
  peak_short_bps_ = std::max(peak_short_bps_, bps);
  // A short tail (flush, forced cut) with a keyframe would overstate the peak.
  if (2 * ms >= target_ms_) peak_bps_ = std::max(peak_bps_, bps);
  segment.entry.gap = false;
  if (open_ && open_->sequence == segment.entry.sequence) {
    segment.entry.parts.clear();
    for (const PublishedPart& part : open_->parts) segment.entry.parts.push_back(part.entry);
    segment.parts = std::move(open_->parts);
  }
  if (open_ && open_->sequence <= segment.entry.sequence) open_.reset();
  const WindowPosition position = AppendLocked(std::move(segment));
  lock.unlock();
  waiters_.Publish(position);
}

void SegmentWindow::AddGap(PlaylistSegment entry) {
  std::unique_lock lock(mu_);
  entry.gap = true;
  entry.init_index = inits_.empty() ? -1 : inits_.rbegin()->first;
  PublishedSegment gap{entry, base::Buffer()};
  // A gap lasts as long as the others' segment; its media timing continues the previous one.
  if (!segments_.empty()) {
    const PublishedSegment& last = segments_.back();
    gap.timescale = last.timescale;
    gap.media_time = last.media_time + last.media_duration;
    gap.media_duration = entry.duration_ms * static_cast<int64_t>(last.timescale) / 1000;
  }
  const WindowPosition position = AppendLocked(std::move(gap));
  lock.unlock();
  waiters_.Publish(position);
}

void SegmentWindow::AddPart(const OpenSegment& open, PublishedPart part) {
  std::unique_lock lock(mu_);
  if (ended_) return;
  if (!segments_.empty() && open.sequence <= segments_.back().entry.sequence) return;
  if (!open_ || open_->sequence != open.sequence) {
    open_ = open;
    open_->parts.clear();
  }
  if (part.entry.index != open_->parts.size()) return;  // out of order: never listed
  open_->parts.push_back(std::move(part));
  const WindowPosition position = RenderLocked();
  lock.unlock();
  waiters_.Publish(position);
}

WindowPosition SegmentWindow::AppendLocked(PublishedSegment segment) {
  const int64_t ms = std::max<int64_t>(segment.entry.duration_ms, 1);
  // RFC 8216 §4.3.3.1: every EXTINF rounded to the nearest integer must be ≤ the target
  // duration. Rounding (not ceiling) keeps a 2.001 s segment — millisecond jitter of an
  // encoder's decode times — from raising a 2 s stream's target to 3 s, which would make
  // players hold back a whole extra second from the live edge.
  target_duration_s_ = std::max(target_duration_s_, static_cast<int>((ms + 500) / 1000));
  segments_.push_back(std::move(segment));
  // Parts of older segments: their bytes go (the playlist no longer lists them).
  if (segments_.size() > kPartSegments)
    segments_[segments_.size() - kPartSegments - 1].parts.clear();
  while (segments_.size() > retained_segments_) {
    if (segments_.front().entry.discontinuity) ++freed_discontinuities_;
    segments_.pop_front();
  }
  // Free init segments nothing retained refers to (the newest one always stays).
  std::set<int64_t> used;
  for (const auto& s : segments_) used.insert(s.entry.init_index);
  for (auto it = inits_.begin(); it != inits_.end();) {
    const bool newest = std::next(it) == inits_.end();
    it = (used.count(it->first) || newest) ? std::next(it) : inits_.erase(it);
  }
  return RenderLocked();
}

void SegmentWindow::SetVariant(VariantStream variant) {
  std::lock_guard lock(mu_);
  variant_ = std::move(variant);
  ++version_;
  // The snapshot's variant follows at the next segment (SetVariant precedes AddSegment).
}

void SegmentWindow::End() {
  std::unique_lock lock(mu_);
  if (ended_) return;
  ended_ = true;
  open_.reset();  // nothing follows EXT-X-ENDLIST, not even an unfinished segment's parts
  const WindowPosition position = RenderLocked();
  lock.unlock();
  waiters_.Publish(position);
}

WindowPosition SegmentWindow::RenderLocked() {
  MediaPlaylistModel model;
  model.version = playlist_version_;
  model.target_duration_s = std::max(target_duration_s_, 1);
  model.ended = ended_;
  const size_t listed = std::min(segments_.size(), playlist_segments_);
  const size_t first = segments_.size() - listed;
  model.discontinuity_sequence = freed_discontinuities_;
  for (size_t i = 0; i < segments_.size(); ++i) {
    if (i < first) {
      if (segments_[i].entry.discontinuity) ++model.discontinuity_sequence;
    } else {
      model.segments.push_back(segments_[i].entry);
    }
  }
  if (!model.segments.empty()) playlist_ = base::Buffer::FromString(RenderMediaPlaylist(model));
  ++version_;

  auto snapshot = std::make_shared<WindowSnapshot>();
  snapshot->inits = inits_;
  snapshot->segments.assign(segments_.begin(), segments_.end());
  snapshot->first_listed = first;
  snapshot->discontinuity_sequence = freed_discontinuities_;
  snapshot->target_duration_s = model.target_duration_s;
  snapshot->ended = ended_;
  snapshot->version = version_;
  snapshot->playlist = playlist_;
  if (total_ms_ > 0) snapshot->variant = VariantLocked();
  snapshot->open = open_;
  WindowPosition& position = snapshot->position;
  position.ended = ended_;
  if (!segments_.empty()) {
    position.complete_through = segments_.back().entry.sequence;
    position.next_sequence = segments_.back().entry.sequence + 1;
  }
  if (open_) {
    position.next_sequence = open_->sequence;
    position.open_parts = static_cast<uint32_t>(open_->parts.size());
  }
  snapshot_ = std::move(snapshot);
  return position;
}

std::shared_ptr<const WindowSnapshot> SegmentWindow::Snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

bool SegmentWindow::HasSegments() const {
  std::lock_guard lock(mu_);
  return !segments_.empty();
}

std::optional<SegmentWindow::Tail> SegmentWindow::tail() const {
  std::lock_guard lock(mu_);
  if (segments_.empty()) return std::nullopt;
  uint64_t discontinuity = freed_discontinuities_;
  for (const auto& s : segments_) discontinuity += s.entry.discontinuity ? 1 : 0;
  return Tail{segments_.back().entry.sequence + 1, discontinuity};
}

uint64_t SegmentWindow::version() const {
  std::lock_guard lock(mu_);
  return version_;
}

std::optional<VariantStream> SegmentWindow::Variant() const {
  std::lock_guard lock(mu_);
  if (total_ms_ == 0) return std::nullopt;  // no real segment yet (gaps do not count)
  return VariantLocked();
}

VariantStream SegmentWindow::VariantLocked() const {
  VariantStream v = variant_;
  v.bandwidth = peak_bps_ > 0 ? peak_bps_ : peak_short_bps_;
  v.average_bandwidth =
      total_ms_ > 0 ? total_bytes_ * 8 * 1000 / static_cast<uint64_t>(total_ms_) : 0;
  return v;
}

std::optional<Resource> SegmentWindow::Lookup(std::string_view name) const {
  std::lock_guard lock(mu_);
  if (segments_.empty()) return std::nullopt;
  if (name == "index.m3u8") {
    return Resource{playlist_, std::string(kPlaylistContentType), false};
  }
  if (auto sequence = ParseSegmentName(name)) {
    const uint64_t first = segments_.front().entry.sequence;
    if (*sequence < first || *sequence - first >= segments_.size()) return std::nullopt;
    if (segments_[*sequence - first].entry.gap) return std::nullopt;
    return Resource{segments_[*sequence - first].bytes, std::string(kSegmentContentType), true};
  }
  if (auto part = ParsePartName(name)) {
    const PublishedPart* found = snapshot_->FindPart(part->first, part->second);
    if (found == nullptr) return std::nullopt;
    return Resource{found->bytes, std::string(kSegmentContentType), true};
  }
  if (auto index = ParseInitName(name)) {
    auto it = inits_.find(*index);
    if (it == inits_.end()) return std::nullopt;
    return Resource{it->second, std::string(kInitContentType), true};
  }
  return std::nullopt;
}

}  // namespace steadycast::package
