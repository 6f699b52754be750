// Plays a DASH MPD with dash.js in Debian's Chromium (driven by playwright-core) for
// tests/integration/test_browser_dash.py, in three phases:
//   1. clean: the first frame, then CLEAN_MS of unthrottled playback (currentTime sampled every
//      250 ms), and until a video Representation of at least CAP_BITS is on screen (dash.js
//      starts high: abr.initialBitrate.video is above the top rung, loopback carries it);
//   2. capped: Chrome DevTools Protocol Network.emulateNetworkConditions caps the page's
//      download throughput to CAP_BITS; waits (bounded) until dash.js renders a Representation
//      below the cap;
//   3. hold: HOLD_MS more under the cap, to see playback go on at the low Representation.
// dash.js takes its clock from the server only: streaming.utcSynchronization.defaultTimingSource
// is TIME_URL (urn:mpeg:dash:utc:http-iso:2014), and every request the page makes is recorded
// (URL, page clock) so that the test can check none leaves the server.
// Recorded with the page's clock (performance.now()): every QUALITY_CHANGE_REQUESTED and
// QUALITY_CHANGE_RENDERED, every dash.js ERROR, PLAYBACK_WAITING/STALLED and BUFFER_EMPTY,
// every throughput measurement, samples of currentTime, playbackRate and live latency, the
// phase boundaries; at the end the Representations, the audio tracks, the current
// Representations, getCurrentLiveLatency(), the <video>'s state and the audio it decoded. One JSON line on stdout; the caller asserts, this script only measures (its waits
// run a little past the test's bounds so that a miss is reported with its real size).
// Usage: node play_dash.mjs MPD_URL ORIGIN_URL TIME_URL
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = require(path.join(root, 'node_modules', 'playwright-core'));
// dashjs 5 ships an ES module build (dist/modern/esm, the package's "import" export) and a UMD
// bundle (dist/modern/umd, its "browser"/"script" export). The page gets the UMD bundle as a
// classic script (window.dashjs): an ES module would have to be served by the server's origin.
const dashPath = path.join(root, 'node_modules', 'dashjs', 'dist', 'modern', 'umd',
                           'dash.all.min.js');
const dashVersion = require(path.join(root, 'node_modules', 'dashjs', 'package.json')).version;

const [mpdUrl, originUrl, timeUrl] = process.argv.slice(2);
const CAP_BITS = 1_200_000;
const FIRST_FRAME_MS = 20000;
const CLEAN_MS = 20000;
const HIGH_EXTRA_MS = 10000;  // after the clean phase, for a Representation >= CAP_BITS
const DOWN_WAIT_MS = 25000;   // the test asserts 20 s
const HOLD_MS = 10000;

function note(msg) { process.stderr.write(`[dash] ${msg}\n`); }

