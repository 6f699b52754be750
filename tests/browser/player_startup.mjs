// Startup of the player page on a live stream: opens /play/ID in a fresh browser context
// (cold HTTP cache) RUNS times and measures, for each, the first frame's time from the page's
// navigation start (performance.now() when requestVideoFrameCallback reported the first frame
// presented while playing). Alternates desktop (1280x720) and phone (390x844) viewports and
// keeps a screenshot of each size playing. The first run uses the URL as given; the others
// add ?muted=1. Without ?muted=1 the browser refuses sound without a gesture, and the player
// must fall back to muted autoplay with an "Unmute" button.
// Prints one JSON line: {ok, runs: [{viewport, first_frame_ms, startup_ms, muted, unmute_button,
// autoplay_muted, timeline}]}.
// Usage: node player_startup.mjs PAGE_URL [RUNS]
import { launchBrowser, newPlayerPage, screenshot } from './player_common.mjs';

const [pageUrl, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 5);
const sizes = [[1280, 720], [390, 844]];

function withMuted(url) {
  const u = new URL(url);
  u.searchParams.set('muted', '1');
  return u.href;
}

async function oneRun(browser, index) {
  const [width, height] = sizes[index % sizes.length];
  const { context, page, pageErrors } = await newPlayerPage(browser, { width, height });
  try {
    await page.addInitScript(() => {
      window.__autoplayMuted = false;
      let player = null;
      Object.defineProperty(window, 'steadycastPlayer', {
        configurable: true,
        get: () => player,
        set: (p) => {
          player = p;
          p.on('autoplaymuted', () => { window.__autoplayMuted = true; });
        },
      });
    });
    await page.goto(index === 0 ? pageUrl : withMuted(pageUrl));
    await page.waitForFunction(() => window.steadycastPlayer?.stats().first_frame_time_ms != null,
                               null, { timeout: 30000 });
    await page.waitForTimeout(1200);  // a little playback, controls still visible
    const run = await page.evaluate(() => {
      const p = window.steadycastPlayer;
      const s = p.stats();
      const unmute = document.querySelector('.scp-unmute');
      const res = (name) => performance.getEntriesByType('resource')
        .find((e) => e.name.includes(name));
      const at = (name) => (res(name) ? Math.round(res(name).responseEnd) : null);
      return {
        first_frame_ms: s.first_frame_time_ms, startup_ms: s.startup_ms, state: p.state,
        current_time: s.current_time, muted: p.video.muted,
        autoplay_muted: window.__autoplayMuted, unmute_button: Boolean(unmute && !unmute.hidden),
        timeline: {
          html: Math.round(performance.getEntriesByType('navigation')[0].responseEnd),
          hls_js: at('/vendor/hls.mjs'), master: at('.m3u8'), media_playlist: at('index.m3u8'),
          first_segment: at('.m4s'),
        },
        marks: Object.fromEntries(performance.getEntriesByType('mark')
          .filter((m) => m.name.startsWith('steadycast:'))
          .map((m) => [m.name.slice(11), Math.round(m.startTime)])),
      };
    });
    run.viewport = `${width}x${height}`;
    run.page_errors = pageErrors;
    await screenshot(page, `startup-${run.viewport}-playing${index === 0 ? '-autoplay' : ''}`);
    return run;
  } finally {
    await context.close();
  }
}

const browser = await launchBrowser();
const result = { ok: false, runs: [] };
try {
  for (let i = 0; i < runs; i += 1) result.runs.push(await oneRun(browser, i));
  result.ok = true;
} catch (e) {
  result.exception = String(e);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(result) + '\n');
