/* An image page whose analysis is pending: ask the API until it is done or failed, then show the
 * result by loading the page again (the server renders everything). */
"use strict";

(function () {
  const root = document.getElementById("image-page");
  if (!root || root.dataset.status !== "pending") return;

  const apiUrl = root.dataset.apiUrl;
  const notice = document.querySelector("[data-testid=analysis-pending]");
  let delay = 1000;

  async function poll() {
    try {
      const response = await fetch(apiUrl, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (response.status === 404) {
        notice.textContent = "This image has been deleted.";
        return;
      }
      if (response.ok) {
        const analysis = await response.json();
        if (analysis.status !== "pending") {
          window.location.reload();
          return;
        }
      }
    } catch {
      // Offline for a moment: keep asking.
    }
    delay = Math.min(delay * 1.5, 10000);
    setTimeout(poll, delay);
  }

  setTimeout(poll, delay);
  root.dataset.ready = "true";
})();
