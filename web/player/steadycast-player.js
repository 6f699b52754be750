// steadycast player: createPlayer(videoElement, options) → controller.
//
//   import { createPlayer } from 'https://HOST/player/steadycast-player.js';
//   const player = createPlayer(document.querySelector('video'), {
//     src: 'https://HOST/hls/PLAYBACK_ID.m3u8',  // ?token=JWT for signed playback ids
//     muted: false, autoplay: true, ui: true, beacons: true,
//   });
//   player.on('statechange', ({ state }) => ...);
//
// The player is a handful of controllers, one per concern, that share facts through a bus:
// engine-hls.js (hls.js), recovery.js (probing, retries, reloads), stall-watcher.js (stalls,
// publisher outages, the end), live-edge.js (distance to the edge), qoe.js (counters and
// beacons), ui.js (controls). The public state is derived from the facts (player-state.js).
//
// Options: src (required), muted (default: the element's own), autoplay (true), ui (true),
// beacons (true), token (default: the src URL's ?token=), playbackId (default: from
// /hls/ID.m3u8), beaconUrl (default: /v1/playback/beacons on the src origin), engine
// ('native' forces the browser's HLS), hlsConfig (overrides of the hls.js configuration).

import { Emitter } from './emitter.js';
import { HlsEngine, importHls, liveConfig } from './engine-hls.js';
import { NativeEngine, nativeHlsSupported } from './engine-native.js';
import { watchFirstFrame } from './frames.js';
import { LiveEdgeController } from './live-edge.js';
import { defaultFacts, deriveState, State } from './player-state.js';
import { QoeController } from './qoe.js';
import { RecoveryController } from './recovery.js';
import { StallWatcher } from './stall-watcher.js';
import { PlayerUI } from './ui.js';

export const VERSION = '1.0.0';
export { State };

const now = () => performance.now();

function playbackIdFrom(url) {
  const match = url.pathname.match(/\/hls\/([^/]+)\.m3u8$/);
  return match ? decodeURIComponent(match[1]) : null;
}

function mseAvailable() {
  return Boolean(window.ManagedMediaSource || window.MediaSource);
}

export function createPlayer(video, options = {}) {
  if (!(video instanceof HTMLVideoElement)) {
    throw new TypeError('createPlayer: a <video> element is required');
  }
  if (!options.src) {
    throw new TypeError('createPlayer: options.src (the master playlist URL) is required');
  }
  return new Player(video, options).controller;
}

class Player {
  constructor(video, options) {
    this.options = { autoplay: true, ui: true, beacons: true, ...options };
    this.video = video;
    this.src = new URL(options.src, document.baseURI);
    this.bus = new Emitter();
    this.events = new Emitter();
    this.facts = defaultFacts();
    this.userPaused = !this.options.autoplay;  // the viewer's intent, not video.paused
    this.facts.paused = this.userPaused;
    this.state = deriveState(this.facts);
    this.engine = null;
    this.reloading = false;
    this.firstFrameAt = null;
    this.#prepareVideo();
    this.enginePromise = this.#createEngine();  // imports hls.js while the master is probed
    this.enginePromise.catch(() => {});
    const setFacts = (patch) => this.setFacts(patch);
    const engine = () => this.engine;
    const { bus, facts } = this;
    this.qoe = new QoeController({ bus, facts, now, beacons: this.#beaconOptions() });
    this.stalls = new StallWatcher({ video, bus, facts, setFacts, engine, now });
    this.liveEdge = new LiveEdgeController({ video, bus: this.bus, facts: this.facts, engine });
    this.recovery = new RecoveryController({
      src: this.src.href, bus: this.bus, facts: this.facts, setFacts, engine,
      loadEngine: () => this.#loadEngine(), onReload: () => this.bus.emit('reload'),
    });
    this.#forwardEvents();
    this.#markStartup();
    // Holding (the publisher is away): playbackRate 0 freezes the last frame without a
    // pause, which would change both the viewer's intent and how hls.js looks for segments.
    this.bus.on('hold:pause', () => { this.video.playbackRate = 0; });
    this.bus.on('hold:resume', () => { this.video.playbackRate = 1; });
    this.controller = this.#makeController();
    this.ui = this.options.ui ? new PlayerUI(this) : null;
    this.recovery.start();
  }

  #prepareVideo() {
    const v = this.video;
    v.muted = Boolean(this.options.muted ?? v.muted);
    v.playsInline = true;
    v.autoplay = false;  // the player calls play() itself, once there is a source
    if (this.options.ui) v.controls = false;
    this.onPlay = () => this.#setUserPaused(false);
    this.onPause = () => {
      if (this.reloading || v.ended || this.facts.ended) return;
      this.#setUserPaused(true);
    };
    v.addEventListener('play', this.onPlay);
    v.addEventListener('pause', this.onPause);
  }

  async #createEngine() {
    const v = this.video;
    if (this.options.engine === 'native' || (!mseAvailable() && nativeHlsSupported(v))) {
      return new NativeEngine(v, this.bus);
    }
    const Hls = await importHls();
    if (Hls.isSupported()) {
      return new HlsEngine(Hls, v, this.bus, liveConfig(this.options.hlsConfig));
    }
    if (nativeHlsSupported(v)) return new NativeEngine(v, this.bus);
    throw new Error('neither MSE nor native HLS');
  }

