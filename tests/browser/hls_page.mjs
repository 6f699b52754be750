// Shared setup for the hls.js browser checks (play_hls.mjs, play_hls_reconnect.mjs): launches
// Debian's Chromium through playwright-core from the repository's node_modules, and opens a
// page on the server's origin holding one muted autoplay <video id="v"> with hls.js loaded.
// The caller owns the returned browser and must close it.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = require(path.join(root, 'node_modules', 'playwright-core'));
// HLSJS_PACKAGE picks the npm package: "hls.js" (the newest 1.x release, what users install)
// or "hls.js-1.6" (the previous line, kept for a compatibility check).
const hlsPackage = process.env.HLSJS_PACKAGE || 'hls.js';
const hlsPath = path.join(root, 'node_modules', hlsPackage, 'dist', 'hls.min.js');

// Headless Chromium with nothing talking to the network but the page (loopback only).
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--autoplay-policy=no-user-gesture-required'],
  });
}

// A new page on `originUrl` (same origin as the server, so nothing depends on CORS for the
// page itself) with the <video id="v"> element and window.Hls; console output goes to stderr.
export async function openHlsPage(browser, originUrl) {
  const page = await browser.newPage();
  page.on('console', (msg) => process.stderr.write(`[page] ${msg.text()}\n`));
  await page.goto(originUrl);
  await page.setContent('<video id="v" muted autoplay playsinline width="640"></video>');
  await page.addScriptTag({ path: hlsPath });
  return page;
}

// Resolves once the video has shown its first frame (currentTime > 0); rejects after
// `timeoutMs`.
export function waitForPlayback(page, timeoutMs) {
  return page.waitForFunction(() => document.getElementById('v').currentTime > 0, null,
                              { timeout: timeoutMs });
}
