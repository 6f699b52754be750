// First-frame detection. requestVideoFrameCallback fires when a frame is handed to the
// compositor, the moment a viewer sees it; where it is missing, the first advance of
// currentTime during playback stands in. Only frames presented while playing count: a
// paused element showing its first picture has not started playback.

export function watchFirstFrame(video, onFrame) {
  let cancelled = false;
  const useFrameCallback = typeof video.requestVideoFrameCallback === 'function';
  let handle = null;
  const startTime = video.currentTime;

  const fire = () => {
    if (cancelled) return;
    cancel();
    onFrame(performance.now());
  };
  const onFrameCallback = () => {
    if (cancelled) return;
    if (!video.paused) return fire();
    handle = video.requestVideoFrameCallback(onFrameCallback);
  };
  const onTimeUpdate = () => {
    if (!video.paused && video.currentTime !== startTime && video.readyState >= 2) fire();
  };
  // A frame decoded while paused: the next `playing` shows it.
  const onPlaying = () => {
    if (video.readyState >= 2 && video.videoWidth > 0) fire();
  };

  function cancel() {
    cancelled = true;
    if (handle !== null && useFrameCallback) video.cancelVideoFrameCallback(handle);
    video.removeEventListener('timeupdate', onTimeUpdate);
    video.removeEventListener('playing', onPlaying);
  }

  if (useFrameCallback) handle = video.requestVideoFrameCallback(onFrameCallback);
  video.addEventListener('timeupdate', onTimeUpdate);
  video.addEventListener('playing', onPlaying);
  return cancel;
}