  #beaconOptions() {
    const playbackId = this.options.playbackId ?? playbackIdFrom(this.src);
    if (!this.options.beacons || !playbackId) return null;
    const url = this.options.beaconUrl ?? new URL('/v1/playback/beacons', this.src).href;
    return {
      url, playbackId, token: this.options.token ?? this.src.searchParams.get('token'),
      player: { name: 'steadycast-player', version: VERSION, engine: 'hls.js' },
    };
  }

  // performance.mark()s of the startup path, for the browser's performance panel (and tests).
  #markStartup() {
    const marked = new Set();
    const mark = (name) => {
      if (marked.has(name)) return;
      marked.add(name);
      performance.mark?.(`steadycast:${name}`);
    };
    mark('created');
    this.enginePromise.then(() => mark('engine-ready'), () => {});
    for (const [event, name] of [['recovery:probe', 'probe'], ['engine:levels', 'manifest'],
      ['engine:playlist', 'playlist'], ['frame', 'first-frame']]) {
      this.bus.on(event, () => mark(name));
    }
  }

  #forwardEvents() {
    const forward = (from, to) => this.bus.on(from, (data) => this.events.emit(to, data));
    forward('engine:levels', 'levelschange');
    forward('engine:rendition', 'renditionchange');
    forward('engine:error', 'error');
    forward('qoe:first-frame', 'firstframe');
    forward('beacon', 'beacon');
  }

  async #loadEngine() {
    let engine;
    try {
      engine = await this.enginePromise;
    } catch {
      this.setFacts({ unsupported: true });
      return;
    }
    if (this.destroyed) return;
    this.engine = engine;
    this.qoe.setEngineName(engine.name);
    this.reloading = true;
    this.stalls.reset();
    this.video.playbackRate = 1;
    this.cancelFrameWatch?.();
    this.cancelFrameWatch = watchFirstFrame(this.video, (t) => this.#onFrame(t));
    engine.load(this.src.href);
    this.reloading = false;
    if (!this.userPaused) this.#play();
  }

  #onFrame(time) {
    this.firstFrameAt ??= time;
    this.setFacts({ shownFrame: true, hasPlayed: true });
    this.bus.emit('frame', { time });
  }

  // A viewer who pauses leaves the live edge by choice: no automatic catch-up until "Go live".
  #setUserPaused(paused) {
    this.userPaused = paused;
    if (paused) this.liveEdge.following = false;
    this.setFacts({ paused });
  }

  // play(), and when the browser refuses sound without a gesture, muted play (the UI then
  // offers "Unmute"); refused even muted, the player waits for the viewer's click.
  #play() {
    const v = this.video;
    const refused = (error) => {
      if (error.name === 'NotAllowedError') this.#setUserPaused(true);
    };
    v.play()?.catch((error) => {
      if (error.name !== 'NotAllowedError' || v.muted) return refused(error);
      v.muted = true;
      this.events.emit('autoplaymuted', {});
      v.play()?.catch(refused);
    });
  }

  setFacts(patch) {
    let changed = false;
    for (const [key, value] of Object.entries(patch)) {
      if (this.facts[key] !== value) {
        this.facts[key] = value;
        changed = true;
      }
    }
    if (!changed) return;
    const previous = this.state;
    this.state = deriveState(this.facts);
    this.bus.emit('facts', { facts: this.facts, state: this.state });
    if (patch.ended === true && this.state === State.ENDED && previous !== State.ENDED) {
      this.video.pause();  // what is left of a finished broadcast does not play on its own
      this.recovery.ended();
    }
    if (this.state !== previous) this.events.emit('statechange', { state: this.state, previous });
  }

  play() {
    if (this.state === State.ENDED) return;  // replaying the back buffer is not "live"
    this.#setUserPaused(false);
    if (this.facts.source === 'ready' && this.engine) this.#play();
  }

  pause() {
    this.#setUserPaused(true);
    this.video.pause();
  }

  goLive() {
    this.liveEdge.goLive();
    this.play();
  }

  stats() {
    const v = this.video;
    const e = this.engine;
    const sync = e?.liveSyncPosition ?? null;
    const edge = e?.playlistEdge ?? null;
    return {
      ...this.qoe.stats(),
      state: this.state,
      engine: e?.name ?? null,
      current_time: v.currentTime,
      live_edge_distance_s: edge === null ? null : edge - v.currentTime,
      live_sync_distance_s: sync === null ? null : v.currentTime - sync,
      target_duration_s: e?.targetDuration ?? null,
      low_latency: Boolean(e?.lowLatency),
      latency_s: e?.latency ?? null,
      target_latency_s: e?.targetLatency ?? null,
      live: this.liveEdge.status,
      // performance.now() of the first frame: ms since the page's navigation started.
      first_frame_time_ms: this.firstFrameAt === null ? null : Math.round(this.firstFrameAt),
    };
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.qoe.destroy();
    this.recovery.destroy();
    this.stalls.destroy();
    this.liveEdge.destroy();
    this.cancelFrameWatch?.();
    this.engine?.destroy();
    this.video.playbackRate = 1;
    this.ui?.destroy();
    this.video.removeEventListener('play', this.onPlay);
    this.video.removeEventListener('pause', this.onPause);
    this.events.emit('statechange', { state: 'destroyed', previous: this.state });
    this.events.clear();
    this.bus.clear();
  }

  #makeController() {
    const player = this;
    return Object.freeze({
      get state() { return player.state; },
      get levels() { return player.engine?.levels ?? []; },
      get level() {
        return { index: player.engine?.playingLevel ?? -1, auto: player.engine?.autoLevel ?? true };
      },
      get video() { return player.video; },
      get paused() { return player.userPaused; },
      setLevel: (index) => player.engine?.setLevel(Number(index)),
      play: () => player.play(),
      pause: () => player.pause(),
      goLive: () => player.goLive(),
      stats: () => player.stats(),
      on: (type, fn) => player.events.on(type, fn),
      off: (type, fn) => player.events.off(type, fn),
      destroy: () => player.destroy(),
    });
  }
}
