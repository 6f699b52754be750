// The recovery controller: gets the source playing and keeps it playing, without a page
// reload and without bothering the viewer.
//
//   start ──probe──▶ 200 ──▶ engine.load ──▶ playing
//            │ 412: "Waiting for the stream to start", again after Retry-After
//            │ 404: "This stream does not exist", again every 10 s (it may be created)
//            │ 403: "Not authorised", again every 30 s
//            └ no answer / 5xx: again after min(1 s·2ⁿ, 30 s)
//
//   fatal network error (hls.js has used up its own retries) → stop loading, keep the last
//     frame, probe after min(1 s·2ⁿ, 30 s) (n = failures since the last frame shown), reload
//     from the live edge once the master answers 200;
//   fatal media error → recoverMediaError(); again within 30 s → swapAudioCodec() + recover;
//     again → full reload;
//   offline → no retries are scheduled; online → retry at once;
//   ended (EXT-X-ENDLIST) → stop loading; every 10 s look for a new broadcast at the same URL.

import { Outcome, probeBroadcast, probeMaster } from './probe.js';

const WAITING_DEFAULT_MS = 1000;
const MISSING_RETRY_MS = 10000;
const FORBIDDEN_RETRY_MS = 30000;
const ENDED_POLL_MS = 10000;
const MEDIA_ERROR_WINDOW_MS = 30000;

export function retryDelayMs(failures) {
  return Math.min(1000 * 2 ** failures, 30000);
}

// How long to wait after a probe answered `result` (failures: consecutive unanswered probes).
export function nextProbeDelayMs(result, failures) {
  switch (result.outcome) {
    case Outcome.WAITING:
      return Math.min(Math.max(result.retryAfterMs ?? WAITING_DEFAULT_MS, 500), 30000);
    case Outcome.MISSING: return MISSING_RETRY_MS;
    case Outcome.FORBIDDEN: return FORBIDDEN_RETRY_MS;
    case Outcome.ENDED: return ENDED_POLL_MS;
    default: return retryDelayMs(failures);
  }
}

export class RecoveryController {
  constructor({ src, bus, facts, setFacts, loadEngine, engine, onReload }) {
    this.src = src;
    this.bus = bus;
    this.facts = facts;
    this.setFacts = setFacts;
    this.loadEngine = loadEngine;  // async () => engine, loaded with src
    this.engine = engine;          // () => current engine or null
    this.onReload = onReload;
    this.failures = 0;
    this.generation = 0;
    this.mediaStep = 0;
    this.lastMediaErrorAt = -Infinity;
    this.timer = null;
    this.pendingWhileOffline = false;
    this.abort = new AbortController();
    this.onOnline = () => this.#online();
    this.onOffline = () => this.#offline();
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    this.setFacts({ offline: navigator.onLine === false });
    this.unsubscribe = [
      bus.on('engine:error', (e) => this.#onError(e)),
      bus.on('frame', () => { this.failures = 0; }),
    ];
  }

  start() {
    this.mode = 'start';
    this.#probe();
  }

  // The edge watcher saw the end of the broadcast.
  ended() {
    this.engine()?.stopLoad();
    this.mode = 'ended';
    this.#schedule(ENDED_POLL_MS);
  }

  #onError(error) {
    if (!error.fatal || this.abort.signal.aborted) return;
    if (error.media && !error.network) return this.#recoverMedia();
    this.engine()?.stopLoad();
    this.mode = 'recover';
    this.setFacts({ source: 'recovering', reason: 'network' });
    this.#schedule(retryDelayMs(this.failures++));
  }

  #recoverMedia() {
    const now = performance.now();
    if (now - this.lastMediaErrorAt > MEDIA_ERROR_WINDOW_MS) this.mediaStep = 0;
    this.lastMediaErrorAt = now;
    const step = this.mediaStep++;
    this.bus.emit('recovery:media', { step });
    if (step === 0) return this.engine()?.recoverMediaError();
    if (step === 1) return this.engine()?.swapAudioCodecAndRecover();
    this.mediaStep = 0;
    return this.#load();
  }

  // Every schedule, probe and load starts a new generation: the answer of a probe that was
  // overtaken (an error, going online, a load) is dropped, so there is one load per answer.
  #schedule(ms) {
    this.generation += 1;
    clearTimeout(this.timer);
    this.timer = null;
    if (this.facts.offline) {
      this.pendingWhileOffline = true;
      return;
    }
    this.timer = setTimeout(() => this.#probe(), ms);
  }

  // Retries cannot succeed offline: hold the pending one until the browser is online again.
  #offline() {
    this.setFacts({ offline: true });
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.pendingWhileOffline = true;
  }

  #online() {
    this.setFacts({ offline: false });
    if (!this.pendingWhileOffline && !this.timer) return;
    this.pendingWhileOffline = false;
    clearTimeout(this.timer);
    this.timer = null;
    this.#probe();
  }

  async #probe() {
    this.timer = null;
    const generation = ++this.generation;
    const options = { signal: this.abort.signal };
    let result;
    try {
      result = this.mode === 'ended'
        ? await probeBroadcast(this.src, options) : await probeMaster(this.src, options);
    } catch {
      return;  // destroyed
    }
    if (generation !== this.generation) return;
    this.bus.emit('recovery:probe', result);
    if (result.outcome === Outcome.LIVE) return this.#load();
    const unanswered = result.outcome === Outcome.UNREACHABLE || result.outcome === Outcome.FAILED;
    if (this.mode !== 'ended') {
      const reason = unanswered ? 'network' : result.outcome;
      this.setFacts({ source: this.mode === 'start' ? 'probing' : 'recovering', reason });
    }
    this.#schedule(nextProbeDelayMs(result, unanswered ? this.failures++ : this.failures));
  }

  async #load() {
    if (this.abort.signal.aborted) return;
    this.generation += 1;
    this.mode = 'playing';
    this.setFacts({ source: 'ready', reason: null, shownFrame: false, ended: false });
    this.onReload();
    await this.loadEngine();
  }

  destroy() {
    this.abort.abort();
    clearTimeout(this.timer);
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    this.unsubscribe.forEach((off) => off());
  }
}
