// Plays each row of the glass-to-glass bench in one headless Chromium (one page at a time) and
// prints one JSON line per row on stdout: measured latency (tests/browser/latency_page.mjs),
// the player's own latency estimate, frame counts.
// Usage: node play_latency.mjs ROWS.json      (LATENCY_SAMPLES=1: every sample in the output)
//   ROWS.json: [{name, player: "hls"|"llhls"|"dash"|"steadycast", url, origin, alignUrl, warmupMs,
//                measureMs, startTimeoutMs}]   (alignUrl: an HLS media playlist of the same
//                stream; the player starts right after a new segment is listed there)
//   "steadycast": the server's own player page (url: /play/{id}?muted=1), as a viewer opens it
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../../tests/browser/hls_page.mjs';
import { startStampReader, waitForStampReader, readStampReader, summarize }
  from '../../tests/browser/latency_page.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const scripts = {
  hls: path.join(root, 'node_modules', 'hls.js', 'dist', 'hls.min.js'),
  dash: path.join(root, 'node_modules', 'dashjs', 'dist', 'modern', 'umd', 'dash.all.min.js'),
};

// Resolves once the last segment of the HLS media playlist at `url` changes (true), or after
// `timeoutMs` (false). Starting every player right after a segment was listed puts every row at
// the same phase of the segment cycle: a player that does not catch up keeps the latency it
// starts with, which otherwise varies by up to one segment with the moment the page loads.
async function waitForNewSegment({ url, timeoutMs }) {
  const last = async () => {
    const text = await (await fetch(url, { cache: 'no-store' })).text();
    return text.split('\n').filter((l) => l.trim() && !l.startsWith('#')).pop();
  };
  const first = await last();
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    if ((await last()) !== first) return true;
  }
  return false;
}

// Starts the row's player in the page; defines window.__playerLatency and window.__playerInfo.
function startPlayer({ player, url }) {
  const video = document.getElementById('v');
  window.__playerErrors = [];
  if (player === 'dash') {
    const dash = window.dashjs.MediaPlayer().create();
    dash.on('error', (e) => window.__playerErrors.push(JSON.stringify(e.error || e)));
    dash.initialize(video, url, true);
    window.__playerLatency = () => dash.getCurrentLiveLatency();
    window.__playerInfo = () => {
      let targetLatency = null;
      try {
        targetLatency = dash.getTargetLiveDelay();
      } catch {
        // not initialised yet
      }
      return { version: dash.getVersion(), targetLatency };
    };
    return;
  }
  // "hls": hls.js with its default configuration; "llhls": lowLatencyMode on (the default of
  // hls.js 1.x too, set here so the row says what it measures).
  const hls = new window.Hls(player === 'llhls' ? { lowLatencyMode: true } : {});
  hls.on(window.Hls.Events.ERROR, (_e, data) => {
    if (data.fatal) window.__playerErrors.push(`${data.type}/${data.details}`);
  });
  // Fragments played per rendition (the media playlist's folder: "src", "360p", ...): the
  // picture height alone does not tell the source from a transcoded rung of the same size.
  const played = {};
  hls.on(window.Hls.Events.FRAG_CHANGED, (_e, data) => {
    const parts = (data.frag.baseurl || '').split('?')[0].split('/');
    const name = parts.length > 1 ? parts[parts.length - 2] : `level ${data.frag.level}`;
    played[name] = (played[name] || 0) + 1;
  });
  // Start-up trace (in the result file): what hls.js did until the first frames played.
  const trace = [];
  const t0 = performance.now();
  const note = (what, extra = {}) => {
    if (trace.length < 60) trace.push({ ms: Math.round(performance.now() - t0), what, ...extra });
  };
  const E = window.Hls.Events;
  hls.on(E.LEVEL_LOADED, (_e, d) => note('level', {
    edge: d.details.edge, sync: hls.liveSyncPosition, target: hls.targetLatency,
    parts: d.details.partList?.length ?? 0 }));
  hls.on(E.FRAG_LOADING, (_e, d) => note('loading', {
    sn: d.frag.sn, part: d.part ? d.part.index : null, start: (d.part || d.frag).start,
    type: d.frag.type }));
  hls.on(E.FRAG_BUFFERED, (_e, d) => note('buffered', {
    sn: d.frag.sn, part: d.part ? d.part.index : null, type: d.frag.type }));
  for (const ev of ['seeking', 'playing', 'waiting']) {
    video.addEventListener(ev, () => note(ev, { t: video.currentTime, latency: hls.latency }));
  }
  hls.loadSource(url);
  hls.attachMedia(video);
  window.__playerLatency = () => hls.latency;
  window.__playerInfo = () => ({ version: window.Hls.version, targetLatency: hls.targetLatency,
                                 lowLatencyMode: hls.config.lowLatencyMode,
                                 fragmentsPlayed: played, startupTrace: trace });
  video.play().catch((e) => window.__playerErrors.push(`play: ${e}`));
}

