// promo-archive web pages: the live progress of an ingest job. The page
// works without it (a <noscript> refresh).
(function () {
  "use strict";
  var el = document.getElementById("job");
  if (!el || el.dataset.finished === "true") { return; }
  var bar = document.getElementById("job-progress");
  var files = document.getElementById("job-files");
  var state = document.getElementById("job-state");
  function poll() {
    fetch(el.dataset.job, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (j) {
        var p = j.progress || {};
        if (p.files_total > 0) {
          bar.value = Math.floor(100 * p.files_done / p.files_total);
          files.textContent = p.files_done + " / " + p.files_total;
        }
        var label = el.dataset["l" + j.state.charAt(0).toUpperCase() + j.state.slice(1)];
        if (label) { state.textContent = label; }
        if (j.state === "done" || j.state === "failed" || j.state === "interrupted") {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 700);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
