// Unit checks of the player's DOM-free logic, run by Node against the files in web/player:
// the derived state and what counts as rebuffering, the master playlist probe (statuses,
// Retry-After, a fake fetch), the retry delays, the beacon body (limits, order, seq) and the
// QoE classification of stalls (a stall at the live edge is a rebuffer only if the playlist
// grows again; the publisher's outage is not). Exits 1 on a failure.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const load = (name) => import(pathToFileURL(path.join(root, 'web', 'player', name)).href);

// The few browser globals the QoE and recovery controllers touch.
globalThis.window ??= new EventTarget();
globalThis.document ??= Object.assign(new EventTarget(), { visibilityState: 'visible' });
if (!globalThis.navigator) globalThis.navigator = { onLine: true };

const { State, defaultFacts, deriveState, isRebuffering } = await load('player-state.js');
const probe = await load('probe.js');
const { RecoveryController, retryDelayMs, nextProbeDelayMs } = await load('recovery.js');
const beacons = await load('beacons.js');
const { QoeController } = await load('qoe.js');
const { Emitter } = await load('emitter.js');
const { formatBitrate, levelLabel } = await load('ui-quality-menu.js');

const tests = [];
const test = (name, fn) => tests.push([name, fn]);
const facts = (patch) => ({ ...defaultFacts(), ...patch });

// State --------------------------------------------------------------------------------------
test('state: probing outcomes before the first frame', () => {
  assert.equal(deriveState(facts({ reason: 'waiting' })), State.WAITING);
  assert.equal(deriveState(facts({ reason: 'missing' })), State.MISSING);
  assert.equal(deriveState(facts({ reason: 'forbidden' })), State.FORBIDDEN);
  assert.equal(deriveState(facts({ reason: 'network' })), State.LOADING);
  assert.equal(deriveState(facts({ reason: 'network', offline: true })), State.OFFLINE);
});

test('state: after playing, a 412 or a network failure reads as reconnecting', () => {
  assert.equal(deriveState(facts({ source: 'recovering', reason: 'waiting', hasPlayed: true })),
               State.RECONNECTING);
  assert.equal(deriveState(facts({ source: 'recovering', reason: 'network', hasPlayed: true })),
               State.RECONNECTING);
});

test('state: ready source', () => {
  const ready = { source: 'ready', shownFrame: true, hasPlayed: true };
  assert.equal(deriveState(facts({ source: 'ready' })), State.LOADING);
  assert.equal(deriveState(facts(ready)), State.PLAYING);
  assert.equal(deriveState(facts({ ...ready, stalled: true })), State.BUFFERING);
  assert.equal(deriveState(facts({ ...ready, stalled: true, holding: true })), State.RECONNECTING);
  assert.equal(deriveState(facts({ ...ready, paused: true })), State.PAUSED);
  assert.equal(deriveState(facts({ ...ready, ended: true, stalled: true })), State.ENDED);
  assert.equal(deriveState(facts({ ...ready, unsupported: true })), State.UNSUPPORTED);
});

test('rebuffering: delivery waits only', () => {
  const playing = { source: 'ready', shownFrame: true, hasPlayed: true };
  assert.equal(isRebuffering(facts({ ...playing, stalled: true })), true);
  assert.equal(isRebuffering(facts({ ...playing, stalled: true, holding: true })), false);
  assert.equal(isRebuffering(facts({ ...playing, stalled: true, seeking: true })), false);
  assert.equal(isRebuffering(facts({ ...playing, stalled: true, paused: true })), false);
  assert.equal(isRebuffering(facts({ stalled: true })), false, 'before the first frame: startup');
  assert.equal(isRebuffering(facts({ source: 'recovering', reason: 'network', hasPlayed: true })), true);
  assert.equal(isRebuffering(facts({ source: 'recovering', reason: 'waiting', hasPlayed: true })), false);
});

