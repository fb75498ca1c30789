/* Channel form: fields, default base URL and the model picker follow the chosen channel type. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("channel-form");
    if (!form) return;
    var typeModels = JSON.parse(form.getAttribute("data-type-models") || "{}");
    var baseUrls = JSON.parse(form.getAttribute("data-base-urls") || "{}");
    var typeNotes = JSON.parse(form.getAttribute("data-type-notes") || "{}");
    var typeNote = form.querySelector("[data-type-note]");
    var typeSelect = form.querySelector("[data-channel-type]");
    var baseUrl = form.querySelector("[data-base-url]");
    var picker = form.querySelector("[data-type-picker]");
    var models = document.getElementById("f-models");

    function current() { return typeSelect.value; }
    function renderPicker() {
      picker.innerHTML = "";
      (typeModels[current()] || []).forEach(function (name) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "btn btn-sm";
        b.setAttribute("data-add-model", name);
        b.textContent = name;
        picker.appendChild(b);
      });
      if (!picker.children.length) {
        var none = document.createElement("span");
        none.className = "help";
        none.textContent = "—";
        picker.appendChild(none);
      }
      if (window.oneapiSyncPickers) window.oneapiSyncPickers();
    }
    function applyType() {
      var t = current();
      form.querySelectorAll("[data-types]").forEach(function (box) {
        box.hidden = box.getAttribute("data-types").split(",").indexOf(t) < 0;
      });
      baseUrl.placeholder = baseUrls[t] || "https://…";
      typeNote.textContent = typeNotes[t] || "";  // a type the relay refuses: which one to use instead
      typeNote.hidden = !typeNotes[t];
      renderPicker();
    }
    typeSelect.addEventListener("change", applyType);
    form.querySelector("[data-fill-models]").addEventListener("click", function () {
      var list = models.value.split(/[,\n]/).map(function (s) { return s.trim(); }).filter(Boolean);
      (typeModels[current()] || []).forEach(function (m) { if (list.indexOf(m) < 0) list.push(m); });
      models.value = list.join(",");
      models.dispatchEvent(new Event("input", { bubbles: true }));
    });
    form.querySelector("[data-clear-models]").addEventListener("click", function () {
      models.value = "";
      models.dispatchEvent(new Event("input", { bubbles: true }));
    });
    applyType();
  });
})();
