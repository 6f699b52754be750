// Shared pieces of the dashboard browser checks (dashboard_flow.mjs, dashboard_manage.mjs):
// the configuration handed over by the Python test, an API client for checking what the page
// shows against the server, ffmpeg publishers, the login steps, a recorder of status badge
// changes (with the time each was drawn) and screenshots.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { launchBrowser } from './hls_page.mjs';

export { launchBrowser };

// The JSON configuration: {base, token_id, token_secret, rtmp, ffmpeg: [args with "{URL}"],
// shots: directory or ""}.
export function readConfig() {
  return JSON.parse(process.argv[2]);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function log(...args) {
  process.stderr.write(`${args.join(' ')}\n`);
}

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

export class ApiClient {
  constructor(config) {
    this.base = config.base;
    this.auth = `Basic ${Buffer.from(`${config.token_id}:${config.token_secret}`).toString('base64')}`;
  }

  async call(method, p, body) {
    const init = { method, headers: { Authorization: this.auth } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
    const r = await fetch(this.base + p, init);
    const text = await r.text();
    return { status: r.status, data: text ? JSON.parse(text) : null, etag: r.headers.get('etag') };
  }

  async stream(id) {
    return (await this.call('GET', `/v1/live-streams/${id}`)).data.data;
  }

  // Polls the stream every `everyMs` and records each status change: `t` when the answer
  // carrying it arrived, `after` when the previous poll (still answering the old status) was
  // sent — the change happened between the two. stop() ends it.
  watchStatus(id, everyMs = 100) {
    const changes = [];
    let running = true;
    (async () => {
      let previousSent = 0;
      while (running) {
        const sent = Date.now();
        try {
          const s = await this.stream(id);
          if (!changes.length || changes[changes.length - 1].status !== s.status) {
            changes.push({ status: s.status, t: Date.now(), after: previousSent });
          }
          previousSent = sent;
        } catch {
          // keep polling
        }
        await sleep(everyMs);
      }
    })();
    return {
      changes,
      // The first change to `status` seen at or after `since`, or null.
      change(status, since = 0) {
        return changes.find((c) => c.status === status && c.t >= since) || null;
      },
      // When the API was first seen answering `status` at or after `since`, or null.
      at(status, since = 0) {
        const hit = changes.find((c) => c.status === status && c.t >= since);
        return hit ? hit.t : null;
      },
      stop() { running = false; },
    };
  }
}

// A running ffmpeg publisher (args from the Python side, "{URL}" replaced).
export function publish(config, url) {
  const args = config.ffmpeg.map((a) => (a === '{URL}' ? url : a));
  const proc = spawn(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr.on('data', (d) => log(`[ffmpeg] ${String(d).trim()}`));
  return {
    proc,
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

export async function waitUntil(fn, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export async function login(page, config, secret = config.token_secret) {
  await page.fill('#token-id', config.token_id);
  await page.fill('#token-secret', secret);
  await page.click('form.login button[type=submit]');
}

// Records, inside the page, every change of data-status on elements matching `selector`
// (Date.now() at the mutation: when the page drew the change). Read with badgeTimes().
export async function recordBadges(page, selector) {
  await page.evaluate((sel) => {
    window.__badges = window.__badges || [];
    const seen = new WeakMap();
    const note = () => {
      for (const el of document.querySelectorAll(sel)) {
        const s = el.dataset.status;
        if (seen.get(el) !== s) {
          seen.set(el, s);
          window.__badges.push({ status: s, t: Date.now() });
        }
      }
    };
    note();
    new MutationObserver(note).observe(document.body, {
      subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  }, selector);
}

// The first time the page drew `status` at or after `since`, or null.
export async function badgeAt(page, status, since = 0) {
  return page.evaluate(([s, t0]) => {
    const hit = (window.__badges || []).find((b) => b.status === s && b.t >= t0);
    return hit ? hit.t : null;
  }, [status, since]);
}

export async function screenshot(page, config, name, fullPage = true) {
  if (!config.shots) return;
  fs.mkdirSync(config.shots, { recursive: true });
  await page.screenshot({ path: path.join(config.shots, `${name}.png`), fullPage });
}

// Samples video.currentTime of the dashboard's player for `ms`; returns [[Date.now(), t]].
export async function sampleVideo(page, ms, everyMs = 250) {
  const samples = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t = await page.evaluate(() => document.getElementById('player-video').currentTime);
    samples.push([Date.now(), t]);
    await sleep(everyMs);
  }
  return samples;
}

// The share of strongly coloured pixels in the player's current frame (the test pattern is
// mostly saturated colour; the slate is a grey card with white text).
export async function frameColourfulness(page) {
  return page.evaluate(() => {
    const v = document.getElementById('player-video');
    if (!v.videoWidth) return null;
    const c = document.createElement('canvas');
    c.width = 64;
    c.height = 36;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(v, 0, 0, c.width, c.height);
    const px = g.getImageData(0, 0, c.width, c.height).data;
    let coloured = 0;
    for (let i = 0; i < px.length; i += 4) {
      const max = Math.max(px[i], px[i + 1], px[i + 2]);
      const min = Math.min(px[i], px[i + 1], px[i + 2]);
      if (max - min > 60) coloured++;
    }
    return coloured / (px.length / 4);
  });
}
