/* Small helpers shared by the pages' scripts (loaded before them, deferred, in order). */
"use strict";

window.ImageSift = {
  /** A new element with attributes and children (strings become text, never HTML). */
  element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    for (const child of children) if (child != null) node.append(child);
    return node;
  },

  /** Files dropped anywhere on the page go to `take` (never opened in place of the page); the
   * drop zone shows that it will take them while they are dragged over the page. */
  onFilesDropped(dropzone, take) {
    for (const type of ["dragenter", "dragover"]) {
      window.addEventListener(type, (event) => {
        event.preventDefault();
        dropzone.classList.add("is-dragging");
      });
    }
    for (const type of ["dragleave", "drop"]) {
      window.addEventListener(type, () => dropzone.classList.remove("is-dragging"));
    }
    window.addEventListener("drop", (event) => {
      event.preventDefault();
      const files = event.dataTransfer ? [...event.dataTransfer.files] : [];
      if (files.length) take(files);
    });
  },

  /** Django's CSRF token, from its cookie, for the API calls a page makes with its session. */
  csrfToken() {
    const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
    return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : "";
  },
};
