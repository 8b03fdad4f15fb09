/* The invitation page: once the visitor ticks consent, a selfie (webcam) or an uploaded photo goes
 * to the invitation API, which checks it at once. A photo that will not do is explained (what to
 * change) and can be retaken; a link that no longer works says why. Loaded after dom.js and
 * burst.js (deferred, in order). Everything the API returns is put in the page as text. */
"use strict";

(function () {
  const root = document.getElementById("enrol");
  if (!root) return;

  const { onFilesDropped, camera, grabFrame } = window.ImageSift;
  const $ = (id) => document.getElementById(id);
  const enrolUrl = root.dataset.enrolUrl;
  // Answers that end the page: the link is invalid (400), used (409), or its visit over (410).
  const REFUSALS = new Set(["invitation_invalid", "invitation_used", "invitation_expired"]);

  const consent = $("consent");
  const consentHint = $("consent-hint");
  const controls = $("capture-controls");
  const video = $("camera-video");
  const canvas = $("camera-canvas");
  const cameraToggle = $("camera-toggle");
  const captureButton = $("capture-button");
  const cameraPlaceholder = $("camera-placeholder");
  const fileInput = $("photo-input");
  const dropzone = $("dropzone");
  const statusLine = $("status");
  const retake = $("retake");
  const errorBox = $("error");
  let stream = null;
  let busy = false;
  let finished = false; // enrolled, or refused: nothing more to send

  /** The capture controls answer only with consent ticked, between requests, before the end. */
  function refreshControls() {
    const open = consent.checked && !busy && !finished;
    controls.disabled = !open;
    captureButton.disabled = !open || !stream;
    consent.disabled = busy || finished;
    consentHint.hidden = consent.checked || finished;
    root.dataset.state = finished ? "finished" : open ? "open" : busy ? "busy" : "consent";
  }

  function clearMessages() {
    retake.hidden = true;
    errorBox.hidden = true;
    errorBox.textContent = "";
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  // --- the answers -----------------------------------------------------------------------------
  function showRetake(body) {
    $("retake-detail").textContent = body.detail || "This photo cannot be used.";
    $("retake-fix").textContent = body.how_to_fix || "";
    retake.dataset.code = body.code || "";
    retake.hidden = false;
  }

  function finish(sectionId, messageId, message) {
    finished = true;
    stopCamera();
    $(messageId).textContent = message;
    $("capture").hidden = true;
    $(sectionId).hidden = false;
    $(sectionId).scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  /** Words for an answer that is neither a success, a retake nor a refusal: worth a retry. */
  function troubleMessage(response, body) {
    if (body && body.errors) {
      const problems = Object.values(body.errors).flat().join(" ");
      return `Your photo was not sent: ${problems}`;
    }
    if (body && typeof body.detail === "string") return `Your photo was not sent: ${body.detail}`;
    return `Your photo was not sent (the server answered ${response.status}). Please try again.`;
  }

  async function send(image, filename) {
    if (busy || finished || !consent.checked) return;
    clearMessages();
    busy = true;
    refreshControls();
    statusLine.textContent = "Checking your photo…";
    const form = new FormData();
    form.append("consent", "true");
    form.append("image", image, filename);
    try {
      // No session and no cookie: the signed link in the address is the only key.
      const response = await fetch(enrolUrl, {
        method: "POST",
        body: form,
        credentials: "omit",
        headers: { Accept: "application/json" },
      });
      const body = await response.json().catch(() => null);
      if (response.status === 201 && body) {
        finish("success", "success-message", body.message);
      } else if (response.status === 422 && body) {
        showRetake(body);
      } else if (body && REFUSALS.has(body.code)) {
        finish("refusal", "refusal-message", body.detail);
      } else {
        showError(troubleMessage(response, body));
      }
    } catch (error) {
      showError(`Could not reach the server (${error.message}). Check your connection and try again.`);
    } finally {
      busy = false;
      statusLine.textContent = "";
      refreshControls();
    }
  }

  // --- webcam ----------------------------------------------------------------------------------
  async function startCamera() {
    clearMessages();
    cameraToggle.disabled = true;
    try {
      stream = await camera.start(video);
      cameraPlaceholder.hidden = true;
      cameraToggle.textContent = "Stop camera";
    } catch (error) {
      stream = null;
      showError(`The camera could not start: ${camera.trouble(error)}. Upload a photo instead.`);
    } finally {
      cameraToggle.disabled = false;
      refreshControls();
    }
  }

  function stopCamera() {
    if (stream) camera.stop(video, stream);
    stream = null;
    cameraPlaceholder.hidden = false;
    cameraToggle.textContent = "Start camera";
    refreshControls();
  }

  async function capture() {
    if (!stream || !video.videoWidth) {
      showError("The camera has no picture yet: wait a moment and try again.");
      return;
    }
    const blob = await grabFrame(video, canvas);
    if (blob) send(blob, "selfie.jpg");
    else showError("Could not take a picture from the camera. Upload a photo instead.");
  }

  // --- wiring ----------------------------------------------------------------------------------
  consent.addEventListener("change", () => {
    if (!consent.checked) stopCamera(); // consent taken back: the camera goes off too
    refreshControls();
  });
  cameraToggle.addEventListener("click", () => (stream ? stopCamera() : startCamera()));
  captureButton.addEventListener("click", capture);
  window.addEventListener("pagehide", stopCamera);

  fileInput.addEventListener("change", () => {
    const file = fileInput.files[0];
    fileInput.value = ""; // choosing the same file again sends it again
    if (file) send(file, file.name || "upload");
  });
  onFilesDropped(dropzone, (files) => {
    if (!consent.checked) {
      showError("Tick the consent box first, then drop your photo again.");
      return;
    }
    send(files[0], files[0].name || "upload");
  });

  refreshControls();
  root.dataset.ready = "true"; // every control answers from here on
})();
