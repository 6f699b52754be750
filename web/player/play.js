// The /play/{playback_id} page: reads the id, ?token= and ?muted=1 from its own URL.
import { createPlayer } from './steadycast-player.js';

const id = decodeURIComponent(location.pathname.split('/').pop());
const params = new URLSearchParams(location.search);
const token = params.get('token');
const src = `/hls/${encodeURIComponent(id)}.m3u8${token ? `?token=${encodeURIComponent(token)}` : ''}`;
createPlayer(document.getElementById('video'), { src, muted: params.get('muted') === '1' });
