// Plays an HLS master with hls.js in Debian's Chromium (driven by playwright-core) and drives
// its adaptive bitrate switching with Chrome DevTools Protocol network throttling:
//   1. waits until playback runs on a level whose BANDWIDTH is above the cap (>= 1 Mbit/s),
//   2. caps download throughput to CAP_BYTES_PER_S with Network.emulateNetworkConditions,
//   3. waits (bounded) for hls.js to play a level below the cap and keeps the cap a few more
//      seconds to see playback go on at the low level,
//   4. lifts the cap (downloadThroughput -1) and waits (bounded) for a switch back up.
// Every LEVEL_SWITCHING / LEVEL_SWITCHED event (page clock), fatal and non-fatal hls.js errors
// and currentTime samples (every 250 ms) are recorded; one JSON line on stdout reports them
// with the measured times. The caller (test_browser_abr.py) asserts; this script only measures,
// waiting a little past the test's bounds so a miss is reported with its real size.
// Usage: node play_hls_abr.mjs MASTER_URL ORIGIN_URL
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = require(path.join(root, 'node_modules', 'playwright-core'));
const hlsPath = path.join(root, 'node_modules', 'hls.js', 'dist', 'hls.min.js');

const [masterUrl, originUrl] = process.argv.slice(2);
const CAP_BITS = 1_000_000;
const CAP_BYTES_PER_S = CAP_BITS / 8;
const HIGH_WAIT_MS = 25000;   // playback established on a level above the cap
const DOWN_WAIT_MS = 15000;   // the test asserts 10 s
const HOLD_LOW_MS = 5000;     // capped playback observed at the low level
const UP_WAIT_MS = 25000;     // the test asserts 20 s

function note(msg) { process.stderr.write(`[abr] ${msg}\n`); }

// Page-side setup: hls.js with event recording. Runs in the browser.
function startPlayer(url) {
  window.__fatal = [];
  window.__nonfatal = [];
  window.__switching = [];
  window.__switched = [];
  window.__aborts = [];
  const video = document.getElementById('v');
  // abrEwmaDefaultEstimate: the first level is picked from this estimate before any fragment
  // was measured; hls.js's 500 kbit/s default would start on 240p and take a while to climb,
  // while the test wants to begin above the cap (on loopback the real throughput is far
  // above 5 Mbit/s, so this only saves the climb). Everything else is hls.js's default ABR.
  const hls = new window.Hls({ liveSyncDurationCount: 3, abrEwmaDefaultEstimate: 5_000_000 });
  window.__hls = hls;
  const E = window.Hls.Events;
  const describe = (i) => {
    const l = hls.levels[i];
    return { level: i, height: l ? l.height : null, bitrate: l ? l.bitrate : null,
             t: performance.now() };
  };
  hls.on(E.LEVEL_SWITCHING, (_e, d) => window.__switching.push(describe(d.level)));
  hls.on(E.LEVEL_SWITCHED, (_e, d) => window.__switched.push(describe(d.level)));
  hls.on(E.FRAG_LOAD_EMERGENCY_ABORTED, (_e, d) =>
    window.__aborts.push({ t: performance.now(), level: d.frag ? d.frag.level : null }));
  hls.on(E.ERROR, (_e, d) => {
    const what = { t: performance.now(), what: `${d.type}/${d.details}` };
    (d.fatal ? window.__fatal : window.__nonfatal).push(what);
  });
  hls.loadSource(url);
  hls.attachMedia(video);
  video.play().catch((e) => window.__fatal.push({ t: performance.now(), what: `play: ${e}` }));
}

// The level hls.js is playing now (last LEVEL_SWITCHED), or null.
function playing(page) {
  return page.evaluate(() => {
    const s = window.__switched;
    return s.length ? s[s.length - 1] : null;
  });
}

// Polls `pred(playingLevel)` every 200 ms for at most `ms`, sampling currentTime meanwhile.
// Returns the first matching LEVEL_SWITCHED record, or null on timeout.
async function waitLevel(page, samples, ms, pred) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const [now, t, lvl] = await page.evaluate(() => {
      const s = window.__switched;
      return [performance.now(), document.getElementById('v').currentTime,
              s.length ? s[s.length - 1] : null];
    });
    samples.push([now, t]);
    if (lvl && pred(lvl)) return lvl;
    await page.waitForTimeout(200);
  }
  return null;
}

async function sampleFor(page, samples, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    samples.push(await page.evaluate(() =>
      [performance.now(), document.getElementById('v').currentTime]));
    await page.waitForTimeout(250);
  }
}

async function throttle(cdp, page, capped) {
  await cdp.send('Network.emulateNetworkConditions', capped
    ? { offline: false, latency: 10, downloadThroughput: CAP_BYTES_PER_S,
        uploadThroughput: -1 }
    : { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  return page.evaluate(() => performance.now());
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--autoplay-policy=no-user-gesture-required'],
});
const result = { ok: false, cap_bits: CAP_BITS, samples: [] };
try {
  const page = await browser.newPage();
  page.on('console', (msg) => process.stderr.write(`[page] ${msg.text()}\n`));
  page.on('response', (r) => {
    if (r.status() >= 400) note(`HTTP ${r.status()} ${r.url()}`);
  });
  await page.goto(originUrl);  // same origin as the server: nothing depends on CORS
  await page.setContent('<video id="v" muted autoplay playsinline width="640"></video>');
  await page.addScriptTag({ path: hlsPath });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await page.evaluate(startPlayer, masterUrl);

  const high = await waitLevel(page, result.samples, HIGH_WAIT_MS,
                               (l) => l.bitrate >= CAP_BITS);
  result.levels = await page.evaluate(() => window.__hls.levels.map(
    (l, i) => ({ level: i, height: l.height, bitrate: l.bitrate, url: l.url[0] })));
  if (!high) throw new Error(`never played a level >= ${CAP_BITS} bit/s`);
  result.high = high;
  note(`playing level ${high.level} (${high.height}p, ${high.bitrate} bit/s); capping`);
  // A little playback on the high level before the cap, so the buffer is in steady state.
  await sampleFor(page, result.samples, 2000);

  result.cap_at = await throttle(cdp, page, true);
  const down = await waitLevel(page, result.samples, DOWN_WAIT_MS,
                               (l) => l.t > result.cap_at && l.bitrate < CAP_BITS);
  if (down) {
    result.down = down;
    result.down_s = (down.t - result.cap_at) / 1000;
    note(`switched down to ${down.height}p after ${result.down_s.toFixed(2)} s`);
    await sampleFor(page, result.samples, HOLD_LOW_MS);
  }
  result.lift_at = await throttle(cdp, page, false);
  if (down) {
    const up = await waitLevel(page, result.samples, UP_WAIT_MS,
                               (l) => l.t > result.lift_at && l.bitrate >= CAP_BITS);
    if (up) {
      result.up = up;
      result.up_s = (up.t - result.lift_at) / 1000;
      note(`switched up to ${up.height}p after ${result.up_s.toFixed(2)} s`);
      await sampleFor(page, result.samples, 1500);
    }
  }
  Object.assign(result, await page.evaluate(() => {
    const v = document.getElementById('v');
    return { fatal: window.__fatal, nonfatal: window.__nonfatal, switching: window.__switching,
             switched: window.__switched, aborts: window.__aborts,
             error: v.error ? v.error.code : null, width: v.videoWidth, height: v.videoHeight,
             end_at: performance.now() };
  }));
  result.ok = true;
} catch (e) {
  result.exception = String(e);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(result) + '\n');