// Starts the row's player in `page` (already on the row's origin); returns its <video>'s selector.
async function openPlayer(page, row) {
  if (row.player === 'steadycast') {
    await page.goto(row.url);
    await page.waitForFunction(() => window.steadycastPlayer?.stats().engine, null,
                               { timeout: row.startTimeoutMs });
    await page.evaluate(() => {
      const player = window.steadycastPlayer;
      window.__playerErrors = [];
      window.__playerLatency = () => player.stats().latency_s;
      window.__playerInfo = () => {
        const stats = player.stats();
        return { version: stats.engine, targetLatency: stats.target_latency_s,
                 lowLatencyMode: stats.low_latency };
      };
    });
    return '#video';
  }
  await page.setContent('<video id="v" muted autoplay playsinline width="640"></video>');
  await page.addScriptTag({ path: scripts[row.player === 'dash' ? 'dash' : 'hls'] });
  await page.evaluate(startPlayer, { player: row.player, url: row.url });
  return '#v';
}

async function runRow(browser, row) {
  const page = await browser.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') process.stderr.write(`[${row.name}] ${msg.text()}\n`);
  });
  await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  const result = { name: row.name, ok: false };
  try {
    await page.goto(row.origin);
    if (row.alignUrl) {
      result.aligned = await page.evaluate(waitForNewSegment,
                                           { url: row.alignUrl, timeoutMs: 5000 });
    }
    const selector = await openPlayer(page, row);
    await page.waitForFunction((sel) => document.querySelector(sel).currentTime > 0, selector,
                               { timeout: row.startTimeoutMs });
    await startStampReader(page, { selector, warmupMs: row.warmupMs,
                                   measureMs: row.measureMs });
    let state;
    try {
      state = await waitForStampReader(page, row.warmupMs + row.measureMs + 15000);
    } catch (e) {
      state = await readStampReader(page);
      result.exception = `reader did not finish: ${e.message.split('\n')[0]}`;
    }
    const info = await page.evaluate(() => ({ ...window.__playerInfo(),
                                              errors: window.__playerErrors }));
    Object.assign(result, {
      ok: !result.exception && !state.error && state.decoded > 0,
      latency: summarize(state.latencies), player_latency: summarize(state.playerLatencies),
      frames: state.frames, decoded: state.decoded, rejected: state.rejected,
      skipped_frames: state.presentedGaps, heights: state.heights,
      media_offset: summarize(state.mediaOffsets), clock_skew_ms: state.clockSkewMs,
      reader_error: state.error, player: info,
    });
    if (process.env.LATENCY_SAMPLES === '1') {
      result.samples = { latencies: state.latencies, media_offsets: state.mediaOffsets,
                         player_latencies: state.playerLatencies };
    }
  } catch (e) {
    result.exception = String(e).split('\n')[0];
  } finally {
    await page.close();
  }
  return result;
}

// Plays the first row for a moment without measuring: the first page of a fresh browser
// starts slower (processes, compilation), and hls.js keeps the latency it starts with.
async function warmUp(browser, row) {
  const page = await browser.newPage();
  try {
    await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
    await page.goto(row.origin);
    const selector = await openPlayer(page, row);
    await page.waitForFunction((sel) => document.querySelector(sel).currentTime > 1, selector,
                               { timeout: row.startTimeoutMs });
  } catch (e) {
    process.stderr.write(`warm-up: ${String(e).split('\n')[0]}\n`);
  } finally {
    await page.close();
  }
}

const rows = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const browser = await launchBrowser();
try {
  if (rows.length > 0) await warmUp(browser, rows[0]);
  for (const row of rows) {
    process.stdout.write(`${JSON.stringify(await runRow(browser, row))}\n`);
  }
} finally {
  await browser.close();
}
