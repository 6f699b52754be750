#pragma once
// WaitForWindow: a playback request that must wait until a segment or part exists (LL-HLS
// blocking playlist reload and blocking preload-hint requests, RFC 8216bis §6.2.5.2 / §6.2.6).
// It registers with the window's waiters (woken by the packager on publish) and with the shared
// WaitDeadlines (one thread for every deadline); exactly one of `ready` / `expired` runs, on the
// deadline thread — never on the media thread that published (rendering and answering happen
// off it).

#include <chrono>
#include <functional>
#include <memory>

#include "deliver/wait_deadlines.h"
#include "package/segment_window.h"

namespace steadycast::deliver {

// False when the wait cannot be registered (too many waiters): the caller answers 503 now.
// `keep_alive` holds whatever owns `window` (the packager) until the wait is over.
bool WaitForWindow(const package::SegmentWindow& window, const package::WaitTarget& want,
                   std::chrono::milliseconds timeout, WaitDeadlines& deadlines,
                   std::shared_ptr<const void> keep_alive, std::function<void()> ready,
                   std::function<void()> expired);

}  // namespace steadycast::deliver
