// Glass-to-glass latency from a page: reads the time stamp that bench/latency/stamp_source.py
// paints into every picture, for every frame the page's <video> presents
// (requestVideoFrameCallback), and records (performance.timeOrigin +
// metadata.expectedDisplayTime) − stamp. Works with any player in the page (hls.js, dash.js,
// the steadycast player); the publisher must be stamp_source.py piped into an encoder, on the
// same machine (same clock).
//
//   import { startStampReader, waitForStampReader, summarize } from './latency_page.mjs';
//   await startStampReader(page, { selector: '#v', warmupMs: 5000, measureMs: 20000 });
//   const result = await waitForStampReader(page, 60000);   // samples, counts
//   summarize(result.latencies)                              // {n, median, p95, ...}
//
// If the page defines window.__playerLatency (a function returning the player's own latency
// estimate in seconds, e.g. () => hls.latency), it is read beside every sample.

// The stamp layout of stamp_source.py (640x360 units; scaled with the decoded picture): 64
// blocks of 32x32 in 16 columns and 4 rows from (64, 32); bit i at column i % 16, row i / 16;
// dark = 0, light = 1; bits 0–47 the time in ms (MSB first), 48–63 its CRC-16/CCITT-FALSE.
export const STAMP_LAYOUT = { refWidth: 640, refHeight: 360, x: 64, y: 32, cell: 32, cols: 16,
                              rows: 4 };

// Runs in the page (serialised by page.evaluate: it must not use anything from this module).
function stampReaderInPage({ selector, warmupMs, measureMs, layout }) {
  const video = document.querySelector(selector);
  if (!video || !('requestVideoFrameCallback' in HTMLVideoElement.prototype)) {
    throw new Error(`no <video> at ${selector} or no requestVideoFrameCallback`);
  }
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const state = {
    frames: 0, decoded: 0, rejected: 0, presentedGaps: 0, firstFrameAt: null,
    startedAt: performance.now(), done: false, latencies: [], playerLatencies: [],
    mediaOffsets: [], heights: {}, clockSkewMs: null, error: null,
  };
  window.__stampReader = state;

  function crc16(bytes) {
    let crc = 0xffff;
    for (const byte of bytes) {
      crc ^= byte << 8;
      for (let i = 0; i < 8; i++) {
        crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
      }
    }
    return crc;
  }

  // The stamp in ms since the epoch, or null when a block is ambiguous or the CRC fails.
  function decode(width, height) {
    const sx = width / layout.refWidth;
    const sy = height / layout.refHeight;
    const x0 = Math.floor(layout.x * sx);
    const y0 = Math.floor(layout.y * sy);
    const w = Math.ceil(layout.cols * layout.cell * sx);
    const h = Math.ceil(layout.rows * layout.cell * sy);
    const pixels = ctx.getImageData(x0, y0, w, h).data;
    const bits = [];
    for (let i = 0; i < layout.cols * layout.rows; i++) {
      const cx = ((i % layout.cols) + 0.5) * layout.cell * sx;
      const cy = (Math.floor(i / layout.cols) + 0.5) * layout.cell * sy;
      const rx = Math.max(1, Math.floor(layout.cell * sx / 4));
      const ry = Math.max(1, Math.floor(layout.cell * sy / 4));
      let sum = 0;
      let count = 0;
      for (let y = Math.floor(cy - ry); y < cy + ry; y++) {
        for (let x = Math.floor(cx - rx); x < cx + rx; x++) {
          const at = (y * w + x) * 4;
          sum += 0.299 * pixels[at] + 0.587 * pixels[at + 1] + 0.114 * pixels[at + 2];
          count++;
        }
      }
      const luma = sum / count;
      if (Math.abs(luma - 128) < 48) return null;  // neither clearly dark nor clearly light
      bits.push(luma > 128 ? 1 : 0);
    }
    let ms = 0;
    for (let i = 0; i < 48; i++) ms = ms * 2 + bits[i];
    let crc = 0;
    for (let i = 48; i < 64; i++) crc = crc * 2 + bits[i];
    const bytes = [];
    for (let i = 0; i < 6; i++) {
      let byte = 0;
      for (let b = 0; b < 8; b++) byte = byte * 2 + bits[i * 8 + b];
      bytes.push(byte);
    }
    return crc16(bytes) === crc ? ms : null;
  }

  let lastPresented = null;
  function onFrame(now, md) {
    if (state.done) return;
    try {
      const elapsed = state.firstFrameAt === null ? 0 : now - state.firstFrameAt;
      if (state.firstFrameAt === null) state.firstFrameAt = now;
      if (elapsed >= warmupMs + measureMs) {
        state.clockSkewMs = Date.now() - (performance.timeOrigin + performance.now());
        state.done = true;
        return;
      }
      const measuring = elapsed >= warmupMs;
      if (canvas.width !== md.width || canvas.height !== md.height) {
        canvas.width = md.width;
        canvas.height = md.height;
      }
      ctx.drawImage(video, 0, 0, md.width, md.height);
      const stamp = decode(md.width, md.height);
      if (measuring) {
        state.frames++;
        if (lastPresented !== null && md.presentedFrames > lastPresented + 1) {
          state.presentedGaps += md.presentedFrames - lastPresented - 1;
        }
        if (stamp === null) {
          state.rejected++;
        } else {
          state.decoded++;
          state.latencies.push(performance.timeOrigin + md.expectedDisplayTime - stamp);
          // stamp − media time is constant while drawImage paints the frame md describes;
          // its spread shows frames painted one off (and the source's pacing jitter).
          state.mediaOffsets.push(stamp - md.mediaTime * 1000);
          const player = typeof window.__playerLatency === 'function'
            ? window.__playerLatency() : null;
          if (Number.isFinite(player)) state.playerLatencies.push(player * 1000);
          state.heights[md.height] = (state.heights[md.height] || 0) + 1;
        }
      }
      lastPresented = md.presentedFrames;
    } catch (e) {
      state.error = String(e);
    }
    video.requestVideoFrameCallback(onFrame);
  }
  video.requestVideoFrameCallback(onFrame);
}

// Starts reading stamps from the <video> at `selector`: the first `warmupMs` after the first
// presented frame are dropped, then `measureMs` are recorded.
export function startStampReader(page, { selector = 'video', warmupMs = 5000,
                                         measureMs = 20000, layout = STAMP_LAYOUT } = {}) {
  return page.evaluate(stampReaderInPage, { selector, warmupMs, measureMs, layout });
}

// Resolves with the reader's state once it is done; rejects after `timeoutMs`.
export async function waitForStampReader(page, timeoutMs) {
  await page.waitForFunction(() => window.__stampReader && window.__stampReader.done, null,
                             { timeout: timeoutMs, polling: 250 });
  return page.evaluate(() => window.__stampReader);
}

// The reader's state so far (also when it is not done: for a report after a timeout).
export function readStampReader(page) {
  return page.evaluate(() => window.__stampReader || null);
}

// {n, median, p95, mean, min, max} of a list of numbers (null when empty).
export function summarize(values) {
  if (!values || values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { n: sorted.length, median: at(0.5), p95: at(0.95), p5: at(0.05), mean,
           min: sorted[0], max: sorted[sorted.length - 1] };
}
