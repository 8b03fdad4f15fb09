/* The unattended kiosk: a live camera and one prompt; a tap (on Start or anywhere) takes the
 * liveness burst while the person turns their head; a big answer for them follows, and the page
 * is ready again after a few seconds. Plain JavaScript, no build step; answers go in as text. */
"use strict";

(function () {
  const root = document.getElementById("kiosk");
  if (!root) return;

  const RESULT_MS = 6000;
  const PROMPT = "Look at the camera, then turn your head slowly";
  // What the person reads when the kiosk itself fails: never an error code or a status.
  const TROUBLE = {
    decision: "error",
    admitted: false,
    headline: "Please see reception",
    message: "Something went wrong here: please try again, or see reception.",
  };

  const { csrfToken, camera, captureBurst } = window.ImageSift;
  const $ = (id) => document.getElementById(id);
  const video = $("kiosk-video");
  const canvas = $("kiosk-canvas");
  const result = $("kiosk-result");
  let stream = null;
  let signedOut = false;  // the session ended: after the answer, reload to the sign-in page

  function show(state, prompt, hint) {
    root.dataset.state = state;
    $("kiosk-prompt").textContent = prompt;
    $("kiosk-hint").textContent = hint;
    $("kiosk-start").disabled = state !== "ready";
  }

  function ready() {
    result.hidden = true;
    if (stream) show("ready", PROMPT, "Tap Start when you are ready.");
    else cameraLost();
  }

  // --- the camera, on all the time -------------------------------------------------------------
  async function openCamera() {
    show("starting", PROMPT, "Starting the camera…");
    try {
      stream = await camera.start(video);
      stream.getVideoTracks().forEach((track) => track.addEventListener("ended", cameraLost));
      ready();
    } catch (error) {
      stream = null;
      show("unavailable", "Please see reception",
        `The camera is not available (${camera.trouble(error)}). Tap to try again.`);
    }
  }

  function cameraLost() {
    stream = null;
    show("unavailable", "Please see reception", "The camera stopped. Tap to try again.");
  }

  // A tablet on the wall: full screen and awake, where the browser allows it.
  function enterFullScreen() {
    const page = document.documentElement;
    if (!document.fullscreenElement && page.requestFullscreen) {
      page.requestFullscreen().catch(() => {});
    }
  }

  async function keepAwake() {
    if (!navigator.wakeLock || document.visibilityState !== "visible") return;
    await navigator.wakeLock.request("screen").catch(() => {});
  }

  // --- one verification ------------------------------------------------------------------------
  async function start() {
    if (root.dataset.state === "unavailable") {
      openCamera();
      return;
    }
    if (root.dataset.state !== "ready" || !stream || !video.videoWidth) return;
    enterFullScreen();
    show("capturing", "Turn your head slowly to one side and back", "Keep looking at the camera…");
    const frames = await captureBurst(video, canvas);
    show("checking", "One moment…", "");
    showAnswer(frames ? await verify(frames) : TROUBLE);
  }

  async function verify(frames) {
    const form = new FormData();
    frames.forEach((frame, number) => form.append("frames", frame, `frame-${number}.jpg`));
    try {
      const response = await fetch(root.dataset.verifyUrl, {
        method: "POST",
        body: form,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
      const body = await response.json().catch(() => null);
      if (response.ok && body) return body;
      signedOut = response.status === 401 || response.status === 403;
      console.warn("The kiosk's verification was refused:", response.status, body && body.detail);
    } catch (error) {
      console.warn("The kiosk could not reach the server:", error.message);
    }
    return TROUBLE;
  }

  function showAnswer(answer) {
    root.dataset.state = "result";
    result.dataset.admitted = String(answer.admitted === true);
    result.dataset.decision = answer.decision;
    $("kiosk-headline").textContent = answer.headline;
    $("kiosk-message").textContent = answer.message;
    result.hidden = false;
    setTimeout(signedOut ? () => window.location.reload() : ready, RESULT_MS);
  }

  root.addEventListener("click", start);  // the Start button, or anywhere on the screen
  document.addEventListener("visibilitychange", keepAwake);
  window.addEventListener("pagehide", () => camera.stop(video, stream));
  keepAwake();
  openCamera();
})();
