// The API token of this browser tab. Kept in sessionStorage only: it dies with the tab, is
// never written to localStorage, a URL or the console, and logout removes it.

const KEY = 'steadycast.token';

// {id, secret} or null.
export function loadToken() {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const token = JSON.parse(raw);
    if (token && typeof token.id === 'string' && typeof token.secret === 'string') return token;
  } catch {
    // Unreadable entry: treat as logged out.
  }
  return null;
}

export function saveToken(id, secret) {
  sessionStorage.setItem(KEY, JSON.stringify({ id, secret }));
}

export function clearToken() {
  sessionStorage.removeItem(KEY);
}

// "Basic base64(id:secret)", UTF-8 safe (btoa alone only takes Latin-1).
export function basicAuthorization(token) {
  const bytes = new TextEncoder().encode(`${token.id}:${token.secret}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}
