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

  /** Django's CSRF token, from its cookie, for the API calls a page makes with its session. */
  csrfToken() {
    const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
    return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : "";
  },
};
