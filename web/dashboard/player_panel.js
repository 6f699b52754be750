// The live preview of a stream page: the steadycast player (createPlayer from
// /player/steadycast-player.js) on the stream's first playback id, muted.
//
// The player is created once a broadcast is live and its master playlist answers 200 (before
// the first segment it is 412 + Retry-After), and then kept: through `reconnecting` (viewers
// see the slate) and back to `active` it plays on, no reload. A broadcast that ended (idle,
// disabled) plays out its last segments; the next one gets a fresh player. Once a player
// exists its own interface reports its states; this panel's overlay covers only "no player"
// (waiting for an encoder, disabled, signed). The preview sends no QoE beacons: someone
// watching the dashboard is not a viewer of the stream.

import { createPlayer } from '/player/steadycast-player.js';
import { h, setText } from './dom.js';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class PlayerPanel {
  constructor() {
    // No native controls until there is something to play (a player with its own interface
    // turns them off again).
    this.video = h('video', { id: 'player-video', muted: true, playsinline: true,
                              autoplay: true });
    this.video.muted = true;  // the attribute alone does not mute a script-created element
    this.overlay = h('div', { class: 'player-overlay', id: 'player-overlay' });
    this.tag = h('span', { class: 'player-tag', hidden: true });
    this.el = h('section', { class: 'player-card' },
                h('div', { class: 'player-frame' }, this.video, this.overlay, this.tag));
    this.player = null;
    this.starting = false;
    this.ended = false;
    this.destroyed = false;
    this.src = null;
    this.video.addEventListener('ended', () => this.showOverlay('The broadcast ended.'));
    this.showOverlay('Waiting for an encoder…');
  }

  showOverlay(text) {
    setText(this.overlay, text);
    this.overlay.hidden = !text;
  }

  update(stream, status) {
    const pb = (stream.playback_ids || [])[0];
    if (!pb) {
      this.showOverlay('This stream has no playback id.');
      return;
    }
    if (pb.policy === 'signed') {
      this.showOverlay('Signed playback id: the preview needs a playback token.');
      return;
    }
    this.src = `/hls/${encodeURIComponent(pb.id)}.m3u8`;
    const live = status === 'active' || status === 'reconnecting';
    // The player shows "live" itself; the tag says what it cannot know: the encoder is away.
    this.tag.hidden = status !== 'reconnecting';
    this.tag.dataset.status = status;
    setText(this.tag, 'encoder reconnecting');
    if (live) {
      if (this.ended) this.stopPlayer();
      this.ended = false;
      if (!this.player && !this.starting) this.start();
    } else {
      this.ended = true;
      if (!this.player) {
        this.showOverlay(status === 'disabled' ? 'Disabled.' : 'Waiting for an encoder…');
      }
    }
  }

  async start() {
    this.starting = true;
    this.showOverlay('Starting…');
    try {
      const src = this.src;
      while (!this.destroyed && !this.ended) {
        let wait = 1000;
        try {
          const r = await fetch(src, { cache: 'no-store', credentials: 'omit' });
          if (r.ok) break;
          if (r.status === 412) wait = 1000 * Math.min(5, Number(r.headers.get('Retry-After')) || 1);
        } catch {
          wait = 2000;
        }
        await sleep(wait);
      }
      if (this.destroyed || this.ended) return;
      this.video.controls = true;
      this.player = createPlayer(this.video, { src, muted: true, autoplay: true,
                                               beacons: false });
      this.showOverlay('');
    } finally {
      this.starting = false;
    }
  }

  stopPlayer() {
    if (this.player && typeof this.player.destroy === 'function') this.player.destroy();
    this.player = null;
    this.video.controls = false;
    this.video.removeAttribute('src');
    this.video.load();
  }

  destroy() {
    this.destroyed = true;
    this.stopPlayer();
  }
}
