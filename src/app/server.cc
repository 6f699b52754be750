#include "app/server.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "api/api.h"
#include "api/problem.h"
#include "app/address.h"
#include "app/health_json.h"
#include "app/health_sampling.h"
#include "app/metrics.h"
#include "app/viewer_analytics.h"
#include "app/webhooks.h"
#include "base/clock.h"
#include "base/log.h"
#include "deliver/playback_routes.h"
#include "deliver/playback_token.h"
#include "deliver/web_routes.h"
#include "events/event_bus.h"
#include "events/event_bus_store.h"
#include "health/health_history.h"
#include "health/viewer_figures.h"
#include "ingest/rtmp/rtmp_connection.h"
#include "ingest/srt/srt_ingest.h"
#include "net/http_router.h"
#include "net/http_server.h"
#include "net/io_loops.h"
#include "net/srt_server.h"
#include "net/tcp_server.h"
#include "session/stream_registry.h"
#include "store/sqlite/sqlite_store.h"
#include "transcode/slate_picture.h"
#include "worker/remote_transcoder.h"

namespace steadycast::app {
namespace {

namespace fs = std::filesystem;

// Writes `text` to `path` atomically (temp file + rename) with the given mode.
base::Status WriteFileAtomically(const fs::path& path, const std::string& text, mode_t mode) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return base::Internal("cannot write " + tmp.string());
    out << text;
    if (!out.flush()) return base::Internal("cannot write " + tmp.string());
  }
  ::chmod(tmp.c_str(), mode);
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return base::Internal("cannot rename " + tmp.string() + ": " + ec.message());
  return base::Status::Ok();
}

base::Result<std::unique_ptr<store::Store>> OpenStore(const std::string& data_dir) {
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) return base::Internal("cannot create data dir " + data_dir + ": " + ec.message());
  return store::OpenSqliteStore((fs::path(data_dir) / "steadycast.db").string());
}

// On the first start with an empty data dir: create an admin token, log it once and keep it
// in DATA_DIR/admin-token.json (mode 0600) for scripts.
base::Status EnsureAdminToken(store::Store& store, base::Clock& clock,
                              const std::string& data_dir) {
  SC_ASSIGN_OR_RETURN(int64_t count, store.tokens().Count());
  if (count > 0) return base::Status::Ok();
  SC_ASSIGN_OR_RETURN(auto token,
                      store.tokens().Create("admin", base::ToUnixMillis(clock.WallNow())));
  const nlohmann::json j = {{"id", token.id}, {"secret", token.secret}};
  const fs::path path = fs::path(data_dir) / "admin-token.json";
  SC_RETURN_IF_ERROR(WriteFileAtomically(path, j.dump() + "\n", 0600));
  SC_LOG_INFO("created admin API token (also in {}): {}", path.string(), j.dump());
  return base::Status::Ok();
}

std::string PortOf(const std::string& bound) { return bound.substr(bound.rfind(':') + 1); }

// The host shown in ingest URLs: the configured public_host, else the bound address unless it
// is a wildcard, else "localhost".
std::string PublicHost(const Settings& settings, const std::string& bound) {
  if (!settings.String("public_host").empty()) return settings.String("public_host");
  std::string host = bound.substr(0, bound.rfind(':'));
  if (host == "0.0.0.0" || host == "::" || host == "[::]") return "localhost";
  return host;
}

// Keys that sign playback tokens for "signed" playback ids (docs/contract.md "Playback"): an HS256
// shared secret and/or an RS256 public key file. Without keys, signed ids always answer 403.
base::Result<std::unique_ptr<deliver::PlaybackTokenVerifier>> MakePlaybackTokenVerifier(
    const Settings& settings, base::Clock& clock) {
  std::vector<deliver::PlaybackSigningKey> keys;
  if (const auto secret = settings.String("playback.hs256_secret"); !secret.empty()) {
    keys.push_back({deliver::TokenAlgorithm::kHs256, "", secret});
  }
  if (const auto file = settings.String("playback.rs256_public_key_file"); !file.empty()) {
    std::ifstream in(file);
    if (!in) return base::InvalidArgument("cannot read " + file);
    std::stringstream pem;
    pem << in.rdbuf();
    keys.push_back({deliver::TokenAlgorithm::kRs256, "", pem.str()});
  }
  return deliver::PlaybackTokenVerifier::Create(std::move(keys), clock);
}

