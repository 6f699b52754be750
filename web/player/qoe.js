// The QoE controller: counts what the viewer experiences and reports it in beacons.
//
// - playing_ms: time in the `playing` state (a slate plays, so it counts as playing);
// - rebuffering (player-state.js isRebuffering): after the first frame, the viewer wants
//   playback and waits on the delivery. A stall at the end of a live playlist is undecided
//   until the playlist grows (then it was a rebuffer, from its start) or is seen to hold still
//   (the publisher is away: not a rebuffer, the UI says "Reconnecting…");
// - startup_ms: from the view's start to its first frame; a view that waited for the
//   broadcast to start (412) counts from the moment the master playlist answered 200;
// - a view is one player on one page while it is visible: pagehide or the page being hidden
//   ends it (view_end); a page shown again starts a new view, which reports no startup of its
//   own if playback was already running.
//
// Beacons go out at the first frame, every 10 s (heartbeat), at a fatal error and at view_end.

import { BeaconQueue, newViewId, sanitizeCode } from './beacons.js';
import { isRebuffering, State } from './player-state.js';

const HEARTBEAT_MS = 10000;
const MAX_STARTUP_MS = 600000;
const SILENT_ERRORS = new Set(['bufferStalledError', 'bufferNudgeOnStall', 'bufferSeekOverHole']);
const ERROR_DEDUP_MS = 10000;

export class QoeController {
  constructor({ bus, facts, now, beacons }) {
    this.bus = bus;
    this.facts = facts;
    this.now = now;
    this.beaconOptions = beacons;  // {url, playbackId, token, player} or null: count only
    this.rendition = null;
    this.state = null;
    this.#startView();
    this.unsubscribe = [
      bus.on('facts', ({ state }) => this.#onFacts(state)),
      bus.on('frame', () => this.#onFrame()),
      bus.on('engine:rendition', (r) => this.#onRendition(r)),
      bus.on('engine:error', (e) => this.#onError(e)),
      bus.on('recovery:probe', (p) => this.#onProbe(p)),
      bus.on('reload', () => { this.reloadAt = this.now(); }),
    ];
    this.onPageHide = () => this.endView();
    this.onVisibility = () => {
      if (document.visibilityState === 'hidden') this.endView();
      else this.#resumeView();
    };
    window.addEventListener('pagehide', this.onPageHide);
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  // The beacons name the engine that plays ("hls.js 1.7.4" or "native").
  setEngineName(name) {
    if (this.beaconOptions) this.beaconOptions.player.engine = name;
  }

  #startView() {
    this.viewStart = this.now();
    this.startupOrigin = this.viewStart;
    this.sawWaiting = false;
    this.playingMs = 0;
    this.rebufferMs = 0;
    this.rebufferCount = 0;
    this.episode = null;  // {start, provisional}
    this.lastAt = this.viewStart;
    this.lastState = null;
    this.startupMs = null;
    this.needFirstFrame = true;
    this.recentErrors = new Map();
    this.ended = false;
    this.queue = new BeaconQueue({
      ...(this.beaconOptions ?? {}), url: this.beaconOptions?.url ?? null, viewId: newViewId(),
      onSent: (sent) => this.bus.emit('beacon', sent),
    });
    this.#push({ type: 'view_start', at_ms: 0 });
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), HEARTBEAT_MS);
  }

  at(time = this.now()) {
    return Math.max(0, Math.round(time - this.viewStart));
  }

  #push(event) {
    this.queue.push(event);
  }

  #onFacts(state) {
    const now = this.now();
    if (this.lastState === State.PLAYING) this.playingMs += now - this.lastAt;
    this.lastAt = now;
    this.lastState = state;
    this.state = state;
    this.#trackRebuffer(now);
  }

  #trackRebuffer(now) {
    const rebuffering = isRebuffering(this.facts);
    const provisional = this.facts.atEdge;
    const episode = this.episode;
    if (!episode) {
      if (!rebuffering) return;
      this.episode = { start: now, provisional };
      if (!provisional) this.#confirm(this.episode);
      return;
    }
    if (rebuffering) {
      if (episode.provisional && !provisional && !this.facts.holding) this.#confirm(episode);
      return;
    }
    this.episode = null;
    if (episode.provisional && this.facts.holding) return;  // the publisher's outage
    if (episode.provisional) this.#confirm(episode);
    const duration = Math.round(now - episode.start);
    this.rebufferMs += duration;
    this.#push({ type: 'rebuffer_end', at_ms: this.at(now), duration_ms: duration });
  }

