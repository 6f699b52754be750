// Plays an HLS URL with hls.js in Debian's Chromium (driven by playwright-core) through a
// publisher outage: prints "PLAYING <unix ms>" on stdout once video.currentTime > 0 (the test
// then kills and restarts the publisher), samples video.currentTime every 250 ms for
// WATCH_SECONDS, and finally prints one JSON line: the samples (unix ms, currentTime,
// readyState), fatal hls.js errors, non-fatal error details, and the MediaError code if any.
// Usage: node play_hls_reconnect.mjs MASTER_URL ORIGIN_URL [WATCH_SECONDS]
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = require(path.join(root, 'node_modules', 'playwright-core'));
const hlsPath = path.join(root, 'node_modules', 'hls.js', 'dist', 'hls.min.js');

const [masterUrl, originUrl, watchArg] = process.argv.slice(2);
const watchSeconds = Number(watchArg || 30);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--autoplay-policy=no-user-gesture-required'],
});
const result = { ok: false, samples: [] };
try {
  const page = await browser.newPage();
  page.on('console', (msg) => process.stderr.write(`[page] ${msg.text()}\n`));
  await page.goto(originUrl);
  await page.setContent('<video id="v" muted autoplay playsinline width="640"></video>');
  await page.addScriptTag({ path: hlsPath });
  await page.evaluate((url) => {
    window.__fatal = [];
    window.__nonfatal = [];
    const video = document.getElementById('v');
    const hls = new window.Hls({ liveSyncDurationCount: 3 });
    hls.on(window.Hls.Events.ERROR, (_e, data) => {
      (data.fatal ? window.__fatal : window.__nonfatal).push(`${data.type}/${data.details}`);
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    video.play().catch((e) => window.__fatal.push(`play: ${e}`));
  }, masterUrl);
  await page.waitForFunction(() => document.getElementById('v').currentTime > 0, null,
                             { timeout: 30000 });
  process.stdout.write(`PLAYING ${Date.now()}\n`);
  const end = Date.now() + watchSeconds * 1000;
  while (Date.now() < end) {
    const s = await page.evaluate(() => {
      const v = document.getElementById('v');
      return [v.currentTime, v.readyState];
    });
    result.samples.push([Date.now(), s[0], s[1]]);
    await page.waitForTimeout(250);
  }
  Object.assign(result, await page.evaluate(() => {
    const v = document.getElementById('v');
    return { fatal: window.__fatal, nonfatal: window.__nonfatal,
             error: v.error ? v.error.code : null };
  }));
  result.ok = true;
} catch (e) {
  result.exception = String(e);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(result) + '\n');
