// Opens the player page (/play/ID) in Chromium and records what the viewer sees while the
// Python test changes the world (starts or kills the publisher, completes the stream, restarts
// the server). Everything the player reports is captured from its creation on (an init script
// hooks window.steadycastPlayer): state changes, errors, first frames and beacons, with
// wall-clock times (Date.now(), the same clock as the Python test's time.time()).
//
// stdout: "STATE <unix ms> <state>" on every state change (the Python side waits on these),
// then one JSON line: {ok, transitions, samples, errors, beacons, navigations, final, ...};
// a sample is [unix ms, currentTime, state, live_sync_distance_s, live_edge_distance_s,
// overlay message, spinner shown, live status, played level, auto level, playbackRate].
// stdin: "shot NAME" saves a screenshot into SCREENSHOT_DIR; "key K" presses a key on the
// page; "hover CSS" moves the mouse over an element (the controls fade out while playing);
// "click CSS" clicks an element; "eval JS" runs a script in the page (e.g. to move the
// playhead the way a stall would); "leave" records the player's state as "left", navigates
// away (the page's pagehide sends view_end) and keeps every beacon the page sent as
// "sent_beacons"; "offline" / "online" switch the browser's network
// (navigator.onLine and its events follow); "stop" ends the watch. Each command prints
// "DONE <unix ms> <command>" once performed.
// Usage: node player_watch.mjs PAGE_URL MAX_SECONDS [WIDTHxHEIGHT] [--autoplay-flag]
import { launchBrowser, newPlayerPage, playerSnapshot, say, screenshot } from './player_common.mjs';

const [pageUrl, maxArg, viewportArg] = process.argv.slice(2);
const maxSeconds = Number(maxArg || 60);
const [width, height] = (viewportArg && viewportArg.includes('x') ? viewportArg : '1280x720')
  .split('x').map(Number);
const autoplayFlag = process.argv.includes('--autoplay-flag');
const shotPrefix = process.env.SCREENSHOT_PREFIX || 'watch';

// Runs in the page before any of its scripts: records the controller's events, and keeps a
// copy of every beacon body in sessionStorage, where it outlives the page: a beacon sent from
// pagehide shows in no request event with its body.
function hookPlayer() {
  const sendBeacon = navigator.sendBeacon.bind(navigator);
  navigator.sendBeacon = (url, data) => {
    const sent = JSON.parse(sessionStorage.getItem('player-watch-beacons') || '[]');
    sent.push(String(data));
    sessionStorage.setItem('player-watch-beacons', JSON.stringify(sent));
    return sendBeacon(url, data);
  };
  window.__events = [];
  const record = (type, data) => window.__events.push({ t: Date.now(), type, data });
  let player = null;
  Object.defineProperty(window, 'steadycastPlayer', {
    configurable: true,
    get: () => player,
    set: (p) => {
      player = p;
      record('statechange', { state: p.state, previous: null });
      for (const type of ['statechange', 'error', 'firstframe', 'beacon', 'autoplaymuted']) {
        p.on(type, (data) => record(type, type === 'beacon' ? data.body : data));
      }
    },
  });
}

const commands = [];
process.stdin.setEncoding('utf8');
let pending = '';
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let at;
  while ((at = pending.indexOf('\n')) >= 0) {
    commands.push(pending.slice(0, at).trim());
    pending = pending.slice(at + 1);
  }
});

async function perform(command, page, context, result) {
  const [verb, ...rest] = command.split(' ');
  const arg = rest.join(' ');
  if (verb === 'shot') await screenshot(page, arg);
  else if (verb === 'key') await page.keyboard.press(arg);
  else if (verb === 'hover') await page.hover(arg, { timeout: 5000 });
  else if (verb === 'click') await page.click(arg, { timeout: 5000 });
  else if (verb === 'offline' || verb === 'online') await context.setOffline(verb === 'offline');
  else if (verb === 'eval') await page.evaluate(arg);
  else if (verb === 'leave') {
    // The viewer leaves: the player's last state, then the page goes (pagehide → view_end)
    // for another page of the same origin, which can read what the player sent.
    result.left = await playerSnapshot(page);
    await page.goto(new URL('/healthz', page.url()).href);
    result.sent_beacons = (await page.evaluate(
      () => JSON.parse(sessionStorage.getItem('player-watch-beacons') || '[]'))).map(JSON.parse);
  }
}

const browser = await launchBrowser({ autoplayFlag });
const result = {
  ok: false, transitions: [], samples: [], errors: [], firstframes: [], navigations: 0,
};
try {
  const { context, page, beacons, pageErrors } = await newPlayerPage(browser, { width, height });
  result.page_errors = pageErrors;
  page.on('framenavigated', (frame) => {
    // Leaving at the end ("leave") is not a reload.
    if (frame === page.mainFrame() && !result.left) result.navigations += 1;
  });
  await page.addInitScript(hookPlayer);
  result.opened_at = Date.now();
  await page.goto(pageUrl);
  const seen = new Set();
  let consumed = 0;
  let lastSample = 0;
  const end = Date.now() + maxSeconds * 1000;
  while (Date.now() < end) {
    const events = await page.evaluate((from) => window.__events.slice(from), consumed);
    consumed += events.length;
    for (const e of events) {
      if (e.type === 'statechange') {
        result.transitions.push([e.t, e.data.state]);
        say(`STATE ${e.t} ${e.data.state}`);
        if (!seen.has(e.data.state)) {
          seen.add(e.data.state);
          // Let the overlay's delayed spinner and fades settle before the picture is taken.
          setTimeout(() => screenshot(page, `${shotPrefix}-${width}x${height}-${e.data.state}`)
            .catch(() => {}), 600);
        }
      } else if (e.type === 'error') {
        result.errors.push([e.t, e.data.fatal, e.data.code]);
      } else if (e.type === 'firstframe') {
        result.firstframes.push([e.t, e.data]);
      }
    }
    if (Date.now() - lastSample >= 250) {
      lastSample = Date.now();
      const s = await playerSnapshot(page);
      if (s) {
        const st = s.stats;
        result.samples.push([lastSample, st.current_time, s.state, st.live_sync_distance_s,
                             st.live_edge_distance_s, s.message, s.spinner, st.live,
                             s.level.index, s.level.auto, s.rate]);
      }
    }
    const command = commands.shift();
    if (command === 'stop') break;
    if (command) {
      await perform(command, page, context, result);
      say(`DONE ${Date.now()} ${command}`);
    }
    await page.waitForTimeout(50);
  }
  result.final = await playerSnapshot(page);
  result.beacons = beacons;
  result.ok = true;
} catch (e) {
  result.exception = String(e);
} finally {
  await browser.close();
}
say(JSON.stringify(result));
process.exit(0);
