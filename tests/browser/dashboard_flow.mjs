// The dashboard end to end in Chromium, against a real server and real ffmpeg publishers:
// a wrong token is refused with a message (and without the browser's own Basic-auth prompt),
// the admin token signs in (kept in sessionStorage only), a stream is created through the
// form, its key stays hidden until "Show", publishing turns the list badge `active` (timed
// against the API), the stream page plays and its charts fill; killing the publisher turns
// the badge `reconnecting` while the player keeps advancing on the slate; a new publisher
// turns it `active` and the same player plays on. Screenshots at 1280x800 and 390x844.
// Prints one JSON line with the measurements; exits 1 on a failed check.
// Usage: node dashboard_flow.mjs CONFIG_JSON (see dashboard_lib.mjs)
import {
  ApiClient, badgeAt, check, frameColourfulness, launchBrowser, log, login, publish,
  readConfig, recordBadges, sampleVideo, screenshot, sleep, waitUntil,
} from './dashboard_lib.mjs';

const config = readConfig();
const api = new ApiClient(config);
const result = { ok: false, latency_ms: {}, charts: {}, video: {} };
const publishers = [];
const advance = (s) => (s.length ? s[s.length - 1][1] - s[0][1] : 0);

// Times how long after the API the page drew `status` (poller and observer already running).
async function badgeLatency(page, watch, status, since, label) {
  const apiAt = await waitUntil(() => watch.at(status, since), 20000, `API ${status}`);
  const drawnAt = await waitUntil(() => badgeAt(page, status, since), 20000, `badge ${status}`);
  const changedAfter = watch.change(status, since).after;
  result.latency_ms[label] = drawnAt - apiAt;
  result.latency_ms[`${label}_at_most`] = drawnAt - changedAfter;
  log(`${label}: badge ${status} ${drawnAt - apiAt} ms after the API first answered it, ` +
      `at most ${drawnAt - changedAfter} ms after the change`);
  check(drawnAt - apiAt < 2000, `${label} badge within 2 s of the API`);
}

