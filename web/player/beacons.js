// QoE beacon transport: the body format agreed with the server (POST /v1/playback/beacons,
// version 1), its size limits, and the send itself. Delivery is best effort: a beacon that
// fails (a server without the route answers 404, a rate limit, a network error) is dropped
// silently, since the next heartbeat carries the cumulative totals anyway.

export const MAX_BODY_BYTES = 16 * 1024;
export const MAX_EVENTS = 64;
const CODE_LENGTH = 64;

// 24 random bytes → 32 characters of base64url: within the 16–64 [A-Za-z0-9_-] the server
// accepts, and unguessable.
export function newViewId(random = globalThis.crypto) {
  const bytes = random.getRandomValues(new Uint8Array(24));
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Error codes travel as ≤ 64 of [A-Za-z0-9_./:-].
export function sanitizeCode(code) {
  return String(code ?? '').replace(/[^A-Za-z0-9_./:-]/g, '_').slice(0, CODE_LENGTH);
}

const encoder = new TextEncoder();

// One beacon body from the envelope and the queued events (oldest first). Keeps the newest
// events that fit: at most 64, and at most 16 KiB of JSON. Returns {json, count, dropped}.
export function buildBody(envelope, events) {
  let list = events.slice(-MAX_EVENTS);
  let json = JSON.stringify({ ...envelope, events: list });
  while (list.length > 1 && encoder.encode(json).length > MAX_BODY_BYTES) {
    list = list.slice(1);
    json = JSON.stringify({ ...envelope, events: list });
  }
  return { json, count: list.length, dropped: events.length - list.length };
}

// navigator.sendBeacon (text/plain, survives the page going away); fetch with keepalive when
// the browser refuses the beacon (queue full, or no sendBeacon).
export function sendBody(url, json) {
  try {
    if (navigator.sendBeacon?.(url, json)) return 'beacon';
  } catch {
    // fall through to fetch
  }
  try {
    fetch(url, {
      method: 'POST', body: json, keepalive: true, credentials: 'omit',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
    }).catch(() => {});
    return 'fetch';
  } catch {
    return 'none';
  }
}

// The queue of one view: events wait here until the next beacon. Events are kept sorted by
// at_ms (a rebuffer classified late is inserted at its real start), as the server requires.
export class BeaconQueue {
  constructor({ url, playbackId, token, player, viewId, send = sendBody, onSent = () => {} }) {
    this.url = url;
    this.playbackId = playbackId;
    this.token = token || null;
    this.player = player;
    this.viewId = viewId;
    this.send = send;
    this.onSent = onSent;
    this.seq = 0;
    this.events = [];
  }

  push(event) {
    let at = this.events.length;
    while (at > 0 && this.events[at - 1].at_ms > event.at_ms) at -= 1;
    this.events.splice(at, 0, event);
  }

  flush() {
    if (!this.events.length || !this.url) return null;
    const envelope = { v: 1, playback_id: this.playbackId, view_id: this.viewId };
    if (this.token) envelope.token = this.token;
    envelope.seq = this.seq;
    envelope.player = this.player;
    const body = buildBody(envelope, this.events);
    this.seq += 1;
    this.events = [];
    const transport = this.send(this.url, body.json);
    this.onSent({ body: JSON.parse(body.json), transport, dropped: body.dropped });
    return body;
  }
}
