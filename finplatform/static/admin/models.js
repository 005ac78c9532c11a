// The model page reloads itself while a training or re-ranking job runs, to show its progress.
document.addEventListener("DOMContentLoaded", function () {
  if (document.querySelector("[data-job-running]")) {
    window.setTimeout(function () { window.location.reload(); }, 3000);
  }
});
