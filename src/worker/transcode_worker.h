#pragma once
// The worker side of process isolation: `steadycast worker transcode` (internal, started by the
// server's RemoteTranscoder; not for users). Reads the worker link (formats/worker_link) from
// an inherited descriptor, expects Hello then Configure (transcode/worker_config.h), and runs
// the in-process Transcoder with sinks that send each transcoded rendition's configurations and
// access units back as link messages. The passthrough rendition's output is sent only while
// holding (the slate: the server feeds the source rendition itself). Hold/Flush map to the
// Transcoder's calls; rendition pause/resume and source changes become Events; Stats every 0.5 s,
// a Heartbeat every second. The process exits when the link closes or on Control Stop.
//
// Test-only fault injection (never set in production): the environment variable
// STEADYCAST_WORKER_FAULT=crash-after-frames:N (abort after N source video units) or
// hang-after-frames:N (stop reading and writing, stay alive), optionally followed by ",width=W"
// (only a worker whose source is W pixels wide: one stream among several), is honoured here
// and nowhere else.

namespace steadycast::worker {

// Returns the process exit code.
int RunTranscodeWorker(int link_fd);

}  // namespace steadycast::worker
