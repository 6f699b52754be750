// Plays an HLS URL with hls.js in Debian's Chromium (driven by playwright-core) through a
// publisher outage: prints "PLAYING <unix ms>" on stdout once video.currentTime > 0 (the test
// then kills and restarts the publisher), samples video.currentTime every 250 ms for
// WATCH_SECONDS, and finally prints one JSON line: the samples (unix ms, currentTime,
// readyState), fatal hls.js errors, non-fatal error details, and the MediaError code if any.
// Usage: node play_hls_reconnect.mjs MASTER_URL ORIGIN_URL [WATCH_SECONDS]
import { launchBrowser, openHlsPage, waitForPlayback } from './hls_page.mjs';

const [masterUrl, originUrl, watchArg] = process.argv.slice(2);
const watchSeconds = Number(watchArg || 30);

const browser = await launchBrowser();
const result = { ok: false, samples: [] };
try {
  const page = await openHlsPage(browser, originUrl);
  await page.evaluate((url) => {
    window.__fatal = [];
    window.__nonfatal = [];
    window.__reasons = [];
    const video = document.getElementById('v');
    const hls = new window.Hls({ liveSyncDurationCount: 3 });
    hls.on(window.Hls.Events.ERROR, (_e, data) => {
      (data.fatal ? window.__fatal : window.__nonfatal).push(`${data.type}/${data.details}`);
      const ranges = [];
      for (let i = 0; i < video.buffered.length; i++) {
        ranges.push([+video.buffered.start(i).toFixed(3), +video.buffered.end(i).toFixed(3)]);
      }
      window.__reasons.push({ at: +video.currentTime.toFixed(3), details: data.details,
                              reason: data.reason || (data.error && data.error.message) || '',
                              buffered: ranges });
    });
    window.__frags = [];
    hls.on(window.Hls.Events.FRAG_BUFFERED, (_e, data) => {
      const f = data.frag;
      const es = f.elementaryStreams || {};
      const v = es.video || es.audio || {};
      window.__frags.push([f.type, f.level, f.sn, f.cc, +f.start.toFixed(3),
                           +(v.startPTS || 0).toFixed(3), +(v.endPTS || 0).toFixed(3)]);
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    video.play().catch((e) => window.__fatal.push(`play: ${e}`));
  }, masterUrl);
  await waitForPlayback(page, 30000);
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
    return { fatal: window.__fatal, nonfatal: window.__nonfatal, reasons: window.__reasons,
             frags: window.__frags,
             error: v.error ? v.error.code : null };
  }));
  result.ok = true;
} catch (e) {
  result.exception = String(e);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(result) + '\n');
