// Unit checks of the dashboard's DOM-free modules, run by Node against the files in
// web/dashboard: the SSE decoder (whole input, char by char and random splits give the same
// events), the event feed's reconnection (Last-Event-ID, backoff, gap, 401) against a fake
// fetch, the health feed's two sources (history route, or samples made from /health with SRT
// rates from consecutive counters), and the formatting helpers. Exits 1 on a failure.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const load = (name) => import(pathToFileURL(path.join(root, 'web', 'dashboard', name)).href);
const { SseDecoder, SseLimitError } = await load('sse.js');
const { EventFeed } = await load('event_feed.js');
const { HealthFeed } = await load('health_feed.js');
const format = await load('format.js');

const tests = [];
const test = (name, fn) => tests.push([name, fn]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// SSE decoder ------------------------------------------------------------------------------
function decodeAll(chunks) {
  const out = [];
  const d = new SseDecoder({ onEvent: (e) => out.push(['event', e.type, e.data, e.id]),
                             onRetry: (ms) => out.push(['retry', ms]),
                             onComment: (c) => out.push(['comment', c]) });
  for (const c of chunks) d.push(c);
  return out;
}

const kStream = '\ufeffretry: 2000\r\n: connected\r\n\r\n' +
  'id: evt_1\nevent: live_stream.active\ndata: {"a":1}\n\n' +
  'data:no space\rdata:  two spaces\r\r' +
  'id: evt_2\r\n\r\n' +                          // id without data: no event, id kept
  'event: ignored\n\n' +                          // no data: no event, type reset
  'data\nunknown: x\nretry: soon\n\n' +           // "data" with no colon: an empty line of data
  'id: with\0nul\ndata: keeps evt_2\n\n' +
  'data: unfinished';                             // no blank line: dropped

const kExpected = [
  ['retry', 2000], ['comment', 'connected'],
  ['event', 'live_stream.active', '{"a":1}', 'evt_1'],
  ['event', 'message', 'no space\n two spaces', 'evt_1'],
  ['event', 'message', '', 'evt_2'],
  ['event', 'message', 'keeps evt_2', 'evt_2'],
];

test('sse: whole input', () => {
  assert.deepEqual(decodeAll([kStream]), kExpected);
});

test('sse: char by char', () => {
  assert.deepEqual(decodeAll([...kStream]), kExpected);
});

test('sse: random splits', () => {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let round = 0; round < 300; round++) {
    const chunks = [];
    for (let i = 0; i < kStream.length;) {
      const n = 1 + Math.floor(rand() * 12);
      chunks.push(kStream.slice(i, i + n));
      i += n;
    }
    assert.deepEqual(decodeAll(chunks), kExpected, `split ${JSON.stringify(chunks)}`);
  }
});

test('sse: CR then LF in the next chunk is one line end', () => {
  assert.deepEqual(decodeAll(['data: a\r', '\ndata: b\r', '\n\r', '\n']),
                   [['event', 'message', 'a\nb', '']]);
});

test('sse: limits', () => {
  const d = new SseDecoder({ maxLineLength: 10 });
  assert.throws(() => d.push('data: 0123456789'), SseLimitError);
  const e = new SseDecoder({ maxEventLength: 8 });
  assert.throws(() => e.push('data: 12345\ndata: 12345\n'), SseLimitError);
});

// Event feed ------------------------------------------------------------------------------
// A fetch Response streaming `parts`; like a real fetch body it errors when `signal` aborts.
function sseResponse(parts, { status = 200, holdOpen = false, signal = null } = {}) {
  const encoder = new TextEncoder();
  const body = new ReadableStream({
    async start(controller) {
      if (signal) {
        signal.addEventListener('abort', () => controller.error(
          new DOMException('aborted', 'AbortError')));
      }
      for (const p of parts) {
        controller.enqueue(encoder.encode(p));
        await sleep(5);
      }
      if (!holdOpen) controller.close();
    },
  });
  return new Response(status === 200 ? body : null, { status });
}

