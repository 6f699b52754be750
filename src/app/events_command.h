#pragma once
// `steadycast events list|tail`: the event outbox of a running server from the command line
// (routes in api/events.h and api/events_stream.h).
//
//   events list [--type T[,T2]] [--stream ID] [--limit N] [--json]   newest first, one line per
//                                                                    event (FormatEventLine)
//   events tail [--stream ID] [--json]                               Server-Sent Events: one
//       line per event as it happens, until Ctrl-C. A dropped connection is re-opened after 1 s
//       with Last-Event-ID, so nothing is missed across a server restart; a gap (the client
//       fell behind) is reported on stderr.
//
// Server and credentials are found as for `steadycast streams` (ResolveServerAccess). Exit
// codes: 0, 1 (API or connection error), 2 (usage). Runs on the calling thread.

#include <iosfwd>
#include <memory>
#include <string>

#include "app/streams_command.h"

namespace CLI {
class App;
}

namespace steadycast::app {

// "/v1/events?limit=5&type=a%2Cb&object_id=ls_x" from the flags (values percent-encoded).
std::string EventsListTarget(int limit, const std::string& types, const std::string& stream_id);

class EventsCommand {
 public:
  explicit EventsCommand(CLI::App& cli);  // keep alive until after parsing
  ~EventsCommand();

  bool parsed() const;
  int Run();

 private:
  struct Flags;
  std::unique_ptr<Flags> flags_;
  CLI::App* list_ = nullptr;
  CLI::App* tail_ = nullptr;
};

}  // namespace steadycast::app
