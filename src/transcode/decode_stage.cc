#include "transcode/decode_stage.h"

#include "base/log.h"

namespace steadycast::transcode {
namespace {

// Pictures the decoder may hold for reordering is small (≤ 16); more side entries mean
// pictures that never came out (undecodable), which are forgotten.
constexpr size_t kMaxSideEntries = 64;

}  // namespace

DecodeStage::DecodeStage(DecodeStageOptions options, std::vector<RenditionWorker*> workers,
                         std::vector<int> divisors)
    : options_(options),
      workers_(std::move(workers)),
      queue_(options.queue_frames, options.queue_bytes),
      cadence_(options.target_ticks) {
  for (size_t i = 0; i < workers_.size(); ++i) {
    decimators_.emplace_back(i < divisors.size() ? divisors[i] : 1);
  }
  if (options_.intermediate_width > 0 && options_.intermediate_height > 0) {
    intermediate_.emplace(options_.intermediate_width, options_.intermediate_height,
                          options_.sws_flags);
  }
}

DecodeStage::~DecodeStage() { Stop(); }

void DecodeStage::Start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
}

void DecodeStage::Stop() {
  queue_.Close();
  if (thread_.joinable()) thread_.join();
}

bool DecodeStage::Push(SourceItem item, Weight weight, PushMode mode) {
  return queue_.Push(std::move(item), weight, mode);
}

void DecodeStage::Run() {
  while (std::optional<SourceItem> item = queue_.Pop()) {
    switch (item->kind) {
      case SourceItem::Kind::kVideoConfig: {
        auto decoder = VideoDecoder::Open(item->video_config, options_.decoder_threads);
        if (!decoder.ok()) {
          CountError(decoder.status());
          decoder_.reset();
        } else {
          decoder_ = std::move(*decoder);
        }
        need_keyframe_ = true;
        side_.clear();
        break;
      }
      case SourceItem::Kind::kAudioConfig:
        for (RenditionWorker* worker : workers_) worker->PushAudioConfig(item->audio_config);
        break;
      case SourceItem::Kind::kVideo:
        HandleVideo(*item);
        break;
      case SourceItem::Kind::kAudio:
        for (RenditionWorker* worker : workers_) worker->PushAudio(item->unit);
        if (item->slate && slate_worker_ != nullptr) slate_worker_->PushAudio(item->unit);
        break;
      case SourceItem::Kind::kFlush:
        HandleFlush(*item);
        break;
      case SourceItem::Kind::kDrainDecoder:
        DrainDecoder();
        break;
      case SourceItem::Kind::kSlateBegin:
        slate_worker_ = item->slate_worker;
        if (slate_worker_ != nullptr && item->has_audio_config) {
          slate_worker_->PushAudioConfig(item->audio_config);
        }
        break;
      case SourceItem::Kind::kSlatePicture:
        if (item->picture) {
          ++slate_pictures_;
          Fan(*item->picture,
              Side{.dts = item->picture->pts,
                   .force_idr = item->force_idr,
                   .segment_start = item->segment_start},
              slate_worker_);
        }
        break;
      case SourceItem::Kind::kSlateEnd:
        if (slate_worker_ != nullptr) slate_worker_->PushFlush(item->flush_id, false, true);
        slate_worker_ = nullptr;
        break;
    }
  }
}

void DecodeStage::HandleVideo(const SourceItem& item) {
  if (!decoder_) return;
  // Until a keyframe, the pictures cannot be decoded, and the passthrough segmenter drops
  // them too after a reset.
  if (need_keyframe_ && !item.unit.keyframe) return;
  need_keyframe_ = false;
  side_[item.unit.pts] =
      Side{.dts = item.unit.dts, .force_idr = item.force_idr, .segment_start = item.segment_start};
  while (side_.size() > kMaxSideEntries) side_.erase(side_.begin());
  base::Status status =
      decoder_->Decode(item.unit, [this](const AVFrame& frame) { Distribute(frame); });
  if (!status.ok()) CountError(status);
}

void DecodeStage::DrainDecoder() {
  if (decoder_) {
    base::Status status = decoder_->Drain([this](const AVFrame& frame) { Distribute(frame); });
    if (!status.ok()) CountError(status);
  }
  side_.clear();
  need_keyframe_ = true;
}

void DecodeStage::HandleFlush(const SourceItem& item) {
  DrainDecoder();
  cadence_.Reset();
  for (FrameDecimator& decimator : decimators_) decimator.Reset();
  for (RenditionWorker* worker : workers_)
    worker->PushFlush(item.flush_id, item.source_changed, item.must_deliver);
}

void DecodeStage::Distribute(const AVFrame& frame) {
  ++decoded_frames_;
  Side side{.dts = frame.pts};
  if (auto it = side_.find(frame.pts); it != side_.end()) {
    side = it->second;
    side_.erase(side_.begin(), std::next(it));  // pictures come out in pts order
  }
  Fan(frame, side, nullptr);
}

void DecodeStage::Fan(const AVFrame& frame, Side side, RenditionWorker* also) {
  bool force_idr = side.force_idr;
  int64_t anchor_dts = side.dts;
  if (!options_.cut_on_source_keyframes) {
    if (side.segment_start) cadence_.Reset();  // a switch point starts the cadence afresh
    force_idr = cadence_.OnFrame(frame.pts);
    anchor_dts = frame.pts;
  }
  if (side.segment_start) {
    for (FrameDecimator& decimator : decimators_) decimator.Reset();
  }
  // The rungs scale from the shared intermediate when the picture is larger than it; the
  // passthrough's slate worker (`also`) needs the picture at its own size.
  const AVFrame* for_rungs = &frame;
  av::FramePtr scaled;
  if (intermediate_ &&
      (frame.width > options_.intermediate_width || frame.height > options_.intermediate_height)) {
    if (auto s = intermediate_->Scale(frame); s.ok()) {
      scaled = std::move(*s);
      for_rungs = scaled.get();
    } else {
      CountError(s.status());  // the rungs scale from the source instead
    }
  }
  auto push = [&](RenditionWorker* worker, const AVFrame& picture) {
    av::FramePtr copy = av::CloneFrame(picture);
    if (!copy) {
      CountError(av::Error(AVERROR(ENOMEM), "decode: clone"));
      return;
    }
    worker->PushFrame(std::move(copy), force_idr, anchor_dts, side.segment_start);
  };
  for (size_t i = 0; i < workers_.size(); ++i) {
    if (decimators_[i].Keep(force_idr)) {
      push(workers_[i], *for_rungs);
    }
  }
  if (also != nullptr) push(also, frame);
}

void DecodeStage::CountError(const base::Status& status) {
  const uint64_t errors = ++decode_errors_;
  // Corrupt input can fail every picture: log the first and then every 100th.
  if (errors == 1 || errors % 100 == 0) {
    SC_LOG_WARN("transcode: decode error #{}: {}", errors, status.ToString());
  }
}

}  // namespace steadycast::transcode
