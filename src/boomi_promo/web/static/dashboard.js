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

  // A search typed before htmx was ready sent nothing (and htmx takes the typed value for
  // the unchanged one); htmx has processed the page by the time this runs (its own listener
  // came first), so submit the search as its button would.
  document.addEventListener("DOMContentLoaded", () => {
    for (const field of document.querySelectorAll('input[type="search"][hx-trigger]')) {
      if (field.value !== field.defaultValue && field.form) {
        field.form.requestSubmit();
      }
    }
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

// Editors (forms marked data-undo-history): Undo and Redo step through the user's edits of the
// form's fields before it is saved. A step is one field's edit: typing into a field counts as
// one step until the user leaves it. Restoring a step fires the fields' input and change events,
// so whatever follows those (changed markers, counters) stays in step.
function keepEditHistory(form) {
  const controls = form.querySelector("[data-undo-controls]");
  const undoButton = form.querySelector("[data-undo]");
  const redoButton = form.querySelector("[data-redo]");
  if (!controls || !undoButton || !redoButton) {
    return;
  }
  const fields = Array.from(form.elements).filter(
    (field) =>
      (field instanceof HTMLInputElement &&
        !["hidden", "submit", "button", "reset", "image", "file"].includes(field.type)) ||
      field instanceof HTMLSelectElement ||
      field instanceof HTMLTextAreaElement,
  );
  const isToggle = (field) =>
    field instanceof HTMLInputElement && (field.type === "checkbox" || field.type === "radio");
  const isTyped = (field) => !isToggle(field) && !(field instanceof HTMLSelectElement);

  const capture = () =>
    fields.map((field) => {
      if (isToggle(field)) {
        return field.checked;
      }
      if (field instanceof HTMLSelectElement && field.multiple) {
        return Array.from(field.selectedOptions, (option) => option.value).join("\n");
      }
      return field.value;
    });
  const same = (a, b) => a.every((value, index) => value === b[index]);

  const history = [capture()];
  let position = 0;
  let typingInto = null; // the field whose typing is being gathered into the latest step
  let restoring = false;

  function showState() {
    undoButton.disabled = position === 0;
    redoButton.disabled = position === history.length - 1;
  }

  function record(event) {
    const field = event.target;
    if (restoring || !fields.includes(field)) {
      return;
    }
    const state = capture();
    if (same(state, history[position])) {
      return;
    }
    if (event.type === "input" && field === typingInto && position === history.length - 1) {
      history[position] = state;
    } else {
      history.splice(position + 1);
      history.push(state);
      position = history.length - 1;
    }
    typingInto = event.type === "input" && isTyped(field) ? field : null;
    showState();
  }

  function restore(state) {
    const current = capture();
    restoring = true;
    try {
      fields.forEach((field, index) => {
        if (state[index] === current[index]) {
          return;
        }
        if (isToggle(field)) {
          field.checked = state[index];
        } else if (field instanceof HTMLSelectElement && field.multiple) {
          const chosen = state[index].split("\n");
          Array.from(field.options).forEach((option) => {
            option.selected = chosen.includes(option.value);
          });
        } else {
          field.value = state[index];
        }
        field.dispatchEvent(new Event("input", { bubbles: true }));
        field.dispatchEvent(new Event("change", { bubbles: true }));
      });
    } finally {
      restoring = false;
    }
  }

  function step(by) {
    const target = position + by;
    if (target < 0 || target >= history.length) {
      return;
    }
    position = target;
    typingInto = null;
    restore(history[position]);
    showState();
  }

  form.addEventListener("input", record);
  form.addEventListener("change", (event) => {
    record(event);
    typingInto = null; // a committed edit: typing again starts a new step
  });
  form.addEventListener("focusout", () => {
    typingInto = null;
  });
  undoButton.addEventListener("click", () => step(-1));
  redoButton.addEventListener("click", () => step(1));
  form.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey) {
      return;
    }
    const key = event.key.toLowerCase();
    const redo = (key === "z" && event.shiftKey) || (key === "y" && !event.shiftKey);
    const undo = key === "z" && !event.shiftKey;
    if (undo || redo) {
      event.preventDefault(); // the form's history, not the text field's own
      step(undo ? -1 : 1);
    }
  });
  controls.hidden = false;
  showState();
}

document.querySelectorAll("form[data-undo-history]").forEach(keepEditHistory);

// Destructive buttons ask first (data-confirm); a reject button needs the comments it names
// (data-requires) — the server refuses both too, this only saves a round trip.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-confirm], button[data-requires]") : null;
  if (!button || !button.form) {
    return;
  }
  const needed = button.dataset.requires ? button.form.elements.namedItem(button.dataset.requires) : null;
  if (needed instanceof HTMLTextAreaElement && !needed.value.trim()) {
    event.preventDefault();
    needed.setCustomValidity("Say why: the developer reads it.");
    needed.reportValidity();
    needed.addEventListener("input", () => needed.setCustomValidity(""), { once: true });
    return;
  }
  // A form the browser will refuse (a required reason left empty) says so first; asking to
  // confirm a request that cannot be sent would be a question for nothing.
  if (!button.formNoValidate && !button.form.checkValidity()) {
    return;
  }
  if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// A form that was sent shows it is working and cannot be sent twice. The buttons are disabled
// after the browser has collected the form, so the pressed button's value still goes along.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || event.defaultPrevented || form.method.toLowerCase() !== "post") {
    return;
  }
  form.classList.add("is-busy");
  form.setAttribute("aria-busy", "true");
  const pressed = event.submitter;
  setTimeout(() => {
    for (const button of form.querySelectorAll("button")) {
      button.disabled = true;
    }
    if (pressed instanceof HTMLButtonElement) {
      pressed.dataset.label = pressed.textContent || "";
      pressed.textContent = "Working…";
    }
  }, 0);
});

// Coming back to a page from the browser's cache: its forms are usable again.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) {
    return;
  }
  for (const form of document.querySelectorAll("form.is-busy")) {
    form.classList.remove("is-busy");
    form.removeAttribute("aria-busy");
    for (const button of form.querySelectorAll("button")) {
      button.disabled = false;
      if (button.dataset.label) {
        button.textContent = button.dataset.label;
      }
    }
  }
});

// Review pages: open or close every component comparison at once. Opening one fires its
// toggle event, so each comparison still loads the first time it is opened.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-diffs]") : null;
  if (!button) {
    return;
  }
  const open = button.dataset.diffs === "open";
  for (const details of document.querySelectorAll("details.component-diff")) {
    details.open = open;
  }
});
