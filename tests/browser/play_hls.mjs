// Plays an HLS URL with hls.js in Debian's Chromium (driven by playwright-core) and reports,
// as one JSON line on stdout, how far video.currentTime advanced in a wall-clock window and
// whether a MediaError occurred.
// Usage: node play_hls.mjs MASTER_URL ORIGIN_URL [WATCH_SECONDS]
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = require(path.join(root, 'node_modules', 'playwright-core'));
const hlsPath = path.join(root, 'node_modules', 'hls.js', 'dist', 'hls.min.js');

const [masterUrl, originUrl, watchArg] = process.argv.slice(2);
const watchSeconds = Number(watchArg || 8);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--autoplay-policy=no-user-gesture-required'],
});
const result = { ok: false };
try {
  const page = await browser.newPage();
  page.on('console', (msg) => process.stderr.write(`[page] ${msg.text()}\n`));
  // Same origin as the server, so nothing depends on CORS for the page itself.
  await page.goto(originUrl);
  await page.setContent('<video id="v" muted autoplay playsinline width="640"></video>');
  await page.addScriptTag({ path: hlsPath });
  result.mse_h264 = await page.evaluate(() =>
    window.MediaSource.isTypeSupported('video/mp4; codecs="avc1.64001e,mp4a.40.2"'));
  await page.evaluate((url) => {
    window.__errors = [];
    const video = document.getElementById('v');
    const hls = new window.Hls({ liveSyncDurationCount: 3 });
    hls.on(window.Hls.Events.ERROR, (_e, data) => {
      if (data.fatal) window.__errors.push(`${data.type}/${data.details}`);
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    video.play().catch((e) => window.__errors.push(`play: ${e}`));
  }, masterUrl);
  // Wait for playback to start (first frame), bounded.
  await page.waitForFunction(() => document.getElementById('v').currentTime > 0, null,
                             { timeout: 20000 });
  const t0 = await page.evaluate(() => document.getElementById('v').currentTime);
  await page.waitForTimeout(watchSeconds * 1000);
  const state = await page.evaluate(() => {
    const v = document.getElementById('v');
    return { t: v.currentTime, error: v.error ? v.error.code : null, errors: window.__errors,
             width: v.videoWidth, height: v.videoHeight };
  });
  Object.assign(result, state, { start: t0, advanced: state.t - t0, ok: true });
} catch (e) {
  result.exception = String(e);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(result) + '\n');
