// A throttled viewer of the player page (/play/ID), for the QoE accuracy test
// (tests/integration/test_qoe_throttled.py). Chromium plays the page while the download
// throughput of the page is switched between phases through the DevTools protocol
// (Network.emulateNetworkConditions): clean → throttled below the stream's bitrate → clean …
// Then the tab is closed: pagehide ends the view and the player sends its view_end beacon.
//
// Recorded, with the page's clock (performance.now(), the clock the player counts with):
//   - every beacon as the player reports it sent (its 'beacon' event), together with what the
//     player's stats() say at that very moment;
//   - every beacon request as it left the page (the exact body, from Playwright's request
//     events);
//   - every player state change and every seek of the <video> (the test's own view of the
//     time spent stalled), and twice a second where the playhead is;
//   - the phases (start and end on the page's clock).
// Prints progress lines ("PHASE …", "FIRST_FRAME …") and one JSON result line at the end.
//
// Usage: node qoe_throttled.mjs PAGE_URL PHASES
//   PHASES: JSON list of {"name": "clean", "seconds": 12, "kbps": null} ("kbps": download
//   throughput in kbit/s, null = unthrottled).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = require(path.join(root, 'node_modules', 'playwright-core'));

const [pageUrl, phasesArg] = process.argv.slice(2);
const phases = JSON.parse(phasesArg);
const FIRST_FRAME_TIMEOUT_MS = 30000;

function say(line) {
  process.stdout.write(`${line}\n`);
}

// Hooks the page's player as soon as play.js assigns window.steadycastPlayer: beacons (with
// the player's stats() taken synchronously, inside the event the player emits right after the
// send) and state changes go to the test through the exposed __qoeReport binding, so that
// nothing is lost when the page goes away.
function hookPlayer() {
  let player = null;
  const report = (record) => {
    try {
      window.__qoeReport(JSON.stringify(record));
    } catch {
      // binding not there yet: nothing to do, the test notices the gap
    }
  };
  Object.defineProperty(window, 'steadycastPlayer', {
    configurable: true,
    get: () => player,
    set: (p) => {
      player = p;
      p.on('beacon', (sent) => {
        report({ kind: 'beacon', at: performance.now(), body: sent.body,
                 transport: sent.transport, dropped: sent.dropped, stats: p.stats() });
      });
      p.on('statechange', ({ state, previous }) => {
        report({ kind: 'state', at: performance.now(), state, previous });
      });
      // Seeks (the live-edge controller's catch-up, hls.js skipping ahead): a stall during a
      // seek is not a rebuffer by the player's definition (player-state.js isRebuffering).
      for (const type of ['seeking', 'seeked']) {
        p.video.addEventListener(type, () => report({ kind: 'seek', at: performance.now(), type }));
      }
      // Twice a second: where the playhead is (for the log when something looks wrong).
      setInterval(() => {
        const v = p.video;
        const s = p.stats();
        let ahead = 0;
        for (let i = 0; i < v.buffered.length; i += 1) {
          if (v.buffered.start(i) <= v.currentTime + 0.5 && v.buffered.end(i) > v.currentTime) {
            ahead = v.buffered.end(i) - v.currentTime;
          }
        }
        report({ kind: 'sample', at: performance.now(), state: p.state,
                 time: +v.currentTime.toFixed(2), ahead: +ahead.toFixed(2),
                 edge: s.live_edge_distance_s == null ? null : +s.live_edge_distance_s.toFixed(2),
                 rate: v.playbackRate, playing_ms: s.playing_ms, rebuffer_ms: s.rebuffer_ms });
      }, 500);
    },
  });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--autoplay-policy=no-user-gesture-required'],
});
const result = {
  ok: false, beacons: [], requests: [], states: [], seeks: [], samples: [], phases: [],
  page_errors: [],
};
try {
  const context = await browser.newContext({ viewport: { width: 960, height: 540 } });
  const page = await context.newPage();
  page.on('console', (msg) => process.stderr.write(`[page ${msg.type()}] ${msg.text()}\n`));
  page.on('pageerror', (error) => {
    result.page_errors.push(String(error));
    process.stderr.write(`[page exception] ${error}\n`);
  });
  page.on('request', (request) => {
    if (!request.url().endsWith('/v1/playback/beacons')) return;
    let body;
    try {
      body = JSON.parse(request.postData() || 'null');
    } catch {
      body = { unparsable: request.postData() };
    }
    result.requests.push(body);
  });
  await page.exposeFunction('__qoeReport', (json) => {
    const record = JSON.parse(json);
    if (record.kind === 'beacon') {
      result.beacons.push(record);
      const types = record.body.events.map((e) => e.type).join(',');
      say(`BEACON seq=${record.body.seq} at=${Math.round(record.at)} ${types}`);
    } else if (record.kind === 'state') {
      result.states.push(record);
    } else if (record.kind === 'seek') {
      result.seeks.push(record);
      say(`SEEK ${record.type} at=${Math.round(record.at)}`);
    } else {
      result.samples.push(record);
    }
  });
  await page.addInitScript(hookPlayer);

  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const throttle = (kbps) => cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, uploadThroughput: -1,
    downloadThroughput: kbps == null ? -1 : Math.round((kbps * 1000) / 8),  // bytes/s
  });
  const pageNow = () => page.evaluate(() => performance.now());

  await page.goto(pageUrl);
  await page.waitForFunction(() => window.steadycastPlayer?.stats().startup_ms != null, null,
                             { timeout: FIRST_FRAME_TIMEOUT_MS });
  const first = await page.evaluate(() => window.steadycastPlayer.stats());
  result.first_frame = first;
  say(`FIRST_FRAME startup_ms=${first.startup_ms} bitrate_kbps=${first.bitrate_kbps}`);

  for (const phase of phases) {
    await throttle(phase.kbps);
    const start = await pageNow();
    say(`PHASE ${phase.name} kbps=${phase.kbps ?? 'unlimited'} for ${phase.seconds}s`);
    await page.waitForTimeout(phase.seconds * 1000);
    const stats = await page.evaluate(() => window.steadycastPlayer.stats());
    result.phases.push({ ...phase, start, end: await pageNow(), stats });
    say(`PHASE_END ${phase.name} state=${stats.state} playing_ms=${stats.playing_ms} ` +
        `rebuffer_ms=${stats.rebuffer_ms} rebuffer_count=${stats.rebuffer_count} ` +
        `edge_distance_s=${stats.live_edge_distance_s?.toFixed(1)}`);
  }
  await throttle(null);

  // The view ends as a viewer leaves: the tab is closed, pagehide → view_end beacon
  // (sendBeacon outlives the page). Closing through the page's unload handlers keeps the
  // player's beacon event observable (through the binding); a navigation away would send the
  // beacon too, but hide it from the test. Playwright does not always report the request of
  // a beacon sent while the page closes: the test's proof that it arrived is the server's
  // count of accepted beacons.
  result.end_requested_at = await pageNow();
  await page.close({ runBeforeUnload: true });
  const sent = (list) => list.some((b) => b.events?.some((e) => e.type === 'view_end'));
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  for (let i = 0; i < 50 && !sent(result.beacons.map((b) => b.body)); i += 1) await sleep(100);
  for (let i = 0; i < 20 && !sent(result.requests); i += 1) await sleep(100);
  await context.close();
  result.ok = true;
} catch (e) {
  result.exception = String(e?.stack || e);
} finally {
  await browser.close();
}
say(JSON.stringify(result));
