// The native engine: the browser's own HLS (Safari on iOS, where MSE is missing), with the
// same surface as HlsEngine so the controllers need not know which one runs. The browser
// hides renditions and playlists, so levels are empty, and the live edge is taken from
// video.seekable; a held or ended playlist shows only through the media element's events.

const ASSUMED_TARGET_DURATION = 2;

export function nativeHlsSupported(video) {
  return Boolean(video.canPlayType('application/vnd.apple.mpegurl'));
}

export class NativeEngine {
  constructor(video, bus) {
    this.video = video;
    this.bus = bus;
    this.name = 'native';
    this.src = null;
    this.onError = () => this.#error();
    this.onDuration = () => this.#duration();
  }

  load(src) {
    this.destroy();
    this.src = src;
    this.video.addEventListener('error', this.onError);
    this.video.addEventListener('durationchange', this.onDuration);
    this.video.src = src;
    this.video.load();
    this.bus.emit('engine:levels', []);
  }

  // A live HLS source has an infinite duration; a finite one means ENDLIST arrived.
  #duration() {
    const live = this.video.duration === Infinity;
    if (Number.isNaN(this.video.duration)) return;
    this.bus.emit('engine:playlist', {
      live, endlist: !live, targetDuration: ASSUMED_TARGET_DURATION, endSN: null,
      edge: this.playlistEdge, lowLatency: false,
    });
  }

  #error() {
    const error = this.video.error;
    if (!error) return;
    const network = error.code === error.MEDIA_ERR_NETWORK ||
        error.code === error.MEDIA_ERR_SRC_NOT_SUPPORTED;
    this.bus.emit('engine:error', {
      fatal: true,
      type: network ? 'networkError' : 'mediaError',
      details: `mediaError${error.code}`,
      code: `native/mediaError${error.code}`, httpStatus: null, network, media: !network,
    });
  }

  get levels() {
    return [];
  }

  get autoLevel() {
    return true;
  }

  get playingLevel() {
    return -1;
  }

  setLevel() {}

  get liveSyncPosition() {
    const edge = this.playlistEdge;
    return edge === null ? null : Math.max(0, edge - 2 * ASSUMED_TARGET_DURATION);
  }

  get targetDuration() {
    return ASSUMED_TARGET_DURATION;
  }

  get playlistEdge() {
    const ranges = this.video.seekable;
    return ranges.length ? ranges.end(ranges.length - 1) : null;
  }

  stopLoad() {}

  recoverMediaError() {
    this.load(this.src);
  }

  swapAudioCodecAndRecover() {
    this.load(this.src);
  }

  destroy() {
    if (!this.src) return;
    this.video.removeEventListener('error', this.onError);
    this.video.removeEventListener('durationchange', this.onDuration);
    this.video.removeAttribute('src');
    this.video.load();
    this.src = null;
  }
}
