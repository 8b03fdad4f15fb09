/* The front desk's "Register walk-in": after an unknown answer, register the person as a
 * visitor with the photo just verified as their first enrolled photo, checked in to a visit
 * from now until the time given (the host is emailed). Plain JavaScript; what the API returns
 * is put in the page as text. Listens to frontdesk.js's "frontdesk:result". */
"use strict";

(function () {
  const root = document.getElementById("frontdesk");
  const panel = document.getElementById("walk-in");
  if (!root || !panel) return;  // a role that may not register visitors sees no form

  const { csrfToken } = window.ImageSift;
  const verifyUrl = root.dataset.verifyUrl;
  const timeZone = root.dataset.timeZone || undefined;
  const $ = (id) => document.getElementById(id);
  const form = $("walk-in-form");
  const openButton = $("walk-in-open");
  const status = $("walk-in-status");
  // Today's date where the site is (en-CA writes YYYY-MM-DD), for a visit that ends tonight.
  const siteDate = new Intl.DateTimeFormat("en-CA", {
    year: "numeric", month: "2-digit", day: "2-digit", timeZone,
  });
  let verification = null;

  function clearErrors() {
    form.querySelectorAll("[data-error-for]").forEach((slot) => { slot.textContent = ""; });
  }

  /** Each field's messages next to it; those of no field on the form go at the top. */
  function showErrors(errors) {
    for (const [field, messages] of Object.entries(errors)) {
      const slot = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`)
        || form.querySelector('[data-error-for="verification"]');
      slot.textContent = [slot.textContent, ...[].concat(messages)].filter(Boolean).join(" ");
    }
  }

  function reset(shown) {
    verification = shown;
    form.reset();
    clearErrors();
    form.hidden = true;
    status.textContent = "";
    openButton.hidden = false;
    panel.hidden = !(shown && shown.decision === "unknown" && shown.has_probe_image);
  }

  function open() {
    form.hidden = false;
    openButton.hidden = true;
    $("walk-in-until").value = `${siteDate.format(new Date())}T23:59`;
    $("walk-in-name").focus();
  }

  function photoWords(photo) {
    if (!photo) return "no photo";
    if (photo.state === "indexed") return "photo indexed";
    if (photo.state === "rejected") {
      return `photo rejected: ${(photo.rejection_reason || "unknown reason").replaceAll("_", " ")}`;
    }
    return `photo ${photo.state}`;
  }

  async function register(event) {
    event.preventDefault();
    if (!verification) return;
    clearErrors();
    const submit = form.querySelector('[type="submit"]');
    submit.disabled = true;
    status.textContent = "Registering…";
    const host = $("walk-in-host").value;
    const payload = {
      name: $("walk-in-name").value.trim(),
      company: $("walk-in-company").value.trim(),
      host: host ? Number(host) : null,
      until: $("walk-in-until").value,  // the site's local time, as the server reads it
      consent: $("walk-in-consent").checked,
    };
    try {
      const response = await fetch(`${verifyUrl}${verification.id}/walk-in/`, {
        method: "POST",
        body: JSON.stringify(payload),
        credentials: "same-origin",
        headers: {
          "X-CSRFToken": csrfToken(),
          Accept: "application/json",
          "Content-Type": "application/json",
        },
      });
      const body = await response.json().catch(() => null);
      if (response.status === 201 && body) {
        form.hidden = true;
        // The API checks them in to a visit from now until then: the host is told.
        status.textContent = `Registered and checked in: ${body.name} (${photoWords(body.photos[0])})`;
        return;
      }
      status.textContent = "";
      if (body && body.errors) showErrors(body.errors);
      else status.textContent = `Could not register: ${(body && body.detail) || `the server answered ${response.status}`}.`;
    } catch (error) {
      status.textContent = `Could not reach the server (${error.message}).`;
    } finally {
      submit.disabled = false;
    }
  }

  root.addEventListener("frontdesk:result", (event) => reset(event.detail));
  openButton.addEventListener("click", open);
  $("walk-in-cancel").addEventListener("click", () => reset(verification));
  form.addEventListener("submit", register);
})();
