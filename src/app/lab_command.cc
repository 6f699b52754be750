#include "app/lab_command.h"

#include <csignal>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "base/clock.h"
#include "base/log.h"
#include "lab/relay_runner.h"

namespace steadycast::app {

namespace {

constexpr const char* kRelayHelp =
    R"(Impairments apply to both directions unless a per-direction flag
(--up-*, --down-*) is given; "up" is client -> server (--listen -> --to).

  UDP (SRT): each client address gets its own upstream socket, so replies reach it.
             --loss drops datagrams; a full --rate queue drops; --outage drops all.
  TCP (RTMP): --delay/--jitter/--rate delay bytes (never drop); --outage stalls
             forwarding but keeps the sockets; --cut AT resets every connection.

Times for --outage, --cut and --duration are seconds from the start; decimals ok.
Output: one line per second on stdout (packets/bytes each way, drops by loss,
rate cap and outage, queue delay) and a "total" line on exit.

Examples:
  steadycast lab relay --proto udp --listen 127.0.0.1:9001 --to 127.0.0.1:9000 \
      --loss 10 --delay 50 --outage 3@20 --seed 1
  ffmpeg -re -i in.mp4 -c copy -f mpegts \
      'srt://127.0.0.1:9001?streamid=#!::r=KEY,m=publish&latency=800000'
  steadycast lab relay --proto tcp --listen 127.0.0.1:1936 --to 127.0.0.1:1935 \
      --delay 40 --rate 4000 --outage 2@15 --cut 40)";

void OptionalDouble(CLI::App& app, const std::string& name, std::optional<double>& target,
                    const std::string& help) {
  app.add_option_function<double>(
      name, [&target](const double& v) { target = v; }, help);
}

}  // namespace

struct LabCommand::Flags {
  std::string proto;
  std::string listen;
  std::string to;
  std::optional<double> loss, up_loss, down_loss;
  std::optional<double> delay, up_delay, down_delay;
  std::optional<double> jitter, up_jitter, down_jitter;
  std::optional<double> rate, up_rate, down_rate;
  double queue_ms = 100;
  std::vector<std::string> outages;
  std::vector<std::string> cuts;
  std::optional<uint64_t> seed;
  bool reorder = false;
  std::string duration;
  std::string log_level = "info";
};