  #confirm(episode) {
    episode.provisional = false;
    this.rebufferCount += 1;
    this.#push({ type: 'rebuffer_start', at_ms: this.at(episode.start) });
  }

  #onProbe(probe) {
    if (probe.outcome === 'waiting') this.sawWaiting = true;
    if (probe.outcome === 'live' && this.sawWaiting && this.startupMs === null) {
      this.startupOrigin = this.now();
      this.sawWaiting = false;
    }
  }

  #onFrame() {
    if (this.ended || !this.needFirstFrame) return;
    const now = this.now();
    const first = this.startupMs === null;
    const origin = first ? this.startupOrigin : (this.reloadAt ?? this.viewStart);
    const startup = Math.min(MAX_STARTUP_MS, Math.round(now - origin));
    if (first) this.startupMs = startup;
    this.needFirstFrame = false;
    this.#push({ type: 'first_frame', at_ms: this.at(now), startup_ms: startup });
    this.bus.emit('qoe:first-frame', { startup_ms: startup, first });
    this.flush();
  }

  #onRendition(r) {
    this.rendition = r;
    if (this.ended) return;
    const event = { type: 'rendition_switch', at_ms: this.at(), bitrate_kbps: r.bitrate_kbps };
    if (r.height) event.height = r.height;
    this.#push(event);
  }

  #onError(error) {
    if (this.ended || (!error.fatal && SILENT_ERRORS.has(error.details))) return;
    const code = sanitizeCode(error.code);
    const now = this.now();
    if (!error.fatal && now - (this.recentErrors.get(code) ?? -Infinity) < ERROR_DEDUP_MS) return;
    this.recentErrors.set(code, now);
    this.#push({ type: 'error', at_ms: this.at(now), fatal: error.fatal, code });
    if (error.fatal) {
      this.needFirstFrame = true;  // the next frame shows the view recovered
      this.flush();
    }
  }

  // The view's cumulative totals so far (what heartbeat and view_end carry).
  totals(now = this.now()) {
    const playing = this.playingMs + (this.lastState === State.PLAYING ? now - this.lastAt : 0);
    const open = this.episode && !this.episode.provisional ? now - this.episode.start : 0;
    const totals = {
      playing_ms: Math.round(playing),
      rebuffer_ms: Math.round(this.rebufferMs + open),
      rebuffer_count: this.rebufferCount,
    };
    if (this.rendition && this.facts.hasPlayed) totals.bitrate_kbps = this.rendition.bitrate_kbps;
    return totals;
  }

  heartbeat() {
    if (this.ended) return;
    this.#push({ type: 'heartbeat', at_ms: this.at(), ...this.totals() });
    this.flush();
  }

  flush() {
    if (this.beaconOptions) this.queue.flush();
  }

  endView() {
    if (this.ended) return;
    this.#push({ type: 'view_end', at_ms: this.at(), ...this.totals() });
    this.flush();
    this.ended = true;
    clearInterval(this.heartbeatTimer);
  }

  #resumeView() {
    if (!this.ended) return;
    const playing = this.facts.shownFrame && !this.facts.paused;
    this.#startView();
    this.needFirstFrame = !playing;
    this.lastState = this.state;
  }

  stats() {
    return {
      view_id: this.queue.viewId, seq: this.queue.seq, startup_ms: this.startupMs,
      ...this.totals(), height: this.rendition?.height ?? null,
      bitrate_kbps: this.rendition?.bitrate_kbps ?? null,
    };
  }

  destroy() {
    this.endView();
    clearInterval(this.heartbeatTimer);
    window.removeEventListener('pagehide', this.onPageHide);
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.unsubscribe.forEach((off) => off());
  }
}
