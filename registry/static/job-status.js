// A background job's page (templates/jobs/show.html): while the job waits or runs, ask its state every second
// and move the progress bar and its text; when it has finished, reload the page, which then shows the download
// link or the reason it failed. Without JavaScript the page has a "Refresh" link.
(function () {
  "use strict";

  var POLL_MS = 1000;
  var MAX_ERRORS = 30;

  function start(box) {
    var url = box.getAttribute("data-job-status");
    var bar = document.getElementById("job-progress");
    var percent = document.getElementById("job-percent");
    var status = document.getElementById("job-state");
    var errors = 0;

    function show(state) {
      if (bar) bar.value = state.progress;
      if (percent) percent.textContent = state.progress + " %";
      if (status && state.note && status.textContent !== state.note) status.textContent = state.note;
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (state) {
          errors = 0;
          show(state);
          if (state.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, POLL_MS);
          }
        })
        .catch(function () {
          errors += 1;
          if (errors < MAX_ERRORS) window.setTimeout(poll, POLL_MS * 2);
        });
    }

    window.setTimeout(poll, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-job-status]");
    if (!box || !window.fetch) return;
    var state = box.getAttribute("data-job-state");
    if (state === "queued" || state === "running") start(box);
  });
})();
