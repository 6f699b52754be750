#pragma once
// The server's webhook delivery: the WebhookDispatcher (events/) with the real outbound HTTP
// client (net/outbound_http) and the delivery-time address policy (api/webhook_url_policy:
// link-local and cloud-metadata addresses always refused, private/loopback per
// webhooks.allow_private), configured from the settings (webhooks.*). Started by `serve`.

#include <memory>

#include "app/settings.h"
#include "base/clock.h"
#include "events/webhook_dispatcher.h"
#include "net/outbound_http.h"
#include "store/store.h"

namespace steadycast::app {

struct WebhookDelivery {
  std::unique_ptr<net::OutboundHttp> http;
  std::unique_ptr<events::WebhookDispatcher> dispatcher;
};

// Builds and starts the dispatcher. Stop it (dispatcher->Stop()) before the store goes away.
WebhookDelivery StartWebhookDelivery(const Settings& settings, store::Store& store,
                                     base::Clock& clock);

}  // namespace steadycast::app
