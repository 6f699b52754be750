// The hls.js engine: one Hls instance bound to the <video>, configured for live, translating
// hls.js events into the player's bus events (the recovery, edge and QoE controllers never
// touch hls.js themselves):
//
//   engine:levels     [{index, height, width, bitrate_kbps}]       manifest parsed
//   engine:rendition  {index, height, bitrate_kbps}                the played rendition changed
//   engine:playlist   {live, endlist, targetDuration, endSN, type}  every media playlist load
//   engine:playlist-failing  boolean                               reloads fail / work again
//   engine:error      {fatal, type, details, code, httpStatus}      hls.js errors
//
// hls.js is imported relative to this module, so a page on another origin that imports
// https://HOST/player/steadycast-player.js gets the server's pinned hls.js too.

const HLS_MODULE_URL = new URL('../vendor/hls.mjs', import.meta.url).href;

export async function importHls() {
  const module = await import(HLS_MODULE_URL);
  return module.default;
}

// hls.js retries a failed request only for 5xx (and status 0 while offline). A live server
// restarting or briefly unreachable answers with status 0 (connection refused), so those are
// retried too; the player's own outer loop takes over when retries run out.
function shouldRetry(config, retryCount, _isTimeout, response, retry) {
  if (retry) return true;
  if (!config || retryCount >= config.maxNumRetry) return false;
  const status = response?.code;
  return status === 0 || status === undefined || status >= 500;
}

function policy(ttfbMs, loadMs, retries, firstDelayMs, maxDelayMs) {
  return {
    default: {
      maxTimeToFirstByteMs: ttfbMs,
      maxLoadTimeMs: loadMs,
      timeoutRetry: { maxNumRetry: 2, retryDelayMs: 0, maxRetryDelayMs: 0 },
      errorRetry: {
        maxNumRetry: retries, retryDelayMs: firstDelayMs, maxRetryDelayMs: maxDelayMs,
        backoff: 'exponential', shouldRetry,
      },
    },
  };
}

// Live-tuned configuration. Segments are ~2 s: a request that has not answered in a few
// seconds is better retried (or given up, then reloaded from the live edge) than waited for.
export function liveConfig(overrides = {}) {
  return {
    startLevel: 0,               // lowest rendition first: the first frame comes sooner
    capLevelToPlayerSize: true,  // no 1080p for a 390 px wide player
    lowLatencyMode: false,       // turned on only when a playlist is LL-HLS (see below)
    liveSyncDurationCount: 2,    // start 2 segments behind the edge,
    startOnSegmentBoundary: true, // at a segment's first (key) frame: nothing to decode first
    backBufferLength: 30,
    startFragPrefetch: true,
    // No interstitials here; its controller would also call play() on its own, even after
    // the player paused a finished broadcast.
    interstitialsController: null,
    manifestLoadPolicy: policy(5000, 10000, 2, 500, 2000),
    playlistLoadPolicy: policy(5000, 10000, 3, 500, 4000),
    fragLoadPolicy: policy(6000, 20000, 4, 500, 4000),
    ...overrides,
  };
}

export class HlsEngine {
  constructor(Hls, video, bus, config) {
    this.Hls = Hls;
    this.video = video;
    this.bus = bus;
    this.config = config;
    this.name = `hls.js ${Hls.version}`;
    this.hls = null;
    this.playedLevel = -1;
    this.failing = false;
    this.details = null;
    this.lowLatency = false;
  }

  load(src) {
    this.destroy();
    const hls = new this.Hls(this.config);
    this.hls = hls;
    this.playedLevel = -1;
    this.failing = false;
    this.details = null;
    this.lowLatency = false;
    this.#listen(hls);
    hls.attachMedia(this.video);
    hls.loadSource(src);
  }

