#include "lab/relay_options.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace steadycast::lab {

namespace {

constexpr double kMaxSeconds = 1e6;  // ~11.5 days: no overflow in nanoseconds
constexpr auto kMaxDelay = std::chrono::seconds(60);
constexpr uint64_t kMaxRateKbit = 100'000'000;  // 100 Gbit/s
constexpr auto kMaxQueue = std::chrono::seconds(60);

std::string FormatSeconds(Duration d) {
  std::string text = fmt::format("{:.3f}", std::chrono::duration<double>(d).count());
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text + "s";
}

std::string FormatMillis(std::chrono::microseconds d) {
  if (d.count() % 1000 == 0) return fmt::format("{}ms", d.count() / 1000);
  return fmt::format("{:.3f}ms", static_cast<double>(d.count()) / 1000.0);
}

base::Status ValidateProfile(const LinkProfile& p, std::string_view direction) {
  if (!(p.loss_percent >= 0 && p.loss_percent <= 100)) {
    return base::InvalidArgument(fmt::format("{} loss must be 0..100 %", direction));
  }
  if (p.delay.count() < 0 || p.delay > kMaxDelay) {
    return base::InvalidArgument(fmt::format("{} delay must be 0..60000 ms", direction));
  }
  if (p.jitter.count() < 0 || p.jitter > kMaxDelay) {
    return base::InvalidArgument(fmt::format("{} jitter must be 0..60000 ms", direction));
  }
  if (p.rate_kbit > kMaxRateKbit) {
    return base::InvalidArgument(
        fmt::format("{} rate must be at most {} kbit/s", direction, kMaxRateKbit));
  }
  if (p.queue.count() < 1 || p.queue > kMaxQueue) {
    return base::InvalidArgument(fmt::format("{} queue must be 1..60000 ms", direction));
  }
  return base::Status::Ok();
}

}  // namespace

std::string HostPort::ToString() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

base::Result<HostPort> ParseHostPort(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return base::InvalidArgument(fmt::format("'{}' is not HOST:PORT", text));
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return base::InvalidArgument(fmt::format("'{}': write IPv6 hosts as [ADDR]:PORT", text));
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return base::InvalidArgument(fmt::format("'{}': bad port '{}'", text, port_text));
  }
  HostPort result;
  result.host = host.empty() ? "0.0.0.0" : std::string(host);
  result.port = static_cast<uint16_t>(port);
  return result;
}

base::Result<Duration> ParseSeconds(std::string_view text) {
  double seconds = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(seconds) || seconds < 0 || seconds > kMaxSeconds) {
    return base::InvalidArgument(fmt::format("'{}' is not a number of seconds (0..{})", text,
                                             static_cast<int64_t>(kMaxSeconds)));
  }
  return Duration(static_cast<int64_t>(std::llround(seconds * 1e9)));
}

base::Result<Outage> ParseOutage(std::string_view text) {
  const size_t at = text.find('@');
  if (at == std::string_view::npos) {
    return base::InvalidArgument(fmt::format("outage '{}' is not SECONDS@AT (e.g. 10@30)", text));
  }
  SC_ASSIGN_OR_RETURN(const Duration length,
                      ParseSeconds(text.substr(0, at)).WithContext("outage length"));
  SC_ASSIGN_OR_RETURN(const Duration start,
                      ParseSeconds(text.substr(at + 1)).WithContext("outage start"));
  if (length <= Duration(0)) {
    return base::InvalidArgument(fmt::format("outage '{}' has no length", text));
  }
  return Outage{start, length};
}

base::Status Validate(const RelayOptions& options) {
  if (options.listen.host.empty()) return base::InvalidArgument("--listen needs a host");
  if (options.to.host.empty() || options.to.port == 0) {
    return base::InvalidArgument("--to needs HOST:PORT with a port");
  }
  SC_RETURN_IF_ERROR(ValidateProfile(options.up, "up"));
  SC_RETURN_IF_ERROR(ValidateProfile(options.down, "down"));
  for (const Outage& outage : options.outages) {
    if (outage.length <= Duration(0)) return base::InvalidArgument("an outage has no length");
  }
  if (options.duration && *options.duration <= Duration(0)) {
    return base::InvalidArgument("--duration must be positive");
  }
  if (options.protocol == RelayProtocol::kTcp) {
    if (options.up.loss_percent > 0 || options.down.loss_percent > 0) {
      return base::InvalidArgument(
          "--loss is for --proto udp: TCP recovers losses itself, and a relay dropping bytes "
          "would corrupt the stream; use --delay, --rate, --outage or --cut");
    }
    if (options.up.reorder || options.down.reorder) {
      return base::InvalidArgument("--reorder is for --proto udp (a byte stream stays in order)");
    }
  } else if (!options.cuts.empty()) {
    return base::InvalidArgument("--cut is for --proto tcp (UDP has no connection to reset)");
  }
  if (options.udp_max_sessions == 0) return base::InvalidArgument("udp_max_sessions is 0");
  return base::Status::Ok();
}

std::string DescribeProfile(const LinkProfile& p) {
  return fmt::format("loss={}% delay={} jitter={} rate={} queue={}ms{}", p.loss_percent,
                     FormatMillis(p.delay), FormatMillis(p.jitter),
                     p.rate_kbit ? fmt::format("{}kbit", p.rate_kbit) : "unlimited",
                     p.queue.count(), p.reorder ? " reorder" : "");
}

std::string Describe(const RelayOptions& options) {
  std::string text = fmt::format("relay proto={} listen={} to={} seed={} up[{}] down[{}]",
                                 options.protocol == RelayProtocol::kUdp ? "udp" : "tcp",
                                 options.listen.ToString(), options.to.ToString(), options.seed,
                                 DescribeProfile(options.up), DescribeProfile(options.down));
  for (const Outage& outage : options.outages) {
    text += fmt::format(" outage={}@{}", FormatSeconds(outage.length), FormatSeconds(outage.at));
  }
  for (const Duration cut : options.cuts) text += fmt::format(" cut@{}", FormatSeconds(cut));
  if (options.duration) text += fmt::format(" duration={}", FormatSeconds(*options.duration));
  return text;
}

}  // namespace steadycast::lab