const envelope = (id, type) => `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(
  { id, type, object: { type: 'live_stream', id: 'ls_1' }, sequence: 1, data: {} })}\n\n`;

test('event feed: resumes with Last-Event-ID, passes on a gap, stops on 401', async () => {
  const requests = [];
  const connections = [
    () => sseResponse(['retry: 10\n: connected\n\n', envelope('evt_1', 'live_stream.connected'),
                       envelope('evt_2', 'live_stream.active')]),
    () => sseResponse(['retry: 10\n', envelope('evt_3', 'live_stream.disconnected'),
                       'event: gap\ndata: {"lost":2}\n\n']),
    () => sseResponse([], { status: 503 }),
    () => sseResponse([], { status: 401 }),
  ];
  globalThis.fetch = async (url, init) => {
    requests.push({ url, lastEventId: init.headers['Last-Event-ID'] || null,
                    auth: init.headers.Authorization, credentials: init.credentials });
    return connections[requests.length - 1]();
  };
  let unauthorized = 0;
  const feed = new EventFeed({ id: 'tok_a', secret: 's3cret' },
                             { onUnauthorized: () => unauthorized++ });
  const seen = [];
  let opens = 0;
  const states = [];
  feed.subscribe((e) => seen.push(e.id));
  feed.onOpen(() => opens++);
  feed.onState((s) => states.push(s));
  feed.start();
  const end = Date.now() + 10000;
  while (!unauthorized && Date.now() < end) await sleep(20);
  assert.equal(unauthorized, 1);
  assert.deepEqual(seen, ['evt_1', 'evt_2', 'evt_3']);
  assert.deepEqual(requests.map((r) => r.lastEventId), [null, 'evt_2', 'evt_3', 'evt_3']);
  assert.ok(requests.every((r) => r.url === '/v1/events/stream' && r.credentials === 'omit' &&
                           r.auth === `Basic ${btoa('tok_a:s3cret')}`));
  assert.equal(opens, 3);  // two connections + the gap
  assert.equal(feed.state, 'stopped');
  assert.ok(states.includes('live') && states.includes('reconnecting'));
});

test('event feed: a silent connection is replaced', async () => {
  let count = 0;
  globalThis.fetch = async (url, init) => {
    count++;
    if (count === 1) return sseResponse([': connected\n\n'], { holdOpen: true, signal: init.signal });
    return sseResponse([], { status: 401 });
  };
  let unauthorized = 0;
  const feed = new EventFeed({ id: 'a', secret: 'b' },
                             { silenceMs: 200, onUnauthorized: () => unauthorized++ });
  feed.retryMs = 10;
  feed.start();
  const end = Date.now() + 5000;
  while (!unauthorized && Date.now() < end) await sleep(20);
  assert.equal(count, 2);
});

// Health feed -----------------------------------------------------------------------------
function fakeApi({ history, healths }) {
  let i = 0;
  return {
    calls: [],
    async health() {
      this.calls.push('health');
      return healths[Math.min(i++, healths.length - 1)];
    },
    async healthHistory(id, seconds) {
      this.calls.push(`history ${seconds}`);
      if (!history) throw Object.assign(new Error('404'), { status: 404 });
      return history(seconds);
    },
  };
}

async function ticks(feed, n) {
  feed.running = true;
  for (let k = 0; k < n; k++) {
    await sleep(5);  // samples made from /health are stamped with the clock
    await feed.tick();
    clearTimeout(feed.timer);
  }
  feed.stop();
}

