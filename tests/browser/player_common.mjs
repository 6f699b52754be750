// Shared setup for the steadycast player's browser checks (player_*.mjs): launches Debian's
// Chromium through playwright-core from the repository's node_modules, opens the player page
// (/play/ID), records the page's console and the QoE beacons it sends, and reads the player's
// controller (window.steadycastPlayer). Every check prints one JSON line on stdout.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = require(path.join(root, 'node_modules', 'playwright-core'));

// Headless Chromium talking only to the page's server (loopback). By default with the strict
// autoplay policy of a browser that has never seen the site (sound needs a user gesture, muted
// playback does not; headless Chromium's own default let sound through in some runs): the
// player must cope with it itself. `autoplayFlag` lifts the policy.
export function launchBrowser({ autoplayFlag = false } = {}) {
  const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  args.push(autoplayFlag ? '--autoplay-policy=no-user-gesture-required'
                         : '--autoplay-policy=user-gesture-required');
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
                           headless: true, args });
}

// A page with the given viewport that logs its console to stderr and collects beacons.
export async function newPlayerPage(browser, { width = 1280, height = 720 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const beacons = [];
  const pageErrors = [];  // uncaught exceptions: a player bug, whatever the network did
  page.on('console', (msg) => process.stderr.write(`[page ${msg.type()}] ${msg.text()}\n`));
  page.on('pageerror', (error) => {
    pageErrors.push(String(error));
    process.stderr.write(`[page exception] ${error}\n`);
  });
  page.on('request', (request) => {
    if (!request.url().endsWith('/v1/playback/beacons')) return;
    try {
      beacons.push(JSON.parse(request.postData() || 'null'));
    } catch {
      beacons.push({ unparsable: request.postData() });
    }
  });
  return { context, page, beacons, pageErrors };
}

// The player's state and stats (null until play.js has created it).
export function playerSnapshot(page) {
  return page.evaluate(() => {
    const p = window.steadycastPlayer;
    if (!p) return null;
    const overlay = document.querySelector('.scp-overlay');
    const spinner = document.querySelector('.scp-spinner');
    // Every control: its accessible name, and whether it is on screen now.
    const elements = document.querySelectorAll('.scp-root button, .scp-root input');
    const controls = [...elements].map((c) => ({
      label: c.getAttribute('aria-label'),
      visible: c.offsetParent !== null && !c.closest('[hidden]'),
      focusable: c.tabIndex >= 0 && !c.disabled,
    }));
    return {
      state: p.state, stats: p.stats(), levels: p.levels, level: p.level, controls,
      muted: p.video.muted, rate: p.video.playbackRate,
      fullscreen: document.fullscreenElement?.className ?? null,
      focused: document.activeElement?.className ?? null,
      message: overlay ? overlay.querySelector('.scp-title').textContent : null,
      spinner: spinner ? getComputedStyle(spinner).display !== 'none' : false,
      readyState: p.video.readyState, paused: p.video.paused,
    };
  }).catch(() => null);
}

// Polls the page until `predicate(snapshot)` holds; returns the snapshot or throws after
// `timeoutMs`.
export async function waitForSnapshot(page, predicate, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < end) {
    last = await playerSnapshot(page);
    if (last && predicate(last)) return last;
    await page.waitForTimeout(100);
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

// Saves a screenshot into SCREENSHOT_DIR (when set) as NAME.png.
export async function screenshot(page, name) {
  const dir = process.env.SCREENSHOT_DIR;
  if (!dir) return null;
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

// Waits for a line on stdin (the Python driver's cue, e.g. "go" after it changed the world).
export function waitForCue() {
  return new Promise((resolve) => {
    let buffer = '';
    const onData = (chunk) => {
      buffer += chunk;
      const at = buffer.indexOf('\n');
      if (at < 0) return;
      process.stdin.off('data', onData);
      process.stdin.pause();
      resolve(buffer.slice(0, at).trim());
    };
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', onData);
  });
}

export function say(line) {
  process.stdout.write(`${line}\n`);
}
