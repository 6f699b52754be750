// The streams list (`#/`): every live stream, newest first, with a status badge kept current by
// the event feed, its name and metadata, and when it was created; "New stream" opens the
// settings form. On a narrow screen the table becomes a list of cards (CSS).

import { h, replace, setText } from './dom.js';
import { ago, dateTimeOf, streamName } from './format.js';
import { streamForm } from './stream_form.js';
import { errorText, modal, setBadge, statusBadge, toast } from './ui.js';

export function streamsView(ctx) {
  const rows = new Map();  // id → {tr, badge, name, meta, stream}
  const tbody = h('tbody');
  const empty = h('div', { class: 'empty', hidden: true },
                  h('p', {}, 'No live streams yet.'),
                  h('p', { class: 'muted' }, 'Create one, then point an encoder at it.'));
  const more = h('button', { type: 'button', class: 'btn ghost', hidden: true }, 'Load more');
  const status = h('p', { class: 'muted', role: 'status' });
  let cursor = null;
  let destroyed = false;

  const newButton = h('button', { type: 'button', class: 'btn primary', id: 'new-stream' },
                      'New stream');
  newButton.addEventListener('click', () => openCreate(ctx));

  const el = h('main', { class: 'page streams-page' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Live streams'), newButton),
    h('div', { class: 'card flush' },
      h('table', { class: 'list-table streams' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Status'), h('th', {}, 'Stream'),
                         h('th', {}, 'Metadata'), h('th', {}, 'Created'))),
        tbody),
      empty),
    h('div', { class: 'list-foot' }, more, status));

  function metadataChips(stream) {
    const entries = Object.entries(stream.metadata || {}).filter(([k]) => k !== 'name');
    if (!entries.length) return h('span', { class: 'muted' }, '—');
    return h('span', { class: 'chips' },
             entries.map(([k, v]) => h('span', { class: 'chip' }, `${k}=${v}`)));
  }

  function rowFor(stream) {
    const href = `#/streams/${encodeURIComponent(stream.id)}`;
    const badge = statusBadge(stream.status);
    const name = h('a', { href, class: 'stream-name' }, streamName(stream));
    const meta = h('td', { class: 'meta', 'data-label': 'Metadata' });
    const created = h('td', { class: 'created', 'data-label': 'Created',
                              title: dateTimeOf(stream.created_at) }, ago(stream.created_at));
    const tr = h('tr', { dataset: { id: stream.id } },
                 h('td', { class: 'status', 'data-label': 'Status' }, badge),
                 h('td', { class: 'name', 'data-label': 'Stream' }, name,
                   h('div', { class: 'id mono' }, stream.id)),
                 meta, created);
    tr.addEventListener('click', (e) => {
      if (e.target.closest('a, button')) return;
      location.hash = href;
    });
    replace(meta, metadataChips(stream));
    return { tr, badge, name, meta, created, stream, eventAt: -1 };
  }

  // loadedAt: when the list request that brought `stream` started (null: from an event). A
  // list answer older than the row's last event does not undo the event's status.
  function upsert(stream, { prepend = false, loadedAt = null } = {}) {
    const existing = rows.get(stream.id);
    if (existing) {
      const stale = loadedAt !== null && existing.eventAt > loadedAt;
      existing.stream = { ...existing.stream, ...stream,
                          status: stale ? existing.stream.status : stream.status };
      if (loadedAt === null) existing.eventAt = performance.now();
      setBadge(existing.badge, existing.stream.status);
      setText(existing.name, streamName(existing.stream));
      replace(existing.meta, metadataChips(existing.stream));
      return;
    }
    const row = rowFor(stream);
    if (loadedAt === null) row.eventAt = performance.now();
    rows.set(stream.id, row);
    if (prepend) tbody.prepend(row.tr); else tbody.append(row.tr);
    empty.hidden = true;
  }

  async function load(append = false) {
    const startedAt = performance.now();
    try {
      const page = await ctx.api.listStreams(append ? cursor : null);
      if (destroyed) return;
      if (!append) {
        const seen = new Set(page.data.map((s) => s.id));
        for (const [id, row] of rows) {
          if (!seen.has(id) && row.eventAt < startedAt) {
            row.tr.remove();
            rows.delete(id);
          }
        }
      }
      for (const stream of page.data) upsert(stream, { loadedAt: startedAt });
      cursor = page.next_cursor;
      more.hidden = !cursor;
      empty.hidden = rows.size > 0;
      setText(status, '');
    } catch (e) {
      if (!destroyed) setText(status, `Could not load the streams: ${errorText(e)}`);
    }
  }
  more.addEventListener('click', () => load(true));

  const unsubscribe = ctx.feed.subscribe((event) => {
    if (!event.object || event.object.type !== 'live_stream') return;
    const id = event.object.id;
    if (event.type === 'live_stream.deleted') {
      const row = rows.get(id);
      if (row) row.tr.remove();
      rows.delete(id);
      empty.hidden = rows.size > 0;
      return;
    }
    const data = event.data && typeof event.data === 'object' ? event.data : null;
    if (data && data.id === id && typeof data.status === 'string') {
      upsert(data, { prepend: event.type === 'live_stream.created' });
    } else if (event.type === 'live_stream.created') {
      load();
    }
  });
  const unOpen = ctx.feed.onOpen(() => load());
  const ticker = setInterval(() => {
    for (const row of rows.values()) setText(row.created, ago(row.stream.created_at));
  }, 30000);
  load();

  return {
    el,
    destroy() {
      destroyed = true;
      unsubscribe();
      unOpen();
      clearInterval(ticker);
    },
  };
}

// "New stream": the settings form in a dialog; on success, the new stream's page.
export function openCreate(ctx) {
  const dialog = modal('New live stream', { wide: true });
  dialog.body.appendChild(streamForm({
    onCancel: dialog.close,
    async onSubmit(body) {
      const { stream } = await ctx.api.createStream(body);
      dialog.close();
      toast(`Created ${streamName(stream)}`);
      location.hash = `#/streams/${encodeURIComponent(stream.id)}`;
    },
  }));
}
