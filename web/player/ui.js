// The player's controls, without a framework: the <video> is wrapped in a focusable root
// whose data-state attribute (the derived player state) drives the overlay and the spinner
// through CSS; buttons render from media events (play/pause, volumechange, fullscreenchange).
//
// Keyboard (on the focused player): Space or K play/pause, M mute, F fullscreen; every
// control is a focusable <button> (or range input) with an aria-label. The overlay is an
// aria-live status, so "Reconnecting…" is announced. Text from the network never reaches the
// DOM: every label is set through textContent from the player's own strings.

import { setIcon } from './ui-icons.js';
import { MESSAGES, State } from './player-state.js';
import { QualityMenu } from './ui-quality-menu.js';

const STYLESHEET = new URL('./steadycast-player.css', import.meta.url).href;
const IDLE_MS = 2500;
const MEDIA_EVENTS = ['play', 'pause', 'volumechange', 'playing'];

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

function button(className, label, iconName) {
  const b = el('button', `scp-button ${className}`);
  b.type = 'button';
  b.setAttribute('aria-label', label);
  if (iconName) setIcon(b, iconName);
  return b;
}

// The stylesheet sits next to this module: one <link> per document, whichever origin serves it.
function ensureStylesheet() {
  const links = [...document.querySelectorAll('link[rel="stylesheet"]')];
  if (links.some((l) => l.href === STYLESHEET)) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = STYLESHEET;
  document.head.append(link);
}

export class PlayerUI {
  constructor(player) {
    this.player = player;
    this.controller = player.controller;
    this.video = player.video;
    ensureStylesheet();
    this.#build();
    this.off = [
      player.events.on('statechange', () => this.render()),
      player.events.on('levelschange', (levels) => this.quality.setLevels(levels)),
      player.events.on('renditionchange', () => this.quality.update()),
      player.events.on('autoplaymuted', () => {
        this.root.dataset.autoplayMuted = 'true';
        this.render();
      }),
    ];
    this.onMedia = () => this.render();
    for (const type of MEDIA_EVENTS) this.video.addEventListener(type, this.onMedia);
    this.onFullscreen = () => this.render();
    document.addEventListener('fullscreenchange', this.onFullscreen);
    this.timer = setInterval(() => this.#renderLive(), 500);
    this.render();
  }

  #build() {
    const v = this.video;
    this.root = el('div', 'scp-root');
    this.root.tabIndex = 0;
    this.root.setAttribute('role', 'region');
    this.root.setAttribute('aria-label', 'Video player');
    v.replaceWith(this.root);
    this.overlay = el('div', 'scp-overlay');
    this.overlay.setAttribute('role', 'status');
    this.overlay.setAttribute('aria-live', 'polite');
    this.spinner = el('div', 'scp-spinner');
    this.spinner.setAttribute('aria-hidden', 'true');
    this.title = el('p', 'scp-title');
    this.detail = el('p', 'scp-detail');
    this.overlay.append(this.spinner, this.title, this.detail);
    this.bigPlay = button('scp-bigplay', 'Play', 'play');
    this.unmute = button('scp-unmute', 'Unmute', 'muted');
    this.unmute.append(el('span', null, 'Unmute'));
    this.root.append(v, this.overlay, this.bigPlay, this.unmute, this.#buildBar());
    this.#wire();
  }

  #buildBar() {
    this.bar = el('div', 'scp-bar');
    this.playButton = button('scp-play', 'Play', 'play');
    this.muteButton = button('scp-mute', 'Mute', 'volume');
    this.volume = el('input', 'scp-volume');
    Object.assign(this.volume, { type: 'range', min: '0', max: '1', step: '0.05' });
    this.volume.setAttribute('aria-label', 'Volume');
    this.liveButton = button('scp-live', 'Live', null);
    this.liveDot = el('span', 'scp-live-dot');
    this.liveText = el('span', 'scp-live-text', 'LIVE');
    this.liveButton.append(this.liveDot, this.liveText);
    this.quality = new QualityMenu(this.controller);
    this.fullscreenButton = button('scp-fullscreen', 'Full screen', 'fullscreen');
    this.bar.append(this.playButton, this.muteButton, this.volume, this.liveButton,
                    el('span', 'scp-spacer'), this.quality.root, this.fullscreenButton);
    return this.bar;
  }

