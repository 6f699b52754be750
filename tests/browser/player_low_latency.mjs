// The steadycast player page (/play/ID) on a low-latency stream: samples the player's stats
// (window.steadycastPlayer.stats()) twice a second and prints one JSON line: the samples, the
// page errors, and whether the page ever used a part or a blocking playlist reload.
// Usage: node player_low_latency.mjs PLAY_URL SECONDS
import { launchBrowser, newPlayerPage } from './player_common.mjs';

const [playUrl, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg || 14);

const browser = await launchBrowser({ autoplayFlag: true });
const result = { ok: false, samples: [], parts: 0, blocking_reloads: 0 };
try {
  const { page, pageErrors } = await newPlayerPage(browser);
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (/\/part\d+\.\d+\.m4s$/.test(url.pathname)) result.parts += 1;
    if (url.searchParams.has('_HLS_msn')) result.blocking_reloads += 1;
  });
  // PLAYER_REQUEST_LOG=1: every media request with its start and end (ms since navigation).
  if (process.env.PLAYER_REQUEST_LOG === '1') {
    result.requests = [];
    const t0 = Date.now();
    page.on('requestfinished', async (request) => {
      const url = new URL(request.url());
      if (!url.pathname.startsWith('/hls/')) return;
      const response = await request.response();
      const end = Date.now() - t0;
      result.requests.push({ end, ms: Math.round(request.timing().responseEnd),
                             path: url.pathname.split('/').slice(-2).join('/') + url.search,
                             status: response?.status() });
    });
  }
  await page.goto(playUrl);
  await page.waitForFunction(() => window.steadycastPlayer?.state === 'playing', null,
                             { timeout: 20000 });
  const start = Date.now();
  while (Date.now() - start < seconds * 1000) {
    await page.waitForTimeout(500);
    const s = await page.evaluate(() => window.steadycastPlayer.stats());
    result.samples.push({
      t: (Date.now() - start) / 1000, state: s.state, time: s.current_time,
      low_latency: s.low_latency, latency: s.latency_s, target: s.target_latency_s,
      rebuffers: s.rebuffer_count ?? null,
    });
  }
  result.page_errors = pageErrors;
  result.ok = true;
} catch (e) {
  result.exception = String(e).split('\n')[0];
} finally {
  await browser.close();
}
process.stdout.write(`${JSON.stringify(result)}\n`);
