/* Small progressive enhancements; every page also works without JavaScript. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  window.oneapiCsrf = csrfToken;

  // Phone layout: the menu button opens and closes the sidebar.
  document.addEventListener("click", function (e) {
    var toggle = e.target.closest("[data-toggle-nav]");
    if (toggle) {
      var open = document.body.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      return;
    }
    if (document.body.classList.contains("nav-open") && !e.target.closest(".sidebar")) {
      document.body.classList.remove("nav-open");
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") document.body.classList.remove("nav-open");
  });

  // One-click copy: <button data-copy="text"> or data-copy-from="#id".
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy") ? resolve() : reject(); } catch (err) { reject(err); }
      document.body.removeChild(area);
    });
  }
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-copy], [data-copy-from]");
    if (!btn) return;
    e.preventDefault();
    var text = btn.getAttribute("data-copy");
    if (text === null) {
      var src = document.querySelector(btn.getAttribute("data-copy-from"));
      text = src ? (src.value !== undefined && src.tagName !== "CODE" ? src.value : src.textContent) : "";
    }
    var label = btn.getAttribute("data-copied-label") || "Copied";
    copyText(text.trim()).then(function () {
      var old = btn.getAttribute("data-label") || btn.textContent;
      btn.setAttribute("data-label", old);
      btn.classList.add("copied");
      var span = btn.querySelector(".copy-label");
      if (span) span.textContent = label;
      btn.setAttribute("title", label);
      setTimeout(function () {
        btn.classList.remove("copied");
        if (span) span.textContent = btn.getAttribute("data-default-label") || span.textContent;
      }, 1500);
    });
  });

  // Destructive buttons ask first: <form data-confirm="..."> or <button data-confirm="...">.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var submitter = e.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) e.preventDefault();
  });

  // JSON editors validate as you type: <textarea data-json="object" data-json-ok="..." data-json-bad="...">.
  function validateJson(area) {
    var box = document.getElementById(area.id + "-err");
    var text = area.value.trim();
    var problem = "";
    if (text) {
      try {
        var value = JSON.parse(text);
        var want = area.getAttribute("data-json");
        if (want === "object" && (value === null || typeof value !== "object" || Array.isArray(value))) {
          problem = area.getAttribute("data-json-object") || "Must be a JSON object";
        } else if (want === "string-map" && value && typeof value === "object" && !Array.isArray(value)) {
          Object.keys(value).forEach(function (k) {
            if (!problem && typeof value[k] !== "string") problem = (area.getAttribute("data-json-strings") || "Every value must be a string") + ": " + k;
          });
        } else if (want === "number-map" && value && typeof value === "object" && !Array.isArray(value)) {
          Object.keys(value).forEach(function (k) {
            if (!problem && (typeof value[k] !== "number" || value[k] < 0)) problem = (area.getAttribute("data-json-numbers") || "Every value must be a non-negative number") + ": " + k;
          });
        }
      } catch (err) {
        problem = (area.getAttribute("data-json-bad") || "Invalid JSON") + ": " + err.message;
      }
    }
    if (box) {
      box.textContent = problem;
      box.hidden = !problem;
    }
    area.setAttribute("aria-invalid", problem ? "true" : "false");
    area.closest(".field") && area.closest(".field").classList.toggle("has-error", !!problem);
    return !problem;
  }
  function bindJson(root) {
    (root || document).querySelectorAll("textarea[data-json]").forEach(function (area) {
      if (area.__jsonBound) return;
      area.__jsonBound = true;
      area.addEventListener("input", function () { validateJson(area); });
      if (area.value.trim()) validateJson(area);
    });
  }
  document.addEventListener("submit", function (e) {
    var bad = null;
    e.target.querySelectorAll("textarea[data-json]").forEach(function (area) {
      if (!validateJson(area) && !bad) bad = area;
    });
    if (bad) { e.preventDefault(); bad.focus(); }
  }, true);
  // Pretty-print buttons: <button data-format-json="#id">.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-format-json]");
    if (!btn) return;
    e.preventDefault();
    var area = document.querySelector(btn.getAttribute("data-format-json"));
    try { area.value = JSON.stringify(JSON.parse(area.value || "{}"), null, 2); } catch (err) { /* shown by validation */ }
    validateJson(area);
  });

  // "Select all" checkboxes for bulk actions.
  document.addEventListener("change", function (e) {
    var all = e.target.closest("[data-check-all]");
    if (!all) return;
    document.querySelectorAll(all.getAttribute("data-check-all")).forEach(function (box) { box.checked = all.checked; });
  });

  // Buttons that run a JSON request and show the answer in place: <button data-fetch="/url" data-target="#id">.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-fetch]");
    if (!btn) return;
    e.preventDefault();
    var target = document.querySelector(btn.getAttribute("data-target"));
    btn.disabled = true;
    if (target) { target.textContent = btn.getAttribute("data-busy") || "…"; target.className = "muted"; }
    fetch(btn.getAttribute("data-fetch"), {
      method: btn.getAttribute("data-method") || "POST",
      headers: { "X-CSRF-Token": csrfToken(), "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (target) {
        target.textContent = data.message || "";
        target.className = btn.hasAttribute("data-plain") ? "" : (data.success ? "badge badge-green" : "badge badge-red");
        target.title = data.detail || "";
      }
    }).catch(function () {
      if (target) { target.textContent = "error"; target.className = "badge badge-red"; }
    }).finally(function () { btn.disabled = false; });
  });

  // A checkbox that disables a field while checked: <input type=checkbox data-toggle-disable="#id">.
  function syncToggles() {
    document.querySelectorAll("[data-toggle-disable]").forEach(function (box) {
      var target = document.querySelector(box.getAttribute("data-toggle-disable"));
      if (target) target.disabled = box.checked;
    });
  }
  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-toggle-disable]")) syncToggles();
  });

  // Model pickers: clicking a model name adds it to (or removes it from) a comma-separated field.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-add-model]");
    if (!btn) return;
    e.preventDefault();
    var picker = btn.closest("[data-model-target]");
    var input = document.querySelector(picker.getAttribute("data-model-target"));
    var name = btn.getAttribute("data-add-model");
    var list = input.value.split(/[,\n]/).map(function (s) { return s.trim(); }).filter(Boolean);
    var at = list.indexOf(name);
    if (at >= 0) list.splice(at, 1); else list.push(name);
    input.value = list.join(",");
    input.dispatchEvent(new Event("input", { bubbles: true }));
    markPicked(picker, list);
  });
  function markPicked(picker, list) {
    picker.querySelectorAll("[data-add-model]").forEach(function (b) {
      var on = list.indexOf(b.getAttribute("data-add-model")) >= 0;
      b.classList.toggle("btn-primary", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }
  function syncPickers() {
    document.querySelectorAll("[data-model-target]").forEach(function (picker) {
      var input = document.querySelector(picker.getAttribute("data-model-target"));
      if (!input) return;
      var list = input.value.split(/[,\n]/).map(function (s) { return s.trim(); }).filter(Boolean);
      markPicked(picker, list);
    });
  }
  document.addEventListener("input", function (e) {
    if (e.target.matches("input, textarea")) syncPickers();
  });
  window.oneapiSyncPickers = syncPickers;

  document.addEventListener("DOMContentLoaded", function () { bindJson(document); syncToggles(); syncPickers(); });
  window.oneapiBindJson = bindJson;
})();
