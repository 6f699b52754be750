// The player's public state, derived (never stored) from facts that the controllers report —
// the media-chrome way: the UI and the QoE counters read one derived value, so they cannot
// disagree about what the viewer sees.
//
//   loading       a source is loading, no frame shown yet (spinner)
//   waiting       412: the stream has not started (message, retried per Retry-After)
//   missing       404: no such stream (message, retried slowly: it may be created)
//   forbidden     403: not authorised (message, retried slowly)
//   playing       frames advance
//   paused        the viewer paused (or autoplay was refused)
//   buffering     the viewer wants playback, the video waits for data (spinner)
//   reconnecting  the publisher is away (the live playlist holds still), or the server is
//                 unreachable and the player retries; the last frame stays on screen
//   offline       the browser is offline and playback cannot go on
//   ended         the live playlist got EXT-X-ENDLIST and everything was played
//   unsupported   this browser has neither MSE nor native HLS

export const State = Object.freeze({
  LOADING: 'loading',
  WAITING: 'waiting',
  MISSING: 'missing',
  FORBIDDEN: 'forbidden',
  PLAYING: 'playing',
  PAUSED: 'paused',
  BUFFERING: 'buffering',
  RECONNECTING: 'reconnecting',
  OFFLINE: 'offline',
  ENDED: 'ended',
  UNSUPPORTED: 'unsupported',
});

// What the overlay says in each state (null: nothing, the picture speaks for itself).
export const MESSAGES = Object.freeze({
  [State.WAITING]: ['Waiting for the stream to start', 'Playback starts by itself when it does.'],
  [State.MISSING]: ['This stream does not exist', 'Check the link. This page keeps looking.'],
  [State.FORBIDDEN]: ['Not authorised', 'This stream needs a valid playback token.'],
  [State.RECONNECTING]: ['Reconnecting…', null],
  [State.OFFLINE]: ['You are offline', 'Playback resumes when the connection returns.'],
  [State.ENDED]: ['The stream has ended', null],
  [State.UNSUPPORTED]: ['This browser cannot play this stream',
    'Try a current version of your browser.'],
});

export function defaultFacts() {
  return {
    source: 'probing',   // probing | ready | recovering (from the recovery controller)
    reason: null,        // while probing/recovering: waiting | missing | forbidden | network
    offline: false,      // navigator.onLine === false
    shownFrame: false,   // the current engine load has presented a frame
    hasPlayed: false,    // this player has presented a frame at some point
    paused: false,       // the viewer does not want playback (video.paused)
    stalled: false,      // wants playback, but currentTime does not advance
    seeking: false,      // the stall comes from a seek (ours or the viewer's)
    atEdge: false,       // stalled with everything the playlist lists already played
    holding: false,      // stalled at the end of a live playlist that stopped growing
    ended: false,        // ENDLIST reached
    unsupported: false,  // no way to play HLS here
  };
}

// facts → one State. Order matters: the most explanatory state wins.
export function deriveState(f) {
  if (f.unsupported) return State.UNSUPPORTED;
  if (f.ended) return State.ENDED;
  if (f.source !== 'ready') {
    if (f.reason === 'forbidden') return State.FORBIDDEN;
    if (f.reason === 'missing') return State.MISSING;
    if (f.offline) return State.OFFLINE;
    if (f.reason === 'waiting' && !f.hasPlayed) return State.WAITING;
    return f.hasPlayed ? State.RECONNECTING : State.LOADING;
  }
  if (f.offline && (f.stalled || !f.shownFrame)) return State.OFFLINE;
  if (f.holding) return State.RECONNECTING;
  if (!f.shownFrame) {
    if (f.paused && f.hasPlayed) return State.PAUSED;
    return f.hasPlayed ? State.RECONNECTING : f.paused ? State.PAUSED : State.LOADING;
  }
  if (f.paused) return State.PAUSED;
  if (f.stalled) return State.BUFFERING;
  return State.PLAYING;
}

// Is the viewer, in this state, waiting on the delivery (network, server, player)? That time
// counts as rebuffering in the QoE beacons. Not counted: the publisher's own outage (the
// playlist holds still while the server answers: the broadcaster's gap, not the delivery's),
// waiting for a broadcast to start, a paused or ended view, and anything before the first
// frame (that is startup time).
export function isRebuffering(f) {
  if (!f.hasPlayed || f.ended || f.paused) return false;
  if (f.source !== 'ready') return f.reason === 'network' || f.offline;
  if (f.holding || f.seeking) return false;
  return f.stalled || !f.shownFrame;
}
