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

// Promotion Status: follow the job through the dashboard's event stream (the API's job
// document as server-sent events). Progress updates in place; when the job has finished, the
// page's status section is fetched again, with the results the server renders.
function followJob(section) {
  const titles = JSON.parse(section.dataset.stepTitles || "{}");
  const state = section.querySelector("[data-job-state]");
  const title = section.querySelector("[data-progress-title]");
  const position = section.querySelector("[data-progress-position]");
  const bar = section.querySelector("[data-progress-bar]");
  const events = new EventSource(section.dataset.jobEvents);

  function showProgress(job) {
    const progress = job.progress || {};
    if (state) {
      state.textContent = job.state;
      state.className = `badge state state-${String(job.state).toLowerCase()}`;
    }
    if (title) {
      title.textContent = titles[progress.step] || progress.message || titles[job.state] || "";
    }
    const counted = Number.isInteger(progress.current) && Number.isInteger(progress.total) && progress.total > 0;
    if (position) {
      let text = counted ? `component ${progress.current} of ${progress.total}` : "";
      if (counted && progress.message) {
        text += ` — ${progress.message}`;
      }
      position.textContent = text;
    }
    if (bar) {
      if (counted) {
        bar.max = progress.total;
        bar.value = progress.current;
      } else {
        bar.removeAttribute("value");
      }
    }
  }

  async function showFinished() {
    try {
      const response = await fetch(section.dataset.jobUrl, {
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
      });
      if (!response.ok) {
        throw new Error(`status ${response.status}`);
      }
      const holder = document.createElement("div");
      holder.innerHTML = await response.text();
      const finished = holder.querySelector("#job-status");
      if (!finished) {
        throw new Error("no status in the answer");
      }
      section.replaceWith(finished);
      if (window.htmx) {
        htmx.process(finished); // the finished status may load more (a release's status)
      }
    } catch {
      window.location.reload();
    }
  }

  events.addEventListener("progress", (event) => showProgress(JSON.parse(event.data)));
  events.addEventListener("done", (event) => {
    events.close();
    showProgress(JSON.parse(event.data));
    showFinished();
  });
  events.addEventListener("error", () => {
    if (events.readyState !== EventSource.CLOSED) {
      return; // the browser reconnects on its own
    }
    const notice = document.createElement("div");
    notice.className = "notice notice-error";
    notice.setAttribute("role", "alert");
    const message = document.createElement("p");
    message.textContent = "Live updates stopped. Reload the page to see how the promotion is doing.";
    notice.append(message);
    section.prepend(notice);
  });
}

document.querySelectorAll("[data-job-events]").forEach(followJob);

// A text area with a character limit shows how many characters are left.
function showCharactersLeft(field) {
  const counter = document.getElementById(field.dataset.countTo);
  if (!counter) {
    return;
  }
  const update = () => {
    const left = field.maxLength - field.value.length;
    counter.textContent = `${left} of ${field.maxLength} characters left`;
  };
  field.addEventListener("input", update);
  update();
}

document.querySelectorAll("textarea[data-count-to]").forEach(showCharactersLeft);