  #wire() {
    const v = this.video;
    this.playButton.addEventListener('click', () => this.togglePlay());
    this.bigPlay.addEventListener('click', () => this.controller.play());
    this.muteButton.addEventListener('click', () => this.toggleMute());
    this.unmute.addEventListener('click', () => this.toggleMute());
    this.volume.addEventListener('input', () => {
      v.volume = Number(this.volume.value);
      v.muted = v.volume === 0;
    });
    this.liveButton.addEventListener('click', () => {
      this.controller.goLive();
      // The button disables itself once live; keep keyboard focus inside the player.
      this.root.focus({ preventScroll: true });
    });
    this.fullscreenButton.addEventListener('click', () => this.toggleFullscreen());
    this.onVideoClick = () => this.#onVideoClick();
    this.onVideoDoubleClick = () => this.toggleFullscreen();
    v.addEventListener('click', this.onVideoClick);
    v.addEventListener('dblclick', this.onVideoDoubleClick);
    this.root.addEventListener('keydown', (e) => this.#onKey(e));
    // Seen before the controls wake up: was this touch on a player without controls?
    this.root.addEventListener('pointerdown', (e) => {
      this.touchWoke = e.pointerType === 'touch' && this.root.dataset.idle === 'true';
    }, true);
    for (const type of ['pointermove', 'pointerdown', 'focusin', 'keydown']) {
      this.root.addEventListener(type, () => this.#wake());
    }
    this.root.addEventListener('pointerleave', () => this.#sleepSoon(300));
  }

  #onVideoClick() {
    // On touch, the first tap brings the controls back; the next one toggles playback.
    if (this.touchWoke) return;
    this.togglePlay();
  }

  #onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const onControl = e.target.closest?.('button, input, [role="menuitemradio"]');
    const key = e.key.toLowerCase();
    if ((key === ' ' && !onControl) || key === 'k') this.togglePlay();
    else if (key === 'm') this.toggleMute();
    else if (key === 'f') this.toggleFullscreen();
    else return;
    e.preventDefault();
  }

  #wake() {
    this.root.dataset.idle = 'false';
    this.#sleepSoon(IDLE_MS);
  }

  // Controls fade out while playing, unless a menu is open or a control has keyboard focus.
  #sleepSoon(ms) {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      const focused = document.activeElement;
      const keyboardInBar = this.bar.contains(focused) && focused.matches(':focus-visible');
      if (!this.quality.isOpen && !keyboardInBar) this.root.dataset.idle = 'true';
    }, ms);
  }

  togglePlay() {
    if (this.controller.paused) this.controller.play();
    else this.controller.pause();
  }

  toggleMute() {
    const v = this.video;
    v.muted = !v.muted;
    if (!v.muted && v.volume === 0) v.volume = 0.5;
    delete this.root.dataset.autoplayMuted;
    this.render();
  }

  toggleFullscreen() {
    if (document.fullscreenElement) return void document.exitFullscreen?.().catch(() => {});
    if (this.root.requestFullscreen) return void this.root.requestFullscreen().catch(() => {});
    this.video.webkitEnterFullscreen?.();  // iOS Safari: only the video element can go full screen
  }

  render() {
    const v = this.video;
    const state = this.controller.state;
    this.root.dataset.state = state;
    const [title, detail] = MESSAGES[state] ?? [null, null];
    this.title.textContent = title ?? '';
    this.detail.textContent = detail ?? '';
    this.root.dataset.message = String(Boolean(title));
    const playing = !this.controller.paused && state !== State.ENDED;
    setIcon(this.playButton, playing ? 'pause' : 'play');
    this.playButton.setAttribute('aria-label', playing ? 'Pause' : 'Play');
    const muted = v.muted || v.volume === 0;
    setIcon(this.muteButton, muted ? 'muted' : 'volume');
    this.muteButton.setAttribute('aria-label', muted ? 'Unmute' : 'Mute');
    this.volume.value = String(muted ? 0 : v.volume);
    this.unmute.hidden = !(this.root.dataset.autoplayMuted === 'true' && v.muted);
    const full = Boolean(document.fullscreenElement);
    setIcon(this.fullscreenButton, full ? 'exitFullscreen' : 'fullscreen');
    this.fullscreenButton.setAttribute('aria-label', full ? 'Exit full screen' : 'Full screen');
    this.bigPlay.hidden = state !== State.PAUSED;
    if (state !== State.PLAYING) this.root.dataset.idle = 'false';
    else if (this.root.dataset.idle !== 'true') this.#sleepSoon(IDLE_MS);
    this.#renderLive();
  }

  // LIVE while following the edge; "Go live" (a button) when the viewer fell behind.
  #renderLive() {
    const status = this.player.liveEdge.status;
    this.liveButton.hidden = status === null;
    const behind = status === 'behind';
    this.liveButton.dataset.behind = String(behind);
    this.liveText.textContent = behind ? 'Go live' : 'LIVE';
    this.liveButton.setAttribute('aria-label', behind ? 'Go to the live edge' : 'Playing live');
    this.liveButton.disabled = !behind;
  }

  destroy() {
    clearInterval(this.timer);
    clearTimeout(this.idleTimer);
    this.off.forEach((off) => off());
    for (const type of MEDIA_EVENTS) this.video.removeEventListener(type, this.onMedia);
    document.removeEventListener('fullscreenchange', this.onFullscreen);
    this.video.removeEventListener('click', this.onVideoClick);
    this.video.removeEventListener('dblclick', this.onVideoDoubleClick);
    this.quality.destroy();
    this.root.replaceWith(this.video);
  }
}