  #listen(hls) {
    const E = this.Hls.Events;
    hls.on(E.MANIFEST_PARSED, () => this.bus.emit('engine:levels', this.levels));
    hls.on(E.LEVEL_LOADED, (_e, data) => this.#onLevelLoaded(data.details));
    hls.on(E.FRAG_CHANGED, (_e, data) => this.#onFragChanged(data.frag));
    hls.on(E.ERROR, (_e, data) => this.#onError(data));
  }

  #onLevelLoaded(details) {
    this.details = details;
    this.#setFailing(false);
    const lowLatency = Boolean(details.partList?.length || details.canBlockReload);
    if (lowLatency && !this.lowLatency) this.#enterLowLatency(details);
    this.bus.emit('engine:playlist', {
      live: details.live,
      endlist: !details.live,
      targetDuration: details.targetduration,
      endSN: details.endSN,
      edge: details.edge,
      type: details.type,  // 'VOD' | 'EVENT' | null
      lowLatency,
    });
  }

  // An LL-HLS playlist: hls.js's low-latency mode, and its target latency from the playlist's
  // PART-HOLD-BACK — the configuration's liveSyncDurationCount (set for standard HLS) would
  // otherwise override it and keep playback two segments behind.
  #enterLowLatency(details) {
    this.lowLatency = true;
    this.hls.lowLatencyMode = true;
    const holdBack = details.partHoldBack || 3 * (details.partTarget || 0);
    const user = this.hls.userConfig || {};
    if (holdBack > 0 && user.liveSyncDuration === undefined) this.hls.targetLatency = holdBack;
  }

  #onFragChanged(frag) {
    if (!frag || frag.level === this.playedLevel) return;
    this.playedLevel = frag.level;
    const level = this.hls.levels[frag.level];
    if (!level) return;
    this.bus.emit('engine:rendition', {
      index: frag.level,
      height: level.height || null,
      bitrate_kbps: Math.round(level.bitrate / 1000),
    });
  }

  #onError(data) {
    const E = this.Hls.ErrorDetails;
    if (data.details === E.LEVEL_LOAD_ERROR || data.details === E.LEVEL_LOAD_TIMEOUT) {
      this.#setFailing(true);
    }
    this.bus.emit('engine:error', {
      fatal: Boolean(data.fatal),
      type: data.type,
      details: data.details,
      code: `${data.type}/${data.details}`,
      httpStatus: data.response?.code ?? null,
      network: data.type === this.Hls.ErrorTypes.NETWORK_ERROR,
      media: data.type === this.Hls.ErrorTypes.MEDIA_ERROR,
    });
  }

  #setFailing(failing) {
    if (failing === this.failing) return;
    this.failing = failing;
    this.bus.emit('engine:playlist-failing', failing);
  }

  get levels() {
    return (this.hls?.levels ?? []).map((level, index) => ({
      index, height: level.height || null, width: level.width || null,
      bitrate_kbps: Math.round(level.bitrate / 1000),
    }));
  }

  get autoLevel() {
    return this.hls ? this.hls.autoLevelEnabled : true;
  }

  get playingLevel() {
    return this.playedLevel;
  }

  setLevel(index) {
    if (this.hls) this.hls.nextLevel = index;
  }

  // Where playback should be to sit at the configured distance from the live edge.
  get liveSyncPosition() {
    return this.hls?.liveSyncPosition ?? null;
  }

  get targetDuration() {
    return this.details?.targetduration ?? null;
  }

  // hls.js's estimate of how far playback is behind the live edge, and where it aims (s).
  get latency() {
    const latency = this.hls?.latency;
    return Number.isFinite(latency) ? latency : null;
  }

  get targetLatency() {
    return this.hls?.targetLatency ?? null;
  }

  // End of the media playlist on the media timeline (last segment's end).
  get playlistEdge() {
    return this.details ? this.details.edge : null;
  }

  stopLoad() {
    this.hls?.stopLoad();
  }

  recoverMediaError() {
    this.hls?.recoverMediaError();
  }

  swapAudioCodecAndRecover() {
    this.hls?.swapAudioCodec();
    this.hls?.recoverMediaError();
  }

  destroy() {
    if (!this.hls) return;
    this.hls.destroy();
    this.hls = null;
  }
}
