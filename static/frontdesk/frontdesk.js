/* The front desk: capture a face (webcam or file), ask the verification API, show the answer.
 * Plain JavaScript, no build step. Everything the API returns is put in the page as text. */
"use strict";

(function () {
  const root = document.getElementById("frontdesk");
  if (!root) return;

  const verifyUrl = root.dataset.verifyUrl;
  // With liveness on, a camera capture is a burst of frames while the person turns their head.
  const livenessOn = root.dataset.liveness !== "off";
  const timeZone = root.dataset.timeZone || undefined;
  const decisionWords = JSON.parse(document.getElementById("decision-words").textContent);
  const $ = (id) => document.getElementById(id);

  const video = $("camera-video");
  const canvas = $("camera-canvas");
  const cameraToggle = $("camera-toggle");
  const captureButton = $("capture-button");
  const cameraPlaceholder = $("camera-placeholder");
  const fileInput = $("photo-input");
  const dropzone = $("dropzone");
  const statusLine = $("status");
  const errorBox = $("error");
  const result = $("result");
  let stream = null;
  let busy = false;
  let probeUrl = null;

  // --- small helpers ---------------------------------------------------------------------------
  const { element, csrfToken, onFilesDropped, camera, grabFrame, captureBurst } = window.ImageSift;

  const clock = new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone,
  });
  const day = new Intl.DateTimeFormat("en-GB", {
    weekday: "short", day: "numeric", month: "short", timeZone,
  });
  const hourMinute = new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit", minute: "2-digit", hour12: false, timeZone,
  });

  /** "Tue 24 Nov, 09:00 – 13:00", with the end's day only when the visit spans days. */
  function visitWindow(visit) {
    const start = new Date(visit.starts_at);
    const end = new Date(visit.ends_at);
    const endDay = day.format(end) === day.format(start) ? "" : `${day.format(end)}, `;
    return `${day.format(start)}, ${hourMinute.format(start)} – ${endDay}${hourMinute.format(end)}`;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function clearError() {
    errorBox.hidden = true;
    errorBox.textContent = "";
  }

  function setBusy(value) {
    busy = value;
    captureButton.disabled = value || !stream;
    dropzone.classList.toggle("is-busy", value);
    fileInput.disabled = value;
    statusLine.textContent = value ? "Verifying…" : "";
    root.setAttribute("aria-busy", String(value));
  }

  // --- asking the API --------------------------------------------------------------------------
  function errorMessage(response, body) {
    if (body && typeof body.detail === "string") {
      let message = body.detail;
      if (body.errors) {
        const details = Object.entries(body.errors).map(
          ([field, problems]) => `${field}: ${[].concat(problems).join(" ")}`);
        message += ` ${details.join("; ")}`;
      }
      if (response.status === 401 || response.status === 403) {
        message += " Reload the page and sign in again if this persists.";
      }
      return message;
    }
    return `The server answered ${response.status} ${response.statusText || ""}`.trim() + ".";
  }

  async function verify(image, filename, frames = []) {
    if (busy) return;
    clearError();
    setBusy(true);
    // The previous answer goes away at once: it must never be read as the answer for this photo.
    result.hidden = true;
    $("result-empty").hidden = false;
    const form = new FormData();
    form.append("image", image, filename);
    frames.forEach((frame, number) => form.append("frames", frame, `frame-${number}.jpg`));
    const started = performance.now();
    try {
      const response = await fetch(verifyUrl, {
        method: "POST",
        body: form,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
      const elapsed = performance.now() - started;
      const body = await response.json().catch(() => null);
      if (!response.ok || !body) {
        showError(`Could not verify: ${errorMessage(response, body)}`);
        return;
      }
      if (probeUrl) URL.revokeObjectURL(probeUrl);
      probeUrl = URL.createObjectURL(image);
      showResult(body, elapsed, probeUrl);
      prependRecent(body);
    } catch (error) {
      showError(`Could not reach the server (${error.message}). Check the connection and try again.`);
    } finally {
      setBusy(false);
    }
  }

  // --- the result card -------------------------------------------------------------------------
  function fact(list, label, value, testId) {
    if (value == null || value === "") return;
    list.append(element("dt", {}, label), element("dd", { "data-testid": testId }, value));
  }

  const capitalised = (text) => `${text[0].toUpperCase()}${text.slice(1)}`;

  // A red alert above the answer (denied, check ID, liveness).
  function alertBanner(testId, headline, text) {
    return element(
      "div",
      { class: "denied-banner", role: "alert", "data-testid": testId },
      element("span", { class: "denied-icon", "aria-hidden": "true" }),
      element("span", { class: "denied-text" }, element("strong", {}, headline), ` ${text}`),
    );
  }

  const deniedBanner = (verification) => alertBanner(
    "denied-banner",
    "DENIED — do not admit.",
    `${verification.reason ? `${capitalised(verification.reason)}. ` : ""}Call security.`,
  );

  const possibleDeniedBanner = () => alertBanner(
    "possible-denied-banner",
    "Check ID — possible match to a person on the deny list.",
    "Compare the photos and the person's ID before admitting; call security if it is them.",
  );

  const livenessBanner = (verification) => alertBanner(
    "liveness-banner",
    "Not admitted — the liveness check did not pass.",
    `${capitalised(verification.liveness_reason || "no burst of frames was sent")}. Ask the person to turn their head slowly and try again, or check ID.`,
  );

  const BANNERS = {
    denied: deniedBanner,
    possible_denied: possibleDeniedBanner,
    liveness_failed: livenessBanner,
  };
  const LIVENESS_WORDS = { passed: "Passed", failed: "Failed", not_checked: "Not checked" };

  const VISIT_STATUS_WORDS = {
    invited: "Invited",
    expected: "Expected",
    checked_in: "Checked in",
    checked_out: "Checked out",
    cancelled: "Cancelled",
    no_show: "No show",
  };

  function showFacts(verification) {
    const person = verification.person;
    const visit = verification.visit;
    const facts = $("result-facts");
    facts.replaceChildren();
    if (person) {
      fact(facts, "Kind", person.kind === "employee" ? "Employee" : "Visitor", "fact-kind");
      fact(facts, "Department", person.department, "fact-department");
      fact(facts, "Company", person.company, "fact-company");
    }
    // A visitor's visit the decision was judged by: the one under way, else the next or the last.
    if (visit) {
      fact(facts, "Host", visit.host ? visit.host.name : "No host recorded", "fact-host");
      fact(facts, "Visit window", visitWindow(visit), "fact-visit-window");
      fact(facts, "Visit", VISIT_STATUS_WORDS[visit.status] || visit.status, "fact-visit-status");
      fact(facts, "Badge", visit.badge_number, "fact-badge");
    } else if (person && person.kind === "visitor") {
      fact(facts, "Visit", "No visit planned", "fact-visit-status");
    }
    if (verification.similarity != null) {
      fact(facts, "Similarity", `${verification.similarity.toFixed(1)} / 100`, "fact-similarity");
    }
    fact(facts, "Faces seen", String(verification.faces_seen), "fact-faces");
    const liveness = LIVENESS_WORDS[verification.liveness] || verification.liveness;
    fact(
      facts,
      "Liveness",
      verification.liveness_reason ? `${liveness}: ${verification.liveness_reason}` : liveness,
      "fact-liveness",
    );
    fact(facts, "Reason", verification.reason, "fact-reason");
  }

  function showResult(verification, elapsedMs, probeSrc) {
    const person = verification.person;
    const decision = verification.decision;
    shownVerification = verification;
    $("feedback-note").value = "";
    $("feedback-status").textContent = "";
    result.dataset.decision = decision;
    result.className = `result decision-${decision}`;
    // A fresh role="alert" node each time, so that a second denial in a row is announced too.
    const banner = BANNERS[decision];
    $("denied-slot").replaceChildren(...(banner ? [banner(verification)] : []));

    $("result-decision").textContent = decisionWords[decision] || decision;
    $("result-name").textContent = person ? person.name : (verification.person_name || "");
    $("result-probe").src = probeSrc;

    const enrolled = $("result-enrolled");
    const enrolledFigure = $("result-enrolled-figure");
    if (person && person.photo_url) {
      enrolled.src = person.photo_url;
      enrolled.alt = `Enrolled photo of ${person.name}`;
      enrolledFigure.hidden = false;
    } else {
      enrolled.removeAttribute("src");
      enrolledFigure.hidden = true;
    }

    showFacts(verification);
    showCheckIn(verification, false);

    $("result-time").textContent =
      `Answered in ${Math.round(elapsedMs)} ms (recognition ${Math.round(verification.duration_ms)} ms) at ${clock.format(new Date(verification.created_at))}`;
    $("result-empty").hidden = true;
    result.hidden = false;
    $("announcer").textContent = [$("result-decision").textContent, $("result-name").textContent]
      .filter(Boolean).join(": ");
    // Below the fold on phones; the decision, not the whole card, so that a tall card (a visitor
    // with the check-in panel) does not scroll a tablet's page.
    $("result-decision").scrollIntoView({ block: "nearest", behavior: "smooth" });
    // walk_in.js offers to register an unknown person from here.
    root.dispatchEvent(new CustomEvent("frontdesk:result", { detail: verification }));
  }

  // --- feedback on the answer shown: appended beside the audit log, never changing it ----------
  let shownVerification = null;

  // --- check-in: the visit of the visitor just admitted (the host is emailed, a badge given) ---
  const checkInPanel = $("check-in-panel");
  const checkInButton = $("check-in-button");
  const checkInStatus = $("check-in-status");
  const printBadge = $("print-badge");

  /** The panel for the answer shown: the button while the visit can be checked in; once it is
   * checked in, when (`justNow`: by this desk, a moment ago) and the badge to print. Never
   * beside a refusal (denied, liveness failed), even of a visitor who is checked in. */
  function showCheckIn(verification, justNow) {
    const visit = verification.visit;
    const checkedIn = Boolean(
      verification.decision === "visitor" && visit && visit.status === "checked_in");
    checkInPanel.hidden = !(verification.can_check_in || checkedIn);
    checkInButton.hidden = !verification.can_check_in;
    checkInButton.disabled = false;
    checkInStatus.classList.remove("is-error");
    checkInStatus.textContent = checkedIn ? checkedInWords(visit, justNow) : "";
    if (checkedIn && visit.badge_url) {
      printBadge.href = visit.badge_url;
      printBadge.hidden = false;
    } else {
      printBadge.removeAttribute("href");
      printBadge.hidden = true;
    }
  }

  function checkedInWords(visit, justNow) {
    const at = visit.checked_in_at ? ` at ${hourMinute.format(new Date(visit.checked_in_at))}` : "";
    const badge = visit.badge_number ? ` · badge ${visit.badge_number}` : "";
    return `${justNow ? "Checked in" : "Already checked in"}${at}${badge}`;
  }

  /** The messages of a refused check-in, without the field names the desk does not need. */
  function checkInRefusal(response, body) {
    if (body && body.errors) return Object.values(body.errors).flat().join(" ");
    return errorMessage(response, body);
  }

  async function checkIn() {
    const verification = shownVerification;
    if (!verification || !verification.can_check_in) return;
    checkInButton.disabled = true;
    checkInStatus.classList.remove("is-error");
    checkInStatus.textContent = "Checking in…";
    let trouble;
    try {
      const response = await fetch(`${verifyUrl}${verification.id}/check-in/`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
      const body = await response.json().catch(() => null);
      if (verification !== shownVerification) return;  // another answer is on screen now
      if (response.ok && body) {
        verification.visit = body;
        verification.can_check_in = false;
        showFacts(verification);
        showCheckIn(verification, true);
        return;
      }
      trouble = `Could not check in: ${checkInRefusal(response, body)}`;
    } catch (error) {
      if (verification !== shownVerification) return;
      trouble = `Could not reach the server (${error.message}).`;
    }
    checkInButton.disabled = false;
    checkInStatus.classList.add("is-error");
    checkInStatus.textContent = trouble;
  }

  checkInButton.addEventListener("click", checkIn);

  async function sendFeedback(event) {
    event.preventDefault();
    const verdict = event.submitter && event.submitter.value;
    if (!shownVerification || !verdict) return;
    const status = $("feedback-status");
    status.textContent = "Saving…";
    try {
      const response = await fetch(`${verifyUrl}${shownVerification.id}/feedback/`, {
        method: "POST",
        body: JSON.stringify({ verdict, note: $("feedback-note").value }),
        credentials: "same-origin",
        headers: {
          "X-CSRFToken": csrfToken(),
          Accept: "application/json",
          "Content-Type": "application/json",
        },
      });
      const body = await response.json().catch(() => null);
      status.textContent = response.ok
        ? `Marked "${event.submitter.textContent}". Thank you.`
        : `Could not save the mark: ${errorMessage(response, body)}`;
    } catch (error) {
      status.textContent = `Could not reach the server (${error.message}).`;
    }
  }

  $("feedback").addEventListener("submit", sendFeedback);

  function prependRecent(verification) {
    const item = element(
      "li",
      {
        class: `recent-item decision-${verification.decision} is-new`,
        "data-testid": "recent-item",
        "data-decision": verification.decision,
      },
      element("time", { datetime: verification.created_at }, clock.format(new Date(verification.created_at))),
      element("span", { class: "badge" }, decisionWords[verification.decision] || verification.decision),
      element("span", { class: "recent-name" }, verification.person_name || "—"),
      element(
        "span",
        { class: "recent-meta muted" },
        (verification.similarity != null ? `similarity ${verification.similarity.toFixed(1)} · ` : "") + "Front desk",
      ),
    );
    $("recent-list").prepend(item);
    $("recent-empty").hidden = true;
  }

  // --- webcam ----------------------------------------------------------------------------------
  async function startCamera() {
    clearError();
    cameraToggle.disabled = true;
    try {
      stream = await camera.start(video);
      cameraPlaceholder.hidden = true;
      cameraToggle.textContent = "Stop camera";
      captureButton.disabled = busy;
    } catch (error) {
      stream = null;
      showError(`The camera could not start: ${camera.trouble(error)}. Upload a photo instead.`);
    } finally {
      cameraToggle.disabled = false;
    }
  }

  function stopCamera() {
    camera.stop(video, stream);
    stream = null;
    cameraPlaceholder.hidden = false;
    cameraToggle.textContent = "Start camera";
    captureButton.disabled = true;
  }

  async function capture() {
    if (!stream || !video.videoWidth) {
      showError("The camera has no picture yet; wait a moment and try again.");
      return;
    }
    if (!livenessOn) {
      const blob = await grabFrame(video, canvas);
      if (blob) verify(blob, "capture.jpg");
      else showError("Could not take a picture from the camera.");
      return;
    }
    // The liveness challenge: ~1.5 s of frames while the head turns; the middle one is the probe.
    captureButton.disabled = true;
    statusLine.textContent = "Please turn your head slowly to one side and back…";
    const frames = await captureBurst(video, canvas);
    statusLine.textContent = "";
    captureButton.disabled = false;
    if (!frames) {
      showError("Could not take pictures from the camera.");
      return;
    }
    verify(frames[Math.floor(frames.length / 2)], "capture.jpg", frames);
  }

  cameraToggle.addEventListener("click", () => (stream ? stopCamera() : startCamera()));
  captureButton.addEventListener("click", capture);
  window.addEventListener("pagehide", stopCamera);

  // --- upload and drag-and-drop ----------------------------------------------------------------
  function verifyFile(file) {
    if (file) verify(file, file.name || "upload");
  }

  fileInput.addEventListener("change", () => {
    verifyFile(fileInput.files[0]);
    fileInput.value = "";  // choosing the same file again verifies again
  });
  onFilesDropped(dropzone, (files) => verifyFile(files[0]));  // anywhere on the page

  root.dataset.ready = "true";  // every control answers from here on
})();
