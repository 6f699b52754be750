// steadycast player: createPlayer(videoElement, {src, ...}) on hls.js.
import Hls from '/vendor/hls.mjs';

export function createPlayer(video, options) {
  const hls = new Hls();
  video.muted = Boolean(options.muted);
  hls.loadSource(options.src);
  hls.attachMedia(video);
  video.play().catch(() => {});
  return { hls, destroy: () => hls.destroy() };
}