namespace {

// Per-direction value if given, else the both-ways one, else the default.
double Pick(const std::optional<double>& direction, const std::optional<double>& both,
            double fallback = 0) {
  return direction.value_or(both.value_or(fallback));
}

std::chrono::microseconds Millis(double ms) {
  return std::chrono::microseconds(static_cast<int64_t>(ms * 1000.0));
}

base::Status CheckRange(const char* name, double value, double max) {
  if (!(value >= 0 && value <= max)) {
    return base::InvalidArgument(fmt::format("{} must be 0..{}", name, max));
  }
  return base::Status::Ok();
}

base::Result<lab::LinkProfile> Profile(double loss, double delay, double jitter, double rate,
                                       double queue_ms, bool reorder) {
  SC_RETURN_IF_ERROR(CheckRange("delay", delay, 60'000));
  SC_RETURN_IF_ERROR(CheckRange("jitter", jitter, 60'000));
  SC_RETURN_IF_ERROR(CheckRange("rate", rate, 1e8));
  SC_RETURN_IF_ERROR(CheckRange("queue", queue_ms, 60'000));
  lab::LinkProfile profile;
  profile.loss_percent = loss;  // range checked by lab::Validate
  profile.delay = Millis(delay);
  profile.jitter = Millis(jitter);
  profile.rate_kbit = static_cast<uint64_t>(rate);
  profile.queue = std::chrono::milliseconds(static_cast<int64_t>(queue_ms));
  profile.reorder = reorder;
  return profile;
}

}  // namespace

LabCommand::LabCommand(CLI::App& cli) : flags_(std::make_unique<Flags>()) {
  auto* lab = cli.add_subcommand("lab", "network lab tools (impairment relay)");
  lab->require_subcommand(1);
  relay_ = lab->add_subcommand(
      "relay",
      "relay UDP or TCP between an encoder and the server through an emulated bad network "
      "(loss, delay, jitter, rate cap, outages, cuts); needs no root");
  relay_->footer(kRelayHelp);
  Flags& f = *flags_;
  relay_->add_option("--proto", f.proto, "udp (SRT) or tcp (RTMP)")
      ->required()
      ->check(CLI::IsMember({"udp", "tcp"}));
  relay_->add_option("--listen", f.listen, "HOST:PORT the encoder sends to (port 0: any)")
      ->required();
  relay_->add_option("--to", f.to, "HOST:PORT of the server")->required();
  OptionalDouble(*relay_, "--loss", f.loss, "UDP: % of datagrams lost each way (0-100)");
  OptionalDouble(*relay_, "--up-loss", f.up_loss, "... client -> server only");
  OptionalDouble(*relay_, "--down-loss", f.down_loss, "... server -> client only");
  OptionalDouble(*relay_, "--delay", f.delay, "one-way delay in ms each way");
  OptionalDouble(*relay_, "--up-delay", f.up_delay, "... client -> server only");
  OptionalDouble(*relay_, "--down-delay", f.down_delay, "... server -> client only");
  OptionalDouble(*relay_, "--jitter", f.jitter,
                 "delay varies uniformly by +/- this many ms (order kept unless --reorder)");
  OptionalDouble(*relay_, "--up-jitter", f.up_jitter, "... client -> server only");
  OptionalDouble(*relay_, "--down-jitter", f.down_jitter, "... server -> client only");
  OptionalDouble(*relay_, "--rate", f.rate, "rate cap in kbit/s each way (0: none)");
  OptionalDouble(*relay_, "--up-rate", f.up_rate, "... client -> server only");
  OptionalDouble(*relay_, "--down-rate", f.down_rate, "... server -> client only");
  relay_->add_option("--queue", f.queue_ms,
                     "bottleneck queue in ms of the rate cap (default 100; UDP excess dropped)");
  relay_->add_option("--outage", f.outages,
                     "SECONDS@AT: link down for SECONDS from AT s after start; repeatable "
                     "(UDP drops everything, TCP stalls)");
  relay_->add_option("--cut", f.cuts, "TCP: reset every connection at AT s; repeatable");
  relay_->add_option_function<uint64_t>(
      "--seed", [&f](const uint64_t& v) { f.seed = v; },
      "seed for loss and jitter (default: random, printed)");
  relay_->add_flag("--reorder", f.reorder, "UDP: let jitter reorder datagrams");
  relay_->add_option("--duration", f.duration, "exit after this many seconds");
  relay_->add_option("--log-level", f.log_level, "stderr log level (default info)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
}

LabCommand::~LabCommand() = default;

bool LabCommand::parsed() const { return relay_ != nullptr && relay_->parsed(); }

base::Result<lab::RelayOptions> LabCommand::BuildOptions(const Flags& f) {
  lab::RelayOptions options;
  options.protocol = f.proto == "tcp" ? lab::RelayProtocol::kTcp : lab::RelayProtocol::kUdp;
  SC_ASSIGN_OR_RETURN(options.listen, lab::ParseHostPort(f.listen).WithContext("--listen"));
  SC_ASSIGN_OR_RETURN(options.to, lab::ParseHostPort(f.to).WithContext("--to"));
  SC_ASSIGN_OR_RETURN(options.up, Profile(Pick(f.up_loss, f.loss), Pick(f.up_delay, f.delay),
                                          Pick(f.up_jitter, f.jitter), Pick(f.up_rate, f.rate),
                                          f.queue_ms, f.reorder)
                                      .WithContext("up"));
  SC_ASSIGN_OR_RETURN(options.down, Profile(Pick(f.down_loss, f.loss), Pick(f.down_delay, f.delay),
                                            Pick(f.down_jitter, f.jitter),
                                            Pick(f.down_rate, f.rate), f.queue_ms, f.reorder)
                                        .WithContext("down"));
  for (const std::string& text : f.outages) {
    SC_ASSIGN_OR_RETURN(const lab::Outage outage, lab::ParseOutage(text).WithContext("--outage"));
    options.outages.push_back(outage);
  }
  for (const std::string& text : f.cuts) {
    SC_ASSIGN_OR_RETURN(const lab::Duration at, lab::ParseSeconds(text).WithContext("--cut"));
    options.cuts.push_back(at);
  }
  if (!f.duration.empty()) {
    SC_ASSIGN_OR_RETURN(options.duration, lab::ParseSeconds(f.duration).WithContext("--duration"));
  }
  // Without --seed a fresh one, printed on the first line so the run can be repeated.
  options.seed =
      f.seed ? *f.seed : (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  SC_RETURN_IF_ERROR(lab::Validate(options));
  return options;
}

int LabCommand::Run() {
  auto options = BuildOptions(*flags_);
  if (!options.ok()) {
    std::cerr << "steadycast lab relay: " << options.status().message() << "\n";
    return 2;
  }
  // stdout carries the report; logs go to stderr.
  spdlog::set_default_logger(spdlog::stderr_color_mt("lab"));
  base::SetLogLevel(flags_->log_level);

  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  lab::RelayRunner runner(io, *options, base::Clock::Real(), std::cout, [&signals] {
    boost::system::error_code ignored;
    signals.cancel(ignored);
  });
  auto bound = runner.Start();
  if (!bound.ok()) {
    std::cerr << "steadycast lab relay: " << bound.status().message() << "\n";
    return 1;
  }
  signals.async_wait([&runner](const boost::system::error_code& ec, int) {
    if (!ec) runner.Stop();  // prints the total
  });
  io.run();  // returns once the runner stopped and every socket has closed
  return 0;
}

}  // namespace steadycast::app
