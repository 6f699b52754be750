// The player embedded on another origin (an embedding site): a page served by a different
// server imports https://HOST/player/steadycast-player.js as an ES module (hls.js and the
// stylesheet come from next to it) and also frames /play/ID in an <iframe>. Checks that both
// players reach their first frame, where the stylesheet and beacons went, and that nothing
// was blocked. Prints one JSON line.
// Usage: node player_embed.mjs EMBED_PAGE_URL
import { launchBrowser, newPlayerPage } from './player_common.mjs';

const [embedUrl] = process.argv.slice(2);
const browser = await launchBrowser();
const result = { ok: false };
try {
  const { page, beacons, pageErrors } = await newPlayerPage(browser, { width: 1280, height: 900 });
  const failed = [];
  page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
  await page.goto(embedUrl);
  await page.waitForFunction(() => window.steadycastPlayer?.state === 'playing', null,
                             { timeout: 40000 });
  const frame = page.frames().find((f) => f.url().includes('/play/'));
  await frame.waitForFunction(() => window.steadycastPlayer?.state === 'playing', null,
                              { timeout: 40000 });
  result.module = await page.evaluate(() => ({
    state: window.steadycastPlayer.state,
    engine: window.steadycastPlayer.stats().engine,
    stylesheets: [...document.querySelectorAll('link[rel="stylesheet"]')].map((l) => l.href),
    root_styled: getComputedStyle(document.querySelector('.scp-root')).backgroundColor,
    origin: location.origin,
  }));
  result.iframe = await frame.evaluate(() => ({
    state: window.steadycastPlayer.state, origin: location.origin,
    current_time: window.steadycastPlayer.video.currentTime,
  }));
  await page.waitForTimeout(500);
  result.beacon_count = beacons.length;
  result.failed_requests = failed.filter((f) => !f.includes('/v1/playback/beacons'));
  result.page_errors = pageErrors;
  result.ok = true;
} catch (e) {
  result.exception = String(e);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(result) + '\n');
