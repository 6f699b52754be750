#include "app/webhooks.h"

#include <string>

#include "api/webhook_url_policy.h"
#include "base/log.h"

namespace steadycast::app {
namespace {

// "1.2.3.4:80" / "[::1]:80" → "1.2.3.4" / "::1".
std::string AddressText(const net::IpEndpoint& endpoint) {
  std::string text = endpoint.ToString();
  text = text.substr(0, text.rfind(':'));
  if (text.size() >= 2 && text.front() == '[') text = text.substr(1, text.size() - 2);
  return text;
}

}  // namespace

WebhookDelivery StartWebhookDelivery(const Settings& settings, store::Store& store,
                                     base::Clock& clock) {
  WebhookDelivery out;
  net::OutboundHttpOptions http_options;
  const api::WebhookUrlPolicy policy{.allow_private = settings.Bool("webhooks.allow_private")};
  // Checked on every resolved address right before connecting (DNS rebinding included).
  http_options.allow_address = [policy](const net::IpEndpoint& endpoint) {
    base::Status allowed = api::CheckWebhookAddress(AddressText(endpoint), policy);
    if (!allowed.ok())
      SC_LOG_WARN("webhooks: {} refused: {}", endpoint.ToString(), allowed.ToString());
    return allowed.ok();
  };
  out.http = std::make_unique<net::OutboundHttp>(http_options);
  events::WebhookDispatcherOptions options;
  options.max_retry_age = std::chrono::hours(settings.Int("webhooks.retry_hours"));
  options.time_scale = settings.Double("webhooks.time_scale");
  options.workers = static_cast<int>(settings.Int("webhooks.workers"));
  net::OutboundHttp* http = out.http.get();
  out.dispatcher = std::make_unique<events::WebhookDispatcher>(
      store, clock,
      [http](std::string_view url, const net::HttpHeaderList& headers, std::string_view body,
             std::chrono::milliseconds timeout) { return http->Post(url, headers, body, timeout); },
      options);
  out.dispatcher->Start();
  return out;
}

}  // namespace steadycast::app
