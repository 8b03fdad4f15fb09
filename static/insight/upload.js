/* The gallery's uploads: files dropped or chosen go to the image API one after another, each with
 * its progress bar, then its analysis status until done or failed. An image analysed before (the
 * API answers 200, `reused`) says so, with the link to that analysis. Plain JavaScript, no build
 * step; everything the API returns is put in the page as text. */
"use strict";

(function () {
  const root = document.getElementById("image-gallery");
  const input = document.getElementById("image-input");
  if (!root || !input) return;

  const uploadUrl = root.dataset.uploadUrl;
  const maxBytes = Number(root.dataset.maxBytes);
  const maxMb = root.dataset.maxMb;
  const dropzone = document.getElementById("dropzone");
  const list = document.getElementById("upload-list");
  const announcer = document.getElementById("upload-announcer");
  const refresh = document.getElementById("upload-refresh");
  const queue = [];
  let running = false;

  // --- small helpers ---------------------------------------------------------------------------
  const { element, csrfToken, onFilesDropped } = window.ImageSift;

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** A link the API gave as an absolute URL, as a path on this page's own origin (the API builds
   * it from the request it saw, which behind a proxy may name another scheme or host). */
  function onThisSite(url) {
    const parsed = new URL(url, window.location.href);
    return parsed.pathname + parsed.search;
  }

  /** What the API's refusal means, in plain words. */
  function refusal(status, body) {
    if (body && typeof body.detail === "string") {
      let message = body.detail;
      if (body.errors) {
        message += " " + Object.entries(body.errors)
          .map(([field, problems]) => `${field}: ${[].concat(problems).join(" ")}`).join("; ");
      }
      return message;
    }
    switch (status) {
      case 0: return "The server could not be reached. Check the connection and try again.";
      case 401: case 403: return "You are not allowed to upload images. Sign in again.";
      case 413: return `The file is too large; the limit is ${maxMb} MB.`;
      case 415: return "This kind of file is not supported; send a JPEG, PNG or WebP image.";
      default: return `The server answered ${status}.`;
    }
  }

  /** The most specific labels first ("Cat" before "Animal"), as the gallery's cards show them. */
  function topLabels(labels, count) {
    const parents = new Set(labels.flatMap((label) => label.parents || []));
    return [...labels]
      .sort((a, b) => (parents.has(a.name) - parents.has(b.name)) || (b.confidence - a.confidence))
      .slice(0, count)
      .map((label) => label.name);
  }

  // --- one file's line in the list -------------------------------------------------------------
  function addItem(file) {
    const progress = element("progress", { max: "100", value: "0", "data-testid": "upload-progress" });
    progress.setAttribute("aria-label", `Upload of ${file.name}`);
    const status = element("p", { class: "upload-status", "data-testid": "upload-status" }, "Waiting…");
    const item = element(
      "li",
      { class: "upload", "data-testid": "upload-item", "data-state": "waiting" },
      element("span", { class: "upload-name", "data-testid": "upload-name" }, file.name || "image"),
      progress,
      status,
    );
    list.append(item);
    return { file, item, progress, status };
  }

  function setState(entry, state, message, link) {
    entry.item.dataset.state = state;
    entry.status.replaceChildren(message);
    if (link) entry.status.append(" ", element("a", { href: link, "data-testid": "upload-link" }, "Open"));
  }

  function announce(message) {
    announcer.textContent = message;
  }

  // --- sending and waiting ---------------------------------------------------------------------
  function send(entry) {
    return new Promise((resolve) => {
      const form = new FormData();
      form.append("image", entry.file, entry.file.name || "image");
      const request = new XMLHttpRequest();
      request.open("POST", uploadUrl);
      request.setRequestHeader("X-CSRFToken", csrfToken());
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) entry.progress.value = (100 * event.loaded) / event.total;
      });
      request.upload.addEventListener("load", () => {
        entry.progress.value = 100;
        setState(entry, "analysing", "Uploaded; analysing…");
      });
      request.addEventListener("load", () => {
        let body = null;
        try { body = JSON.parse(request.responseText); } catch { /* not JSON */ }
        resolve({ status: request.status, body });
      });
      request.addEventListener("error", () => resolve({ status: 0, body: null }));
      request.send(form);
    });
  }

  const underWay = (analysis) => analysis.status === "pending" || analysis.status === "running";

  /** Poll the analysis until it is done or failed; its document, or null when it went away. */
  async function untilAnalysed(analysis) {
    let delay = 750;
    while (underWay(analysis)) {
      await sleep(delay);
      delay = Math.min(delay * 1.5, 5000);
      const response = await fetch(onThisSite(analysis.url), {
        credentials: "same-origin", headers: { Accept: "application/json" },
      }).catch(() => null);
      if (response && response.status === 404) return null;
      if (response && response.ok) analysis = await response.json();
    }
    return analysis;
  }

  async function upload(entry) {
    const file = entry.file;
    if (file.size > maxBytes) {
      const megabytes = (file.size / 1024 / 1024).toFixed(1);
      setState(entry, "error", `Not uploaded: the file is ${megabytes} MB; the limit is ${maxMb} MB.`);
      announce(`${file.name} was not uploaded.`);
      return;
    }
    setState(entry, "uploading", "Uploading…");
    const { status, body } = await send(entry);
    const reused = status === 200 && body && body.reused === true;
    if ((status !== 202 && !reused) || !body) {
      entry.progress.value = 0;
      setState(entry, "error", `Not uploaded: ${refusal(status, body)}`);
      announce(`${file.name} was not uploaded.`);
      return;
    }
    entry.item.dataset.reused = String(reused);
    const waiting = reused ? "Already uploaded; analysing…" : "Analysing…";
    setState(entry, "analysing", waiting, onThisSite(body.page_url));
    const analysis = await untilAnalysed(body);
    if (!analysis) {
      setState(entry, "error", "The image was deleted meanwhile.");
    } else if (analysis.status === "failed") {
      const link = onThisSite(analysis.page_url);
      setState(entry, "failed", `Analysis failed: ${analysis.failure_reason}`, link);
    } else {
      const labels = topLabels(analysis.labels || [], 3);
      const faces = (analysis.faces || []).length;
      const summary = [labels.join(", ") || "no labels", `${faces} face${faces === 1 ? "" : "s"}`];
      if (analysis.moderation && analysis.moderation.flagged) summary.push("flagged");
      const outcome = reused ? "Already analysed (not uploaded again)" : "Done";
      setState(entry, "done", `${outcome}: ${summary.join(" · ")}.`, onThisSite(analysis.page_url));
    }
    announce(`${file.name}: ${entry.status.firstChild.textContent}`);
    refresh.hidden = false;
  }

  async function drain() {
    if (running) return;
    running = true;
    root.setAttribute("aria-busy", "true");
    while (queue.length) {
      await upload(queue.shift()).catch((error) => console.error(error));
    }
    running = false;
    root.setAttribute("aria-busy", "false");
  }

  function take(files) {
    for (const file of files) queue.push(addItem(file));
    drain();
  }

  input.addEventListener("change", () => {
    take([...input.files]);
    input.value = "";  // choosing the same files again uploads them again
  });
  onFilesDropped(dropzone, take);  // anywhere on the page

  root.dataset.ready = "true";  // every control answers from here on
})();
