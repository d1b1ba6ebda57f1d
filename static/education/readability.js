// The article's readability panel follows the editor's typing: a short pause after a change to
// the title or a section posts the form to the server, which scores it and returns the panel.
// Without this script the panel shows the saved text's scores and updates on save.
(function () {
  "use strict";
  var DELAY_MS = 600;

  function start() {
    var panel = document.querySelector(".readability-live[data-url]");
    var form = panel && panel.closest("form");
    if (!form) return;
    var report = panel.querySelector(".readability-report");
    var status = panel.querySelector("[role=status]");
    var timer = null;
    var pending = null;

    function watched(target) {
      var name = target && target.name || "";
      return name === "title" || /^sections-\d+-(heading|body|DELETE)$/.test(name);
    }

    function update() {
      if (pending) pending.abort();
      pending = new AbortController();
      var data = new FormData(form);
      fetch(panel.dataset.url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: {"X-CSRFToken": data.get("csrfmiddlewaretoken") || ""},
        signal: pending.signal
      }).then(function (response) {
        if (!response.ok) throw new Error("readability " + response.status);
        return response.text();
      }).then(function (html) {
        report.innerHTML = html;
        var grade = report.querySelector(".whole-grade");
        if (grade && status) status.textContent = "Reading grade now " + grade.textContent.trim() + ".";
        panel.dataset.updated = String(Date.now());
      }).catch(function (error) {
        if (error.name !== "AbortError") panel.dataset.failed = "true";  // the saved scores stay shown
      });
    }

    function changed(event) {
      if (!watched(event.target)) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(update, DELAY_MS);
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
