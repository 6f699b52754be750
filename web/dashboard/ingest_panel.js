// "Connect an encoder": the stream's ingest URLs and ready-to-paste settings for OBS and
// ffmpeg (RTMP and SRT), and its playback URLs. Anything holding the stream key or the SRT
// passphrase is masked until its "Show" is clicked; "Copy" copies the real text either way.

import { h, replace } from './dom.js';
import { secretField } from './ui.js';

// Single-quoted for a POSIX shell.
function shellQuote(text) {
  return `'${String(text).replace(/'/g, "'\\''")}'`;
}

// The passphrase as an SRT URL query value. Callers differ on percent-decoding (ffmpeg 5
// passes the text through as is), so only what would end or corrupt the value is escaped.
export function passphraseParam(passphrase) {
  return String(passphrase).replace(/[%&#+]/g, (c) => encodeURIComponent(c));
}

export function ingestUrls(stream) {
  const key = stream.stream_key || '';
  const rtmpServer = stream.ingest && stream.ingest.rtmp ? stream.ingest.rtmp : '';
  let srt = stream.ingest && stream.ingest.srt ? stream.ingest.srt : '';
  if (srt && stream.srt_passphrase) srt += `&passphrase=${passphraseParam(stream.srt_passphrase)}`;
  return { key, rtmpServer, rtmpUrl: rtmpServer ? `${rtmpServer}/${key}` : '', srt };
}

function ffmpegRtmp(url) {
  return ['ffmpeg -re -i input.mp4 \\',
          '  -c:v libx264 -preset veryfast -b:v 2500k -maxrate 2500k -bufsize 5000k -g 60 \\',
          `  -c:a aac -b:a 128k -f flv ${shellQuote(url)}`].join('\n');
}

function ffmpegSrt(url) {
  // ffmpeg's SRT latency is in microseconds.
  return ['ffmpeg -re -i input.mp4 \\',
          '  -c:v libx264 -preset veryfast -b:v 2500k -maxrate 2500k -bufsize 5000k -g 60 \\',
          `  -c:a aac -b:a 128k -f mpegts ${shellQuote(`${url}&latency=500000`)}`].join('\n');
}

const kTabs = [['obs', 'OBS'], ['ffmpeg', 'ffmpeg'], ['srt', 'SRT'], ['play', 'Playback']];

export class IngestPanel {
  constructor() {
    this.tab = 'obs';
    this.stream = null;
    this.body = h('div', { class: 'tab-body' });
    this.buttons = kTabs.map(([key, label]) => {
      const b = h('button', { type: 'button', role: 'tab', class: 'tab', dataset: { tab: key } },
                  label);
      b.addEventListener('click', () => {
        this.tab = key;
        this.render();
      });
      return b;
    });
    this.el = h('section', { class: 'card ingest-card', id: 'ingest' },
                h('header', { class: 'card-head' }, h('h2', {}, 'Connect an encoder')),
                h('div', { class: 'tabs', role: 'tablist' }, this.buttons), this.body);
  }

  // Re-renders only when something shown changed (a key reset, new settings).
  update(stream) {
    const before = this.stream && JSON.stringify([this.stream.stream_key,
      this.stream.srt_passphrase, this.stream.ingest, this.stream.playback_ids]);
    const after = JSON.stringify([stream.stream_key, stream.srt_passphrase, stream.ingest,
                                  stream.playback_ids]);
    this.stream = stream;
    if (before !== after) this.render();
  }

  render() {
    const stream = this.stream;
    if (!stream) return;
    for (const b of this.buttons) {
      b.setAttribute('aria-selected', String(b.dataset.tab === this.tab));
    }
    const secrets = [stream.stream_key, stream.srt_passphrase,
                     stream.srt_passphrase && passphraseParam(stream.srt_passphrase)]
      .filter(Boolean);
    const u = ingestUrls(stream);
    const field = (label, value, name, multiline = false) =>
      secretField({ label, value, secrets, multiline, name });
    const passphrase = stream.srt_passphrase
      ? field('SRT passphrase', stream.srt_passphrase, 'srt-passphrase') : null;
    let content;
    if (this.tab === 'obs') {
      content = [
        h('p', { class: 'muted' }, 'Settings → Stream → Service “Custom…”, then:'),
        field('Server', u.rtmpServer, 'rtmp-server'),
        field('Stream key', u.key, 'stream-key'),
        h('p', { class: 'muted' }, 'Settings → Output → Keyframe interval: 2 s (segments are ' +
          'cut at keyframes). Over a lossy or mobile link, prefer SRT (the SRT tab).'),
      ];
    } else if (this.tab === 'ffmpeg') {
      content = [
        field('RTMP URL', u.rtmpUrl, 'rtmp-url'),
        field('ffmpeg (RTMP)', ffmpegRtmp(u.rtmpUrl), 'ffmpeg-rtmp', true),
      ];
    } else if (this.tab === 'srt') {
      content = [
        field('SRT URL', u.srt, 'srt-url'),
        passphrase,
        field('ffmpeg (SRT)', ffmpegSrt(u.srt), 'ffmpeg-srt', true),
        h('p', { class: 'muted' }, 'OBS: Settings → Stream → Custom, Server = the SRT URL, ' +
          'no stream key. SRT retransmits lost packets within its latency budget: raise ' +
          'latency on a lossy link (several round trips).'),
      ];
    } else {
      content = this.playback(stream);
    }
    replace(this.body, content);
  }

  playback(stream) {
    const pb = (stream.playback_ids || [])[0];
    if (!pb) return [h('p', { class: 'muted' }, 'This stream has no playback id.')];
    const id = encodeURIComponent(pb.id);
    const out = [
      secretField({ label: 'HLS', value: `${location.origin}/hls/${id}.m3u8`, name: 'hls-url' }),
      secretField({ label: 'Player page', value: `${location.origin}/play/${id}`,
                    name: 'player-url' }),
      secretField({ label: 'Embed', name: 'embed',
                    value: `<iframe src="${location.origin}/play/${id}" allow="autoplay; ` +
                           'fullscreen" allowfullscreen width="640" height="360"></iframe>' }),
    ];
    if (pb.policy === 'signed') {
      out.push(h('p', { class: 'muted' }, 'Signed playback id: players add ?token=JWT ' +
        '(claims sub = the playback id, exp) signed with the server\'s playback key.'));
    }
    return out;
  }
}
