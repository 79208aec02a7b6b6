// The little script of the web UI; every page works without it.
"use strict";

document.addEventListener("submit", (event) => {
  const form = event.target;
  // Destructive actions (delete, freeze) ask first.
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  // A second click while the first request is on its way would post twice.
  if (form.method.toLowerCase() === "post") {
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
  }
});

// Leaving a page restored from the back/forward cache should allow posting again.
window.addEventListener("pageshow", () => {
  document.querySelectorAll("form[data-sent]").forEach((form) => delete form.dataset.sent);
});

// Close the user menu when clicking elsewhere.
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.user-menu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});
