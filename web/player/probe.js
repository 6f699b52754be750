// Probes the master playlist with fetch() rather than through hls.js, because only fetch lets
// the player read the answer's status and Retry-After header: 412 (the stream has no segment
// yet), 404 (unknown playback id), 403 (signed id without a valid token).

const PROBE_TIMEOUT_MS = 5000;

// Outcome of one probe: what the player should do next.
export const Outcome = Object.freeze({
  LIVE: 'live',              // 200: load it
  WAITING: 'waiting',        // 412: the broadcast has not produced a segment yet
  MISSING: 'missing',        // 404: no such playback id (it may be created later)
  FORBIDDEN: 'forbidden',    // 401/403: signed id without a valid token
  UNREACHABLE: 'unreachable', // no HTTP answer at all (server down, offline, timeout)
  FAILED: 'failed',          // any other status (5xx, 429, ...)
  ENDED: 'ended',            // the media playlist carries EXT-X-ENDLIST (probeBroadcast only)
});

export function classifyStatus(status) {
  if (status >= 200 && status < 300) return Outcome.LIVE;
  if (status === 412) return Outcome.WAITING;
  if (status === 404 || status === 410) return Outcome.MISSING;
  if (status === 401 || status === 403) return Outcome.FORBIDDEN;
  return Outcome.FAILED;
}

// Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3); returns ms or null.
export function parseRetryAfter(value, nowMs = Date.now()) {
  if (value == null || value === '') return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

function timeoutSignal(signal, ms) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  const abort = () => controller.abort();
  signal?.addEventListener('abort', abort, { once: true });
  const done = () => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abort);
  };
  return { signal: controller.signal, done };
}

async function get(url, { signal, fetchFn = fetch, cache = 'default' } = {}) {
  const bounded = timeoutSignal(signal, PROBE_TIMEOUT_MS);
  try {
    const response = await fetchFn(url, { signal: bounded.signal, cache, credentials: 'omit' });
    const text = response.ok ? await response.text() : '';
    return { status: response.status, retryAfter: response.headers.get('Retry-After'), text };
  } finally {
    bounded.done();
  }
}

// One probe of the master playlist → {outcome, status, retryAfterMs, text}. Never throws
// except for an abort through `signal` (the player was destroyed).
export async function probeMaster(url, options = {}) {
  try {
    const answer = await get(url, options);
    return {
      outcome: classifyStatus(answer.status),
      status: answer.status,
      retryAfterMs: parseRetryAfter(answer.retryAfter),
      text: answer.text,
    };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return { outcome: Outcome.UNREACHABLE, status: 0, retryAfterMs: null, text: '' };
  }
}

// The first media playlist a master playlist names, resolved against the master's URL (the
// server already carries a signed id's token into it).
export function firstVariantUrl(masterText, masterUrl) {
  const line = masterText.split(/\r?\n/).map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
  return line ? new URL(line, masterUrl).href : null;
}

// After a broadcast ended: is a new one live at the same URL? Probes the master and, when it
// answers, its first media playlist (a finished broadcast still answers 200, with ENDLIST).
export async function probeBroadcast(url, options = {}) {
  const master = await probeMaster(url, { ...options, cache: 'no-store' });
  if (master.outcome !== Outcome.LIVE) return master;
  const media = firstVariantUrl(master.text, url);
  if (!media) return { ...master, outcome: Outcome.FAILED };
  const playlist = await probeMaster(media, { ...options, cache: 'no-store' });
  if (playlist.outcome !== Outcome.LIVE) return playlist;
  const ended = /#EXT-X-ENDLIST/.test(playlist.text);
  return { ...playlist, outcome: ended ? Outcome.ENDED : Outcome.LIVE };
}
