// The import page follows an upload's check or import: it asks the API every second and moves the progress
// bar; when the job is done it reloads, and the server renders the preview or the outcome.
(function () {
  "use strict";
  var section = document.getElementById("progress");
  if (!section) { return; }
  var job = section.getAttribute("data-job");
  var shownStage = section.getAttribute("data-stage");
  var bar = document.getElementById("bar");
  function show(state) {
    bar.max = state.total || 1;
    bar.value = state.done;
    var done = document.getElementById("done");
    var total = document.getElementById("total");
    if (done && total) { done.textContent = state.done; total.textContent = state.total; }
  }
  function poll() {
    fetch("/api/imports/" + job, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        // A new stage, or the end: the server renders the page again, in the reader's language.
        if ((state.status !== "checking" && state.status !== "importing") || state.stage !== shownStage) {
          window.location.reload();
          return;
        }
        show(state);
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
