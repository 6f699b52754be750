// The stall watcher. Samples the <video> every 250 ms (and on its events) and reports facts:
//
//   stalled  the viewer wants playback but currentTime has not advanced for a second (0.3 s
//            with nothing buffered ahead), or the element fired `waiting`;
//   atEdge   stalled with everything the live playlist lists already played: only a new
//            segment can help (undecided: delivery or publisher?);
//   holding  stalled at the edge of a live playlist that did not grow although it was reloaded
//            successfully after its next segment was due (last growth + 1 target duration
//            + 0.5 s; without playlist reports, 2 target durations + 1 s): the publisher is
//            away (passthrough ladder, or no slate). The UI says "Reconnecting…". A slate
//            keeps the playlist growing, so it never looks like this;
//   ended    the playlist got EXT-X-ENDLIST and playback reached its end (or the first load was
//            already finished: an old broadcast is not replayed from its start).
//
// While holding, the player freezes playback ('hold:pause'), and lets it go ('hold:resume')
// once the returning publisher's segments give a buffer of the target latency (2 target
// durations) — resuming at the first new frame would leave playback a hair's breadth from
// the edge, stalling at every segment.

const TICK_MS = 250;
const STALL_MS = 1000;
const DRY_STALL_MS = 300;

export class StallWatcher {
  constructor({ video, bus, facts, setFacts, engine, now }) {
    this.video = video;
    this.bus = bus;
    this.facts = facts;
    this.setFacts = setFacts;
    this.engine = engine;  // () => the current engine or null
    this.now = now;
    this.reset();
    this.unsubscribe = [
      bus.on('engine:playlist', (p) => this.#onPlaylist(p)),
      bus.on('engine:playlist-failing', (failing) => { this.playlistFailing = failing; }),
    ];
    this.onMedia = (event) => {
      if (event.type === 'waiting') this.waitingEvent = true;
      this.tick();
    };
    for (const type of ['waiting', 'playing', 'seeking', 'seeked', 'ended']) {
      video.addEventListener(type, this.onMedia);
    }
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  // A new engine load: forget what the previous playlist said.
  reset() {
    this.playlist = null;
    this.sawLive = false;
    this.lastEndSN = null;
    this.lastEdge = null;
    this.lastGrowthAt = this.now();
    this.lastReloadAt = -Infinity;
    this.playlistFailing = false;
    this.waitingEvent = false;
    this.lastTime = this.video.currentTime;
    this.lastProgressAt = this.now();
    this.stalledSince = null;
    this.hold = null;  // {pausedAt, growthAt}
  }

  get targetDuration() {
    return this.playlist?.targetDuration || this.engine()?.targetDuration || 2;
  }

  #onPlaylist(p) {
    this.playlist = p;
    this.lastReloadAt = this.now();
    if (p.live) this.sawLive = true;
    if (p.endSN != null && (this.lastEndSN == null || p.endSN > this.lastEndSN)) this.#grew();
    if (p.endSN != null) this.lastEndSN = Math.max(this.lastEndSN ?? p.endSN, p.endSN);
    // Already finished on its first load, and not a VOD asset: the broadcast is over.
    if (p.endlist && !this.sawLive && p.type !== 'VOD') this.setFacts({ ended: true });
    this.tick();
  }

  #grew() {
    this.lastGrowthAt = this.now();
    if (this.hold && this.hold.growthAt === null) this.hold.growthAt = this.lastGrowthAt;
  }

  tick() {
    const v = this.video;
    const now = this.now();
    this.#sampleProgress(now);
    const wantsPlay = !this.facts.paused && !v.ended;
    // Out of data, a stall shows within a tick; with data, a second without progress.
    const still = now - this.lastProgressAt;
    const stalled = wantsPlay && this.facts.shownFrame && (this.waitingEvent ||
        still >= STALL_MS || (still >= DRY_STALL_MS && this.#bufferAhead() < 0.1));
    if (stalled && this.stalledSince === null) this.stalledSince = now;
    if (!stalled) this.stalledSince = null;
    const atEdge = stalled && this.#atPlaylistEnd();
    const holding = (atEdge && this.#publisherAway(now)) || (this.facts.holding && stalled);
    this.setFacts({
      stalled, seeking: v.seeking, atEdge: atEdge && !holding, holding,
      ended: this.facts.ended || this.#reachedEnd(stalled, atEdge, now),
    });
    this.#holdOrRelease(holding, now);
    this.bus.emit('watch:tick', { stalled });
  }

  #sampleProgress(now) {
    const v = this.video;
    if (v.currentTime !== this.lastTime) {
      this.lastTime = v.currentTime;
      this.lastProgressAt = now;
      this.waitingEvent = false;
    }
    const edge = this.engine()?.playlistEdge ?? null;
    // Engines without playlist reports (native): growth is the seekable end moving on.
    const noReports = this.playlist?.endSN == null;
    if (noReports && edge !== null && this.lastEdge !== null && edge > this.lastEdge + 0.1) {
      this.#grew();
    }
    if (edge !== null) this.lastEdge = edge;
  }

  #atPlaylistEnd() {
    const edge = this.engine()?.playlistEdge;
    if (edge == null) return false;
    return edge - this.video.currentTime < Math.max(1, 0.5 * this.targetDuration);
  }

  #publisherAway(now) {
    if (!this.playlist?.live || this.playlistFailing) return false;
    const td = this.targetDuration * 1000;
    const reloadedAfterDue = this.lastReloadAt - this.lastGrowthAt > td + 500;
    return reloadedAfterDue || now - this.lastGrowthAt > 2 * td + 1000;
  }

  #reachedEnd(stalled, atEdge, now) {
    if (!this.playlist?.endlist || !this.sawLive) return false;
    if (this.video.ended) return true;
    return stalled && atEdge && now - this.stalledSince > 1000;
  }

  // Pause while the publisher is away; resume once the buffer ahead reaches the target
  // latency, or a few target durations after segments started flowing again.
  #holdOrRelease(holding, now) {
    if (holding && !this.hold && !this.facts.ended) {
      this.hold = { pausedAt: now, growthAt: null };
      this.bus.emit('hold:pause');
      return;
    }
    if (!this.hold) return;
    if (this.facts.ended || this.facts.paused) {
      this.hold = null;
      this.bus.emit('hold:resume');
      return;
    }
    if (this.hold.growthAt === null) return;
    const td = this.targetDuration;
    const enough = this.#bufferAhead() >= 2 * td - 0.25;
    if (enough || now - this.hold.growthAt > 3 * td * 1000) {
      this.hold = null;
      this.bus.emit('hold:resume');
    }
  }

  // Seconds buffered ahead of the playhead, across the small holes a discontinuity leaves
  // (hls.js plays over them).
  #bufferAhead() {
    const v = this.video;
    let end = v.currentTime;
    for (let i = 0; i < v.buffered.length; i += 1) {
      if (v.buffered.start(i) <= end + 0.5 && v.buffered.end(i) > end) end = v.buffered.end(i);
    }
    return end - v.currentTime;
  }

  destroy() {
    clearInterval(this.timer);
    this.unsubscribe.forEach((off) => off());
    for (const type of ['waiting', 'playing', 'seeking', 'seeked', 'ended']) {
      this.video.removeEventListener(type, this.onMedia);
    }
  }
}
