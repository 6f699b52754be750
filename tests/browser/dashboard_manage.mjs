// Managing streams and webhooks through the dashboard in Chromium, against a real server:
// create (passthrough, SRT passphrase), edit with If-Match (a change made elsewhere meanwhile
// gives 412 → the page reloads and says so; the second save goes through), reset key (a
// cancelled confirmation changes nothing), an SRT publisher started from the URL the page shows
// (RTT chart fills from /health), disable / enable, webhook endpoint create (secret shown once,
// masked) with its delivery log filling, endpoint delete, the phone layout (no sideways
// scrolling, tables as lists), the charts and guidance against the documented /health fields
// and history route (answered here by the test where the server lacks them), and delete.
// Prints one JSON line; exits 1 on a failed check.
// Usage: node dashboard_manage.mjs CONFIG_JSON (see dashboard_lib.mjs)
import http from 'node:http';

import {
  ApiClient, check, launchBrowser, log, login, publish, readConfig, screenshot, sleep,
  waitUntil,
} from './dashboard_lib.mjs';

const config = readConfig();
const api = new ApiClient(config);
const result = { ok: false };
const publishers = [];

// A webhook receiver answering 200.
const received = [];
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    received.push(body);
    res.writeHead(200).end('ok');
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${receiver.address().port}/hooks`;

async function confirm(page, yes) {
  await page.waitForSelector('dialog[open] [data-confirm]');
  if (yes) await page.click('dialog[open] [data-confirm]');
  else await page.click('dialog[open] .dialog-actions .btn.ghost');
  await page.waitForSelector('dialog[open]', { state: 'detached' });
}

async function revealed(page, field) {
  await page.click(`[data-field="${field}"] .reveal`);
  return page.textContent(`[data-field="${field}"] .value`);
}

async function noSidewaysScroll(page, what) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth,
                                                     window.innerWidth]);
  check(scroll <= width, `${what}: page ${scroll} px wide in a ${width} px viewport`);
}

// The documented health fields and history route, for servers that do not have them yet.
function withDocumentedFields(data) {
  const wobble = Math.sin(Date.now() / 3000);
  return {
    ...data,
    ingest: data.ingest ?? { bitrate_kbps: 2400 + 200 * wobble, fps: 25, keyframe_interval_s: 2,
                             drift_ms: 40 + 10 * wobble, audio_kbps: 64, video_codec: 'h264',
                             width: 640, height: 360 },
    guidance: data.guidance ?? { recommended_max_kbps: 3000,
                                 reason: 'the link carries 4.2 Mb/s with 1.5 % loss' },
    viewers: data.viewers ?? { current: 3, startup_ms_p50: 900, startup_ms_p95: 1700,
                               rebuffer_ratio: 0.012, playback_failure_ratio: 0,
                               average_kbps: 1400 },
  };
}

function historySamples(id, seconds) {
  const now = Math.floor(Date.now() / 1000);
  const samples = [];
  for (let t = now - seconds + 1; t <= now; t++) {
    const w = Math.sin(t / 5);
    samples.push({
      at: new Date(t * 1000).toISOString(), status: 'active',
      ingest: { bitrate_kbps: 2500 + 300 * w, fps: 25, keyframe_interval_s: 2, drift_ms: 50 + 20 * w },
      srt: { rtt_ms: 20 + 5 * w, receive_rate_mbps: 2.6, loss_pct: 1 + w, retransmit_pct: 1.5 + w,
             packets_dropped: Math.floor(t / 7), receive_buffer_ms: 180, link_bandwidth_mbps: 40 },
      renditions: [{ name: '360p', encode_speed: 3 + w, frames_dropped: 0 }],
      viewers: { current: 3, startup_ms_p50: 900, startup_ms_p95: 1700, rebuffer_ratio: 0.01,
                 playback_failure_ratio: 0, average_kbps: 1400 },
      guidance: { recommended_max_kbps: 3000, reason: 'steady link' },
    });
  }
  return { data: { live_stream_id: id, interval_s: 1, samples } };
}

const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`[pageerror] ${e.message}`));
  const patches = [];
  page.on('request', (r) => {
    if (r.method() === 'PATCH') patches.push(r.headers()['if-match'] || null);
  });
  await page.goto(`${config.base}/`);
  await login(page, config);
  await page.waitForSelector('.topbar');

  // Create: passthrough, an SRT passphrase.
  const passphrase = 'correct horse battery staple';
  await page.click('#new-stream');
  await page.fill('#f-name', 'Studio B');
  await page.selectOption('#f-ladder', 'passthrough');
  await page.fill('#f-srt_passphrase', passphrase);
  await page.click('form.stream-form button[type=submit]');
  await page.waitForFunction(() => /^#\/streams\/ls_/.test(location.hash));
  const id = decodeURIComponent((await page.evaluate(() => location.hash)).split('/').pop());
  let stream = await api.stream(id);
  check(stream.ladder === 'passthrough' && stream.srt_passphrase === passphrase, 'created');
  await page.waitForFunction(() => document.querySelector('.stream-title')?.textContent === 'Studio B');

  // Edit with a stale ETag: 412, reloaded, then saved.
  await page.click('[data-action="edit"]');
  await page.fill('#f-reconnect_window', '120');
  const elsewhere = await api.call('PATCH', `/v1/live-streams/${id}`,
                                   { metadata: { name: 'Studio B (renamed elsewhere)' } });
  check(elsewhere.status === 200, 'PATCH from elsewhere');
  await page.click('form.stream-form button[type=submit]');
  await page.waitForFunction(() => /changed elsewhere/.test(
    document.querySelector('.toasts')?.textContent || ''));
  await page.waitForFunction(() => document.querySelector('.stream-title')?.textContent ===
    'Studio B (renamed elsewhere)');
  check((await api.stream(id)).reconnect_window === 60, 'the stale edit was refused');
  await page.click('[data-action="edit"]');
  await page.fill('#f-reconnect_window', '120');
  await page.fill('#f-metadata', 'floor=2');
  await page.click('form.stream-form button[type=submit]');
  await page.waitForSelector('dialog[open]', { state: 'detached' });
  stream = await api.stream(id);
  check(stream.reconnect_window === 120 && stream.metadata.floor === '2', 'edit saved');
  check(patches.length === 2 && patches.every((p) => p && p.startsWith('"')),
        `PATCH sent If-Match: ${JSON.stringify(patches)}`);
  result.if_match = patches;

  // Reset key: cancel changes nothing; confirm makes a new key, shown after Show.
  const oldKey = stream.stream_key;
  await page.click('[data-action="reset-key"]');
  await confirm(page, false);
  check((await api.stream(id)).stream_key === oldKey, 'cancelled reset');
  await page.click('[data-action="reset-key"]');
  await confirm(page, true);
  await page.waitForFunction(() => /New stream key/.test(
    document.querySelector('.toasts')?.textContent || ''));
  const newKey = (await api.stream(id)).stream_key;
  check(newKey !== oldKey, 'confirmed reset made a new key');
  check(!(await page.evaluate(() => document.documentElement.outerHTML)).includes(newKey),
        'new key hidden');
  check((await revealed(page, 'stream-key')) === newKey, 'new key after Show');

  // Webhook endpoint: the secret once, masked until Show.
  await page.click('#webhooks summary');
  await page.fill('#webhook-url', receiverUrl);
  await page.click('#webhooks form button[type=submit]');
  await page.waitForSelector('[data-field="webhook-secret"]');
  const maskedSecret = await page.textContent('[data-field="webhook-secret"] .value');
  const secret = await revealed(page, 'webhook-secret');
  check(/^•+$/.test(maskedSecret) && secret.length >= 16, 'webhook secret masked, then shown');
  await page.click('.secret-once .btn:not(.reveal):not(.copy)');
  const endpoints = (await api.call('GET', '/v1/webhook-endpoints')).data.data;
  check(endpoints.length === 1 && endpoints[0].url === receiverUrl, 'endpoint created');
  await page.click(`.endpoint[data-id="${endpoints[0].id}"] .row-actions .btn.ghost`);

  // SRT publisher on the URL the page shows (passphrase included).
  await page.click('[data-tab="srt"]');
  const html = await page.evaluate(() => document.documentElement.outerHTML);
  check(!html.includes(passphrase) && !html.includes(encodeURIComponent(passphrase)),
        'passphrase hidden until Show');
  const srtUrl = await revealed(page, 'srt-url');
  check(srtUrl.includes('passphrase='), `SRT URL with passphrase: ${srtUrl.length} chars`);
  publishers.push(publish({ ...config, ffmpeg: config.ffmpeg_srt }, `${srtUrl}&latency=200000`));
  await page.waitForSelector('#stream-status[data-status="active"]', { timeout: 20000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-chart="rtt"]')
    ?.dataset.points) >= 3, null, { timeout: 20000 });
  await page.waitForSelector('#timeline [data-type="live_stream.active"]', { timeout: 5000 });
  result.rtt_points = Number(await page.getAttribute('[data-chart="rtt"]', 'data-points'));

  // Disable (confirmed) kicks the publisher; enable.
  await page.click('[data-action="disable"]');
  await confirm(page, true);
  await page.waitForSelector('#stream-status[data-status="disabled"]', { timeout: 5000 });
  await page.click('[data-action="enable"]');
  await page.waitForSelector('#stream-status[data-status="idle"]', { timeout: 5000 });
  for (const p of publishers) p.kill();

  // The delivery log shows this stream's deliveries.
  await page.waitForSelector('.delivery-log tr[data-status="succeeded"]', { timeout: 20000 });
  result.webhooks_received = received.length;
  await page.click('.endpoint .danger-ghost');
  await confirm(page, true);
  await page.waitForSelector('.endpoint', { state: 'detached' });
  check((await api.call('GET', '/v1/webhook-endpoints')).data.data.length === 0, 'endpoint deleted');

  // Phone: no sideways scrolling; tables become lists.
  await page.setViewportSize({ width: 390, height: 844 });
  await sleep(300);
  await noSidewaysScroll(page, 'stream page');
  await page.click('.crumbs a');
  await page.waitForSelector(`tr[data-id="${id}"]`);
  await noSidewaysScroll(page, 'list');
  check(await page.evaluate(() => getComputedStyle(document.querySelector('.streams thead'))
    .display === 'none'), 'the list is a list on a phone');
  await page.setViewportSize({ width: 1280, height: 800 });

  // The documented health fields and history: every chart plots, guidance shows.
  await page.route(/\/v1\/live-streams\/[^/]+\/health$/, async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    await route.fulfill({ response, json: { data: withDocumentedFields(body.data) } });
  });
  await page.route(/\/v1\/live-streams\/[^/]+\/health\/history\?/, (route) => {
    const seconds = Number(new URL(route.request().url()).searchParams.get('seconds'));
    route.fulfill({ json: historySamples(id, Math.min(seconds, 120)) });
  });
  await page.click(`tr[data-id="${id}"] .stream-name`);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-chart]')]
    .every((c) => Number(c.dataset.points) > 0), null, { timeout: 10000 });
  const guidance = await page.textContent('#guidance');
  check(/3,000 kb\/s/.test(guidance), `guidance line: ${guidance}`);
  result.charts = await page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('[data-chart]')].map((c) => [c.dataset.chart,
                                                              Number(c.dataset.points)])));
  await screenshot(page, config, 'stream-documented-fields');
  await page.unrouteAll({ behavior: 'ignoreErrors' });

  // Delete, confirmed: back to the list, gone from the API.
  await page.click('[data-action="delete"]');
  await confirm(page, true);
  await page.waitForFunction(() => location.hash === '#/');
  await waitUntil(async () => (await api.call('GET', `/v1/live-streams/${id}`)).status === 404,
                  5000, 'deleted');
  await page.waitForSelector(`tr[data-id="${id}"]`, { state: 'detached', timeout: 5000 });
  result.ok = true;
} catch (e) {
  result.error = String(e && e.stack ? e.stack : e);
} finally {
  for (const p of publishers) p.kill();
  await browser.close();
  receiver.close();
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(result.ok ? 0 : 1);
