// The figures of one stream, once a second: `GET /v1/live-streams/{id}/health` for the current
// state (status, reconnect deadline, slate, guidance, renditions), and chart samples.
//
// Samples come from `GET .../health/history?seconds=N` when the server has it: seeded with the
// last `windowSeconds`, then the last few seconds at each tick, merged by time. A server
// without the history route (404) gets samples made from each /health answer instead (its SRT
// loss and retransmit rates computed from consecutive counters), seeded from the one-minute SRT
// history inside /health. Either way the consumer sees one shape:
//
//   {t: unix seconds, status, ingest: {...}|null, srt: {rtt_ms, loss_pct, retransmit_pct,
//    packets_dropped (a running count), receive_buffer_ms, ...}|null,
//    renditions: [{name, encode_speed, frames_dropped}], viewers: {...}|null}

const kTickMs = 1000;

function fromHistory(sample) {
  return {
    t: Date.parse(sample.at) / 1000,
    status: sample.status || null,
    ingest: sample.ingest || null,
    srt: sample.srt || null,
    renditions: Array.isArray(sample.renditions) ? sample.renditions : [],
    viewers: sample.viewers || null,
    guidance: sample.guidance || null,
  };
}

// One SRT history entry of /health (cumulative counters, no received count).
function fromSrtHistory(entry) {
  return {
    t: Date.parse(entry.at) / 1000,
    status: null, ingest: null, renditions: [], viewers: null, guidance: null,
    srt: { rtt_ms: entry.rtt_ms, receive_rate_mbps: entry.receive_rate_mbps,
           receive_buffer_ms: entry.receive_buffer_ms, packets_dropped: entry.packets_dropped },
  };
}

export class HealthFeed {
  // onHealth(health, requestStartedAt), onSamples(samples, {reset}), onError(error)
  constructor(api, id, { onHealth, onSamples, onError, windowSeconds = 300 }) {
    this.api = api;
    this.id = id;
    this.onHealth = onHealth;
    this.onSamples = onSamples;
    this.onError = onError || (() => {});
    this.windowSeconds = windowSeconds;
    this.history = null;  // null: not tried yet; true/false: the server has the route
    this.lastT = 0;
    this.previousSrt = null;
    this.lastSrt = null;
    this.timer = null;
    this.running = false;
    this.controller = null;
  }

  start() {
    this.running = true;
    this.tick();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    if (this.controller) this.controller.abort();
  }

  async tick() {
    if (!this.running) return;
    const started = performance.now();
    this.controller = new AbortController();
    const { signal } = this.controller;
    try {
      const health = await this.api.health(this.id, signal);
      if (!this.running) return;
      this.onHealth(health, started);
      if (this.history === null) await this.seed(health, signal);
      else if (this.history) await this.pollHistory(Math.min(30, 3 + this.missedSeconds()), signal);
      else this.push([this.fromHealth(health)]);
    } catch (e) {
      if (!this.running || (e && e.name === 'AbortError')) return;
      this.onError(e);
    }
    if (!this.running) return;
    this.timer = setTimeout(() => this.tick(),
                            Math.max(100, kTickMs - (performance.now() - started)));
  }

  missedSeconds() {
    return this.lastT ? Math.max(0, Math.ceil(Date.now() / 1000 - this.lastT)) : 0;
  }

  async seed(health, signal) {
    try {
      const history = await this.api.healthHistory(this.id, this.windowSeconds, signal);
      this.history = true;
      this.push((history.samples || []).map(fromHistory), true);
    } catch (e) {
      if (e && e.name === 'AbortError') throw e;
      if (e.status !== 404 && e.status !== 400) throw e;  // try again at the next tick
      this.history = false;
      const srt = health.srt && Array.isArray(health.srt.history) ? health.srt.history : [];
      this.push(srt.map(fromSrtHistory), true);
      this.push([this.fromHealth(health)]);
    }
  }

  async pollHistory(seconds, signal) {
    try {
      const history = await this.api.healthHistory(this.id, seconds, signal);
      this.push((history.samples || []).map(fromHistory));
    } catch (e) {
      if (e && e.status === 404) this.history = null;  // re-seed (stream recreated, route gone)
      throw e;
    }
  }

  push(samples, reset = false) {
    const fresh = reset ? samples : samples.filter((s) => s.t > this.lastT);
    if (reset) this.lastT = 0;
    for (const s of fresh) this.lastT = Math.max(this.lastT, s.t);
    if (fresh.length || reset) this.onSamples(fresh, { reset });
  }

  // A sample from one /health answer (servers without the history route).
  fromHealth(health) {
    let srt = null;
    const latest = health.srt;
    if (latest && typeof latest.rtt_ms === 'number') {
      const prev = this.previousSrt;
      if (prev && prev.sampled_at === latest.sampled_at && this.lastSrt) {
        srt = this.lastSrt;  // libsrt has not sampled again since the last tick
      } else {
        srt = { rtt_ms: latest.rtt_ms, receive_rate_mbps: latest.receive_rate_mbps,
                receive_buffer_ms: latest.receive_buffer_ms,
                packets_dropped: latest.packets_dropped, loss_pct: null, retransmit_pct: null };
        if (prev && latest.packets_received >= prev.packets_received) {
          const received = latest.packets_received - prev.packets_received;
          const lost = Math.max(0, latest.packets_lost - prev.packets_lost);
          const resent = Math.max(0, latest.packets_retransmitted - prev.packets_retransmitted);
          if (received + lost > 0) srt.loss_pct = (100 * lost) / (received + lost);
          if (received > 0) srt.retransmit_pct = (100 * resent) / received;
        }
        this.previousSrt = latest;
        this.lastSrt = srt;
      }
    } else {
      this.previousSrt = null;
      this.lastSrt = null;
    }
    const renditions = (health.renditions || [])
      .filter((r) => !r.passthrough && typeof r.encode_speed === 'number')
      .map((r) => ({ name: r.name, encode_speed: r.encode_speed,
                     frames_dropped: r.frames_dropped }));
    return { t: Date.now() / 1000, status: health.status, ingest: health.ingest || null, srt,
             renditions, viewers: health.viewers || null, guidance: health.guidance || null };
  }
}