test('health feed: without the history route, samples from /health', async () => {
  const srt = (received, lost, resent, at) => ({
    rtt_ms: 20, receive_rate_mbps: 2, receive_buffer_ms: 100, packets_dropped: 1,
    packets_received: received, packets_lost: lost, packets_retransmitted: resent,
    sampled_at: at,
    history: [{ at: '2026-01-01T00:00:00Z', rtt_ms: 19, receive_rate_mbps: 2,
                packets_lost: 0, packets_retransmitted: 0, packets_dropped: 0,
                receive_buffer_ms: 100 }] });
  const healths = [
    { status: 'active', srt: srt(1000, 0, 0, 'a'), renditions: [
      { name: 'src', passthrough: true }, { name: '360p', passthrough: false, encode_speed: 2,
                                           frames_dropped: 0 }] },
    { status: 'active', srt: srt(1000, 0, 0, 'a'), renditions: [] },
    { status: 'active', srt: srt(1990, 10, 20, 'b'), renditions: [] },
  ];
  const api = fakeApi({ healths });
  const got = [];
  const feed = new HealthFeed(api, 'ls_1', {
    onHealth: () => {}, onSamples: (s, { reset }) => got.push({ s, reset }) });
  await ticks(feed, 3);
  assert.equal(feed.history, false);
  assert.deepEqual(api.calls, ['health', 'history 300', 'health', 'health']);
  assert.equal(got[0].reset, true);
  assert.equal(got[0].s[0].srt.rtt_ms, 19);  // seeded from the SRT history
  const live = got.slice(1).flatMap((g) => g.s);
  assert.equal(live.length, 3);
  assert.deepEqual(live[0].renditions, [{ name: '360p', encode_speed: 2, frames_dropped: 0 }]);
  assert.equal(live[1].srt, live[0].srt);  // same libsrt sample: same figures
  assert.equal(live[2].srt.loss_pct, 1);   // 10 lost of 1000
  assert.ok(Math.abs(live[2].srt.retransmit_pct - 100 * 20 / 990) < 1e-9);
});

test('health feed: with the history route, seeded then merged by time', async () => {
  const at = (s) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const sample = (s) => ({ at: at(s), status: 'active', ingest: { bitrate_kbps: s }, srt: null,
                           renditions: [], viewers: null, guidance: null });
  let newest = 10;
  const history = (seconds) => ({ samples: Array.from({ length: Math.min(seconds, 4) },
                                                      (_, k) => sample(newest - 3 + k)) });
  const api = fakeApi({ history, healths: [{ status: 'active' }] });
  const got = [];
  const feed = new HealthFeed(api, 'ls_1', {
    onHealth: () => {}, onSamples: (s, { reset }) => got.push({ s, reset }) });
  await ticks(feed, 1);
  newest = 12;
  await ticks(feed, 1);
  assert.equal(feed.history, true);
  assert.equal(got[0].reset, true);
  assert.deepEqual(got[0].s.map((s) => s.ingest.bitrate_kbps), [7, 8, 9, 10]);
  assert.deepEqual(got[1].s.map((s) => s.ingest.bitrate_kbps), [11, 12]);
});

// Formatting ------------------------------------------------------------------------------
test('format', () => {
  assert.equal(format.clock(75), '1:15');
  assert.equal(format.clock(3725), '1:02:05');
  assert.equal(format.clock(-3), '0:00');
  assert.equal(format.eventLabel('live_stream.stream_key_reset'), 'stream key reset');
  assert.equal(format.streamName({ id: 'ls_1', metadata: { name: ' ' } }), 'ls_1');
  assert.equal(format.streamName({ id: 'ls_1', metadata: { name: 'Stage' } }), 'Stage');
  assert.equal(format.ladderLabel([{ height: 720, video_kbps: 3000 }]), 'custom: 720p 3000k');
  assert.equal(format.ago('2026-01-01T00:00:30Z', Date.parse('2026-01-01T00:01:00Z')),
               '30 s ago');
});

let failed = 0;
for (const [name, fn] of tests) {
  try {
    await fn();
    process.stderr.write(`ok   ${name}\n`);
  } catch (e) {
    failed++;
    process.stderr.write(`FAIL ${name}\n${e.stack}\n`);
  }
}
process.stderr.write(`${tests.length - failed}/${tests.length} passed\n`);
process.exit(failed ? 1 : 0);
