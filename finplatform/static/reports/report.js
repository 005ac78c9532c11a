// The report pages' behaviour, kept in a static file so a strict CSP needs no inline script.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var progress = document.querySelector("[data-job-url]");
  if (!progress) { return; }
  var bar = progress.querySelector(".progress-bar");
  var text = progress.querySelector("[data-job-message]");
  function poll() {
    fetch(progress.dataset.jobUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        var percent = job.total ? Math.round(100 * job.done / job.total) : 0;
        bar.style.width = percent + "%";
        bar.setAttribute("aria-valuenow", String(percent));
        text.textContent = job.status_label + (job.message_label ? " · " + job.message_label : "");
        if (job.status === "finished") { window.location = progress.dataset.doneUrl; return; }
        if (job.status === "failed" || job.status === "unknown") { return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