// Probe --------------------------------------------------------------------------------------
test('probe: statuses and Retry-After', () => {
  assert.equal(probe.classifyStatus(200), probe.Outcome.LIVE);
  assert.equal(probe.classifyStatus(412), probe.Outcome.WAITING);
  assert.equal(probe.classifyStatus(404), probe.Outcome.MISSING);
  assert.equal(probe.classifyStatus(403), probe.Outcome.FORBIDDEN);
  assert.equal(probe.classifyStatus(503), probe.Outcome.FAILED);
  assert.equal(probe.parseRetryAfter('3'), 3000);
  assert.equal(probe.parseRetryAfter(null), null);
  assert.equal(probe.parseRetryAfter('soon'), null);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(probe.parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
});

function fakeFetch(answers) {
  const calls = [];
  const fn = async (url) => {
    calls.push(url);
    const a = answers[url] ?? answers['*'];
    if (a === 'down') throw new TypeError('Failed to fetch');
    return new Response(a.body ?? '', { status: a.status, headers: a.headers ?? {} });
  };
  return { fn, calls };
}

test('probe: master answers', async () => {
  const url = 'http://h/hls/pb_x.m3u8';
  let f = fakeFetch({ '*': { status: 412, headers: { 'Retry-After': '2' } } });
  assert.deepEqual(await probe.probeMaster(url, { fetchFn: f.fn }),
                   { outcome: 'waiting', status: 412, retryAfterMs: 2000, text: '' });
  f = fakeFetch({ '*': 'down' });
  assert.equal((await probe.probeMaster(url, { fetchFn: f.fn })).outcome, 'unreachable');
});

test('probe: a finished broadcast vs a new one', async () => {
  const master = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\npb_x/src/index.m3u8?token=t\n';
  const url = 'http://h/hls/pb_x.m3u8?token=t';
  assert.equal(probe.firstVariantUrl(master, url), 'http://h/hls/pb_x/src/index.m3u8?token=t');
  const media = 'http://h/hls/pb_x/src/index.m3u8?token=t';
  let f = fakeFetch({ [url]: { status: 200, body: master },
                      [media]: { status: 200, body: '#EXTM3U\n#EXTINF:2,\ns.m4s\n#EXT-X-ENDLIST\n' } });
  assert.equal((await probe.probeBroadcast(url, { fetchFn: f.fn })).outcome, 'ended');
  f = fakeFetch({ [url]: { status: 200, body: master },
                  [media]: { status: 200, body: '#EXTM3U\n#EXTINF:2,\ns.m4s\n' } });
  assert.equal((await probe.probeBroadcast(url, { fetchFn: f.fn })).outcome, 'live');
});

// Retry delays -------------------------------------------------------------------------------
test('retries: min(1 s·2ⁿ, 30 s); 412 honours Retry-After; 404/403 slow', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(retryDelayMs), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  assert.equal(nextProbeDelayMs({ outcome: 'waiting', retryAfterMs: 3000 }, 9), 3000);
  assert.equal(nextProbeDelayMs({ outcome: 'waiting', retryAfterMs: null }, 0), 1000);
  assert.equal(nextProbeDelayMs({ outcome: 'waiting', retryAfterMs: 3600000 }, 0), 30000);
  assert.equal(nextProbeDelayMs({ outcome: 'missing' }, 0), 10000);
  assert.equal(nextProbeDelayMs({ outcome: 'forbidden' }, 0), 30000);
  assert.equal(nextProbeDelayMs({ outcome: 'unreachable' }, 2), 4000);
});

