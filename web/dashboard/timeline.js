// The event timeline of one stream, newest first: seeded from `GET /v1/events?object_id=`,
// then live from the event feed (deduplicated by event id, so a reload overlapping live events
// shows each once).

import { h, replace } from './dom.js';
import { eventLabel, timeOf, dateTimeOf } from './format.js';
import { errorText } from './ui.js';

const kMax = 100;

const kTone = {
  'live_stream.active': 'good', 'live_stream.reconnected': 'good',
  'live_stream.connected': 'info', 'live_stream.disconnected': 'warn',
  'live_stream.health_changed': 'warn', 'live_stream.publisher_refused': 'warn',
  'live_stream.disabled': 'bad', 'live_stream.deleted': 'bad',
};

// One line of detail for an event, from its payload (user data: text only): the reason and
// publisher address the server adds, the health summary, what an update or reset did.
export function eventDetail(event) {
  const d = event.data || {};
  if (event.type === 'live_stream.health_changed' && d.health) {
    const reasons = Array.isArray(d.health.reasons) ? d.health.reasons.join('; ') : '';
    return `${d.health.status}${reasons ? `: ${reasons}` : ''}`;
  }
  const parts = [];
  if (event.type === 'live_stream.updated') parts.push('settings changed');
  if (event.type === 'live_stream.stream_key_reset') parts.push('new stream key');
  if (typeof d.reason === 'string' && d.reason) parts.push(d.reason);
  if (d.publisher && typeof d.publisher.remote_address === 'string') {
    parts.push(`publisher ${d.publisher.remote_address}`);
  }
  return parts.join(' · ');
}

export class Timeline {
  constructor(api, feed, objectId) {
    this.api = api;
    this.objectId = objectId;
    this.events = [];
    this.ids = new Set();
    this.list = h('ol', { class: 'timeline', id: 'timeline' });
    this.status = h('p', { class: 'muted' });
    this.el = h('section', { class: 'card timeline-card' },
                h('header', { class: 'card-head' }, h('h2', {}, 'Events')),
                this.list, this.status);
    this.unsubscribe = feed.subscribe((e) => {
      if (e.object && e.object.id === this.objectId) this.add([e]);
    });
    this.unOpen = feed.onOpen(() => this.load());
    this.load();
  }

  async load() {
    try {
      this.add(await this.api.events(this.objectId, 50));
      replace(this.status, this.events.length ? '' : 'No events yet.');
    } catch (e) {
      replace(this.status, `Could not load events: ${errorText(e)}`);
    }
  }

  add(events) {
    let changed = false;
    for (const e of events) {
      if (!e || !e.id || this.ids.has(e.id)) continue;
      this.ids.add(e.id);
      this.events.push(e);
      changed = true;
    }
    if (!changed) return;
    // Newest first: by sequence within the object, then by time.
    this.events.sort((a, b) => (b.sequence - a.sequence) ||
      (Date.parse(b.created_at) - Date.parse(a.created_at)));
    if (this.events.length > kMax) {
      for (const e of this.events.splice(kMax)) this.ids.delete(e.id);
    }
    replace(this.status, '');
    replace(this.list, this.events.map((e) => h('li', {
      class: ['event', kTone[e.type] || ''], dataset: { type: e.type } },
      h('time', { datetime: e.created_at, title: dateTimeOf(e.created_at),
                  text: timeOf(e.created_at) }),
      h('span', { class: 'event-type', text: eventLabel(e.type) }),
      h('span', { class: 'event-detail', text: eventDetail(e) }))));
  }

  destroy() {
    this.unsubscribe();
    this.unOpen();
  }
}