// Page side: the player and its event log. Runs in the browser.
function startPlayer({ url, time }) {
  const dashjs = window.dashjs;
  const E = dashjs.MediaPlayer.events;
  const rep = (r) => (r ? { id: r.id, bandwidth: r.bandwidth, width: r.width,
                            height: r.height } : null);
  const log = { errors: [], requested: [], rendered: [], waiting: [], empty: [],
                fragments: {}, periods: [], throughput: [] };
  window.__log = log;
  const video = document.getElementById('v');
  const player = dashjs.MediaPlayer().create();
  window.__player = player;
  player.updateSettings({
    debug: { logLevel: dashjs.Debug.LOG_LEVEL_WARNING },
    streaming: {
      utcSynchronization: {
        defaultTimingSource: { scheme: 'urn:mpeg:dash:utc:http-iso:2014', value: time },
      },
      // Above the top rung: the first segments come from the top Representation (on loopback
      // the throughput is far higher), so the test does not wait for a climb.
      abr: { initialBitrate: { video: 20000 }, autoSwitchBitrate: { video: true } },
    },
  });
  player.on(E.ERROR, (e) => log.errors.push({
    t: performance.now(),
    code: e.error ? e.error.code : null,
    message: e.error ? String(e.error.message) : String(e.event || e),
  }));
  player.on(E.QUALITY_CHANGE_REQUESTED, (e) => log.requested.push({
    t: performance.now(), type: e.mediaType, from: rep(e.oldRepresentation),
    to: rep(e.newRepresentation), reason: e.reason ? JSON.stringify(e.reason) : null,
  }));
  player.on(E.QUALITY_CHANGE_RENDERED, (e) => log.rendered.push({
    t: performance.now(), type: e.mediaType, from: rep(e.oldRepresentation),
    to: rep(e.newRepresentation),
  }));
  player.on(E.PLAYBACK_WAITING, () => log.waiting.push({ t: performance.now(), what: 'waiting' }));
  player.on(E.PLAYBACK_STALLED, () => log.waiting.push({ t: performance.now(), what: 'stalled' }));
  player.on(E.BUFFER_EMPTY, (e) => log.empty.push({ t: performance.now(), type: e.mediaType }));
  player.on(E.FRAGMENT_LOADING_COMPLETED, (e) => {
    const type = e.request ? e.request.mediaType : 'unknown';
    log.fragments[type] = (log.fragments[type] || 0) + 1;
  });
  player.on(E.THROUGHPUT_MEASUREMENT_STORED, (e) => {
    const v = e.throughputValues || {};
    log.throughput.push({ t: performance.now(), kbps: v.value, bytes: v.downloadedBytes,
                          ms: v.downloadTimeInMs, latency_ms: v.latencyInMs });
  });
  player.on(E.PERIOD_SWITCH_COMPLETED, (e) => log.periods.push({
    t: performance.now(), id: e.toStreamInfo ? e.toStreamInfo.id : null,
  }));
  player.initialize(video, url, true);
}

// The last Representation dash.js rendered for video, or null.
function renderedVideo(page) {
  return page.evaluate(() => {
    const r = window.__log.rendered.filter((x) => x.type === 'video');
    return r.length ? r[r.length - 1] : null;
  });
}

async function sample(page, samples) {
  samples.push(await page.evaluate(() => {
    const v = document.getElementById('v');
    return [performance.now(), v.currentTime, v.playbackRate,
            window.__player.getCurrentLiveLatency()];
  }));
}

// Samples currentTime every 250 ms for `ms`, or until `pred()` (async) holds; returns whether
// it held.
async function sampleUntil(page, samples, ms, pred) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await sample(page, samples);
    if (pred && await pred()) return true;
    await page.waitForTimeout(250);
  }
  return false;
}

