// The live event feed: one `GET /v1/events/stream` connection for the whole app, read with
// fetch() (EventSource cannot send an Authorization header) and decoded by SseDecoder.
// Subscribers get every event envelope ({id, type, object, sequence, data, created_at}).
//
// It reconnects by itself: after an error or the end of the stream it waits (the server's
// `retry:`, doubled per failed attempt up to 30 s, with jitter) and resumes with
// Last-Event-ID, so no event is missed or repeated. A connection silent for longer than three
// heartbeats (15 s each) is presumed dead and replaced. `open` listeners run whenever a
// connection is established (views reload their data then: events from before the first
// connection are not replayed). A 401 stops the feed and calls onUnauthorized.

import { basicAuthorization } from './session.js';
import { SseDecoder } from './sse.js';

const kSilenceMs = 45000;
const kMaxBackoffMs = 30000;

export class EventFeed {
  // silenceMs: how long a connection may stay silent (tests shorten it).
  constructor(token, { onUnauthorized, silenceMs = kSilenceMs } = {}) {
    this.authorization = basicAuthorization(token);
    this.silenceMs = silenceMs;
    this.onUnauthorized = onUnauthorized || (() => {});
    this.listeners = new Set();
    this.openListeners = new Set();
    this.stateListeners = new Set();
    this.lastEventId = '';
    this.retryMs = 2000;
    this.failures = 0;
    this.delivered = false;
    this.state = 'connecting';  // connecting | live | reconnecting | stopped
    this.controller = null;
    this.running = false;
  }

  // fn(envelope) for every event; returns an unsubscribe function.
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onOpen(fn) {
    this.openListeners.add(fn);
    return () => this.openListeners.delete(fn);
  }

  // fn(state) when the connection state changes.
  onState(fn) {
    this.stateListeners.add(fn);
    fn(this.state);
    return () => this.stateListeners.delete(fn);
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.loop();
  }

  stop() {
    this.running = false;
    if (this.controller) this.controller.abort();
    this.setState('stopped');
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    for (const fn of this.stateListeners) fn(state);
  }

  async loop() {
    while (this.running) {
      this.delivered = false;
      try {
        await this.connectOnce();
      } catch (e) {
        if (!this.running) return;
        if (e && e.unauthorized) {
          this.running = false;
          this.setState('stopped');
          this.onUnauthorized();
          return;
        }
      }
      if (!this.running) return;
      this.failures = this.delivered ? 0 : this.failures + 1;
      this.setState('reconnecting');
      const base = Math.min(kMaxBackoffMs, this.retryMs * 2 ** Math.min(this.failures, 5));
      await new Promise((resolve) => setTimeout(resolve, base * (0.8 + 0.4 * Math.random())));
    }
  }

  // One connection, until it ends or fails; sets this.delivered when anything arrived (then the
  // next attempt does not back off further).
  async connectOnce() {
    const controller = new AbortController();
    this.controller = controller;
    const headers = { Authorization: this.authorization, Accept: 'text/event-stream' };
    if (this.lastEventId) headers['Last-Event-ID'] = this.lastEventId;
    let watchdog = null;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => controller.abort(), this.silenceMs);
    };
    arm();
    try {
      const response = await fetch('/v1/events/stream', {
        headers, credentials: 'omit', cache: 'no-store', signal: controller.signal,
      });
      if (response.status === 401) throw Object.assign(new Error('401'), { unauthorized: true });
      if (!response.ok || !response.body) {
        const after = Number(response.headers.get('Retry-After'));
        if (after > 0) this.retryMs = Math.min(kMaxBackoffMs, after * 1000);
        return;
      }
      this.setState('live');
      for (const fn of this.openListeners) fn();
      const decoder = new SseDecoder({
        onEvent: (event) => {
          this.delivered = true;
          if (event.id) this.lastEventId = event.id;
          this.dispatch(event);
        },
        onRetry: (ms) => {
          this.retryMs = Math.max(250, Math.min(ms, kMaxBackoffMs));
        },
        onComment: () => {
          this.delivered = true;
        },
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        arm();
        decoder.push(value);
      }
    } finally {
      clearTimeout(watchdog);
      controller.abort();
    }
  }

  dispatch(event) {
    let envelope;
    try {
      envelope = JSON.parse(event.data);
    } catch {
      return;
    }
    if (event.type === 'gap') {
      // The server dropped events for this slow client: views reload what they show.
      for (const fn of this.openListeners) fn();
      return;
    }
    if (!envelope || typeof envelope.type !== 'string') return;
    for (const fn of this.listeners) {
      try {
        fn(envelope);
      } catch (e) {
        console.error('event listener failed', e);
      }
    }
  }
}
