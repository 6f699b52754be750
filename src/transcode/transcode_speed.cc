// Measures a ladder's encode speed on this machine: a synthetic source (default 1280x720,
// 30 fps, 10 s, keyframes every 2 s) through the default ladder, in real-time mode
// (block_when_full so nothing drops and the number is pure throughput). Prints media seconds
// per wall second (> 1 keeps up with a live source), CPU seconds per media second (the
// machine's cores divided by it bound the speed when other work competes) and each
// rendition's own speed.
// Usage: transcode_speed [preset] [height] [seconds] [threads_per_stream]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "transcode/transcode_test_util.h"
#include "transcode/transcoder.h"

int main(int argc, char** argv) {
  using namespace steadycast;
  const std::string preset = argc > 1 ? argv[1] : "veryfast";
  const int height = argc > 2 ? std::atoi(argv[2]) : 720;
  const int seconds = argc > 3 ? std::atoi(argv[3]) : 10;
  const int threads = argc > 4 ? std::atoi(argv[4]) : 2;
  transcode::testing::SourceSpec spec;
  spec.height = height;
  spec.width = height * 16 / 9 / 2 * 2;
  spec.frames = seconds * spec.fps;
  auto source = transcode::testing::MakeSource(spec);
  if (!source.ok()) {
    std::fprintf(stderr, "source: %s\n", source.status().ToString().c_str());
    return 1;
  }
  auto plan = transcode::PlanLadder({}, source->config, {});
  if (!plan.ok()) return 1;
  std::vector<transcode::testing::RecordingSink> sinks(plan->renditions.size());
  std::vector<media::MediaSink*> pointers;
  for (auto& s : sinks) pointers.push_back(&s);
  transcode::TranscoderOptions options;
  options.preset = preset;
  options.threads_per_stream = threads;
  options.block_when_full = true;
  options.watchdog.enabled = false;  // measure the requested preset, never a degraded one
  auto transcoder = transcode::Transcoder::Create(*plan, options, pointers);
  if (!transcoder.ok()) return 1;
  auto cpu_seconds = [] {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
  };
  const double cpu_start = cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  (*transcoder)->OnVideoConfig(source->config);
  for (const auto& unit : source->video) (*transcoder)->OnAccessUnit(unit);
  (*transcoder)->Flush();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu_start;
  std::printf(
      "%dx%d %d s, preset %s, %d x264 threads/stream: %.2f media s per wall s, "
      "%.2f CPU s per media s\n",
      spec.width, spec.height, seconds, preset.c_str(), threads, seconds / wall, cpu / seconds);
  for (const auto& r : (*transcoder)->Stats().renditions) {
    if (r.passthrough) continue;
    std::printf("  %-5s frames %llu, own speed %.2f\n", r.name.c_str(),
                static_cast<unsigned long long>(r.frames_out), r.encode_speed);
  }
  return 0;
}
