/* The camera and the liveness challenge's burst, shared by the front desk and the kiosk: start
 * the user-facing camera, take a frame as a JPEG, take a burst while the head turns.
 * Loaded after dom.js (deferred, in order), before the page's own script. */
"use strict";

(function () {
  // ~1.5 s of frames while the person turns their head; the server checks 5 or more.
  const BURST_FRAMES = 10;
  const BURST_INTERVAL_MS = 150;

  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Starts the user-facing camera in `video`; resolves to the stream, or rejects as
   * getUserMedia does (see `cameraTrouble`). */
  async function startCamera(video) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      const error = new Error("this browser offers no camera here (the page needs HTTPS)");
      error.name = "NoCameraApi";
      throw error;
    }
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: "user" },
      audio: false,
    });
    video.srcObject = stream;
    await video.play().catch(() => {});
    return stream;
  }

  /** Why the camera could not start, in plain words. */
  function cameraTrouble(error) {
    if (error.name === "NotAllowedError") return "permission to use the camera was refused";
    if (error.name === "NotFoundError") return "no camera was found";
    return error.message;
  }

  function stopCamera(video, stream) {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
  }

  /** The video's current picture as a JPEG blob (null if the browser could not encode it). */
  function grabFrame(video, canvas) {
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
  }

  /** BURST_FRAMES JPEG frames, BURST_INTERVAL_MS apart; null if any could not be taken. */
  async function captureBurst(video, canvas) {
    const frames = [];
    for (let number = 0; number < BURST_FRAMES; number += 1) {
      const blob = await grabFrame(video, canvas);
      if (!blob) return null;
      frames.push(blob);
      await pause(BURST_INTERVAL_MS);
    }
    return frames;
  }

  Object.assign(window.ImageSift, {
    camera: { start: startCamera, stop: stopCamera, trouble: cameraTrouble },
    grabFrame,
    captureBurst,
  });
})();
