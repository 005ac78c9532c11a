// While a training or re-ranking job runs, the model page asks for its progress every half
// second and moves the bar; when the job ends the page reloads to show the new version.
document.addEventListener("DOMContentLoaded", function () {
  var card = document.querySelector("[data-job-running]");
  if (!card) {
    return;
  }
  var bar = document.getElementById("job-bar");
  var progress = document.getElementById("job-progress");
  var count = document.getElementById("job-count");
  var countTemplate = count.dataset.template;

  function show(job) {
    bar.style.width = job.percent + "%";
    bar.textContent = job.percent + "%";
    progress.setAttribute("aria-valuenow", job.done);
    progress.setAttribute("aria-valuemax", job.total);
    document.getElementById("job-state").textContent = job.state;
    document.getElementById("job-step").textContent = job.step;
    count.textContent = countTemplate.replace("{done}", job.done).replace("{total}", job.total);
  }

  function poll() {
    fetch(card.dataset.jobUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) {
          return;
        }
        show(job);
        if (job.running) {
          window.setTimeout(poll, 500);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 500);
});