async function throttle(cdp, page, capped) {
  await cdp.send('Network.emulateNetworkConditions', capped
    ? { offline: false, latency: 20, downloadThroughput: CAP_BITS / 8, uploadThroughput: -1 }
    : { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  return page.evaluate(() => performance.now());
}

// The player's state at the end (also after a failure, for the report).
function snapshot(page) {
  return page.evaluate(() => {
    const p = window.__player;
    const v = document.getElementById('v');
    const rep = (r) => (r ? { id: r.id, bandwidth: r.bandwidth, width: r.width,
                              height: r.height, codecs: r.codecs } : null);
    return {
      log: window.__log,
      video_representations: p.getRepresentationsByType('video').map(rep),
      audio_representations: p.getRepresentationsByType('audio').map(rep),
      audio_tracks: p.getTracksFor('audio').map((t) => ({
        id: t.id, lang: t.lang, codec: t.codec, mimeType: t.mimeType,
        bitrates: (t.bitrateList || []).map((b) => b.bandwidth) })),
      current_video: rep(p.getCurrentRepresentationForType('video')),
      current_audio: rep(p.getCurrentRepresentationForType('audio')),
      live_latency_s: p.getCurrentLiveLatency(),
      is_dynamic: p.isDynamic(),
      error: v.error ? v.error.code : null,
      width: v.videoWidth,
      height: v.videoHeight,
      audio_decoded_bytes: v.webkitAudioDecodedByteCount ?? null,
      video_decoded_bytes: v.webkitVideoDecodedByteCount ?? null,
      quality: v.getVideoPlaybackQuality ? {
        total: v.getVideoPlaybackQuality().totalVideoFrames,
        dropped: v.getVideoPlaybackQuality().droppedVideoFrames } : null,
    };
  });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--autoplay-policy=no-user-gesture-required'],
});
const result = { ok: false, cap_bits: CAP_BITS, dashjs_package: dashVersion, samples: [],
                 requests: [], http_errors: [], page_errors: [] };
let page = null;
try {
  page = await browser.newPage();
  page.on('console', (msg) => process.stderr.write(`[page ${msg.type()}] ${msg.text()}\n`));
  page.on('pageerror', (e) => result.page_errors.push(String(e)));
  // Every request of the page, before it is sent (the test checks they all stay on loopback).
  let t0 = Date.now();
  page.on('request', (r) => result.requests.push({ url: r.url(), ms: Date.now() - t0 }));
  page.on('response', (r) => {
    if (r.status() >= 400) {
      result.http_errors.push({ status: r.status(), url: r.url() });
      note(`HTTP ${r.status()} ${r.url()}`);
    }
  });
  await page.goto(originUrl);  // same origin as the server: nothing depends on CORS
  await page.setContent('<video id="v" muted autoplay playsinline width="640"></video>');
  await page.addScriptTag({ path: dashPath });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  t0 = Date.now();
  result.start_at = await page.evaluate(() => performance.now());
  await page.evaluate(startPlayer, { url: mpdUrl, time: timeUrl });
  result.dashjs_version = await page.evaluate(() => window.__player.getVersion());

  await page.waitForFunction(() => document.getElementById('v').currentTime > 0, null,
                             { timeout: FIRST_FRAME_MS });
  result.first_frame_at = await page.evaluate(() => performance.now());
  note(`first frame after ${((result.first_frame_at - result.start_at) / 1000).toFixed(2)} s`);

  // 1. Clean playback.
  result.clean_from = result.first_frame_at;
  await sampleUntil(page, result.samples, CLEAN_MS, null);
  result.clean_to = await page.evaluate(() => performance.now());
  const isHigh = async () => {
    const r = await renderedVideo(page);
    return r !== null && r.to.bandwidth >= CAP_BITS;
  };
  if (!await isHigh()) await sampleUntil(page, result.samples, HIGH_EXTRA_MS, isHigh);
  result.high = await renderedVideo(page);
  if (!result.high || result.high.to.bandwidth < CAP_BITS) {
    throw new Error(`never rendered a video Representation >= ${CAP_BITS} bit/s ` +
                    `(last: ${JSON.stringify(result.high)})`);
  }
  note(`on ${result.high.to.id} (${result.high.to.bandwidth} bit/s); capping to ${CAP_BITS}`);

  // 2. Capped: wait for a rendered switch below the cap.
  result.cap_at = await throttle(cdp, page, true);
  const isLow = async () => {
    const r = await renderedVideo(page);
    return r !== null && r.t > result.cap_at && r.to.bandwidth < CAP_BITS;
  };
  if (await sampleUntil(page, result.samples, DOWN_WAIT_MS, isLow)) {
    result.down = await renderedVideo(page);
    result.down_s = (result.down.t - result.cap_at) / 1000;
    note(`rendered ${result.down.to.id} (${result.down.to.bandwidth} bit/s) ` +
         `${result.down_s.toFixed(2)} s after the cap`);
    // 3. Hold under the cap.
    result.hold_from = await page.evaluate(() => performance.now());
    await sampleUntil(page, result.samples, HOLD_MS, null);
  }
  result.end_at = await page.evaluate(() => performance.now());
  Object.assign(result, await snapshot(page));
  await throttle(cdp, page, false);
  result.ok = true;
} catch (e) {
  result.exception = String(e && e.stack ? e.stack : e);
  try {
    Object.assign(result, await snapshot(page));
  } catch {
    // no page or no player: the exception says why
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(result) + '\n');
