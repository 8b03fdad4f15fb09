/* The badge page's Print button: the page's policy allows no inline script. */
"use strict";

(function () {
  const button = document.getElementById("print-badge-button");
  if (button) button.addEventListener("click", () => window.print());
})();
