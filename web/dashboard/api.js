// The REST API client: HTTP Basic on every call, JSON in and out, RFC 9457 problems turned
// into ApiError. Every request is sent with `credentials: 'omit'`: the Authorization header is
// set by hand, and with no browser credentials in play a 401 (which carries
// `WWW-Authenticate: Basic`) can never make the browser open its own login dialog
// (WHATWG Fetch, HTTP-network-or-cache fetch: the prompt needs includeCredentials).

import { basicAuthorization } from './session.js';

export class ApiError extends Error {
  // status: HTTP status, 0 for a network failure. problem: the parsed problem body or null.
  constructor(status, problem, fallback) {
    const text = problem && (problem.detail || problem.title);
    super(text || fallback || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  // [{field, message}] of a validation problem.
  get fieldErrors() {
    return (this.problem && Array.isArray(this.problem.errors)) ? this.problem.errors : [];
  }
}

// An Idempotency-Key (crypto.randomUUID exists only in secure contexts; this works on plain
// http to a LAN address too).
function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Api {
  // onUnauthorized(): called when the server rejects the token (401) after login.
  constructor(token, { onUnauthorized } = {}) {
    this.authorization = basicAuthorization(token);
    this.onUnauthorized = onUnauthorized || (() => {});
  }

  get headers() {
    return { Authorization: this.authorization };
  }

  // → {status, data (parsed JSON or null), etag}. Throws ApiError on non-2xx.
  async request(method, path, { body, headers, signal, retries = 2 } = {}) {
    const init = {
      method,
      headers: { Accept: 'application/json', ...this.headers, ...(headers || {}) },
      credentials: 'omit',
      cache: 'no-store',
      signal,
    };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      if (e && e.name === 'AbortError') throw e;
      throw new ApiError(0, null, 'The server cannot be reached.');
    }
    if (response.status === 429 && retries > 0) {
      const wait = Number(response.headers.get('Retry-After')) || 1;
      await sleep(Math.min(wait, 10) * 1000);
      return this.request(method, path, { body, headers, signal, retries: retries - 1 });
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      if (response.status === 401) this.onUnauthorized();
      throw new ApiError(response.status, data, response.statusText);
    }
    return { status: response.status, data, etag: response.headers.get('ETag') };
  }

  get(path, options) {
    return this.request('GET', path, options);
  }

  // Live streams -------------------------------------------------------------------------
  async listStreams(cursor) {
    const query = new URLSearchParams({ limit: '100' });
    if (cursor) query.set('cursor', cursor);
    return (await this.get(`/v1/live-streams?${query}`)).data;
  }

  // → {stream, etag}
  async getStream(id) {
    const r = await this.get(`/v1/live-streams/${encodeURIComponent(id)}`);
    return { stream: r.data.data, etag: r.etag };
  }

  async createStream(settings) {
    const r = await this.request('POST', '/v1/live-streams',
                                 { body: settings, headers: { 'Idempotency-Key': randomKey() } });
    return { stream: r.data.data, etag: r.etag };
  }

  // PATCH with If-Match: a change made elsewhere since `etag` was read answers 412.
  async updateStream(id, changes, etag) {
    const headers = etag ? { 'If-Match': etag } : {};
    const r = await this.request('PATCH', `/v1/live-streams/${encodeURIComponent(id)}`,
                                 { body: changes, headers });
    return { stream: r.data.data, etag: r.etag, meta: r.data.meta || null };
  }

  async deleteStream(id, etag) {
    const headers = etag ? { 'If-Match': etag } : {};
    await this.request('DELETE', `/v1/live-streams/${encodeURIComponent(id)}`, { headers });
  }

  // action: reset-stream-key | enable | disable | complete
  async streamAction(id, action) {
    const r = await this.request('POST', `/v1/live-streams/${encodeURIComponent(id)}/${action}`,
                                 { headers: { 'Idempotency-Key': randomKey() } });
    return { stream: r.data.data, etag: r.etag };
  }

  async health(id, signal) {
    return (await this.get(`/v1/live-streams/${encodeURIComponent(id)}/health`, { signal }))
      .data.data;
  }

  async healthHistory(id, seconds, signal) {
    const path = `/v1/live-streams/${encodeURIComponent(id)}/health/history?seconds=${seconds}`;
    return (await this.get(path, { signal })).data.data;
  }

  // Events, newest first.
  async events(objectId, limit = 50) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (objectId) query.set('object_id', objectId);
    return (await this.get(`/v1/events?${query}`)).data.data;
  }

  // Webhooks -----------------------------------------------------------------------------
  async webhookEndpoints() {
    return (await this.get('/v1/webhook-endpoints?limit=100')).data.data;
  }

  // → the endpoint with its `secret` (shown once).
  async createWebhookEndpoint(url, events) {
    const r = await this.request('POST', '/v1/webhook-endpoints', {
      body: { url, events }, headers: { 'Idempotency-Key': randomKey() },
    });
    return r.data.data;
  }

  async deleteWebhookEndpoint(id) {
    await this.request('DELETE', `/v1/webhook-endpoints/${encodeURIComponent(id)}`);
  }

  async webhookDeliveries(id, limit = 25) {
    const path = `/v1/webhook-endpoints/${encodeURIComponent(id)}/deliveries?limit=${limit}`;
    return (await this.get(path)).data.data;
  }

  async redeliver(eventId) {
    await this.request('POST', `/v1/events/${encodeURIComponent(eventId)}/redeliver`,
                       { headers: { 'Idempotency-Key': randomKey() } });
  }
}

// Checks a token without keeping it: true if accepted, false on 401; throws ApiError for
// anything else (server unreachable, rate-limited, ...).
export async function checkToken(token) {
  let response;
  try {
    response = await fetch('/v1/live-streams?limit=1', {
      headers: { Authorization: basicAuthorization(token), Accept: 'application/json' },
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, null, 'The server cannot be reached.');
  }
  if (response.ok) return true;
  if (response.status === 401) return false;
  let problem = null;
  try {
    problem = await response.json();
  } catch {
    problem = null;
  }
  throw new ApiError(response.status, problem, response.statusText);
}
