// Formatting of times, durations and figures for display. Pure functions.

const kTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit',
                                                   second: '2-digit' });
const kDateTime = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short',
                                                       day: 'numeric', hour: '2-digit',
                                                       minute: '2-digit' });

export function timeOf(iso) {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? kTime.format(t) : '—';
}

export function dateTimeOf(iso) {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? kDateTime.format(t) : '—';
}

// "12 s ago", "5 min ago", "3 h ago", else the date.
export function ago(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '—';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return dateTimeOf(iso);
}

// 75 → "1:15", 3725 → "1:02:05".
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

export function number(value, digits = 0) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  return value.toLocaleString(undefined, { maximumFractionDigits: digits,
                                           minimumFractionDigits: digits });
}

export function kbps(value) {
  return typeof value === 'number' ? `${number(value)} kb/s` : '—';
}

export function bitsPerSecond(bps) {
  if (typeof bps !== 'number' || !Number.isFinite(bps)) return '—';
  return bps >= 1e6 ? `${number(bps / 1e6, 2)} Mb/s` : `${number(bps / 1e3)} kb/s`;
}

export function percent(ratio, digits = 1) {
  return typeof ratio === 'number' ? `${number(ratio * 100, digits)} %` : '—';
}

// The name shown for a stream: its metadata "name" if set, else its id.
export function streamName(stream) {
  const name = stream && stream.metadata && stream.metadata.name;
  return typeof name === 'string' && name.trim() ? name : (stream ? stream.id : '');
}

// "live_stream.active" → "active"
export function eventLabel(type) {
  return String(type).replace(/^live_stream\./, '').replace(/_/g, ' ');
}

export function ladderLabel(ladder) {
  if (Array.isArray(ladder)) {
    return `custom: ${ladder.map((r) => `${r.height}p ${r.video_kbps}k`).join(', ')}`;
  }
  return String(ladder);
}
