// Plays an LL-HLS stream with hls.js (lowLatencyMode) in Debian's Chromium and reports, as one
// JSON line on stdout, a once-a-second series of {t: wall seconds since start, time:
// video.currentTime, latency: hls.latency, target: hls.targetLatency} plus the requests made
// (part and blocking-reload counts) and any fatal hls.js error.
// Usage: node play_llhls.mjs MASTER_URL ORIGIN_URL WATCH_SECONDS [MARK_FILE]
// With MARK_FILE, the script writes "playing" to it once playback has started (a test can then
// cut the publisher while the page keeps sampling).
import { writeFileSync } from 'node:fs';
import { launchBrowser, openHlsPage, waitForPlayback } from './hls_page.mjs';

const [masterUrl, originUrl, watchArg, markFile] = process.argv.slice(2);
const watchSeconds = Number(watchArg || 15);

const browser = await launchBrowser();
const result = { ok: false, samples: [], parts: 0, blocking_reloads: 0, other_hosts: [] };
try {
  const page = await openHlsPage(browser, originUrl);
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol.startsWith('http') && url.hostname !== '127.0.0.1') {
      result.other_hosts.push(url.hostname);
    }
    if (/\/part\d+\.\d+\.m4s$/.test(url.pathname)) result.parts += 1;
    if (url.searchParams.has('_HLS_msn')) result.blocking_reloads += 1;
  });
  if (process.env.HLS_EXTRA_CONFIG) {
    await page.evaluate((c) => { window.__extraConfig = JSON.parse(c); }, process.env.HLS_EXTRA_CONFIG);
  }
  result.failed = [];
  page.on('response', (response) => {
    if (response.status() >= 400) {
      result.failed.push(`${response.status()} ${new URL(response.url()).pathname.split('/').slice(-2).join('/')}${new URL(response.url()).search}`);
    }
  });
  await page.evaluate((url) => {
    window.__errors = [];
    window.__nonfatal = [];
    const video = document.getElementById('v');
    const hls = new window.Hls({ lowLatencyMode: true, ...(window.__extraConfig || {}) });
    window.__hls = hls;
    hls.on(window.Hls.Events.ERROR, (_e, data) => {
      if (data.fatal) window.__errors.push(`${data.type}/${data.details}`);
      else window.__nonfatal.push(`${data.type}/${data.details}${data.frag ? ` ${data.frag.type}:${data.frag.sn}` : ''}${data.part ? `.${data.part.index}` : ''}`);
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    video.play().catch((e) => window.__errors.push(`play: ${e}`));
  }, masterUrl);
  await waitForPlayback(page, 20000);
  if (markFile) writeFileSync(markFile, 'playing');
  const start = Date.now();
  while (Date.now() - start < watchSeconds * 1000) {
    await page.waitForTimeout(1000);
    result.samples.push(await page.evaluate((t0) => {
      const v = document.getElementById('v');
      const hls = window.__hls;
      const r = (b) => { const o = []; for (let i = 0; i < b.length; i++) o.push(`${b.start(i).toFixed(2)}-${b.end(i).toFixed(2)}`); return o.join(','); };
      let tracks = {};
      try { const t = hls.bufferController.tracks; for (const k in t) tracks[k] = r(t[k].buffer.buffered); } catch (e) { tracks = {}; }
      return { t: (Date.now() - t0) / 1000, time: v.currentTime, latency: hls.latency, buffered: tracks,
               target: hls.targetLatency, level: hls.currentLevel };
    }, start));
  }
  Object.assign(result, await page.evaluate(() => ({
    errors: window.__errors, nonfatal: window.__nonfatal, error: document.getElementById('v').error?.code ?? null,
    hls_version: window.Hls.version,
    part_target: window.__hls.levels?.[0]?.details?.partTarget ?? null })));
  result.ok = true;
} catch (e) {
  result.exception = String(e);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(result) + '\n');
