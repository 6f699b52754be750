// Plays an HLS URL with hls.js in Debian's Chromium (driven by playwright-core) and reports,
// as one JSON line on stdout, how far video.currentTime advanced in a wall-clock window and
// whether a MediaError occurred.
// Usage: node play_hls.mjs MASTER_URL ORIGIN_URL [WATCH_SECONDS]
import { launchBrowser, openHlsPage, waitForPlayback } from './hls_page.mjs';

const [masterUrl, originUrl, watchArg] = process.argv.slice(2);
const watchSeconds = Number(watchArg || 8);

const browser = await launchBrowser();
const result = { ok: false };
try {
  const page = await openHlsPage(browser, originUrl);
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
  await waitForPlayback(page, 20000);
  const t0 = await page.evaluate(() => document.getElementById('v').currentTime);
  await page.waitForTimeout(watchSeconds * 1000);
  const state = await page.evaluate(() => {
    const v = document.getElementById('v');
    return { t: v.currentTime, error: v.error ? v.error.code : null, errors: window.__errors,
             width: v.videoWidth, height: v.videoHeight, hls_version: window.Hls.version };
  });
  Object.assign(result, state, { start: t0, advanced: state.t - t0, ok: true });
} catch (e) {
  result.exception = String(e);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(result) + '\n');
