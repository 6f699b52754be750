// abr_ladder_bench: steadycast's ABR ladder on a recorded FLV file, measured (bench/abr_ladder).
//
// The real pipeline of a published stream, without sockets: the file goes through our FLV
// demuxer (formats/flv) and the RTMP media mapper (ingest/rtmp, the same code that maps a
// publisher's FLV tag bodies to access units) into transcode::Transcoder (one decode,
// per-rendition scaling, x264 per rendition, forced aligned IDRs) whose renditions are
// written into a package::StreamPackager (CMAF fragments + HLS playlists in memory), exactly
// as session/broadcast.cc wires them. The transcoder runs with block_when_full (nothing drops;
// the number is pure throughput) and without the real-time watchdog (it would switch to a
// faster preset under load and the comparison would no longer be like for like).
//
// Prints one JSON object: CPU seconds (getrusage RUSAGE_SELF, user + system) and wall seconds
// of the pipeline, media seconds, the real-time factor (media s / wall s) and per-rendition
// output figures. Single-threaded driver; the transcoder starts its own threads.
//
// Usage: abr_ladder_bench [--passthrough | --ladder TEXT] [--preset P] [--threads N]
//                         [--sws NAME] [--out DIR] INPUT.flv
//   --passthrough  the server's "default" ladder (source passthrough + transcoded rungs)
//                  instead of the transcoded rungs alone
//   --ladder TEXT  a stream's ladder setting instead ("default", [{"height":480,...},...])
//   --threads N    transcode.threads_per_stream (x264 threads shared by the ladder; default 2)
//   --sws NAME     scaling algorithm (bicubic = the server's default, bilinear, fast_bilinear,
//                  area, lanczos): what the scaling choice costs
//   --out DIR      write the master playlist, media playlists and segments below DIR
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

extern "C" {
#include <libswscale/swscale.h>
}

#include "base/buffer.h"
#include "base/clock.h"
#include "base/status.h"
#include "bench/abr_ladder/flv_source.h"
#include "package/stream_packager.h"
#include "transcode/ladder.h"
#include "transcode/transcoder.h"

namespace steadycast::bench {
namespace {

int Fail(const base::Status& status) {
  std::fprintf(stderr, "abr_ladder_bench: %s\n", status.ToString().c_str());
  return 1;
}

// The file names a media playlist references (EXT-X-MAP URI and segment lines).
std::vector<std::string> ReferencedFiles(const std::string& playlist) {
  std::vector<std::string> files;
  size_t at = 0;
  while (at < playlist.size()) {
    size_t end = playlist.find('\n', at);
    if (end == std::string::npos) end = playlist.size();
    const std::string line = playlist.substr(at, end - at);
    at = end + 1;
    const std::string map_prefix = "#EXT-X-MAP:URI=\"";
    if (line.rfind(map_prefix, 0) == 0) {
      const size_t close = line.find('"', map_prefix.size());
      if (close != std::string::npos) {
        files.push_back(line.substr(map_prefix.size(), close - map_prefix.size()));
      }
    } else if (!line.empty() && line[0] != '#') {
      files.push_back(line);
    }
  }
  return files;
}

struct Args {
  std::string input;
  std::string out_dir;
  std::string preset = "veryfast";
  int threads = 2;
  int sws_flags = 0;  // 0 = the transcoder's default (SWS_BICUBIC)
  bool passthrough = false;
  std::string ladder;  // a stream's `ladder` setting text; empty = see --passthrough
};

// libswscale algorithms by name (for measuring what the scaling choice costs).
std::optional<int> SwsFlags(const std::string& name) {
  if (name == "bicubic") return SWS_BICUBIC;
  if (name == "bilinear") return SWS_BILINEAR;
  if (name == "fast_bilinear") return SWS_FAST_BILINEAR;
  if (name == "area") return SWS_AREA;
  if (name == "lanczos") return SWS_LANCZOS;
  return std::nullopt;
}

std::optional<Args> ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--passthrough") {
      args.passthrough = true;
    } else if (a == "--preset" && has_value) {
      args.preset = argv[++i];
    } else if (a == "--threads" && has_value) {
      args.threads = std::atoi(argv[++i]);
    } else if (a == "--ladder" && has_value) {
      args.ladder = argv[++i];
    } else if (a == "--sws" && has_value) {
      const auto flags = SwsFlags(argv[++i]);
      if (!flags) return std::nullopt;
      args.sws_flags = *flags;
    } else if (a == "--out" && has_value) {
      args.out_dir = argv[++i];
    } else if (!a.empty() && a[0] != '-' && args.input.empty()) {
      args.input = a;
    } else {
      return std::nullopt;
    }
  }
  if (args.input.empty() || args.threads < 1) return std::nullopt;
  return args;
}

