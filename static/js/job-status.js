// A job's status page (templates/jobs/job_detail.html): asks for the job's status every two
// seconds, moves the progress bar, and reloads the page when the job has finished, so that the
// download link or the error shows. Without script the page has a link to reload it.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "true") {
    return;
  }
  var bar = document.getElementById("job-progress");
  var label = document.getElementById("job-status");
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (job) {
        if (!job) {
          return;
        }
        if (job.finished) {
          window.location.reload();
          return;
        }
        label.textContent = job.status_label;
        if (bar && job.total > 0) {
          bar.max = job.total;
          bar.value = job.progress;
          bar.textContent = job.progress + " av " + job.total;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