function recoveryHarness(answer) {
  const bus = new Emitter();
  const f = facts({});
  const calls = [];
  const engine = {
    stopLoad: () => calls.push('stopLoad'),
    recoverMediaError: () => calls.push('recoverMediaError'),
    swapAudioCodecAndRecover: () => calls.push('swapAudioCodecAndRecover'),
  };
  const probes = [];
  globalThis.fetch = async (url) => {
    probes.push(url);
    return new Response('#EXTM3U\n', { status: answer() });
  };
  const recovery = new RecoveryController({
    src: 'http://h/hls/pb_x.m3u8', bus, facts: f, setFacts: (p) => Object.assign(f, p),
    engine: () => engine, loadEngine: async () => { calls.push('load'); }, onReload: () => {},
  });
  return { recovery, bus, f, calls, probes };
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

test('recovery: media errors → recoverMediaError, swapAudioCodec + recover, full reload', async () => {
  const h = recoveryHarness(() => 200);
  const mediaError = { fatal: true, media: true, network: false };
  for (let i = 0; i < 3; i += 1) h.bus.emit('engine:error', mediaError);
  await settle();
  assert.deepEqual(h.calls, ['recoverMediaError', 'swapAudioCodecAndRecover', 'load']);
  h.recovery.destroy();
});

test('recovery: offline holds the retry, online retries at once and reloads', async () => {
  const h = recoveryHarness(() => 200);
  window.dispatchEvent(new Event('offline'));
  assert.equal(h.f.offline, true);
  h.bus.emit('engine:error', { fatal: true, network: true, media: false });
  assert.deepEqual([h.f.source, h.f.reason], ['recovering', 'network']);
  await settle();
  assert.deepEqual(h.probes, [], 'no probe while offline');
  window.dispatchEvent(new Event('online'));
  await settle();
  assert.equal(h.probes.length, 1);
  assert.deepEqual(h.calls, ['stopLoad', 'load']);
  assert.equal(h.f.source, 'ready');
  h.recovery.destroy();
});

test('recovery: 412 at start is "waiting", a 200 loads', async () => {
  let status = 412;
  const h = recoveryHarness(() => status);
  h.recovery.start();
  await settle();
  assert.deepEqual([h.f.source, h.f.reason], ['probing', 'waiting']);
  status = 200;
  window.dispatchEvent(new Event('offline'));  // holds the 1 s retry ...
  window.dispatchEvent(new Event('online'));   // ... and fires it now
  await settle();
  assert.deepEqual(h.calls, ['load']);
  h.recovery.destroy();
});

// Beacons ------------------------------------------------------------------------------------
test('beacons: view id, error codes', () => {
  const id = beacons.newViewId();
  assert.match(id, /^[A-Za-z0-9_-]{16,64}$/);
  assert.notEqual(id, beacons.newViewId());
  assert.equal(beacons.sanitizeCode('networkError/fragLoadError'), 'networkError/fragLoadError');
  assert.equal(beacons.sanitizeCode('a b<c>'), 'a_b_c_');
  assert.equal(beacons.sanitizeCode('x'.repeat(100)).length, 64);
});

test('beacons: at most 64 events and 16 KiB, newest kept', () => {
  const events = Array.from({ length: 100 }, (_, i) => ({ type: 'error', at_ms: i, fatal: false, code: 'c' }));
  let body = beacons.buildBody({ v: 1 }, events);
  assert.equal(body.count, 64);
  assert.equal(JSON.parse(body.json).events[0].at_ms, 36);
  const big = Array.from({ length: 60 }, (_, i) => ({ type: 'error', at_ms: i, fatal: false, code: 'x'.repeat(400) }));
  body = beacons.buildBody({ v: 1, token: 't'.repeat(4000) }, big);
  assert.ok(new TextEncoder().encode(body.json).length <= beacons.MAX_BODY_BYTES);
  assert.equal(JSON.parse(body.json).events.at(-1).at_ms, 59);
  assert.ok(body.dropped > 0);
});

test('beacons: queue keeps at_ms order, seq counts per view, token only when set', () => {
  const sent = [];
  const q = new beacons.BeaconQueue({
    url: 'http://h/v1/playback/beacons', playbackId: 'pb_x', token: null,
    player: { name: 'steadycast-player' }, viewId: 'v'.repeat(20), send: (_u, json) => sent.push(JSON.parse(json)),
  });
  q.push({ type: 'view_start', at_ms: 0 });
  q.push({ type: 'heartbeat', at_ms: 900 });
  q.push({ type: 'rebuffer_start', at_ms: 500 });
  q.flush();
  q.push({ type: 'heartbeat', at_ms: 2000 });
  q.flush();
  assert.equal(q.flush(), null, 'nothing queued: no beacon');
  assert.deepEqual(sent.map((b) => b.seq), [0, 1]);
  assert.deepEqual(sent[0].events.map((e) => e.at_ms), [0, 500, 900]);
  assert.equal('token' in sent[0], false);
  assert.deepEqual(Object.keys(sent[0]), ['v', 'playback_id', 'view_id', 'seq', 'player', 'events']);
});

// QoE ----------------------------------------------------------------------------------------
function qoeHarness() {
  let now = 1000;
  const bus = new Emitter();
  const f = facts({ source: 'ready' });
  const sent = [];
  const qoe = new QoeController({ bus, facts: f, now: () => now, beacons: null });
  qoe.queue.send = (_u, json) => sent.push(JSON.parse(json));
  const set = (patch, advance = 0) => {
    now += advance;
    Object.assign(f, patch);
    bus.emit('facts', { facts: f, state: deriveState(f) });
  };
  return { qoe, bus, set, tick: (ms) => { now += ms; }, events: () => qoe.queue.events };
}

test('qoe: playing time and a rebuffer with its duration', () => {
  const h = qoeHarness();
  h.set({ shownFrame: true, hasPlayed: true });
  h.bus.emit('frame', {});
  h.set({}, 0);
  h.set({ stalled: true }, 5000);
  h.set({ stalled: false }, 1200);
  h.tick(800);
  const t = h.qoe.totals();
  assert.deepEqual([t.playing_ms, t.rebuffer_ms, t.rebuffer_count], [5800, 1200, 1]);
  h.qoe.destroy();
});

test('qoe: a stall at the edge that turns into the publisher outage is not rebuffering', () => {
  const h = qoeHarness();
  h.set({ shownFrame: true, hasPlayed: true });
  h.set({ stalled: true, atEdge: true }, 3000);
  h.set({ atEdge: false, holding: true }, 2000);
  h.set({ stalled: false, holding: false }, 15000);
  const t = h.qoe.totals();
  assert.deepEqual([t.rebuffer_ms, t.rebuffer_count], [0, 0]);
  assert.equal(h.events().some((e) => e.type.startsWith('rebuffer')), false);
  h.qoe.destroy();
});

test('qoe: a stall at the edge that the playlist resolves counts from its start', () => {
  const h = qoeHarness();
  h.set({ shownFrame: true, hasPlayed: true });
  h.set({ stalled: true, atEdge: true }, 3000);
  h.set({ stalled: false, atEdge: false }, 700);
  const t = h.qoe.totals();
  assert.deepEqual([t.rebuffer_ms, t.rebuffer_count], [700, 1]);
  const kinds = h.events().map((e) => [e.type, e.at_ms]);
  assert.deepEqual(kinds.filter(([type]) => type.startsWith('rebuffer')),
                   [['rebuffer_start', 3000], ['rebuffer_end', 3700]]);
  h.qoe.destroy();
});

test('qoe: startup after waiting for the broadcast counts from the first 200', () => {
  const h = qoeHarness();
  h.bus.emit('recovery:probe', { outcome: 'waiting' });
  h.tick(60000);
  h.bus.emit('recovery:probe', { outcome: 'live' });
  h.tick(450);
  h.bus.emit('frame', {});
  assert.equal(h.qoe.stats().startup_ms, 450);
  h.qoe.destroy();
});

test('qoe: after a fatal error the next frame is reported again (a recovered view)', () => {
  const h = qoeHarness();
  h.bus.emit('frame', {});
  h.bus.emit('engine:error', { fatal: true, code: 'networkError/levelLoadError', details: 'levelLoadError' });
  h.bus.emit('reload');
  h.tick(300);
  h.bus.emit('frame', {});
  const kinds = h.events().map((e) => e.type);
  assert.deepEqual(kinds, ['view_start', 'first_frame', 'error', 'first_frame']);
  assert.equal(h.events()[3].startup_ms, 300);
  assert.equal(h.qoe.stats().startup_ms, 0, 'startup stays the first one');
  h.qoe.destroy();
});

test('qoe: a hidden page ends the view; shown again, a new view without a startup', () => {
  const h = qoeHarness();
  h.set({ shownFrame: true, hasPlayed: true });
  h.bus.emit('frame', {});
  const first = h.qoe.stats().view_id;
  h.set({}, 4000);
  window.dispatchEvent(new Event('pagehide'));
  const end = h.events().at(-1);
  assert.deepEqual([end.type, end.playing_ms], ['view_end', 4000]);
  window.dispatchEvent(new Event('pagehide'));
  assert.equal(h.events().filter((e) => e.type === 'view_end').length, 1, 'one view_end');
  document.visibilityState = 'visible';
  document.dispatchEvent(new Event('visibilitychange'));
  assert.notEqual(h.qoe.stats().view_id, first);
  h.bus.emit('frame', {});
  assert.deepEqual(h.events().map((e) => e.type), ['view_start']);
  h.tick(1000);
  assert.equal(h.qoe.totals().playing_ms, 1000, 'the new view counts the playing it sees');
  h.qoe.destroy();
});

test('quality labels', () => {
  assert.equal(formatBitrate(700), '700 kbps');
  assert.equal(formatBitrate(1812), '1.8 Mbps');
  assert.equal(levelLabel({ height: 720, bitrate_kbps: 3000 }), '720p');
  assert.equal(levelLabel({ height: null, bitrate_kbps: 350 }), '350 kbps');
});

let failed = 0;
for (const [name, fn] of tests) {
  try {
    await fn();
    process.stderr.write(`ok   ${name}\n`);
  } catch (error) {
    failed += 1;
    process.stderr.write(`FAIL ${name}\n${error.stack}\n`);
  }
}
process.stderr.write(`${tests.length - failed}/${tests.length} player unit checks passed\n`);
process.exit(failed ? 1 : 0);