const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`[pageerror] ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') log(`[console] ${m.text()}`); });

  // The browser would prompt for credentials exactly where DevTools reports authRequired.
  const cdp = await context.newCDPSession(page);
  let authPrompts = 0;
  cdp.on('Fetch.authRequired', (e) => {
    authPrompts++;
    cdp.send('Fetch.continueWithAuth', { requestId: e.requestId,
                                         authChallengeResponse: { response: 'CancelAuth' } });
  });
  cdp.on('Fetch.requestPaused', (e) => cdp.send('Fetch.continueRequest',
                                                 { requestId: e.requestId }));
  await cdp.send('Fetch.enable', { handleAuthRequests: true,
                                   patterns: [{ urlPattern: '*/v1/*' }] });

  // 1. A wrong token: an error, nothing stored, no native prompt.
  await page.goto(`${config.base}/`);
  await login(page, config, `${config.token_secret}x`);
  await page.waitForFunction(() => /Wrong token/.test(
    document.getElementById('login-error')?.textContent || ''), null, { timeout: 10000 });
  const stored = await page.evaluate(() => [sessionStorage.length, localStorage.length]);
  check(stored[0] === 0 && stored[1] === 0, `nothing stored after a wrong token: ${stored}`);

  // 2. The right token: signed in, kept in sessionStorage only, never in the URL.
  await login(page, config);
  await page.waitForSelector('.topbar', { timeout: 10000 });
  const storage = await page.evaluate(() => ({
    session: sessionStorage.getItem('steadycast.token'), local: localStorage.length,
    url: location.href }));
  check(storage.session && storage.session.includes(config.token_secret), 'token in sessionStorage');
  check(storage.local === 0, 'localStorage untouched');
  check(!storage.url.includes(config.token_secret), 'secret not in the URL');
  check(authPrompts === 0, `no Basic-auth prompt (${authPrompts})`);
  result.auth_prompts = authPrompts;
  await cdp.send('Fetch.disable');

  // 3. Create a stream through the form (default ladder, so the slate exists).
  const name = 'Main stage <img src=x onerror="window.__xss=1">';
  await page.click('#new-stream');
  await page.fill('#f-name', name);
  await page.fill('#f-reconnect_window', '60');
  await page.selectOption('#f-ladder', 'default');
  await page.fill('#f-metadata', 'event=launch');
  await screenshot(page, config, 'new-stream-dialog', false);
  await page.click('form.stream-form button[type=submit]');
  await page.waitForFunction(() => /^#\/streams\/ls_/.test(location.hash), null,
                             { timeout: 10000 });
  const id = decodeURIComponent((await page.evaluate(() => location.hash)).split('/').pop());
  const stream = await api.stream(id);
  check(stream.ladder === 'default' && stream.reconnect_window === 60, 'settings from the form');
  check(stream.metadata.name === name && stream.metadata.event === 'launch', 'metadata');
  await page.waitForFunction((n) => document.querySelector('.stream-title')?.textContent === n,
                             name, { timeout: 10000 });
  check(await page.evaluate(() => window.__xss === undefined), 'metadata rendered as text');
  result.stream_id = id;

  // 4. The key is hidden until "Show".
  const key = stream.stream_key;
  const html = () => page.evaluate(() => document.documentElement.outerHTML);
  check(!(await html()).includes(key), 'key not in the page before Show');
  await page.click('[data-field="stream-key"] .reveal');
  check((await page.textContent('[data-field="stream-key"] .value')) === key, 'key after Show');
  await page.click('[data-field="stream-key"] .reveal');
  check(!(await html()).includes(key), 'key hidden again');

  // 5. Publish; the list badge turns active (timed against the API).
  await page.click('.crumbs a');
  await page.waitForSelector(`tr[data-id="${id}"] .badge[data-status="idle"]`);
  await recordBadges(page, `tr[data-id="${id}"] .badge`);
  const watch = api.watchStatus(id);
  let t0 = Date.now();
  publishers.push(publish(config, `${config.rtmp}${key}`));
  await badgeLatency(page, watch, 'active', t0, 'list_active');
  await screenshot(page, config, 'list-desktop');
  await page.setViewportSize({ width: 390, height: 844 });
  await sleep(300);
  await screenshot(page, config, 'list-phone');
  await page.setViewportSize({ width: 1280, height: 800 });

  // 6. The stream page: the player plays, the charts fill.
  await page.click(`tr[data-id="${id}"] .stream-name`);
  await page.waitForSelector('#player-video');
  await page.waitForFunction(() => document.getElementById('player-video').currentTime > 1,
                             null, { timeout: 45000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-chart="speed"]')
    ?.dataset.points) >= 6, null, { timeout: 30000 });
  result.charts = await page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('[data-chart]')].map((c) => [c.dataset.chart,
                                                              Number(c.dataset.points)])));
  check(await page.evaluate(() => document.querySelectorAll('[data-chart] canvas').length) > 0,
        'a chart is drawn');
  result.video.colour_live = await frameColourfulness(page);
  await screenshot(page, config, 'stream-desktop');
  await page.setViewportSize({ width: 390, height: 844 });
  await sleep(500);
  await screenshot(page, config, 'stream-phone');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.evaluate(() => {
    window.__sameDocument = true;
    window.__video = document.getElementById('player-video');
  });
  await recordBadges(page, '#stream-status');

  // 7. Kill the publisher: reconnecting, the slate plays.
  t0 = Date.now();
  publishers[0].kill();
  await badgeLatency(page, watch, 'reconnecting', t0, 'stream_reconnecting');
  await page.waitForFunction(() => /\d+:\d\d/.test(
    document.getElementById('reconnect-countdown')?.textContent || ''), null, { timeout: 5000 });
  const outage = await sampleVideo(page, 8000);
  result.video.advance_during_outage_s = advance(outage);
  result.video.colour_slate = await frameColourfulness(page);
  result.slate_text = await page.textContent('[data-key="slate"] dd');
  await screenshot(page, config, 'stream-reconnecting', false);
  check(result.video.advance_during_outage_s >= 4, `video advanced on the slate ${JSON.stringify(outage.slice(-8))}`);
  check(/slate/.test(result.slate_text), `the page says viewers see the slate: ${result.slate_text}`);
  // The picture is the slate (a grey card), not a frozen test pattern (mostly colour).
  check(result.video.colour_live > 0.5 && result.video.colour_slate < 0.1,
        `the player shows the slate: ${JSON.stringify(result.video)}`);

  // 8. A new publisher: active again, the same player plays on.
  t0 = Date.now();
  publishers.push(publish(config, `${config.rtmp}${key}`));
  await badgeLatency(page, watch, 'active', t0, 'stream_active_again');
  await sleep(3000);
  const after = await sampleVideo(page, 8000);
  result.video.advance_after_return_s = advance(after);
  result.video.colour_after_return = await frameColourfulness(page);
  check(result.video.advance_after_return_s >= 4, 'video advances after the publisher returned');
  check(await page.evaluate(() => window.__sameDocument === true &&
    window.__video === document.getElementById('player-video')), 'no reload, same player');
  watch.stop();
  result.api_changes = watch.changes;

  // 9. Log out: the token is gone.
  await page.click('#logout');
  await page.waitForSelector('#token-id');
  check(await page.evaluate(() => sessionStorage.length === 0), 'logout clears the token');
  result.ok = true;
} catch (e) {
  result.error = String(e && e.stack ? e.stack : e);
} finally {
  for (const p of publishers) p.kill();
  await browser.close();
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(result.ok ? 0 : 1);
