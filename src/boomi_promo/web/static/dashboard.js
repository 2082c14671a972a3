// Dashboard behaviour that needs script. The Content-Security-Policy allows no inline script,
// so htmx is configured here rather than in the page. Pages work without this file, only
// with full page loads instead of partial ones.
"use strict";

document.documentElement.classList.add("js");

if (window.htmx) {
  // The policy forbids inline <style>; dashboard.css styles the loading indicators.
  htmx.config.includeIndicatorStyles = false;
  htmx.config.allowEval = false;
  htmx.config.allowScriptTags = false;
  // No copies of pages (with their data) in localStorage: going back reloads the page.
  htmx.config.historyCacheSize = 0;
  htmx.config.refreshOnHistoryMiss = true;
  // Error answers carry a fragment that explains the problem; show it where it was asked for.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: true, error: true },
  ];

  document.addEventListener("htmx:configRequest", (event) => {
    const token = document.querySelector('meta[name="csrf-token"]');
    if (token) {
      event.detail.headers["X-CSRF-Token"] = token.content;
    }
  });

  // The service could not be reached at all: say so where the answer would have gone.
  document.addEventListener("htmx:sendError", (event) => {
    const target = event.detail.target;
    if (!target) {
      return;
    }
    const notice = document.createElement("div");
    notice.className = "notice notice-error";
    notice.setAttribute("role", "alert");
    const message = document.createElement("p");
    message.textContent =
      "The dashboard could not reach the service. Check your connection, then reload the page.";
    notice.append(message);
    target.replaceChildren(notice);
  });
}

// Choosing a dev account opens it straight away.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-navigate") && field.form) {
    field.form.requestSubmit();
  }
});
