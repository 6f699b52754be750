// The /play/{playback_id} page: a full-window player for one playback id, embeddable in an
// <iframe>. Reads the id from its own path, ?token= (signed playback ids: carried into the
// playlist URL and the beacons), ?muted=1 and ?autoplay=0.
import { createPlayer } from './steadycast-player.js';

const params = new URLSearchParams(location.search);
const id = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() ?? '');
const token = params.get('token');
const src = new URL(`/hls/${encodeURIComponent(id)}.m3u8`, location.origin);
if (token) src.searchParams.set('token', token);

const player = createPlayer(document.getElementById('video'), {
  src: src.href,
  token,
  muted: params.get('muted') === '1',
  autoplay: params.get('autoplay') !== '0',
});
// For the browser console (and the browser tests): the page's player controller.
window.steadycastPlayer = player;
document.querySelector('.scp-root')?.focus({ preventScroll: true });
