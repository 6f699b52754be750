// Live charts of one stream (uPlot): ingest bitrate and frame rate, keyframe interval, drift,
// SRT round-trip time, loss and retransmits, unrecovered drops, each rendition's encode speed,
// viewers, rebuffering and startup time. All charts share the sample times (the last five
// minutes, see health_feed.js for the sample shape). A chart without any figure yet says
// "No data yet" instead of drawing an empty frame; each card carries `data-points` (how many
// figures it plots) for tests and styling. Charts follow their box's width (ResizeObserver).

import uPlot from '/vendor/uPlot.esm.js';
import { h, replace } from './dom.js';
import { number } from './format.js';

const kWindowSeconds = 300;
const kHeight = 150;
const kPalette = ['#2563eb', '#d97706', '#0f9d76', '#c026d3', '#dc2626', '#0891b2', '#65a30d'];

// Drops per second from the running count of unrecovered packets (a count that went down
// means a new connection: no figure for that step).
function dropsPerSecond(s, prev) {
  const d = s.srt && s.srt.packets_dropped;
  const p = prev && prev.srt && prev.srt.packets_dropped;
  if (typeof d !== 'number' || typeof p !== 'number' || d < p || s.t <= prev.t) return null;
  return (d - p) / (s.t - prev.t);
}

const pct = (v) => (typeof v === 'number' ? v * 100 : null);
const val = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

// Static chart definitions. series: {label, unit, digits, scale, get(sample, previous)}.
const kCharts = [
  { key: 'ingest', group: 'Ingest', title: 'Bitrate & frame rate',
    empty: 'No ingest figures from this server yet.',
    series: [
      { label: 'bitrate', unit: 'kb/s', scale: 'kbps', get: (s) => val(s.ingest?.bitrate_kbps) },
      { label: 'frame rate', unit: 'fps', digits: 1, scale: 'fps',
        get: (s) => val(s.ingest?.fps) }] },
  { key: 'keyframe', group: 'Ingest', title: 'Keyframe interval',
    empty: 'No ingest figures from this server yet.',
    series: [{ label: 'interval', unit: 's', digits: 2,
               get: (s) => val(s.ingest?.keyframe_interval_s) }] },
  { key: 'drift', group: 'Ingest', title: 'Drift (media time behind the wall clock)',
    empty: 'No ingest figures from this server yet.',
    series: [{ label: 'drift', unit: 'ms', get: (s) => val(s.ingest?.drift_ms) }] },
  { key: 'rtt', group: 'SRT link', title: 'Round-trip time',
    empty: 'SRT publishers only.',
    series: [{ label: 'RTT', unit: 'ms', digits: 1, get: (s) => val(s.srt?.rtt_ms) }] },
  { key: 'loss', group: 'SRT link', title: 'Loss & retransmits',
    empty: 'SRT publishers only.',
    series: [
      { label: 'loss', unit: '%', digits: 2, get: (s) => val(s.srt?.loss_pct) },
      { label: 'retransmitted', unit: '%', digits: 2, get: (s) => val(s.srt?.retransmit_pct) }] },
  { key: 'drops', group: 'SRT link', title: 'Unrecovered drops',
    empty: 'SRT publishers only.',
    series: [{ label: 'dropped', unit: 'pkt/s', digits: 1, get: dropsPerSecond }] },
  { key: 'speed', group: 'Transcode', title: 'Encode speed per rendition (1 = real time)',
    empty: 'No transcoded renditions (passthrough, or not live).', dynamic: true },
  { key: 'viewers', group: 'Viewers', title: 'Viewers', empty: 'No viewer figures yet.',
    series: [{ label: 'watching', unit: '', get: (s) => val(s.viewers?.current) },
             { label: 'average', unit: 'kb/s', scale: 'kbps',
               get: (s) => val(s.viewers?.average_kbps) }] },
  { key: 'rebuffer', group: 'Viewers', title: 'Rebuffering & failures',
    empty: 'No viewer figures yet.',
    series: [
      { label: 'rebuffer', unit: '%', digits: 2, get: (s) => pct(s.viewers?.rebuffer_ratio) },
      { label: 'failed', unit: '%', digits: 2,
        get: (s) => pct(s.viewers?.playback_failure_ratio) }] },
  { key: 'startup', group: 'Viewers', title: 'Startup time', empty: 'No viewer figures yet.',
    series: [{ label: 'p50', unit: 'ms', get: (s) => val(s.viewers?.startup_ms_p50) },
             { label: 'p95', unit: 'ms', get: (s) => val(s.viewers?.startup_ms_p95) }] },
];

// The encode-speed series: one per rendition name seen in the window, in order of appearance.
function speedSeries(samples) {
  const names = [];
  for (const s of samples) {
    for (const r of s.renditions || []) if (!names.includes(r.name)) names.push(r.name);
  }
  return names.map((name) => ({
    label: name, unit: '×', digits: 2,
    get: (s) => val((s.renditions || []).find((r) => r.name === name)?.encode_speed),
  }));
}

function swatch(color) {
  const el = h('i', { class: 'swatch' });
  el.style.background = color;
  return el;
}