double CpuSeconds(double* user = nullptr, double* system = nullptr) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  if (user != nullptr) *user = seconds(usage.ru_utime);
  if (system != nullptr) *system = seconds(usage.ru_stime);
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The ladder the server would plan for this source: the --ladder setting when given, "default"
// with --passthrough, else the default rungs as a custom list (all transcoded, IDRs on the
// fixed 2 s cadence).
base::Result<transcode::LadderPlan> Plan(const Args& args, const media::VideoTrackConfig& source) {
  const transcode::LadderDefaults defaults;
  transcode::LadderSetting setting;
  if (!args.ladder.empty()) {
    SC_ASSIGN_OR_RETURN(setting, transcode::ParseLadderSetting(args.ladder));
  } else if (!args.passthrough) {
    setting.kind = transcode::LadderKind::kCustom;
    setting.rungs = defaults.rungs;
  }
  return transcode::PlanLadder(setting, source, {}, defaults);
}

// Writes "{dir}/out.m3u8" and every file of each rendition's window below "{dir}/out/".
base::Status WriteOutput(const package::StreamPackager& packager, const std::string& dir) {
  namespace fs = std::filesystem;
  auto write = [](const fs::path& path, const base::Buffer& body) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(body.data()),
               static_cast<std::streamsize>(body.size()));
  };
  auto master = packager.MasterPlaylist("out");
  if (!master) return base::Internal("no master playlist (no segment published)");
  write(fs::path(dir) / "out.m3u8", base::Buffer::FromString(*master));
  for (size_t i = 0; i < packager.rendition_count(); ++i) {
    const std::string& name = packager.rendition_name(i);
    auto playlist = packager.Lookup(name + "/index.m3u8");
    if (!playlist) continue;
    write(fs::path(dir) / "out" / name / "index.m3u8", playlist->body);
    const std::string text(reinterpret_cast<const char*>(playlist->body.data()),
                           playlist->body.size());
    for (const std::string& file : ReferencedFiles(text)) {
      const std::string subpath = fmt::format("{}/{}", name, file);
      auto resource = packager.Lookup(subpath);
      if (!resource) return base::Internal("missing " + subpath);
      write(fs::path(dir) / "out" / name / file, resource->body);
    }
  }
  return base::Status::Ok();
}

nlohmann::json RenditionsJson(const transcode::LadderPlan& plan,
                              const transcode::TranscoderStats& transcoder,
                              const package::PackagerStats& packager, double media_seconds) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < plan.renditions.size(); ++i) {
    const auto& r = plan.renditions[i];
    nlohmann::json j = {{"name", r.name},
                        {"width", r.width},
                        {"height", r.height},
                        {"passthrough", r.passthrough},
                        {"kbps", r.video_kbps},
                        {"maxrate_kbps", r.maxrate_kbps},
                        {"bufsize_kbits", r.bufsize_kbits}};
    for (const auto& s : transcoder.renditions) {
      if (s.name != r.name) continue;
      j["frames_out"] = s.frames_out;
      j["frames_dropped"] = s.frames_dropped;
      j["keyframes_out"] = s.keyframes_out;
      j["encode_speed"] = s.encode_speed;
    }
    if (i < packager.renditions.size()) {
      const auto& p = packager.renditions[i];
      j["segments"] = p.segments;
      j["misaligned_segments"] = p.misaligned_segments;
      j["output_kbps"] = media_seconds > 0 ? p.bytes * 8 / media_seconds / 1000 : 0;
    }
    out.push_back(std::move(j));
  }
  return out;
}

// CPU (user + system of this process) and wall time between Start() and Stop().
class Stopwatch {
 public:
  void Start() {
    CpuSeconds(&user_, &system_);
    start_ = std::chrono::steady_clock::now();
  }
  void Stop() {
    wall_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    double user = 0, system = 0;
    CpuSeconds(&user, &system);
    user_ = user - user_;
    system_ = system - system_;
  }
  double wall() const { return wall_; }
  double user() const { return user_; }
  double system() const { return system_; }

 private:
  std::chrono::steady_clock::time_point start_;
  double user_ = 0, system_ = 0, wall_ = 0;
};

