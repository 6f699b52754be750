// A stream page (`#/streams/{id}`): header with status and actions, the live player, the "Now"
// card, how to connect an encoder, the settings, live charts, the event timeline and webhooks.
//
// The status has three sources: events from the feed (fastest), the stream object (GET) and
// /health (once a second). An answer to a request that started before the last event was
// applied is older than that event, so it does not overwrite the status.

import { ChartBoard } from './charts.js';
import { h, replace, setText } from './dom.js';
import { ago, dateTimeOf, ladderLabel, streamName } from './format.js';
import { HealthFeed } from './health_feed.js';
import { IngestPanel } from './ingest_panel.js';
import { LiveStatus } from './live_status.js';
import { PlayerPanel } from './player_panel.js';
import { StreamActions } from './stream_actions.js';
import { Timeline } from './timeline.js';
import { copyButton, errorText } from './ui.js';
import { WebhooksSection } from './webhooks.js';

function settingsList(stream) {
  const pb = (stream.playback_ids || [])[0];
  const meta = Object.entries(stream.metadata || {}).filter(([k]) => k !== 'name');
  const rows = [
    ['Reconnect window', `${stream.reconnect_window} s`],
    ['Latency mode', stream.latency_mode],
    ['Ladder', ladderLabel(stream.ladder)],
    ['Slate', stream.slate ? 'on' : 'off'],
    ['Takeover', stream.takeover],
    ['SRT passphrase', stream.srt_passphrase ? 'set' : 'none'],
    ['SRT latency', stream.srt_latency_ms == null ? 'server default' : `${stream.srt_latency_ms} ms`],
    ['Playback', pb ? `${pb.policy} · ${pb.id}` : '—'],
    ['Created', `${dateTimeOf(stream.created_at)} (${ago(stream.created_at)})`],
    ['Updated', dateTimeOf(stream.updated_at)],
  ];
  return h('dl', { class: 'kvs settings' },
    rows.map(([k, v]) => h('div', { class: 'kv' }, h('dt', { text: k }), h('dd', { text: v }))),
    h('div', { class: 'kv' }, h('dt', { text: 'Metadata' }), h('dd', {}, meta.length
      ? meta.map(([k, v]) => h('span', { class: 'chip', text: `${k}=${v}` }))
      : '—')));
}

export function streamView(ctx, id) {
  const live = new LiveStatus();
  const player = new PlayerPanel();
  const ingest = new IngestPanel();
  const charts = new ChartBoard();
  const title = h('h1', { class: 'stream-title' }, id);
  const settings = h('div');
  const notice = h('p', { class: 'form-error', role: 'alert' });
  const host = {
    id, stream: null, etag: null, statusAt: -1, destroyed: false,
    setStream, reload: load, gone: () => ctx.navigate('#/'),
  };
  const actions = new StreamActions(ctx.api, host);
  const timeline = new Timeline(ctx.api, ctx.feed, id);
  const webhooks = new WebhooksSection(ctx, { objectId: id });

  const el = h('main', { class: 'page stream-page', dataset: { id } },
    h('nav', { class: 'crumbs' }, h('a', { href: '#/' }, '← Live streams')),
    h('div', { class: 'page-head stream-head' },
      h('div', { class: 'title-block' }, h('div', { class: 'title-row' }, title, live.badge),
        h('div', { class: 'id-row mono' }, id, copyButton(() => id, 'Copy id'))),
      actions.el),
    notice,
    h('div', { class: 'stream-grid' },
      h('div', { class: 'col-main' }, player.el, live.el),
      h('div', { class: 'col-side' }, ingest.el,
        h('section', { class: 'card' }, h('header', { class: 'card-head' }, h('h2', {}, 'Settings')),
          settings))),
    h('section', { class: 'figures' },
      h('div', { class: 'section-head' }, h('h2', {}, 'Figures'),
        h('p', { class: 'muted' }, 'The last five minutes, updated every second.')),
      charts.el),
    h('div', { class: 'bottom-grid' }, timeline.el, webhooks.el));

  function applyStatus(status, fromEvent) {
    if (!host.stream || typeof status !== 'string') return;
    if (fromEvent) host.statusAt = performance.now();
    host.stream.status = status;
    live.setStatus(status);
    actions.update(status);
    player.update(host.stream, status);
  }

  function setStream(stream, etag, startedAt = performance.now()) {
    const keepStatus = host.stream && startedAt < host.statusAt ? host.stream.status : null;
    host.stream = stream;
    if (etag) host.etag = etag;
    setText(title, streamName(stream));
    document.title = `${streamName(stream)} · steadycast`;
    ingest.update(stream);
    replace(settings, settingsList(stream));
    applyStatus(keepStatus || stream.status, false);
  }

  // → true when the stream was read.
  async function load() {
    const startedAt = performance.now();
    try {
      const { stream, etag } = await ctx.api.getStream(id);
      if (host.destroyed) return false;
      setText(notice, '');
      setStream(stream, etag, startedAt);
      return true;
    } catch (e) {
      if (host.destroyed) return false;
      if (e.status === 404) {
        missing();
      } else {
        setText(notice, `Could not load the stream: ${errorText(e)}`);
      }
      return false;
    }
  }

  // The stream does not exist (any more): say so instead of empty panels.
  function missing() {
    health.stop();
    player.destroy();
    replace(el, h('nav', { class: 'crumbs' }, h('a', { href: '#/' }, '← Live streams')),
            h('div', { class: 'card empty' }, h('p', {}, 'No live stream with this id.'),
              h('p', { class: 'muted mono', text: id }),
              h('p', { class: 'muted' }, 'It may have been deleted.')));
  }

  let reloadTimer = 0;
  const unsubscribe = ctx.feed.subscribe((event) => {
    if (!event.object || event.object.id !== id) return;
    if (event.type === 'live_stream.deleted') {
      missing();
      return;
    }
    const data = event.data || {};
    if (typeof data.status === 'string') applyStatus(data.status, true);
    if (data.status === 'reconnecting' && typeof data.reconnect_window === 'number') {
      live.setDeadlineHint(Date.parse(event.created_at) + data.reconnect_window * 1000);
    }
    if (event.type !== 'live_stream.health_changed') {
      // Events carry no secrets: read the stream again for a new key and the ETag.
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(load, 200);
    }
  });
  const unOpen = ctx.feed.onOpen(() => load());

  const health = new HealthFeed(ctx.api, id, {
    onHealth(report, startedAt) {
      if (startedAt > host.statusAt && host.stream && report.status !== host.stream.status) {
        applyStatus(report.status, false);
      }
      live.setHealth(report);
    },
    onSamples(samples, { reset }) {
      charts.add(samples, { reset });
    },
    onError(e) {
      if (e.status === 404) missing();
    },
  });

  load().then((found) => {
    if (found && !host.destroyed) health.start();
  });

  return {
    el,
    destroy() {
      host.destroyed = true;
      clearTimeout(reloadTimer);
      unsubscribe();
      unOpen();
      health.stop();
      player.destroy();
      live.destroy();
      charts.destroy();
      timeline.destroy();
      webhooks.destroy();
      document.title = 'steadycast';
    },
  };
}