function formatValue(v, d) {
  if (v === null || v === undefined) return '—';
  return `${number(v, d.digits || 0)}${d.unit ? ` ${d.unit}` : ''}`;
}

class Chart {
  constructor(def) {
    this.def = def;
    this.series = def.series || [];
    this.plot = null;
    this.box = h('div', { class: 'chart-box' });
    this.now = h('div', { class: 'chart-now' });
    this.empty = h('p', { class: 'no-data', text: def.empty || 'No data yet.' });
    this.el = h('section', { class: 'card chart-card', dataset: { chart: def.key, points: 0 } },
                h('header', {}, h('div', { class: 'chart-group', text: def.group }),
                  h('h3', { text: def.title })),
                this.now, this.box, this.empty);
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.box);
  }

  resize() {
    if (!this.plot) return;
    const width = Math.floor(this.box.clientWidth);
    if (width > 0 && width !== this.plot.width) this.plot.setSize({ width, height: kHeight });
  }

  update(samples) {
    if (this.def.dynamic) {
      const series = speedSeries(samples);
      if (series.map((s) => s.label).join() !== this.series.map((s) => s.label).join()) {
        this.series = series;
        this.destroyPlot();
      }
    }
    const xs = samples.map((s) => s.t);
    const columns = this.series.map((d) => samples.map((s, i) => d.get(s, samples[i - 1])));
    let points = 0;
    for (const column of columns) for (const v of column) if (v !== null) points++;
    this.el.dataset.points = String(points);
    this.empty.hidden = points > 0;
    this.box.hidden = points === 0;
    this.el.classList.toggle('has-data', points > 0);
    replace(this.now, this.series.map((d, i) => {
      const column = columns[i];
      let last = null;
      for (let j = column.length - 1; j >= 0 && last === null; j--) last = column[j];
      return h('span', { class: 'now-item' },
               swatch(kPalette[i % kPalette.length]),
               `${d.label} `, h('b', { text: formatValue(last, d) }));
    }));
    if (points === 0) return;
    const data = [xs, ...columns];
    if (!this.plot) this.createPlot(data);
    else this.plot.setData(data);
  }

  createPlot(data) {
    const scales = [...new Set(this.series.map((d) => d.scale || 'y'))];
    const axisStyle = { stroke: '#6b7280', grid: { stroke: '#eef0f3', width: 1 },
                        ticks: { stroke: '#e5e7eb', width: 1 }, font: '11px system-ui' };
    const axes = [{ ...axisStyle, space: 70 }];
    scales.forEach((scale, i) => {
      axes.push({ ...axisStyle, scale, side: i === 0 ? 3 : 1, size: 48,
                  grid: i === 0 ? axisStyle.grid : { show: false },
                  values: (u, ticks) => ticks.map((t) => number(t, Number.isInteger(t) ? 0 : 2)) });
    });
    const opts = {
      width: Math.max(200, Math.floor(this.box.clientWidth) || 300),
      height: kHeight,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: Object.fromEntries([['x', { time: true }],
                                  ...scales.map((s) => [s, { auto: true }])]),
      series: [{}, ...this.series.map((d, i) => ({
        label: d.label, scale: d.scale || 'y', stroke: kPalette[i % kPalette.length],
        width: 1.5, points: { show: false }, spanGaps: false,
        value: (u, v) => formatValue(v, d),
      }))],
      axes,
    };
    this.plot = new uPlot(opts, data, this.box);
  }

  destroyPlot() {
    if (this.plot) this.plot.destroy();
    this.plot = null;
  }

  destroy() {
    this.observer.disconnect();
    this.destroyPlot();
  }
}

export class ChartBoard {
  constructor() {
    this.samples = [];
    this.charts = kCharts.map((def) => new Chart(def));
    this.frame = 0;
    this.el = h('div', { class: 'chart-grid' }, this.charts.map((c) => c.el));
  }

  // samples: oldest first; reset replaces what the board holds.
  add(samples, { reset = false } = {}) {
    if (reset) this.samples = [];
    for (const s of samples) {
      if (!Number.isFinite(s.t)) continue;
      const last = this.samples[this.samples.length - 1];
      if (!last || s.t > last.t) {
        this.samples.push(s);
      } else {
        // Out of order (seeded SRT history vs live samples): insert in place, replace equals.
        const i = this.samples.findIndex((x) => x.t >= s.t);
        if (this.samples[i].t === s.t) this.samples[i] = { ...this.samples[i], ...s };
        else this.samples.splice(i, 0, s);
      }
    }
    const newest = this.samples.length ? this.samples[this.samples.length - 1].t : 0;
    const cut = this.samples.findIndex((s) => s.t >= newest - kWindowSeconds);
    if (cut > 0) this.samples.splice(0, cut);
    this.schedule();
  }

  schedule() {
    if (this.frame) return;
    // requestAnimationFrame does not run in a hidden tab; a timer keeps data current anyway.
    this.frame = setTimeout(() => {
      this.frame = 0;
      for (const chart of this.charts) chart.update(this.samples);
    }, 50);
  }

  destroy() {
    clearTimeout(this.frame);
    for (const chart of this.charts) chart.destroy();
  }
}
