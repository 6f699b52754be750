// The "Now" card of a stream page: status badge, the reconnect countdown while the encoder is
// away (and whether viewers see the slate), the publisher, the encoder guidance, the latest
// ingest figures, the transcoder's state and the renditions (a table that becomes a list on a
// phone). Fed by stream_view.js with stream objects and /health answers.

import { h, replace, setText } from './dom.js';
import { bitsPerSecond, clock, number } from './format.js';
import { setBadge, statusBadge } from './ui.js';

function item(label, value, key) {
  return h('div', { class: 'kv', dataset: { key } }, h('dt', { text: label }), value);
}

export class LiveStatus {
  constructor() {
    this.status = null;
    this.deadline = null;
    this.badge = statusBadge('idle');
    this.badge.id = 'stream-status';
    this.line = h('p', { class: 'status-line', id: 'status-line' });
    this.countdown = h('span', { class: 'countdown', id: 'reconnect-countdown' });
    this.guidance = h('p', { class: 'guidance', id: 'guidance', hidden: true });
    this.publisher = h('dd');
    this.ingest = h('dd');
    this.transcoder = h('dd');
    this.slate = h('dd');
    this.renditions = h('tbody');
    this.renditionsNote = h('p', { class: 'muted small-note', hidden: true },
                            'Renditions of the last broadcast:');
    const th = (text, opt) => h('th', { text, class: opt ? 'opt' : null });
    this.renditionsTable = h('table', { class: 'list-table keep-table renditions', hidden: true },
      h('thead', {}, h('tr', {}, th('Rendition'), th('Size'), th('Average'), th('Peak', true),
                       th('Speed'), th('Dropped', true), th('Preset', true))),
      this.renditions);
    this.el = h('section', { class: 'card now-card' },
      h('header', { class: 'card-head' }, h('h2', {}, 'Now'), this.badge),
      this.line, this.guidance,
      h('dl', { class: 'kvs' },
        item('Publisher', this.publisher, 'publisher'),
        item('Ingest', this.ingest, 'ingest'),
        item('Transcoder', this.transcoder, 'transcoder'),
        item('Slate', this.slate, 'slate')),
      this.renditionsNote, this.renditionsTable);
    this.timer = setInterval(() => this.tick(), 250);
    this.health = null;
  }

  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    setBadge(this.badge, status);
    if (status !== 'reconnecting') this.deadline = null;
    this.renderLine();
  }

  // Until /health reports the deadline: the disconnect event's time + the reconnect window.
  setDeadlineHint(ms) {
    if (this.status === 'reconnecting' && this.deadline === null && Number.isFinite(ms)) {
      this.deadline = ms;
      this.tick();
    }
  }

  setHealth(health) {
    this.health = health;
    if (health.reconnect_deadline) this.deadline = Date.parse(health.reconnect_deadline);
    else if (this.status !== 'reconnecting') this.deadline = null;
    this.renderLine();
    const p = health.publisher;
    setText(this.publisher, p ? `${String(p.protocol).toUpperCase()} from ${p.remote_address}`
      : 'none connected');
    const ingest = health.ingest;
    if (ingest) {
      const parts = [`${number(ingest.bitrate_kbps)} kb/s`, `${number(ingest.fps, 1)} fps`,
                     `keyframe every ${number(ingest.keyframe_interval_s, 1)} s`];
      if (ingest.width && ingest.height) parts.push(`${ingest.width}×${ingest.height}`);
      if (ingest.video_codec) parts.push(ingest.video_codec);
      if (typeof ingest.audio_kbps === 'number') parts.push(`audio ${number(ingest.audio_kbps)} kb/s`);
      setText(this.ingest, parts.join(' · '));
    } else {
      setText(this.ingest, health.publisher ? 'no figures from this server' : '—');
    }
    const d = health.degradation;
    if (d) {
      let text = d.status === 'degraded' ? `degraded (level ${d.level})` : 'keeping up';
      if (d.reason) text += `: ${d.reason}`;
      if (d.paused_renditions && d.paused_renditions.length) {
        text += ` · paused ${d.paused_renditions.join(', ')}`;
      }
      setText(this.transcoder, text);
      this.transcoder.classList.toggle('warn', d.status === 'degraded');
    } else {
      setText(this.transcoder, '—');
    }
    const slate = health.slate || {};
    setText(this.slate, slate.active ? 'on air: viewers see the slate'
      : (slate.error ? `unavailable: ${slate.error}` : 'off'));
    this.slate.classList.toggle('warn', Boolean(slate.active || slate.error));
    this.renderGuidance(health.guidance);
    this.renderRenditions(health.renditions || []);
  }

  renderGuidance(g) {
    if (!g || (g.recommended_max_kbps == null && !g.reason)) {
      this.guidance.hidden = true;
      return;
    }
    this.guidance.hidden = false;
    const parts = [];
    if (typeof g.recommended_max_kbps === 'number') {
      parts.push(h('b', { text: `Keep the encoder at or below ${number(g.recommended_max_kbps)} kb/s` }));
    }
    if (g.reason) parts.push(parts.length ? ` — ${g.reason}` : String(g.reason));
    replace(this.guidance, h('span', { class: 'guidance-tag' }, 'Guidance'), ...parts);
  }

  renderRenditions(list) {
    this.renditionsTable.hidden = list.length === 0;
    this.renditionsNote.hidden = list.length === 0 || this.status === 'active' ||
      this.status === 'reconnecting';
    replace(this.renditions, list.map((r) => h('tr', { dataset: { rendition: r.name } },
      h('td', { 'data-label': 'Rendition' }, h('b', { text: r.name }),
        r.passthrough ? h('span', { class: 'chip' }, 'source') : null,
        r.paused ? h('span', { class: 'chip warn' }, 'paused') : null),
      h('td', { 'data-label': 'Size', text: r.width ? `${r.width}×${r.height}` : '—' }),
      h('td', { 'data-label': 'Average', text: bitsPerSecond(r.average_bandwidth) }),
      h('td', { 'data-label': 'Peak', class: 'opt', text: bitsPerSecond(r.bandwidth) }),
      h('td', { 'data-label': 'Encode speed',
                class: this.status === 'active' && typeof r.encode_speed === 'number' &&
                  r.encode_speed < 1 ? 'warn' : null,
                text: typeof r.encode_speed === 'number' ? `${number(r.encode_speed, 2)}×` : '—' }),
      h('td', { 'data-label': 'Dropped', class: 'opt', text: typeof r.frames_dropped === 'number'
        ? number(r.frames_dropped) : '—' }),
      h('td', { 'data-label': 'Preset', class: 'opt', text: r.preset || '—' }))));
  }

  renderLine() {
    const s = this.status;
    if (s === 'reconnecting') {
      replace(this.line, 'The encoder dropped. The stream resumes if it returns within ',
              this.countdown, '.');
      this.tick();
    } else if (s === 'active') {
      setText(this.line, 'Live: media is arriving from the encoder.');
    } else if (s === 'disabled') {
      setText(this.line, 'Disabled: publishers are refused until the stream is enabled.');
    } else {
      setText(this.line, 'Idle: waiting for an encoder to connect.');
    }
    this.line.dataset.status = s || '';
  }

  tick() {
    if (this.status !== 'reconnecting') return;
    if (this.deadline === null) {
      setText(this.countdown, 'its reconnect window');
      return;
    }
    setText(this.countdown, clock(Math.max(0, (this.deadline - Date.now()) / 1000)));
  }

  destroy() {
    clearInterval(this.timer);
  }
}
