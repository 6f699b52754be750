// The live-edge controller: keeps playback near the live edge while the viewer follows live,
// and tells the UI whether to show LIVE or "Go live".
//
// Drift = how far playback is behind the engine's sync position (hls.js liveSyncPosition:
// the edge minus 2 target durations). Behind by more than 3 target durations → playbackRate
// 1.1 until within 1 target duration; more than 5 → seek to the sync position. A viewer who
// paused is behind by choice (`following` false): no automatic catch-up until "Go live".
//
// Low-latency streams: hls.js picks its start position from the first playlist it reads, and
// the time it then takes to load the first parts (and the audio after them) is latency it never
// makes up (it plays at 1x). So once the first frame is shown, if playback is more than
// START_ALIGN_S behind the sync position, the controller jumps there once, as soon as that
// position is buffered (parts reach the edge) within the first seconds: a jump within the
// buffer, no stall.

const CATCH_UP_RATE = 1.1;
const START_ALIGN_S = 0.15;
const START_ALIGN_TICKS = 20;  // watch ticks (250 ms): the first 5 s of playback

export class LiveEdgeController {
  constructor({ video, bus, facts, engine }) {
    this.video = video;
    this.bus = bus;
    this.facts = facts;
    this.engine = engine;
    this.following = true;
    this.catchingUp = false;
    this.startAligned = false;
    this.startTicks = 0;
    this.playlist = null;
    this.unsubscribe = [
      bus.on('engine:playlist', (p) => { this.playlist = p; }),
      bus.on('watch:tick', ({ stalled }) => this.#onTick(stalled)),
      bus.on('reload', () => {
        this.playlist = null;
        this.startAligned = false;
        this.startTicks = 0;
      }),
    ];
  }

  get targetDuration() {
    return this.playlist?.targetDuration || this.engine()?.targetDuration || 2;
  }

  // Seconds behind the sync position (negative: ahead of it); null when unknown.
  get drift() {
    const sync = this.engine()?.liveSyncPosition;
    return sync == null ? null : sync - this.video.currentTime;
  }

  // 'live' (at the edge, or following it), 'behind' (offer "Go live"), null (not live).
  get status() {
    if (!this.playlist?.live) return null;
    const drift = this.drift;
    if (this.following || drift == null) return 'live';
    return drift > 3 * this.targetDuration ? 'behind' : 'live';
  }

  #onTick(stalled) {
    const f = this.facts;
    if (stalled || f.paused || f.holding || !f.shownFrame) return;
    const drift = this.drift;
    if (drift == null || !this.playlist?.live || !this.following) return this.#stopCatchUp();
    if (!this.startAligned && this.playlist.lowLatency) {
      // Tried on every tick of the first few seconds: the parts up to the sync position may
      // still be loading when the first frame shows.
      this.startTicks += 1;
      if (drift <= START_ALIGN_S || this.startTicks > START_ALIGN_TICKS) {
        this.startAligned = true;
      } else if (this.#buffered(this.engine().liveSyncPosition)) {
        this.startAligned = true;
        this.video.currentTime = this.engine().liveSyncPosition;
        this.bus.emit('edge:seek', { drift, start: true });
        return;
      }
    }
    const td = this.targetDuration;
    if (drift > 5 * td) {
      this.#stopCatchUp();
      this.video.currentTime = this.engine().liveSyncPosition;
      this.bus.emit('edge:seek', { drift });
    } else if (drift > 3 * td && !this.catchingUp) {
      this.catchingUp = true;
      this.video.playbackRate = CATCH_UP_RATE;
      this.bus.emit('edge:catch-up', { drift });
    } else if (this.catchingUp && drift < td) {
      this.#stopCatchUp();
    }
  }

  // `time` lies in a buffered range, with a little media after it.
  #buffered(time) {
    const ranges = this.video.buffered;
    for (let i = 0; i < ranges.length; i += 1) {
      if (ranges.start(i) <= time && time + 0.1 <= ranges.end(i)) return true;
    }
    return false;
  }

  #stopCatchUp() {
    if (!this.catchingUp) return;
    this.catchingUp = false;
    this.video.playbackRate = 1;
  }

  // "Go live": back to the sync position, following again.
  goLive() {
    this.following = true;
    const sync = this.engine()?.liveSyncPosition;
    if (sync != null) this.video.currentTime = sync;
  }

  destroy() {
    this.unsubscribe.forEach((off) => off());
    this.#stopCatchUp();
  }
}