// One measured pass: everything a live stream's ladder does from the first byte to the last
// segment (packager and transcoder set-up included, as ffmpeg's side includes its own).
struct Outcome {
  std::unique_ptr<package::StreamPackager> packager;
  transcode::TranscoderStats stats;
  FeedResult fed;
  Stopwatch time;
};

base::Result<Outcome> RunPipeline(const Args& args, std::span<const uint8_t> file,
                                  const transcode::LadderPlan& plan) {
  package::PackagerOptions popts;
  if (!args.out_dir.empty()) popts.playlist_segments = 10'000;  // keep every segment to write it
  std::vector<package::RenditionSpec> specs;
  for (const auto& r : plan.renditions) specs.push_back({r.name});
  Outcome out;
  out.time.Start();
  SC_ASSIGN_OR_RETURN(out.packager,
                      package::StreamPackager::Create(popts, specs, base::Clock::Real()));
  transcode::TranscoderOptions topts;  // the server's defaults, except:
  topts.preset = args.preset;
  topts.threads_per_stream = args.threads;
  topts.sws_flags = args.sws_flags;
  topts.target_segment_seconds = popts.target_segment_seconds;
  topts.timeline_break_seconds = popts.max_segment_seconds;
  topts.block_when_full = true;    // throughput: wait instead of dropping
  topts.watchdog.enabled = false;  // never switch to a faster preset mid-measurement
  std::vector<media::MediaSink*> sinks;
  for (size_t i = 0; i < specs.size(); ++i) sinks.push_back(&out.packager->Rendition(i));
  SC_ASSIGN_OR_RETURN(auto transcoder, transcode::Transcoder::Create(plan, topts, sinks));
  SC_ASSIGN_OR_RETURN(out.fed, FeedFlv(file, *transcoder));
  transcoder->Flush();
  out.packager->OnEndOfStream();
  out.time.Stop();
  out.stats = transcoder->Stats();
  return out;  // the transcoder's threads stop here, before the packager goes
}

nlohmann::json ReportJson(const Args& args, const FlvProbe& probe,
                          const transcode::LadderPlan& plan, const Outcome& o) {
  const double media_seconds = o.fed.MediaSeconds();
  const double wall = o.time.wall();
  return {{"input", args.input},
          {"source",
           {{"width", probe.video.width},
            {"height", probe.video.height},
            {"fps", probe.video.frame_rate.value_or(0)}}},
          {"preset", args.preset},
          {"threads_per_stream", args.threads},
          {"passthrough", plan.has_passthrough()},
          {"media_seconds", media_seconds},
          {"wall_seconds", wall},
          {"cpu_seconds", o.time.user() + o.time.system()},
          {"cpu_user_seconds", o.time.user()},
          {"cpu_system_seconds", o.time.system()},
          {"realtime_factor", wall > 0 ? media_seconds / wall : 0},
          {"video_units_in", o.fed.video_units},
          {"audio_units_in", o.fed.audio_units},
          {"map_errors", o.fed.map_errors},
          {"decoded_frames", o.stats.decoded_frames},
          {"decode_errors", o.stats.decode_errors},
          {"source_dropped", o.stats.source_dropped},
          {"renditions", RenditionsJson(plan, o.stats, o.packager->Stats(), media_seconds)}};
}

int Run(const Args& args) {
  auto bytes = ReadInputFile(args.input);
  if (!bytes.ok()) return Fail(bytes.status());
  auto probe = ProbeFlv(*bytes);
  if (!probe.ok()) return Fail(probe.status());
  auto plan = Plan(args, probe->video);
  if (!plan.ok()) return Fail(plan.status());
  auto outcome = RunPipeline(args, *bytes, *plan);
  if (!outcome.ok()) return Fail(outcome.status());
  const nlohmann::json report = ReportJson(args, *probe, *plan, *outcome);
  if (!args.out_dir.empty()) {
    if (base::Status s = WriteOutput(*outcome->packager, args.out_dir); !s.ok()) return Fail(s);
  }
  std::printf("%s\n", report.dump().c_str());
  return 0;
}

}  // namespace
}  // namespace steadycast::bench

int main(int argc, char** argv) {
  auto args = steadycast::bench::ParseArgs(argc, argv);
  if (!args) {
    std::fprintf(
        stderr,
        "usage: abr_ladder_bench [--passthrough | --ladder TEXT] [--preset P] [--threads N] "
        "[--sws NAME] [--out DIR] INPUT.flv\n");
    return 2;
  }
  return steadycast::bench::Run(*args);
}