// Calls `tick` every `period` on the timer's io_context until the timer is cancelled.
void RunEvery(boost::asio::steady_timer& timer, std::chrono::milliseconds period,
              std::function<void()> tick) {
  timer.expires_after(period);
  timer.async_wait([&timer, period, tick = std::move(tick)](const boost::system::error_code& ec) {
    if (ec) return;
    tick();
    RunEvery(timer, period, tick);
  });
}

// Viewer analytics from settings: the experience hold is shortened only by tests.
ViewerAnalyticsOptions ViewerAnalyticsSettings(const Settings& settings) {
  ViewerAnalyticsOptions options;
  options.monitor.hold = std::chrono::milliseconds(settings.Int("viewers.experience_hold_ms"));
  return options;
}

}  // namespace

int RunServe(const Settings& settings) {
  // Segments live in memfds (one descriptor each, budgeted from the soft limit): raise the
  // soft open-file limit to the hard one so that budget is not the distribution's 1024.
  if (rlimit limit{}; ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (!base::SetLogLevel(settings.String("log_level"))) {
    SC_LOG_ERROR("unknown log level '{}'", settings.String("log_level"));
    return 2;
  }
  base::Clock& clock = base::Clock::Real();
  const std::string data_dir = settings.String("data_dir");

  auto http_addr = ParseHostPort(settings.String("http_addr"));
  auto rtmp_addr = ParseHostPort(settings.String("rtmp_addr"));
  auto srt_addr = ParseHostPort(settings.String("srt_addr"));
  auto rtmps_addr = ParseHostPort(settings.String("rtmps_addr"));
  for (const auto* a : {&http_addr, &rtmp_addr, &srt_addr, &rtmps_addr}) {
    if (!a->ok()) {
      SC_LOG_ERROR("{}", a->status().message());
      return 2;
    }
  }

  auto opened = OpenStore(data_dir);
  if (!opened.ok()) {
    SC_LOG_ERROR("store: {}", opened.status().ToString());
    return 1;
  }
  std::unique_ptr<store::Store> store = std::move(opened).value();
  if (auto s = EnsureAdminToken(*store, clock, data_dir); !s.ok()) {
    SC_LOG_ERROR("admin token: {}", s.ToString());
    return 1;
  }

  session::RegistryOptions registry_options;
  registry_options.broadcast.packager.target_segment_seconds =
      settings.Double("hls.segment_seconds");
  registry_options.broadcast.low_latency_part_seconds = settings.Double("hls.part_seconds");
  registry_options.broadcast.packager.playlist_segments =
      static_cast<int>(settings.Int("hls.playlist_segments"));
  registry_options.broadcast.transcoding_enabled = settings.Bool("transcode.enabled");
  registry_options.broadcast.transcoder.preset = settings.String("transcode.preset");
  registry_options.broadcast.transcoder.threads_per_stream =
      static_cast<int>(settings.Int("transcode.threads_per_stream"));
  registry_options.broadcast.transcoder.slate.image_path = settings.String("transcode.slate_image");
  if (const std::string& image = registry_options.broadcast.transcoder.slate.image_path;
      !image.empty()) {
    // A bad slate image is a configuration error: say so now, not at the first outage.
    if (auto probe = transcode::MakeSlatePicture(320, 180, image); !probe.ok()) {
      SC_LOG_ERROR("transcode.slate_image: {}", probe.status().ToString());
      return 1;
    }
  }
  registry_options.broadcast.transcoder.slate.start_after_seconds =
      static_cast<double>(settings.Int("transcode.slate_after_ms")) / 1000.0;
  const std::string isolation = settings.String("transcode.isolation");
  if (isolation != "process" && isolation != "thread") {
    SC_LOG_ERROR("transcode.isolation must be \"process\" or \"thread\", not \"{}\"", isolation);
    return 1;
  }
  if (isolation == "process") {
    worker::RemoteTranscoderOptions remote;
    remote.memory_mb = static_cast<uint64_t>(settings.Int("transcode.worker_memory_mb"));
    registry_options.broadcast.transcoder_factory =
        [remote](const transcode::LadderPlan& plan, const transcode::TranscoderOptions& options,
                 std::vector<media::MediaSink*> sinks)
        -> base::Result<std::unique_ptr<transcode::LadderTranscoder>> {
      auto t = worker::RemoteTranscoder::Create(plan, options, std::move(sinks), remote);
      if (!t.ok()) return std::move(t).status();
      return std::unique_ptr<transcode::LadderTranscoder>(std::move(*t));
    };
  }
  registry_options.stall_timeout =
      std::chrono::milliseconds(settings.Int("session.stall_timeout_ms"));
  registry_options.silent_after =
      std::chrono::milliseconds(settings.Int("session.silent_after_ms"));
  registry_options.ingest_guard.max_refusals =
      static_cast<int>(settings.Int("ingest.max_refused_keys"));
  registry_options.ingest_guard.cooldown =
      std::chrono::seconds(settings.Int("ingest.lockout_seconds"));
  // Live events (GET /v1/events/stream): every outbox write made through `events_store` is
  // published on the bus once its transaction has committed (events/event_bus_store.h). The
  // registry and the API write through it; readers may use either.
  events::EventBus event_bus;
  events::PublishingStore events_store(*store, event_bus);
  session::StreamRegistry registry(events_store, clock, registry_options);
  // Streams that were live when the server stopped (or was killed) wait for their publisher.
  registry.Recover();
  // Webhooks: delivered from the outbox off every request and media path; resumes where the
  // store says it was.
  WebhookDelivery webhooks = StartWebhookDelivery(settings, *store, clock);

  boost::asio::io_context io;
  std::atomic<bool> listeners_ready{false};
  Metrics metrics(registry, clock);
  // Viewer QoE: player beacons → per-stream figures (health JSON, history, /metrics) and the
  // viewer_experience events, judged by a 1 Hz timer below.
  ViewerAnalytics viewers(registry, clock, ViewerAnalyticsSettings(settings));
  std::function<std::optional<health::ViewerFigures>(const std::string& stream_id)> viewer_figures =
      [&viewers](const std::string& stream_id) { return viewers.aggregator().Figures(stream_id); };
  metrics.AddSection([&viewers] { return viewers.Metrics(); });

  net::HttpRouter router;
  api::ApiContext api_context{.store = events_store, .clock = clock, .sessions = registry};
  api_context.event_bus = &event_bus;
  api_context.options.rate_limits.enabled = settings.Bool("api.rate_limits");
  api_context.options.rate_limits.reads = {settings.Double("api.read_rate"),
                                           settings.Double("api.read_burst")};
  api_context.options.rate_limits.writes = {settings.Double("api.write_rate"),
                                            settings.Double("api.write_burst")};
  api_context.options.rate_limits.per_address = {settings.Double("api.address_rate"),
                                                 settings.Double("api.address_burst")};
  api_context.options.webhooks_allow_private = settings.Bool("webhooks.allow_private");
  // One body limit: the HTTP server refuses larger bodies before any route sees them, and the
  // API's own check (a backstop) uses the same number and problem type.
  api_context.options.max_body_bytes = static_cast<size_t>(settings.Int("http.max_body_bytes"));
  api_context.options.beacons.per_address = {settings.Double("beacons.address_rate"),
                                             settings.Double("beacons.address_burst")};
  api_context.viewer_aggregator = &viewers.aggregator();
  api_context.beacon_counters = &viewers.counters();
  api_context.listeners_ready = [&listeners_ready] { return listeners_ready.load(); };
  auto verifier = MakePlaybackTokenVerifier(settings, clock);
  if (!verifier.ok()) {
    SC_LOG_ERROR("playback signing keys: {}", verifier.status().ToString());
    return 2;
  }
  api_context.verify_playback_token = [tokens = verifier->get()](std::string_view playback_id,
                                                                 std::string_view token) {
    return tokens != nullptr && tokens->Verify(token, playback_id).ok();
  };
  deliver::RegisterPlaybackRoutes(
      router,
      [&registry](std::string_view playback_id) {
        auto target = registry.LookupPlayback(playback_id);
        return deliver::PlaybackTarget{target.exists, target.packager, target.policy};
      },
      deliver::PlaybackRouteOptions{
          .token_verifier = verifier->get(),
          .target_segment_ms = static_cast<int64_t>(
              registry_options.broadcast.packager.target_segment_seconds * 1000)});
  // The dashboard (/), the player page (/play/PLAYBACK_ID) and their modules.
  deliver::RegisterWebRoutes(router,
                             deliver::WebRouteOptions{.web_dir = settings.String("web.dir")});
  metrics.Register(router);

  net::HttpServerOptions http_options;
  http_options.max_body_bytes = static_cast<size_t>(settings.Int("http.max_body_bytes"));
  http_options.header_timeout = std::chrono::milliseconds(settings.Int("http.header_timeout_ms"));
  http_options.body_timeout = std::chrono::milliseconds(settings.Int("http.body_timeout_ms"));
  http_options.error_response = api::ServerErrorProblem;
  net::HttpServer http(io, http_options, router);

  ingest::rtmp::RtmpOptions rtmp_options;
  rtmp_options.max_message_bytes = static_cast<size_t>(settings.Int("rtmp.max_message_bytes"));
  net::TcpServerOptions tcp_options;
  tcp_options.idle_timeout = std::chrono::milliseconds(settings.Int("rtmp.idle_timeout_ms"));
  tcp_options.establish_timeout =
      std::chrono::milliseconds(settings.Int("rtmp.handshake_timeout_ms"));
  // RTMP(S) connections run on single-threaded loops of their own (net/io_loops.h): a
  // publisher's reads then cost no hand-off between the threads of `io`.
  unsigned rtmp_threads = static_cast<unsigned>(settings.Int("rtmp.io_threads"));
  if (rtmp_threads == 0) rtmp_threads = std::max(1u, std::thread::hardware_concurrency());
  net::IoLoops rtmp_loops(rtmp_threads);
  net::TcpServer rtmp(
      io, tcp_options,
      ingest::rtmp::MakeRtmpHandlerFactory(rtmp_options,
                                           [&registry](const media::PublishRequest& request) {
                                             return registry.Authorize(request);
                                           }),
      &rtmp_loops);

  // RTMPS: the same protocol over TLS, only when a certificate is configured (docs/contract.md).
  const bool rtmps_enabled =
      !settings.String("tls.cert_file").empty() && !settings.String("tls.key_file").empty();
  net::TcpServerOptions tls_options = tcp_options;
  tls_options.tls_certificate_file = settings.String("tls.cert_file");
  tls_options.tls_private_key_file = settings.String("tls.key_file");
  ingest::rtmp::RtmpOptions rtmps_options = rtmp_options;
  rtmps_options.protocol = "rtmps";
  std::unique_ptr<net::TcpServer> rtmps;
  if (rtmps_enabled) {
    rtmps = std::make_unique<net::TcpServer>(
        io, tls_options,
        ingest::rtmp::MakeRtmpHandlerFactory(rtmps_options,
                                             [&registry](const media::PublishRequest& request) {
                                               return registry.Authorize(request);
                                             }),
        &rtmp_loops);
  }

  // SRT: the listen callback looks the key up before accept (passphrase, disabled, unknown).
  const int pbkeylen = static_cast<int>(settings.Int("srt.pbkeylen"));
  if (pbkeylen != 16 && pbkeylen != 24 && pbkeylen != 32) {
    SC_LOG_ERROR("srt.pbkeylen must be 16, 24 or 32");
    return 2;
  }
  ingest::srt::SrtIngest srt_ingest(
      ingest::srt::SrtIngestOptions{.pbkeylen = pbkeylen},
      [&store, &registry](const std::string& key, const std::string& remote_address) {
        ingest::srt::StreamLookupResult result;
        // A source locked out for guessing keys is refused before the store is asked.
        if (!registry.ingest_guard().Allow(remote_address)) {
          result.locked_out = true;
          return result;
        }
        auto stream = store->live_streams().GetByStreamKey(key);
        if (!stream.ok()) {
          if (stream.status().code() == base::ErrorCode::kNotFound) {
            registry.ingest_guard().RecordRefusal(remote_address);
          }
          return result;
        }
        result.found = true;
        result.disabled = stream->status == store::StreamStatus::kDisabled;
        result.passphrase = stream->srt_passphrase.value_or("");
        if (stream->srt_latency_ms > 0) {
          result.latency = std::chrono::milliseconds(stream->srt_latency_ms);
        }
        return result;
      },
      [&registry](const media::PublishRequest& request) { return registry.Authorize(request); });
  metrics.SetSrtCounters([&srt_ingest] { return srt_ingest.Counters(); });
  metrics.SetWebhookDispatcher(webhooks.dispatcher.get());
  net::SrtServerOptions srt_options;
  srt_options.receive_latency = std::chrono::milliseconds(settings.Int("srt.latency_ms"));
  srt_options.peer_idle_timeout =
      std::chrono::milliseconds(settings.Int("srt.peer_idle_timeout_ms"));
  net::SrtServer srt(io, srt_options, srt_ingest.Decider(), srt_ingest.HandlerFactory(), clock);

  auto rtmp_bound = rtmp.Listen(rtmp_addr->host, rtmp_addr->port);
  if (!rtmp_bound.ok()) {
    SC_LOG_ERROR("rtmp listen on {}: {}", settings.String("rtmp_addr"),
                 rtmp_bound.status().ToString());
    return 1;
  }
  api_context.rtmp_base =
      fmt::format("rtmp://{}:{}/live", PublicHost(settings, *rtmp_bound), PortOf(*rtmp_bound));
  std::string rtmps_bound;
  if (rtmps) {
    auto bound = rtmps->Listen(rtmps_addr->host, rtmps_addr->port);
    if (!bound.ok()) {
      SC_LOG_ERROR("rtmps listen on {}: {}", settings.String("rtmps_addr"),
                   bound.status().ToString());
      return 1;
    }
    rtmps_bound = *bound;
  }
  auto srt_bound = srt.Listen(srt_addr->host, srt_addr->port);
  if (!srt_bound.ok()) {
    SC_LOG_ERROR("srt listen on {}: {}", settings.String("srt_addr"),
                 srt_bound.status().ToString());
    return 1;
  }
  api_context.srt_base =
      fmt::format("srt://{}:{}", PublicHost(settings, *srt_bound), PortOf(*srt_bound));
  // One health sample per stream per second, the last hour (GET .../health/history).
  health::HealthHistory health_history;
  HealthSampler health_sampler(io, registry, health_history, clock, viewer_figures);
  api_context.stream_health = [&registry, &viewer_figures](const std::string& id) {
    return LinkHealthJson(registry.Health(id), viewer_figures ? viewer_figures(id) : std::nullopt);
  };
  api_context.stream_health_history = [&health_history](const std::string& id, int seconds) {
    return HealthSamplesJson(health_history.Recent(id, static_cast<size_t>(seconds)));
  };
  api::RegisterApiRoutes(router, api_context);

  auto http_bound = http.Listen(http_addr->host, http_addr->port);
  if (!http_bound.ok()) {
    SC_LOG_ERROR("http listen on {}: {}", settings.String("http_addr"),
                 http_bound.status().ToString());
    return 1;
  }

  nlohmann::json listen = {{"http", *http_bound}, {"rtmp", *rtmp_bound}, {"srt", *srt_bound}};
  if (rtmps) listen["rtmps"] = rtmps_bound;
  if (auto s = WriteFileAtomically(fs::path(data_dir) / "listen.json", listen.dump() + "\n", 0644);
      !s.ok()) {
    SC_LOG_ERROR("listen.json: {}", s.ToString());
    return 1;
  }
  listeners_ready = true;
  SC_LOG_INFO(
      "steadycast serving: http://{} (API, HLS at /hls/PLAYBACK_ID.m3u8), rtmp://{}/live, srt://{}",
      *http_bound, *rtmp_bound, *srt_bound);

  // The lifecycle clock: stall detection and reconnect-window expiry, every 100 ms.
  boost::asio::steady_timer lifecycle_timer(io);
  RunEvery(lifecycle_timer, std::chrono::milliseconds(100), [&registry] { registry.Tick(); });
  // The viewers' clock: old views forgotten, experience judged, once a second.
  boost::asio::steady_timer viewers_timer(io);
  RunEvery(viewers_timer, std::chrono::seconds(1), [&viewers] { viewers.Tick(); });
  health_sampler.Start();

  boost::asio::steady_timer shutdown_timer(io);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    SC_LOG_INFO("signal {}: shutting down", signal);
    listeners_ready = false;
    lifecycle_timer.cancel();
    health_sampler.Stop();
    viewers_timer.cancel();
    rtmp.Stop();
    if (rtmps) rtmps->Stop();
    srt.Stop();
    event_bus.Close();  // event streams end after what they have queued
    http.Stop();
    // Give in-flight responses a moment, then stop the loop regardless (bounded < 10 s).
    shutdown_timer.expires_after(std::chrono::milliseconds(300));
    shutdown_timer.async_wait([&io](const boost::system::error_code&) { io.stop(); });
  });

  unsigned threads = static_cast<unsigned>(settings.Int("http.threads"));
  if (threads == 0) threads = std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  rtmp_loops.Stop();  // after the same 300 ms of grace the connections on `io` got
  webhooks.dispatcher->Stop();
  SC_LOG_INFO("stopped");
  return 0;
}

int RunTokenCreate(const std::string& data_dir, const std::string& name, store::TokenScope scope) {
  auto opened = OpenStore(data_dir);
  if (!opened.ok()) {
    std::cerr << "steadycast: store: " << opened.status().ToString() << "\n";
    return 1;
  }
  auto token =
      (*opened)->tokens().Create(name, scope, base::ToUnixMillis(base::Clock::Real().WallNow()));
  if (!token.ok()) {
    std::cerr << "steadycast: token: " << token.status().ToString() << "\n";
    return 1;
  }
  std::cout << nlohmann::json{{"id", token->id},
                              {"secret", token->secret},
                              {"scope", store::TokenScopeName(token->scope)}}
                   .dump()
            << "\n";
  return 0;
}

}  // namespace steadycast::app
